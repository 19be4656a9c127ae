//! JSON-lines inputs: records (a document or a document set per line) read one bounded line at a
//! time, each error naming its line.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::document::{Document, DocumentSet};
use crate::error::{Error, Result};
use crate::source::{ReadOptions, decode};

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Record {
    Set(DocumentSet),
    Document(Document),
}

/// Parses one JSON line as a document or a document set.
/// An error carries the record's id when the line was JSON with a string `id`.
fn parse_record(line: &str) -> std::result::Result<Record, (Option<String>, String)> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| (None, format!("malformed JSON ({e})")))?;
    let id = value.get("id").and_then(|id| id.as_str()).map(String::from);
    check_record(value).map_err(|reason| (id, reason))
}

fn check_record(value: serde_json::Value) -> std::result::Result<Record, String> {
    let object = value.as_object().ok_or("a record must be a JSON object")?;
    let record = if object.contains_key("docs") {
        serde_json::from_value::<DocumentSet>(value).map(Record::Set)
    } else {
        serde_json::from_value::<Document>(value).map(Record::Document)
    };
    let record = record.map_err(|e| format!("not a document {{\"id\", \"text\"}} or set {{\"id\", \"docs\"}}: {e}"))?;
    match &record {
        Record::Set(set) if set.docs.is_empty() => Err(format!("document set {:?} has no documents", set.id)),
        Record::Set(set) => match set.docs.iter().find(|d| d.text.trim().is_empty()) {
            Some(doc) => Err(format!("document {:?} of set {:?} has no text", doc.id, set.id)),
            None => Ok(record),
        },
        Record::Document(doc) if doc.text.trim().is_empty() => Err(format!("document {:?} has no text", doc.id)),
        Record::Document(_) => Ok(record),
    }
}

/// Streams the records of a JSON-lines input, each with its line number in errors.
pub(crate) fn read_records(
    path: &Path,
    options: &ReadOptions,
) -> Result<impl Iterator<Item = Result<(usize, Record)>> + use<>> {
    let path = path.to_path_buf();
    Ok(read_lines(&path, options)?.map(move |line| {
        let (number, text) = line?;
        parse_record(&text).map(|record| (number, record)).map_err(|(id, reason)| Error::BadRecord {
            path: path.clone(),
            line: number,
            id,
            reason,
        })
    }))
}

/// Streams document sets from a JSON-lines input, one set per line, in bounded memory (one line at
/// a time, each at most `options.max_bytes`). Each item is a set or the error of its line, so a
/// batch run can report a bad record and go on.
pub fn read_document_sets(
    path: &Path,
    options: &ReadOptions,
) -> Result<impl Iterator<Item = Result<DocumentSet>> + use<>> {
    Ok(read_numbered_document_sets(path, options)?.map(|record| record.map(|(_, set)| set)))
}

/// Like [`read_document_sets`], each set with its 1-based line number in the input.
pub fn read_numbered_document_sets(
    path: &Path,
    options: &ReadOptions,
) -> Result<impl Iterator<Item = Result<(usize, DocumentSet)>> + use<>> {
    let path_buf = path.to_path_buf();
    Ok(read_records(path, options)?.map(move |record| match record? {
        (line, Record::Set(set)) => Ok((line, set)),
        (line, Record::Document(doc)) => Err(Error::BadRecord {
            path: path_buf.clone(),
            line,
            id: Some(doc.id.clone()),
            reason: format!("record {:?} is a single document, not a set {{\"id\", \"docs\"}}", doc.id),
        }),
    }))
}

/// Streams the documents of a JSON-lines input in bounded memory: each line a document, or a
/// set whose documents come out one by one with ids `set/doc`. Each item is a document with its
/// 1-based line number, or the error of its line.
pub fn read_numbered_documents(
    path: &Path,
    options: &ReadOptions,
) -> Result<impl Iterator<Item = Result<(usize, Document)>> + use<>> {
    Ok(read_records(path, options)?.flat_map(|record| -> Vec<Result<(usize, Document)>> {
        match record {
            Ok((line, Record::Document(doc))) => vec![Ok((line, doc))],
            Ok((line, Record::Set(set))) => set
                .docs
                .into_iter()
                .map(|mut doc| {
                    doc.id = format!("{}/{}", set.id, doc.id);
                    Ok((line, doc))
                })
                .collect(),
            Err(e) => vec![Err(e)],
        }
    }))
}

/// Non-blank lines of a file or stdin with 1-based numbers, decoded strictly (or lossily).
///
/// Memory is bounded by `options.max_bytes`: a longer line is never held whole. Its bytes are
/// skipped up to the next newline and it becomes that line's error, so the records around it
/// survive. Skipping stops at a NUL byte (a binary file or device such as `/dev/zero` has no
/// newline to reach), which ends the input with [`Error::Binary`].
fn read_lines(path: &Path, options: &ReadOptions) -> Result<impl Iterator<Item = Result<(usize, String)>> + use<>> {
    let io_error = |path: &Path, source| Error::Io { path: path.to_path_buf(), source };
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
        if file.metadata().map_err(|e| io_error(path, e))?.is_dir() {
            return Err(io_error(path, std::io::Error::other("it is a folder")));
        }
        Box::new(std::io::BufReader::with_capacity(1 << 16, file))
    };
    let path = path.to_path_buf();
    let options = *options;
    let mut lines = BoundedLines { reader, max_bytes: options.max_bytes, offset: 0, number: 0, done: false };
    Ok(std::iter::from_fn(move || {
        loop {
            let bad = |line, reason| Some(Err(Error::BadRecord { path: path.clone(), line, id: None, reason }));
            let (number, start, line) = match lines.next_line()? {
                Ok(RawLine::Whole { number, start, bytes }) => (number, start, bytes),
                Ok(RawLine::TooLong { number, bytes }) => {
                    let reason = format!("record of {bytes} bytes is over the limit of {} bytes", options.max_bytes);
                    return bad(number, reason);
                }
                Err(LineError::Io(e)) => return Some(Err(io_error(&path, e))),
                Err(LineError::Binary { offset }) => {
                    return Some(Err(Error::Binary { path: path.clone(), offset: offset as usize }));
                }
            };
            let bom = if number == 1 && line.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
            let text = match decode(&path, &line[bom..], &options) {
                Ok(text) => text,
                Err(Error::NotUtf8 { offset: at, .. }) => {
                    return bad(number, format!("not valid UTF-8 (file offset {})", start + (bom + at) as u64));
                }
                Err(Error::Binary { offset: at, .. }) => {
                    return bad(
                        number,
                        format!("holds a NUL byte (file offset {}): not text", start + (bom + at) as u64),
                    );
                }
                Err(e) => return bad(number, e.to_string()),
            };
            if !text.trim().is_empty() {
                return Some(Ok((number, text)));
            }
        }
    }))
}

