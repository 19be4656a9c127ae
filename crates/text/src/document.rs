//! Documents and document sets, and reading them from files, folders, JSON lines and stdin.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::html::{MAX_HTML_DEPTH, html_depth, html_title, html_to_text};
use crate::jsonl::{Record, read_records};
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

    /// The headline: the given title, else one of the first lines of the text that reads as a
    /// headline (4 to 25 words, no closing punctuation; pages often open on menu items such as
    /// "Log In", which are too short to count).
    ///
    /// ```
    /// use precis_text::Document;
    /// let page = Document::new("p", "Sign In\n\nCouncil Approves Bike Lanes After Long Session\n\nThe council voted.");
    /// assert_eq!(page.headline(), Some("Council Approves Bike Lanes After Long Session"));
    /// assert_eq!(Document::new("w", "LONDON -- A lawmaker spoke on Saturday.").headline(), None);
    /// assert_eq!(Document::new("n", "Chile said, graf 3 pvs\n\nThe lawmaker spoke.").headline(), None);
    /// ```
    pub fn headline(&self) -> Option<&str> {
        if let Some(title) = self.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            return Some(title);
        }
        self.text.lines().map(str::trim).filter(|l| !l.is_empty()).take(HEADLINE_LINES).find(|line| {
            let words = line.split_whitespace().count();
            let closed = line.ends_with(['.', '?', '!', ':', ';', ',', '"', '\u{201d}']);
            let note = line.split_whitespace().any(|w| WIRE_NOTE_WORDS.contains(&w.trim_matches(',')));
            (4..=25).contains(&words)
                && !closed
                && !note
                && !line.starts_with("Published")
                && !line.starts_with("Updated")
        })
    }

    /// The outlet: the given source, else the host of the URL without `www.`.
    ///
    /// ```
    /// use precis_text::Document;
    /// let mut doc = Document::new("a", "Text.");
    /// doc.url = Some("https://www.example.org/2024/05/story.html".into());
    /// assert_eq!(doc.outlet(), Some("example.org"));
    /// ```
    pub fn outlet(&self) -> Option<&str> {
        if let Some(source) = self.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            return Some(source);
        }
        let url = self.url.as_deref()?;
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?.split(':').next()?;
        let host = host.strip_prefix("www.").unwrap_or(host);
        (!host.is_empty()).then_some(host)
    }

    /// How people name the document: its [outlet](Document::outlet) when known, else its
    /// [headline](Document::headline) (its first eight words, then "…"), else its id. A file
    /// stem such as `000_dd972c8fb450e8ff` says nothing to a reader; the headline does.
    ///
    /// ```
    /// use precis_text::Document;
    /// let mut doc = Document::new("a", "Text.");
    /// assert_eq!(doc.name(), "a");
    /// doc.text = "Council Approves New Bike Lanes After a Long Night Session\n\nThe council voted.".into();
    /// assert_eq!(doc.name(), "Council Approves New Bike Lanes After a Long…");
    /// doc.source = Some("City Herald".into());
    /// assert_eq!(doc.name(), "City Herald");
    /// ```
    pub fn name(&self) -> Cow<'_, str> {
        if let Some(outlet) = self.outlet() {
            return Cow::Borrowed(outlet);
        }
        let Some(headline) = self.headline() else { return Cow::Borrowed(&self.id) };
        let words: Vec<&str> = headline.split_whitespace().collect();
        if words.len() <= NAME_WORDS {
            return Cow::Borrowed(headline);
        }
        let short = words[..NAME_WORDS].join(" ");
        Cow::Owned(format!("{}…", short.trim_end_matches([',', ';', ':', '-', '\u{2013}', '\u{2014}'])))
    }
}

/// Most words of a headline that [`Document::name`] shows.
const NAME_WORDS: usize = 8;

/// Words of editors' notes on wire copy ("Chile said, graf 3 pvs": paragraph 3 as before), which
/// sit where a headline would.
const WIRE_NOTE_WORDS: [&str; 3] = ["graf", "grafs", "pvs"];

/// How many non-empty lines at the top of a text [`Document::headline`] looks through.
const HEADLINE_LINES: usize = 6;

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

impl InputFormat {
    /// Every format, the default first.
    pub const ALL: [InputFormat; 4] = [InputFormat::Auto, InputFormat::Text, InputFormat::Html, InputFormat::Jsonl];

    /// Name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Text => "text",
            InputFormat::Html => "html",
            InputFormat::Jsonl => "jsonl",
        }
    }

    /// The format `path` is read in: this one, or for [`InputFormat::Auto`] the one its extension
    /// says (`.jsonl`/`.ndjson`, `.html`/`.htm`, else plain text).
    ///
    /// ```
    /// use precis_text::InputFormat;
    /// assert_eq!(InputFormat::Auto.resolve("feed.NDJSON".as_ref()), InputFormat::Jsonl);
    /// assert_eq!(InputFormat::Html.resolve("page.txt".as_ref()), InputFormat::Html);
    /// ```
    pub fn resolve(self, path: &Path) -> InputFormat {
        if self != InputFormat::Auto {
            return self;
        }
        let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "jsonl" | "ndjson" => InputFormat::Jsonl,
            "html" | "htm" => InputFormat::Html,
            _ => InputFormat::Text,
        }
    }

    /// One line saying what it reads, for help texts.
    pub fn summary(self) -> &'static str {
        match self {
            InputFormat::Auto => "by extension: .jsonl/.ndjson, .html/.htm, else plain text",
            InputFormat::Text => "plain text or Markdown, one document per input",
            InputFormat::Html => "HTML, one document per input",
            InputFormat::Jsonl => "one document or document set per line",
        }
    }
}

impl std::fmt::Display for InputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a format by [`InputFormat::name`]; the error is the list of names.
///
/// ```
/// use precis_text::InputFormat;
/// assert_eq!("html".parse::<InputFormat>(), Ok(InputFormat::Html));
/// assert!("pdf".parse::<InputFormat>().is_err());
/// ```
impl std::str::FromStr for InputFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        InputFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown input format {s:?}: use auto, text, html or jsonl"))
    }
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
    let format = format.resolve(path);
    if format == InputFormat::Jsonl {
        return read_jsonl(path, options, skip_bad, loaded);
    }
    let text = decode(path, &read_bytes(path, options.max_bytes)?, options)?;
    let (text, title) = if format == InputFormat::Html {
        let depth = html_depth(&text);
        if depth > MAX_HTML_DEPTH {
            return Err(Error::TooDeep { path: path.to_path_buf(), depth, limit: MAX_HTML_DEPTH });
        }
        (html_to_text(&text), html_title(&text))
    } else {
        (text, None)
    };
    if text.trim().is_empty() {
        return Err(Error::Empty { path: path.to_path_buf() });
    }
    let id = match path.file_stem() {
        Some(stem) if path != Path::new("-") => stem.to_string_lossy().into_owned(),
        _ => "stdin".to_string(),
    };
    loaded.documents.push(Document { title, ..Document::new(id, text) });
    Ok(())
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
pub(crate) mod tests {
    use super::*;

    /// Writes `text` to `dir/name` (the input files of this crate's tests).
    pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
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
    fn deep_html_is_refused_with_its_depth() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "deep.html", &format!("{}Text.", "<div>".repeat(MAX_HTML_DEPTH + 1)));
        let err = read_documents(&[path], InputFormat::Auto, &ReadOptions::default(), false).unwrap_err();
        assert!(matches!(err, Error::TooDeep { depth: 513, .. }), "{err}");
    }
}
