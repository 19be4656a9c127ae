//! Errors of reading text.

use std::path::PathBuf;

/// Why an input could not be read as text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The input (`-` for stdin).
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The input is not valid UTF-8.
    #[error("{path} is not valid UTF-8 (first bad byte at offset {offset}): convert it to UTF-8, e.g. with iconv")]
    NotUtf8 {
        /// The input.
        path: PathBuf,
        /// Byte offset of the first invalid sequence, counted from the start of the file.
        offset: usize,
    },
    /// The input holds no text.
    #[error("{path} is empty: give at least one non-blank line")]
    Empty {
        /// The input.
        path: PathBuf,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
