//! Sentences with provenance: which document, which position, which span of the original text.

use serde::Serialize;

use crate::clean::{Cleaned, clean};
use crate::document::Document;
use crate::span::Span;

/// Longest sentence kept whole, in words. Longer runs (lists without punctuation, tables flattened
/// into one line) are cut at semicolons, then between words, so no unit outgrows what a sentence
/// model reads (256 tokens) by much.
pub const MAX_SENTENCE_WORDS: usize = 120;

/// One sentence of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sentence {
    /// Index of the document in the input slice.
    pub doc: usize,
    /// Position of the sentence within its document, from 0.
    pub index: usize,
    /// Where the sentence is in the document's text, in bytes.
    pub span: Span,
    /// The same span in Unicode scalar values (what Python's `str` slicing counts).
    pub char_span: Span,
    /// 1-based line of the document the sentence is on.
    pub line: usize,
    /// The sentence with runs of whitespace folded to one space.
    pub text: String,
    /// A dateline or byline stripped from the start of this sentence's paragraph.
    pub dateline: Option<Span>,
}

/// Cleans and segments a set of documents: the story sentences of each, in order.
///
/// ```
/// use precis_text::{sentences, Document};
///
/// let text = "PARIS (AP) -- Lt. Gen. J. Smith arrived at 5 p.m. on Monday. \"We are ready. We will talk,\" he said.\nShare this article";
/// let found = sentences(&[Document::new("a", text)]);
/// let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
/// assert_eq!(texts, ["Lt. Gen. J. Smith arrived at 5 p.m. on Monday.", "\"We are ready. We will talk,\" he said."]);
/// assert_eq!(&text[found[0].span.range()], texts[0]);
/// ```
pub fn sentences(documents: &[Document]) -> Vec<Sentence> {
    let cleaned = clean(documents);
    documents.iter().zip(&cleaned).enumerate().flat_map(|(doc, (d, c))| segment(doc, &d.text, c)).collect()
}

/// Segments the kept lines of one cleaned document.
pub fn segment(doc: usize, text: &str, cleaned: &Cleaned) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut chars = CharCounter::default();
    for kept in &cleaned.kept {
        let body = &text[kept.body.range()];
        for boundary in sentencex::get_sentence_boundaries("en", body) {
            let piece = &body[boundary.start_byte..boundary.end_byte];
            let lead = piece.len() - piece.trim_start().len();
            let trimmed = piece.trim();
            if trimmed.is_empty() {
                continue;
            }
            let start = kept.body.start + boundary.start_byte + lead;
            for part in split_long(trimmed) {
                let part_start = start + (part.as_ptr() as usize - trimmed.as_ptr() as usize);
                let span = Span::new(part_start, part_start + part.len());
                let char_start = chars.at(text, span.start);
                let char_end = chars.at(text, span.end);
                out.push(Sentence {
                    doc,
                    index: out.len(),
                    span,
                    char_span: Span::new(char_start, char_end),
                    line: kept.line,
                    text: part.split_whitespace().collect::<Vec<_>>().join(" "),
                    dateline: kept.dateline,
                });
            }
        }
    }
    out
}

/// Cuts a run of more than [`MAX_SENTENCE_WORDS`] words at semicolons, then between words. One
/// pass over the run: text without sentence punctuation can make a "sentence" megabytes long.
fn split_long(sentence: &str) -> Vec<&str> {
    if sentence.split_whitespace().nth(MAX_SENTENCE_WORDS).is_none() {
        return vec![sentence];
    }
    let mut parts = Vec::new();
    for clause in sentence.split_inclusive(';') {
        let clause = clause.trim();
        if clause.is_empty() {
            continue;
        }
        let (mut start, mut words) = (0, 0);
        for word in clause.split_whitespace() {
            if words == MAX_SENTENCE_WORDS {
                let cut = word.as_ptr() as usize - clause.as_ptr() as usize;
                parts.push(clause[start..cut].trim_end());
                (start, words) = (cut, 0);
            }
            words += 1;
        }
        parts.push(&clause[start..]);
    }
    parts
}

/// Converts increasing byte offsets to char offsets in one forward pass.
#[derive(Default)]
struct CharCounter {
    byte: usize,
    chars: usize,
}

impl CharCounter {
    fn at(&mut self, text: &str, byte: usize) -> usize {
        if byte < self.byte {
            *self = CharCounter::default();
        }
        self.chars += text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(page: &str) -> Vec<String> {
        sentences(&[Document::new("d", page)]).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn abbreviations_and_initials_do_not_split() {
        let page = "The U.S. envoy met Lt. Gen. Keith Kellogg at 12:30 p.m. local time in the capital. J. Mansour reported it.";
        assert_eq!(
            texts(page),
            [
                "The U.S. envoy met Lt. Gen. Keith Kellogg at 12:30 p.m. local time in the capital.",
                "J. Mansour reported it."
            ]
        );
    }

    #[test]
    fn headline_without_punctuation_is_one_sentence() {
        let page =
            "Talks Resume After Three Years\n\nThe delegations met in a palace on Friday morning, officials said.";
        assert_eq!(texts(page)[0], "Talks Resume After Three Years");
    }

    #[test]
    fn spans_round_trip_with_char_offsets() {
        let page = "Überblick — Café talks\n\nZürich, Swiss officials said “we’re hopeful.” Then they left.";
        let found = sentences(&[Document::new("d", page)]);
        let chars: Vec<char> = page.chars().collect();
        for s in &found {
            assert_eq!(page[s.span.range()].split_whitespace().collect::<Vec<_>>().join(" "), s.text);
            let by_chars: String = chars[s.char_span.range()].iter().collect();
            assert_eq!(by_chars, page[s.span.range()]);
        }
    }

    #[test]
    fn overlong_runs_are_cut_between_words() {
        let run = vec!["word"; 300].join(" ");
        let found = texts(&format!("{run}."));
        assert_eq!(found.len(), 3);
        assert!(found.iter().all(|s| s.split_whitespace().count() <= MAX_SENTENCE_WORDS));
    }

    #[test]
    fn overlong_runs_are_cut_at_semicolons_then_every_max_words() {
        let clause = |n: usize| vec!["w"; n].join(" ");
        let run = format!("{}; {}", clause(10), clause(2 * MAX_SENTENCE_WORDS + 5));
        let lengths: Vec<usize> = split_long(&run).iter().map(|p| p.split_whitespace().count()).collect();
        assert_eq!(lengths, [10, MAX_SENTENCE_WORDS, MAX_SENTENCE_WORDS, 5]);
        assert!(split_long(&run).iter().all(|p| run.contains(p) && p.trim() == *p));
    }
}
