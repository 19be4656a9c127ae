//! Errors of reading documents.

use std::path::PathBuf;

/// Why an input could not be read as documents.
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
    #[error(
        "{path} is not valid UTF-8 (first bad byte at offset {offset}): convert it to UTF-8 (e.g. with iconv), or pass --lossy"
    )]
    NotUtf8 {
        /// The input.
        path: PathBuf,
        /// Byte offset of the first invalid sequence, counted from the start of the file.
        offset: usize,
    },
    /// The input looks like a binary file (it holds NUL bytes).
    #[error("{path} looks binary (NUL byte at offset {offset}), not text: give a .txt, .md, .html or .jsonl file")]
    Binary {
        /// The input.
        path: PathBuf,
        /// Offset of the first NUL byte.
        offset: usize,
    },
    /// The input is UTF-16 (a byte-order mark, or NUL bytes between ASCII letters), not UTF-8.
    #[error("{path} is UTF-16 text, not UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8 {path} > converted.txt")]
    Utf16 {
        /// The input.
        path: PathBuf,
    },
    /// HTML nested deeper than [`MAX_HTML_DEPTH`](crate::MAX_HTML_DEPTH) elements: converting it
    /// would take time quadratic in the depth.
    #[error(
        "{path} nests HTML elements {depth} deep, over the limit of {limit}: it is not a web page a reader sees (give its text instead)"
    )]
    TooDeep {
        /// The input.
        path: PathBuf,
        /// The deepest nesting of open elements found.
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// The input is larger than the configured limit.
    #[error("{path} is {bytes} bytes, over the limit of {limit} bytes per input: split it, or raise --max-bytes")]
    TooLarge {
        /// The input.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The input holds no text.
    #[error("{path} is empty: give at least one non-blank line")]
    Empty {
        /// The input.
        path: PathBuf,
    },
    /// A folder given as input holds no readable documents.
    #[error("folder {path} holds no .txt, .md, .html or .htm files")]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
    },
    /// One record of a JSON-lines input is malformed.
    #[error("{path}:{line}: {reason}")]
    BadRecord {
        /// The input.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The record's `id`, when it could be read.
        id: Option<String>,
        /// What is wrong with the record.
        reason: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
