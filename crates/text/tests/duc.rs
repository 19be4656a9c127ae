//! The 298 newswire documents of the shared DUC 2003 set load, clean and segment.

use std::path::PathBuf;

use precis_text::{MAX_SENTENCE_WORDS, ReadOptions, read_document_sets, sentences};
use regex::Regex;

#[test]
fn all_documents_segment_without_datelines_or_runaway_sentences() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/duc2003_task2.jsonl");
    let sets: Vec<_> = read_document_sets(&path, &ReadOptions::default()).unwrap().map(Result::unwrap).collect();
    assert_eq!(sets.len(), 30);
    assert_eq!(sets.iter().map(|s| s.docs.len()).sum::<usize>(), 298);
    // "LONDON (AP) --", "WASHINGTON --", "SAN JUAN, Puerto Rico _"
    let dateline = Regex::new(r"^[A-Z][A-Z.'-]+(?:[ ,]+[A-Z][\w.'-]*){0,4}\s*(?:\([A-Za-z]+\))?\s*(?:--|—|_)").unwrap();
    let mut total = 0;
    for set in &sets {
        let found = sentences(&set.docs);
        for (i, doc) in set.docs.iter().enumerate() {
            assert!(found.iter().any(|s| s.doc == i), "{}/{} lost every sentence", set.id, doc.id);
        }
        for s in &found {
            let doc = &set.docs[s.doc];
            assert!(s.text.split_whitespace().count() <= MAX_SENTENCE_WORDS, "{}: {}", doc.id, s.text);
            assert!(!dateline.is_match(&s.text), "{}: dateline left in {:?}", doc.id, s.text);
            assert_eq!(doc.text[s.span.range()].split_whitespace().collect::<Vec<_>>().join(" "), s.text);
        }
        total += found.len();
    }
    // About 25 sentences per 578-word article; far fewer would mean lost text.
    assert!(total > 298 * 15, "only {total} sentences");
}
