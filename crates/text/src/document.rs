//! Documents and document sets, and reading them from files, folders, JSON lines and stdin.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::source::{ReadOptions, decode, read_bytes};

/// One source text: an article, a page, a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Identifier, unique within its set (file name, or the JSON record's `id`).
    pub id: String,
    /// The text every span refers to. For HTML inputs, the text extracted from the markup.
    pub text: String,
    /// Headline, when given separately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Outlet or author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Publication date as given (used for ordering when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Where it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Document {
    /// A document with only an id and a text.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self { id: id.into(), text: text.into(), title: None, source: None, date: None, url: None }
    }
}

/// Several documents about one subject: the unit precis summarizes. Extra fields of the input
/// record (such as reference summaries) are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentSet {
    /// Identifier of the set.
    pub id: String,
    /// The documents.
    pub docs: Vec<Document>,
    /// Every other field of the record, untouched.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How to read an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InputFormat {
    /// By extension: `.jsonl`/`.ndjson` JSON lines, `.html`/`.htm` HTML, anything else plain text
    /// (stdin is plain text).
    #[default]
    Auto,
    /// Plain text or Markdown: the whole input is one document.
    Text,
    /// HTML: converted to text, one document.
    Html,
    /// JSON lines: one document (`{"id", "text", ...}`) or one document set
    /// (`{"id", "docs": [...]}`, whose documents get ids `set/doc`) per line.
    Jsonl,
}

/// What reading inputs produced: the documents, and the records skipped as bad.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every document read, in input order (folders in file-name order).
    pub documents: Vec<Document>,
    /// Records that were malformed, when skipping them was asked for.
    pub skipped: Vec<Error>,
}

/// Extensions read from folders.
const FOLDER_EXTENSIONS: [&str; 6] = ["txt", "md", "html", "htm", "jsonl", "ndjson"];

/// Reads documents from files, folders (their files with known extensions, sorted by name, not
/// recursive) and `-` (stdin). With `skip_bad`, malformed JSON records are collected in
/// [`Loaded::skipped`] instead of failing the read.
pub fn read_documents(
    inputs: &[PathBuf],
    format: InputFormat,
    options: &ReadOptions,
    skip_bad: bool,
) -> Result<Loaded> {
    let mut loaded = Loaded::default();
    for input in inputs {
        if input.is_dir() {
            let files = folder_files(input)?;
            if files.is_empty() {
                return Err(Error::EmptyFolder { path: input.clone() });
            }
            for file in files {
                read_one(&file, format, options, skip_bad, &mut loaded)?;
            }
        } else {
            read_one(input, format, options, skip_bad, &mut loaded)?;
        }
    }
    disambiguate_ids(&mut loaded.documents);
    Ok(loaded)
}

fn folder_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let io_error = |source| Error::Io { path: dir.to_path_buf(), source };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let path = entry.map_err(io_error)?.path();
        let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let known = path.extension().is_some_and(|e| FOLDER_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)));
        if path.is_file() && known && !hidden {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_one(
    path: &Path,
    format: InputFormat,
    options: &ReadOptions,
    skip_bad: bool,
    loaded: &mut Loaded,
) -> Result<()> {
    let format = match format {
        InputFormat::Auto => format_of(path),
        other => other,
    };
    if format == InputFormat::Jsonl {
        return read_jsonl(path, options, skip_bad, loaded);
    }
    let text = decode(path, &read_bytes(path, options.max_bytes)?, options)?;
    let text = if format == InputFormat::Html { html_to_text(&text) } else { text };
    if text.trim().is_empty() {
        return Err(Error::Empty { path: path.to_path_buf() });
    }
    let id = match path.file_stem() {
        Some(stem) if path != Path::new("-") => stem.to_string_lossy().into_owned(),
        _ => "stdin".to_string(),
    };
    loaded.documents.push(Document::new(id, text));
    Ok(())
}

fn format_of(path: &Path) -> InputFormat {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "jsonl" | "ndjson" => InputFormat::Jsonl,
        "html" | "htm" => InputFormat::Html,
        _ => InputFormat::Text,
    }
}

/// Plain text of an HTML page, one block (paragraph, heading, list item) per line.
pub fn html_to_text(html: &str) -> String {
    // A very wide wrap width: blocks must stay on one line, since cleaning works line by line.
    let text = html2text::config::plain_no_decorate()
        .string_from_read(html.as_bytes(), 1 << 20)
        .unwrap_or_else(|_| String::new());
    // html2text marks headings Markdown-style ("# Title"); the marker is not part of the text.
    text.lines().map(strip_heading_marker).collect::<Vec<_>>().join("\n")
}

