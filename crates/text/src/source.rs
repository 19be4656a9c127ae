//! Strict decoding of input files and line splitting.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads `path` (or stdin when `path` is `-`) and decodes it with [`decode`].
pub fn read_text(path: &Path) -> Result<String> {
    let io_error = |source| Error::Io { path: path.to_path_buf(), source };
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes).map_err(io_error)?;
        bytes
    } else {
        std::fs::read(path).map_err(io_error)?
    };
    decode(path, &bytes)
}

/// Decodes UTF-8, dropping a leading byte-order mark. Invalid UTF-8 is an error that names `path`
/// and the byte offset (in the original bytes) of the first bad sequence.
pub fn decode(path: impl Into<PathBuf>, bytes: &[u8]) -> Result<String> {
    let (skipped, body) = match bytes.strip_prefix(BOM) {
        Some(body) => (BOM.len(), body),
        None => (0, bytes),
    };
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => Err(Error::NotUtf8 { path: path.into(), offset: skipped + e.valid_up_to() }),
    }
}

/// One line of an input with one text per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number in the input.
    pub number: usize,
    /// The line without its terminator; inner and edge whitespace is kept, since it is part of
    /// the text a model sees.
    pub text: &'a str,
}

/// The non-blank lines of `text` with their 1-based numbers. `\n` and `\r\n` both end a line.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, text)| Line { number: i + 1, text })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_dropped() {
        assert_eq!(decode("a", b"\xEF\xBB\xBFhi").unwrap(), "hi");
    }

    #[test]
    fn invalid_utf8_names_path_and_offset_in_the_original_bytes() {
        let err = decode("in.txt", b"\xEF\xBB\xBFok \xFF").unwrap_err();
        assert!(matches!(err, Error::NotUtf8 { offset: 6, .. }));
        let message = err.to_string();
        assert!(message.contains("in.txt") && message.contains("offset 6"), "{message}");
    }

    #[test]
    fn blank_lines_are_skipped_but_numbers_kept() {
        let got = lines("a\n\n \t\n  b  \r\nc");
        let numbers: Vec<_> = got.iter().map(|l| (l.number, l.text)).collect();
        assert_eq!(numbers, vec![(1, "a"), (4, "  b  "), (5, "c")]);
    }

    #[test]
    fn reading_a_missing_file_names_it() {
        let err = read_text(Path::new("/no/such/file.txt")).unwrap_err().to_string();
        assert!(err.starts_with("cannot read /no/such/file.txt"), "{err}");
    }
}
