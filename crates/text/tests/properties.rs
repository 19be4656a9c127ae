//! Properties of cleaning + segmentation on arbitrary input: never panic; spans valid, ordered and
//! faithful. `PROPTEST_CASES` raises the number of cases (the default keeps `cargo test` quick).

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
