//! Properties of cleaning + segmentation on arbitrary input: never panic; spans valid, ordered and
//! faithful; the batch reader and the HTML front end stay within their size and depth bounds.
//! `PROPTEST_CASES` raises the number of cases (the default keeps `cargo test` quick).

use precis_text::{Document, clean, sentences};
use proptest::prelude::*;

/// Pieces that exercise the rules and the segmenter: chrome, datelines, bullets, quotes,
/// abbreviations, odd whitespace, multi-byte text.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Log In".to_string()),
        Just("Loading...".to_string()),
        Just("LONDON (AP) -- ".to_string()),
        Just("Istanbul, May 17:".to_string()),
        Just("Headline/ Outlet/ CITY/ A. Writer/ ".to_string()),
        Just("  • ".to_string()),
        Just("U.S. Lt. Gen. J. Smith met at 5 p.m. ".to_string()),
        Just("“We agreed. They did not,” he said. ".to_string()),
        Just("(AP Photo/Some One)".to_string()),
        Just("Average rating 0 / 5. Vote count: 0".to_string()),
        Just("\r\n".to_string()),
        Just("\n\n".to_string()),
        Just("\t".to_string()),
        Just("Café Zürich — 伊斯坦布尔 👍 ".to_string()),
        "[A-Za-z ,.;:!?\"'()\\-]{0,40}",
        any::<String>().prop_map(|s| s.chars().take(30).collect()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn cleaning_and_segmenting_keep_spans_valid(texts in prop::collection::vec(document(), 1..4)) {
        let docs: Vec<Document> = texts.iter().enumerate().map(|(i, t)| Document::new(i.to_string(), t.as_str())).collect();
        for (doc, cleaned) in docs.iter().zip(clean(&docs)) {
            for kept in &cleaned.kept {
                prop_assert!(doc.text.get(kept.body.range()).is_some());
            }
            for dropped in &cleaned.dropped {
                prop_assert!(doc.text.get(dropped.span.range()).is_some());
            }
        }
        let found = sentences(&docs);
        let mut previous: Option<&precis_text::Sentence> = None;
        for s in &found {
            let text = &docs[s.doc].text;
            let original = text.get(s.span.range());
            prop_assert!(original.is_some(), "span {:?} not on char boundaries", s.span);
            let original = original.unwrap();
            prop_assert!(!s.text.is_empty());
            prop_assert_eq!(original.split_whitespace().collect::<Vec<_>>().join(" "), s.text.clone());
            let by_chars: String = text.chars().skip(s.char_span.start).take(s.char_span.len()).collect();
            prop_assert_eq!(by_chars.as_str(), original);
            if let Some(p) = previous.filter(|p| p.doc == s.doc) {
                prop_assert!(p.span.end <= s.span.start, "overlap {:?} {:?}", p.span, s.span);
                prop_assert_eq!(p.index + 1, s.index);
            } else {
                prop_assert_eq!(s.index, 0);
            }
            previous = Some(s);
        }
    }
}

/// Bytes of a JSON-lines input: good records, bad JSON, NUL bytes, invalid UTF-8, over-long lines,
/// byte-order marks and blank lines, in any order.
fn jsonl_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"{\"id\": \"s\", \"docs\": [{\"id\": \"d\", \"text\": \"A story.\"}]}\n".to_vec()),
        Just(b"{\"id\": \"doc\", \"text\": \"One document.\"}\n".to_vec()),
        Just(b"{\"id\": \"s\", \"docs\": []}\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b"{\"id\": \"nul\0\"}\n".to_vec()),
        Just(b"caf\xE9\n".to_vec()),
        Just(vec![b'x'; 700]),
        Just(vec![0u8; 300]),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

/// Nested and broken markup: unclosed, closed, void and self-closed tags, comments, text.
fn html_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<div>".to_string()),
        Just("</div>".to_string()),
        Just("<p>Para".to_string()),
        Just("<br>".to_string()),
        Just("<span/>".to_string()),
        Just("<!-- note -->".to_string()),
        Just("<table><tr><td>cell".to_string()),
        Just("<".to_string()),
        Just("Words in a line. ".to_string()),
        "[a-z <>/]{0,20}",
    ]
}

proptest! {
    /// The batch reader never panics, holds no line over its limit, ends on any input, and reports
    /// every line it cannot use with that line's number.
    #[test]
    fn the_batch_reader_bounds_every_line(pieces in prop::collection::vec(jsonl_piece(), 0..30), max in 16u64..1000) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        let bytes = pieces.concat();
        std::fs::write(&path, &bytes).unwrap();
        let options = precis_text::ReadOptions { lossy: false, max_bytes: max };
        let lines = bytes.split(|&b| b == b'\n').count();
        let mut last_line = 0;
        for record in precis_text::read_numbered_document_sets(&path, &options).unwrap() {
            match record {
                Ok((line, set)) => {
                    prop_assert!(line > last_line && line <= lines);
                    prop_assert!(!set.docs.is_empty());
                    last_line = line;
                }
                Err(precis_text::Error::BadRecord { line, .. }) => {
                    prop_assert!(line > last_line && line <= lines);
                    last_line = line;
                }
                Err(precis_text::Error::Binary { offset, .. }) => prop_assert!(offset < bytes.len()),
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
    }

    /// Markup within the depth limit converts without panicking, and the depth scan is an upper
    /// bound that a document read from a file is refused above.
    #[test]
    fn html_within_the_depth_limit_converts(pieces in prop::collection::vec(html_piece(), 0..200)) {
        let html = pieces.concat();
        let depth = precis_text::html_depth(&html);
        prop_assert!(depth <= html.matches('<').count());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.html");
        std::fs::write(&path, &html).unwrap();
        let read = precis_text::read_documents(&[path], precis_text::InputFormat::Auto, &precis_text::ReadOptions::default(), false);
        match read {
            Ok(loaded) => prop_assert!(depth <= precis_text::MAX_HTML_DEPTH && loaded.documents.len() == 1),
            Err(precis_text::Error::Empty { .. }) => prop_assert!(depth <= precis_text::MAX_HTML_DEPTH),
            Err(precis_text::Error::TooDeep { .. }) => prop_assert!(depth > precis_text::MAX_HTML_DEPTH),
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}
