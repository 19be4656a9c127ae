//! Strict reading and decoding of inputs, and line splitting.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How inputs are read.
///
/// Defaults: strict UTF-8, at most 64 MiB per input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    pub lossy: bool,
    /// Largest input accepted, in bytes; larger inputs are refused before they are read.
    pub max_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { lossy: false, max_bytes: 64 << 20 }
    }
}

/// Reads the bytes of `path` (stdin for `-`), refusing inputs over `max_bytes`.
pub fn read_bytes(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let io_error = |source| Error::Io { path: path.to_path_buf(), source };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        // One byte past the limit tells an over-long stream from one that is exactly at it.
        std::io::stdin().lock().take(max_bytes + 1).read_to_end(&mut bytes).map_err(io_error)?;
    } else {
        let file = std::fs::File::open(path).map_err(io_error)?;
        let meta = file.metadata().map_err(io_error)?;
        if meta.is_dir() {
            return Err(io_error(std::io::Error::other("it is a folder")));
        }
        if meta.len() > max_bytes {
            return Err(Error::TooLarge { path: path.to_path_buf(), bytes: meta.len(), limit: max_bytes });
        }
        file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(io_error)?;
    }
    if bytes.len() as u64 > max_bytes {
        return Err(Error::TooLarge { path: path.to_path_buf(), bytes: bytes.len() as u64, limit: max_bytes });
    }
    Ok(bytes)
}

/// Reads `path` (or stdin when `path` is `-`) and decodes it with [`decode`].
pub fn read_text(path: &Path, options: &ReadOptions) -> Result<String> {
    decode(path, &read_bytes(path, options.max_bytes)?, options)
}

/// Decodes UTF-8, dropping a leading byte-order mark. Text with NUL bytes is taken for a binary
/// file. Invalid UTF-8 is an error that names `path` and the byte offset (in the original bytes)
/// of the first bad sequence, unless `options.lossy` replaces it with U+FFFD.
///
/// ```
/// use precis_text::{decode, ReadOptions};
/// let strict = ReadOptions::default();
/// assert_eq!(decode("a.txt", b"\xEF\xBB\xBFhi", &strict)?, "hi");
/// assert!(decode("a.txt", b"caf\xE9", &strict).unwrap_err().to_string().contains("offset 3"));
/// let lossy = ReadOptions { lossy: true, ..strict };
/// assert_eq!(decode("a.txt", b"caf\xE9", &lossy)?, "caf\u{FFFD}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode(path: impl Into<PathBuf>, bytes: &[u8], options: &ReadOptions) -> Result<String> {
    let (skipped, body) = match bytes.strip_prefix(BOM) {
        Some(body) => (BOM.len(), body),
        None => (0, bytes),
    };
    if let Some(offset) = body.iter().position(|&b| b == 0) {
        if skipped == 0 && looks_utf16(bytes) {
            return Err(Error::Utf16 { path: path.into() });
        }
        return Err(Error::Binary { path: path.into(), offset: skipped + offset });
    }
    if skipped == 0 && looks_utf16(bytes) {
        return Err(Error::Utf16 { path: path.into() });
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(_) if options.lossy => Ok(String::from_utf8_lossy(body).into_owned()),
        Err(e) => Err(Error::NotUtf8 { path: path.into(), offset: skipped + e.valid_up_to() }),
    }
}

/// UTF-16 by its byte-order mark, or by NUL bytes in every other position of mostly ASCII text
/// (what Windows tools write without a mark).
fn looks_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let head = &bytes[..bytes.len().min(1024) & !1];
    if head.len() < 4 {
        return false;
    }
    let zeros_at = |parity: usize| head.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let half = head.len() / 2;
    let (even, odd) = (zeros_at(0), zeros_at(1));
    (odd * 10 >= half * 9 && even * 10 < half) || (even * 10 >= half * 9 && odd * 10 < half)
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

    const STRICT: ReadOptions = ReadOptions { lossy: false, max_bytes: 1 << 20 };

    #[test]
    fn invalid_utf8_names_path_and_offset_in_the_original_bytes() {
        let err = decode("in.txt", b"\xEF\xBB\xBFok \xFF", &STRICT).unwrap_err();
        assert!(matches!(err, Error::NotUtf8 { offset: 6, .. }));
        let message = err.to_string();
        assert!(message.contains("in.txt") && message.contains("offset 6"), "{message}");
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(matches!(decode("x.png", png, &STRICT), Err(Error::Binary { offset: 8, .. })));
    }

    #[test]
    fn utf16_is_told_apart_from_binary() {
        let utf16le: Vec<u8> = "Talks resumed.".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let with_bom = [&b"\xFF\xFE"[..], &utf16le].concat();
        for bytes in [&utf16le, &with_bom] {
            let err = decode("w.txt", bytes, &STRICT).unwrap_err();
            assert!(matches!(err, Error::Utf16 { .. }), "{err}");
            assert!(err.to_string().contains("iconv -f UTF-16"), "{err}");
        }
        assert!(matches!(decode("x.bin", b"\x01\x00\x00\x00\x02\x00\x00\x00", &STRICT), Err(Error::Binary { .. })));
    }

    #[test]
    fn blank_lines_are_skipped_but_numbers_kept() {
        let got = lines("a\n\n \t\n  b  \r\nc");
        let numbers: Vec<_> = got.iter().map(|l| (l.number, l.text)).collect();
        assert_eq!(numbers, vec![(1, "a"), (4, "  b  "), (5, "c")]);
    }

    #[test]
    fn reading_a_missing_file_names_it() {
        let err = read_text(Path::new("/no/such/file.txt"), &STRICT).unwrap_err().to_string();
        assert!(err.starts_with("cannot read /no/such/file.txt"), "{err}");
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::File::create(&path).unwrap().set_len(2 << 20).unwrap();
        assert!(matches!(read_bytes(&path, 1 << 20), Err(Error::TooLarge { bytes: 2097152, .. })));
    }
}
