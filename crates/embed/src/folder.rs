//! What a sentence-transformers folder says about how to run its model.

use std::path::{Path, PathBuf};

use candle_transformers::models::bert;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::json::read_json;
use crate::pooling::Pooling;

/// The weights file of every supported folder.
pub const WEIGHTS: &str = "model.safetensors";

/// A sentence-transformers model folder, read and checked: the BERT config plus the modules that
/// follow the transformer (pooling, optional normalization) and the longest input in tokens.
#[derive(Debug, Clone)]
pub struct ModelFolder {
    /// The folder.
    pub dir: PathBuf,
    /// The transformer's `config.json`.
    pub bert: bert::Config,
    /// How token vectors become one sentence vector (`1_Pooling/config.json`).
    pub pooling: Pooling,
    /// Whether a `Normalize` module follows pooling (`modules.json`).
    pub normalize: bool,
    /// Longest input in tokens, special tokens included (`sentence_bert_config.json`,
    /// capped by the model's position embeddings).
    pub max_seq_length: usize,
}

#[derive(Deserialize)]
struct Module {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

#[derive(Deserialize)]
struct BertLimits {
    max_position_embeddings: usize,
}

impl ModelFolder {
    /// Reads the folder's configuration files; the weights and tokenizer are only checked to exist.
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::bad_file(
                dir,
                "not a folder: give the path of a sentence-transformers model folder, or a model name such as minilm",
            ));
        }
        for file in ["config.json", "tokenizer.json", WEIGHTS, "modules.json"] {
            require(dir, file)?;
        }
        let bert: bert::Config = read_json(&dir.join("config.json"))?;
        let limits: BertLimits = read_json(&dir.join("config.json"))?;
        check_shape(&dir.join("config.json"), &bert)?;
        let modules: Vec<Module> = read_json(&dir.join("modules.json"))?;

        let mut pooling = None;
        let mut normalize = false;
        for module in &modules {
            match module.kind.rsplit('.').next().unwrap_or_default() {
                "Transformer" => {}
                "Pooling" => {
                    let path = dir.join(&module.path).join("config.json");
                    pooling = Some(Pooling::from_config_file(&path)?);
                }
                "Normalize" => normalize = true,
                other => {
                    return Err(Error::bad_file(
                        dir.join("modules.json"),
                        format!("module {other:?} is not supported (precis runs Transformer, Pooling and Normalize)"),
                    ));
                }
            }
        }
        let pooling = pooling.ok_or_else(|| {
            Error::bad_file(dir.join("modules.json"), "no Pooling module: not a sentence-transformers folder")
        })?;

        let sbert_path = require(dir, "sentence_bert_config.json")?;
        let sbert: SentenceBertConfig = read_json(&sbert_path)?;
        let max_seq_length =
            sbert.max_seq_length.unwrap_or(limits.max_position_embeddings).min(limits.max_position_embeddings);
        if max_seq_length < 2 {
            return Err(Error::bad_file(
                sbert_path,
                format!("max_seq_length {max_seq_length} leaves no room for text"),
            ));
        }
        Ok(Self { dir: dir.to_path_buf(), bert, pooling, normalize, max_seq_length })
    }

    /// Path of a file inside the folder.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

/// Sizes the encoder divides by or allocates from: zero or inconsistent values would otherwise
/// surface as a division by zero or a shape error deep inside the first forward pass.
fn check_shape(path: &Path, bert: &bert::Config) -> Result<()> {
    let positive = [
        ("vocab_size", bert.vocab_size),
        ("hidden_size", bert.hidden_size),
        ("num_hidden_layers", bert.num_hidden_layers),
        ("num_attention_heads", bert.num_attention_heads),
        ("intermediate_size", bert.intermediate_size),
        ("max_position_embeddings", bert.max_position_embeddings),
    ];
    if let Some((name, _)) = positive.iter().find(|(_, value)| *value == 0) {
        return Err(Error::bad_file(path, format!("{name} is 0: not a usable BERT config")));
    }
    if !bert.hidden_size.is_multiple_of(bert.num_attention_heads) {
        return Err(Error::bad_file(
            path,
            format!(
                "num_attention_heads ({}) does not divide hidden_size ({}): not a usable BERT config",
                bert.num_attention_heads, bert.hidden_size
            ),
        ));
    }
    Ok(())
}

fn require(dir: &Path, file: &'static str) -> Result<PathBuf> {
    let path = dir.join(file);
    if path.is_file() { Ok(path) } else { Err(Error::MissingFile { dir: dir.to_path_buf(), file }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const BERT_CONFIG: &str = r#"{"vocab_size": 10, "hidden_size": 4, "num_hidden_layers": 1,
        "num_attention_heads": 1, "intermediate_size": 8, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "max_position_embeddings": 128, "type_vocab_size": 2,
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0, "model_type": "bert"}"#;

    fn folder(modules: &str, pooling: &str, sbert: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "config.json", BERT_CONFIG);
        write(dir.path(), "tokenizer.json", "{}");
        write(dir.path(), WEIGHTS, "");
        write(dir.path(), "modules.json", modules);
        write(dir.path(), "1_Pooling/config.json", pooling);
        write(dir.path(), "sentence_bert_config.json", sbert);
        dir
    }

    const MEAN: &str = r#"{"word_embedding_dimension": 4, "pooling_mode_mean_tokens": true}"#;
    const MODULES: &str = r#"[{"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]"#;

    #[test]
    fn reads_pooling_normalize_and_max_seq_length() {
        let dir = folder(MODULES, MEAN, r#"{"max_seq_length": 64}"#);
        let folder = ModelFolder::read(dir.path()).unwrap();
        assert_eq!(folder.pooling, Pooling::Mean);
        assert!(folder.normalize);
        assert_eq!(folder.max_seq_length, 64);
    }

    #[test]
    fn max_seq_length_is_capped_by_position_embeddings() {
        let dir = folder(MODULES, MEAN, r#"{"max_seq_length": 4096}"#);
        assert_eq!(ModelFolder::read(dir.path()).unwrap().max_seq_length, 128);
    }

    #[test]
    fn no_normalize_module_means_raw_pooled_vectors() {
        let modules = r#"[{"path": "", "type": "sentence_transformers.models.Transformer"},
            {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]"#;
        let dir = folder(modules, MEAN, "{}");
        assert!(!ModelFolder::read(dir.path()).unwrap().normalize);
    }

    #[test]
    fn unsupported_module_is_named() {
        let modules = r#"[{"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}]"#;
        let dir = folder(modules, MEAN, "{}");
        let err = ModelFolder::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("\"Dense\" is not supported"), "{err}");
    }

    #[test]
    fn missing_tokenizer_is_named() {
        let dir = folder(MODULES, MEAN, "{}");
        std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
        let err = ModelFolder::read(dir.path()).unwrap_err();
        assert!(matches!(err, Error::MissingFile { file: "tokenizer.json", .. }), "{err}");
    }

    #[test]
    fn broken_json_names_the_file() {
        let dir = folder(MODULES, MEAN, "{");
        let err = ModelFolder::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("sentence_bert_config.json") && err.contains("invalid JSON"), "{err}");
    }
}
