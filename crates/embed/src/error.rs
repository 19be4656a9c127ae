//! Errors of model resolution, loading and inference.

use std::path::PathBuf;

/// Everything that can go wrong while finding, loading or running a sentence model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The model folder lacks a file that every sentence-transformers folder has.
    #[error(
        "model folder {dir} has no {file}: place a complete sentence-transformers folder there, or run `precis model fetch`"
    )]
    MissingFile {
        /// The model folder.
        dir: PathBuf,
        /// The missing file, relative to `dir`.
        file: &'static str,
    },
    /// A file of the model folder could not be read or parsed.
    #[error("cannot read {path}: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The weights on disk are not the ones the manifest names.
    #[error(
        "checksum mismatch for {path}: expected sha256 {expected}, found {found}; delete {dir} and run `precis model fetch {name}`",
        dir = path.parent().map(|p| p.display().to_string()).unwrap_or_default()
    )]
    ChecksumMismatch {
        /// The model's name in the manifest.
        name: String,
        /// The weights file.
        path: PathBuf,
        /// The sha256 the manifest lists.
        expected: String,
        /// The sha256 of the file on disk.
        found: String,
    },
    /// The name is neither a known model nor an existing folder.
    #[error("unknown model {name:?}: use one of {known} or the path of a sentence-transformers folder")]
    UnknownModel {
        /// What the user asked for.
        name: String,
        /// The names the manifest knows, comma separated.
        known: String,
    },
    /// Every source of a known model failed.
    #[error(
        "could not get model {name:?}; tried: {tried}. Place the folder of {repo} (revision {revision}) at {target} by hand and run again"
    )]
    FetchFailed {
        /// The model's name in the manifest.
        name: String,
        /// The Hub repository.
        repo: String,
        /// The pinned revision.
        revision: String,
        /// Where the folder belongs.
        target: PathBuf,
        /// Each source with why it failed, `; ` separated.
        tried: String,
    },
    /// The models folder cannot hold models (it is a file, or not writable).
    #[error("cannot use models folder {dir}: {source}; give a writable folder with --models-dir or PRECIS_MODELS_DIR")]
    ModelsDir {
        /// The folder.
        dir: PathBuf,
        /// Why it cannot be used.
        source: std::io::Error,
    },
    /// The requested device is not available in this build or on this machine.
    #[error("{0}")]
    Device(String),
    /// Invalid parameters.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The tokenizer rejected its configuration or an input.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// An I/O error outside any specific model file.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Errors of invalid embedding parameters, raised once at construction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// `max_batch_size` was zero.
    #[error("max_batch_size cannot be 0")]
    ZeroBatchSize,
    /// `max_batch_tokens` cannot hold even one text of the longest allowed length.
    #[error(
        "max_batch_tokens ({max_batch_tokens}) must be at least the model's max_seq_length ({max_seq_length}), so that its longest input fits a batch"
    )]
    BatchTokensTooSmall {
        /// The token budget that was asked for.
        max_batch_tokens: usize,
        /// The model's longest input, in tokens.
        max_seq_length: usize,
    },
    /// A device name that is not `cpu`, `cuda` or `cuda:N`.
    #[error("unknown device {0:?}: use cpu, cuda or cuda:N")]
    UnknownDevice(String),
    /// A number format the encoder does not run in.
    #[error("unknown precision {0:?}: use f32, bf16 or f16")]
    Precision(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn bad_file(path: impl Into<PathBuf>, reason: impl ToString) -> Self {
        Error::BadFile { path: path.into(), reason: reason.to_string() }
    }
}
