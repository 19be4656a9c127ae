//! Reading text for precis: documents in, web chrome out, sentences with provenance.
//!
//! - [`read_documents`] reads files (`.txt`, `.md`, `.html` through a real HTML parser), folders
//!   (sorted), JSON lines (documents or document sets) and stdin into [`Document`]s;
//!   [`read_document_sets`] streams document sets for batch runs.
//! - [`clean`] removes page furniture by general rules, recording each removed line and its
//!   [`Rule`]; bullets and datelines are stripped from story lines (datelines kept as spans).
//! - [`sentences`] segments the story lines (sentencex, line by line) into [`Sentence`]s that
//!   know their document, position and byte and char [`Span`] in the original text.
//! - [`decode`] and [`lines`] serve inputs with one text per line.
//!
//! ```
//! use precis_text::{sentences, Document};
//!
//! let page = "Log In\n\nCouncil Backs Bike Lanes\n\nCAIRO (AP) -- The council approved new lanes on Monday. Work starts in March.\n\nLoading...";
//! let found = sentences(&[Document::new("local-news", page)]);
//! let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
//! assert_eq!(texts, ["Council Backs Bike Lanes", "The council approved new lanes on Monday.", "Work starts in March."]);
//! assert_eq!(&page[found[1].dateline.unwrap().range()], "CAIRO (AP) -- ");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod clean;
mod document;
mod error;
mod html;
mod jsonl;
mod segment;
mod source;
mod span;

pub use clean::{Cleaned, Dropped, Kept, Rule, clean, ends_sentence, final_mark};
pub use document::{Document, DocumentSet, InputFormat, Loaded, read_documents};
pub use error::{Error, Result};
pub use html::{MAX_HTML_DEPTH, html_depth, html_title, html_to_text};
pub use jsonl::{read_document_sets, read_numbered_document_sets, read_numbered_documents};
pub use segment::{MAX_SENTENCE_WORDS, Sentence, segment, sentences};
pub use source::{Line, ReadOptions, decode, lines, read_bytes, read_text};
pub use span::Span;