fn strip_heading_marker(line: &str) -> &str {
    let hashes = line.len() - line.trim_start_matches('#').len();
    match line[hashes..].strip_prefix(' ') {
        Some(rest) if (1..=6).contains(&hashes) => rest,
        _ => line,
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Record {
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

fn read_jsonl(path: &Path, options: &ReadOptions, skip_bad: bool, loaded: &mut Loaded) -> Result<()> {
    let before = loaded.documents.len() + loaded.skipped.len();
    for record in read_records(path, options)? {
        match record.map(|(_, record)| record) {
            Ok(Record::Document(doc)) => loaded.documents.push(doc),
            Ok(Record::Set(set)) => loaded.documents.extend(set.docs.into_iter().map(|mut doc| {
                doc.id = format!("{}/{}", set.id, doc.id);
                doc
            })),
            Err(e @ Error::BadRecord { .. }) if skip_bad => loaded.skipped.push(e),
            Err(e) => return Err(e),
        }
    }
    if loaded.documents.len() + loaded.skipped.len() == before {
        return Err(Error::Empty { path: path.to_path_buf() });
    }
    Ok(())
}

/// Streams the records of a JSON-lines input, each with its line number in errors.
fn read_records(path: &Path, options: &ReadOptions) -> Result<impl Iterator<Item = Result<(usize, Record)>> + use<>> {
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
    let path_buf = path.to_path_buf();
    Ok(read_records(path, options)?.map(move |record| match record? {
        (_, Record::Set(set)) => Ok(set),
        (line, Record::Document(doc)) => Err(Error::BadRecord {
            path: path_buf.clone(),
            line,
            id: Some(doc.id.clone()),
            reason: format!("record {:?} is a single document, not a set {{\"id\", \"docs\"}}", doc.id),
        }),
    }))
}

/// Non-blank lines of a file or stdin with 1-based numbers, decoded strictly (or lossily).
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
    let mut number = 0;
    let mut offset = 0u64;
    let mut lines = reader.split(b'\n');
    Ok(std::iter::from_fn(move || {
        loop {
            let line = match lines.next()? {
                Ok(line) => line,
                Err(e) => return Some(Err(io_error(&path, e))),
            };
            number += 1;
            let start = offset;
            offset += line.len() as u64 + 1;
            if line.len() as u64 > options.max_bytes {
                let reason = format!("record of {} bytes is over the limit of {} bytes", line.len(), options.max_bytes);
                return Some(Err(Error::BadRecord { path: path.clone(), line: number, id: None, reason }));
            }
            let bytes = if number == 1 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line) } else { &line };
            let text = match decode(&path, bytes, &options) {
                Ok(text) => text,
                Err(Error::NotUtf8 { offset: at, .. }) => {
                    let reason = format!("not valid UTF-8 (file offset {})", start + at as u64);
                    return Some(Err(Error::BadRecord { path: path.clone(), line: number, id: None, reason }));
                }
                Err(e) => {
                    return Some(Err(Error::BadRecord {
                        path: path.clone(),
                        line: number,
                        id: None,
                        reason: e.to_string(),
                    }));
                }
            };
            if !text.trim().is_empty() {
                return Some(Ok((number, text)));
            }
        }
    }))
}

/// Makes document ids unique by suffixing repeats with `#2`, `#3`, ...
fn disambiguate_ids(documents: &mut [Document]) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for doc in documents {
        let count = seen.entry(doc.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            doc.id = format!("{}#{count}", doc.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn folders_are_read_in_name_order_and_skip_other_files() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "b.txt", "Second.");
        write(dir.path(), "a.md", "First.");
        write(dir.path(), "c.png", "not text");
        write(dir.path(), ".hidden.txt", "hidden");
        let loaded = read_documents(&[dir.path().to_path_buf()], InputFormat::Auto, &ReadOptions::default(), false);
        let ids: Vec<_> = loaded.unwrap().documents.into_iter().map(|d| d.id).collect();
        assert_eq!(ids, vec!["a", "b"]);
    }

    #[test]
    fn empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_documents(&[dir.path().to_path_buf()], InputFormat::Auto, &ReadOptions::default(), false);
        assert!(matches!(err, Err(Error::EmptyFolder { .. })));
    }

    #[test]
    fn jsonl_documents_and_sets_load_with_provenance_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "in.jsonl",
            "{\"id\": \"x\", \"text\": \"One.\", \"source\": \"Wire\"}\n\n{\"id\": \"s\", \"docs\": [{\"id\": \"d\", \"text\": \"Two.\"}], \"refs\": []}\n",
        );
        let loaded = read_documents(&[path], InputFormat::Auto, &ReadOptions::default(), false).unwrap();
        let ids: Vec<_> = loaded.documents.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, vec!["x", "s/d"]);
        assert_eq!(loaded.documents[0].source.as_deref(), Some("Wire"));
    }

    #[test]
    fn malformed_jsonl_names_the_line_or_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path =
            write(dir.path(), "in.jsonl", "{\"id\": \"a\", \"text\": \"Fine.\"}\n{\"id\": \"b\", \"text\": \n[1]\n");
        let err =
            read_documents(std::slice::from_ref(&path), InputFormat::Auto, &ReadOptions::default(), false).unwrap_err();
        assert!(err.to_string().contains("in.jsonl:2: malformed JSON"), "{err}");
        let loaded = read_documents(&[path], InputFormat::Auto, &ReadOptions::default(), true).unwrap();
        assert_eq!(loaded.documents.len(), 1);
        let lines: Vec<_> = loaded.skipped.iter().map(|e| e.to_string()).collect();
        assert!(lines[0].contains(":2:") && lines[1].contains(":3: a record must be a JSON object"), "{lines:?}");
    }

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
    fn html_becomes_one_line_per_block() {
        let text = html_to_text(
            "<html><body><h1>Title here</h1><p>First <b>bold</b> paragraph, long enough to wrap at eighty columns if the converter wrapped it.</p><ul><li>Item</li></ul></body></html>",
        );
        let lines: Vec<_> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines[0], "Title here");
        assert!(lines[1].starts_with("First bold paragraph") && lines[1].ends_with("wrapped it."));
    }

    #[test]
    fn repeated_ids_are_made_unique() {
        let mut docs = vec![Document::new("a", "x"), Document::new("a", "y")];
        disambiguate_ids(&mut docs);
        assert_eq!(docs[1].id, "a#2");
    }
}