/// One line as read by [`BoundedLines`].
enum RawLine {
    /// A line within the limit, without its newline, and the file offset of its first byte.
    Whole { number: usize, start: u64, bytes: Vec<u8> },
    /// A line over the limit (its length in bytes); its bytes were skipped, not kept.
    TooLong { number: usize, bytes: u64 },
}

enum LineError {
    Io(std::io::Error),
    /// A NUL byte while skipping an over-long line, at this file offset.
    Binary {
        offset: u64,
    },
}

/// Lines of a reader, each held only while it is within `max_bytes`.
struct BoundedLines<R> {
    reader: R,
    max_bytes: u64,
    offset: u64,
    number: usize,
    done: bool,
}

impl<R: BufRead> BoundedLines<R> {
    fn next_line(&mut self) -> Option<std::result::Result<RawLine, LineError>> {
        if self.done {
            return None;
        }
        let start = self.offset;
        let mut bytes = Vec::new();
        let (mut len, mut started, mut too_long) = (0u64, false, false);
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Some(Err(LineError::Io(e)));
                }
            };
            if available.is_empty() {
                self.done = true;
                if !started {
                    return None;
                }
                break;
            }
            started = true;
            let newline = available.iter().position(|&b| b == b'\n');
            let chunk = &available[..newline.unwrap_or(available.len())];
            if !too_long && len + chunk.len() as u64 > self.max_bytes {
                too_long = true;
                bytes = Vec::new();
            }
            if too_long {
                if let Some(at) = chunk.iter().position(|&b| b == 0) {
                    self.done = true;
                    return Some(Err(LineError::Binary { offset: self.offset + at as u64 }));
                }
            } else {
                bytes.extend_from_slice(chunk);
            }
            let consumed = chunk.len() + usize::from(newline.is_some());
            len += chunk.len() as u64;
            self.offset += consumed as u64;
            self.reader.consume(consumed);
            if newline.is_some() {
                break;
            }
        }
        self.number += 1;
        Some(Ok(if too_long {
            RawLine::TooLong { number: self.number, bytes: len }
        } else {
            RawLine::Whole { number: self.number, start, bytes }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::write;

    #[test]
    fn sets_stream_with_errors_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "sets.jsonl",
            "{\"id\": \"s1\", \"docs\": [{\"id\": \"d\", \"text\": \"T.\"}]}\n{\"id\": \"s2\", \"docs\": []}\n",
        );
        let sets: Vec<_> = read_document_sets(&path, &ReadOptions::default()).unwrap().collect();
        assert_eq!(sets[0].as_ref().unwrap().id, "s1");
        assert!(sets[1].as_ref().unwrap_err().to_string().contains(":2: document set \"s2\" has no documents"));
    }

    #[test]
    fn over_long_lines_are_skipped_in_bounded_memory_and_the_next_record_survives() {
        let dir = tempfile::tempdir().unwrap();
        let good = "{\"id\": \"s\", \"docs\": [{\"id\": \"d\", \"text\": \"T.\"}]}";
        let long = format!("{{\"id\": \"big\", \"pad\": \"{}\"}}", "x".repeat(300_000));
        let path = write(dir.path(), "sets.jsonl", &format!("{good}\n{long}\n{good}"));
        let options = ReadOptions { max_bytes: 1000, ..ReadOptions::default() };
        let sets: Vec<_> = read_numbered_document_sets(&path, &options).unwrap().collect();
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[0].as_ref().unwrap().0, 1);
        let err = sets[1].as_ref().unwrap_err().to_string();
        assert!(err.contains(":2: record of 300024 bytes is over the limit of 1000 bytes"), "{err}");
        assert_eq!(sets[2].as_ref().unwrap().0, 3);
    }

    #[test]
    fn nul_bytes_name_their_file_offset_once_and_endless_binary_stops() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "sets.jsonl", "{}\n{\"id\": \"a\u{0}\"}\n");
        let errors: Vec<_> =
            read_document_sets(&path, &ReadOptions::default()).unwrap().map(|r| r.unwrap_err().to_string()).collect();
        assert!(errors[1].ends_with(":2: holds a NUL byte (file offset 12): not text"), "{errors:?}");
        assert_eq!(errors[1].matches("sets.jsonl").count(), 1, "{errors:?}");
        let binary = write(dir.path(), "zeros.jsonl", &"\u{0}".repeat(5000));
        let options = ReadOptions { max_bytes: 100, ..ReadOptions::default() };
        let errors: Vec<_> = read_document_sets(&binary, &options).unwrap().collect();
        assert_eq!(errors.len(), 1);
        assert!(matches!(errors[0], Err(Error::Binary { offset: 0, .. })), "{errors:?}");
    }
}
