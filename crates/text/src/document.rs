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
    let text = if format == InputFormat::Html {
        let depth = html_depth(&text);
        if depth > MAX_HTML_DEPTH {
            return Err(Error::TooDeep { path: path.to_path_buf(), depth, limit: MAX_HTML_DEPTH });
        }
        html_to_text(&text)
    } else {
        text
    };
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

/// Deepest HTML nesting precis converts. Real pages nest a few dozen elements; the converter's time
/// grows with the square of the depth (a megabyte of unclosed `<div>`s took minutes).
pub const MAX_HTML_DEPTH: usize = 512;

/// Elements that never hold children, and those a parser closes implicitly when a sibling starts:
/// neither deepens the tree, whatever the markup says.
const FLAT_ELEMENTS: [&str; 22] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "tr", "td", "th", "option",
];

/// The deepest nesting of open elements in `html`, by one scan over its tags (not a parse: it may
/// overestimate sloppy markup, which is the safe side for a limit far above real pages).
///
/// ```
/// use precis_text::html_depth;
/// assert_eq!(html_depth("<div><p>One<p>Two<br></div><div><b>x</b></div>"), 2);
/// assert_eq!(html_depth(&"<div>".repeat(1000)), 1000);
/// ```
pub fn html_depth(html: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let bytes = html.as_bytes();
    let mut at = 0;
    while let Some(open) = bytes[at..].iter().position(|&b| b == b'<') {
        let tag_start = at + open + 1;
        let tag_end = bytes[tag_start..].iter().position(|&b| b == b'>').map_or(bytes.len(), |i| tag_start + i);
        let tag = &html[tag_start..tag_end];
        at = (tag_end + 1).min(bytes.len());
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let name_len = tag.find(|c: char| c.is_ascii_whitespace() || c == '/').unwrap_or(tag.len());
        let name = tag[..name_len].to_ascii_lowercase();
        let flat = FLAT_ELEMENTS.contains(&name.as_str()) || name.is_empty();
        if flat || name.starts_with(['!', '?']) || tag.ends_with('/') {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
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

/// Makes document ids unique by suffixing repeats with `#2`, `#3`, ..., skipping any suffix that
/// another document already has as its own id (`x`, `x`, `x#2` become `x`, `x#3`, `x#2`).
fn disambiguate_ids(documents: &mut [Document]) {
    let mut taken: std::collections::HashSet<String> = documents.iter().map(|d| d.id.clone()).collect();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for doc in documents {
        let count = seen.entry(doc.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            let mut n = *count;
            while taken.contains(&format!("{}#{n}", doc.id)) {
                n += 1;
            }
            doc.id = format!("{}#{n}", doc.id);
            taken.insert(doc.id.clone());
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
        let mut docs: Vec<_> = ["x", "x", "x#2", "x"].iter().map(|id| Document::new(*id, "t")).collect();
        disambiguate_ids(&mut docs);
        let ids: Vec<_> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["x", "x#3", "x#2", "x#4"]);
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

    #[test]
    fn deep_html_is_refused_with_its_depth() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "deep.html", &format!("{}Text.", "<div>".repeat(MAX_HTML_DEPTH + 1)));
        let err = read_documents(&[path], InputFormat::Auto, &ReadOptions::default(), false).unwrap_err();
        assert!(matches!(err, Error::TooDeep { depth: 513, .. }), "{err}");
    }
}
