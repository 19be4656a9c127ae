//! Reading text for precis: decoding input files strictly, and splitting them into the units
//! later stages work on.
//!
//! - [`read_text`] reads a file (or stdin for `-`) as UTF-8, accepting a byte-order mark and
//!   naming the byte offset of the first invalid sequence otherwise.
//! - [`lines`] splits text into numbered non-blank lines, for inputs with one text per line.
//!
//! ```
//! let text = precis_text::decode("notes.txt", b"\xEF\xBB\xBFfirst\r\n\n  second\n")?;
//! let lines = precis_text::lines(&text);
//! assert_eq!(lines[0].text, "first");
//! assert_eq!((lines[1].number, lines[1].text), (3, "  second"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
mod source;

pub use error::{Error, Result};
pub use source::{Line, decode, lines, read_text};
