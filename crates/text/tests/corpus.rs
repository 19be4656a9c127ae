//! The five shared news articles (`../shared/corpus/istanbul-talks/`): real pages with real chrome.

use std::path::PathBuf;

use precis_text::{Document, InputFormat, ReadOptions, Sentence, read_documents, sentences};

fn corpus() -> (Vec<Document>, Vec<Sentence>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/istanbul-talks");
    let loaded = read_documents(&[dir], InputFormat::Auto, &ReadOptions::default(), false).expect("corpus readable");
    let found = sentences(&loaded.documents);
    (loaded.documents, found)
}

fn texts_of(found: &[Sentence], doc: usize) -> Vec<&str> {
    found.iter().filter(|s| s.doc == doc).map(|s| s.text.as_str()).collect()
}

/// Story sentences per article, counted by hand from the files: the headline counts once,
/// bullet items count, captions, bylines, widgets and related links do not.
const HAND_COUNTS: [(&str, usize); 5] = [
    ("000_dd972c8fb450e8ff", 17), // headline + 16 sentences in 8 paragraphs
    ("001_9ba9d142d5fb2cfb", 16), // headline + 15 sentences in 10 paragraphs
    ("002_7dde36fc72cfebcf", 28), // no headline; 28 sentences in 9 paragraphs
    ("003_7366a5ea150a030b", 18), // headline + 17 sentences; two subheadings excluded
    ("004_20790907aec06f72", 42), // headline + 3 lede sentences + 10 bullets + 28 body sentences
];

#[test]
fn no_story_sentence_is_lost() {
    let (docs, found) = corpus();
    for (doc, (id, count)) in docs.iter().zip(HAND_COUNTS) {
        assert_eq!(doc.id, id);
        let i = docs.iter().position(|d| d.id == id).unwrap();
        assert_eq!(texts_of(&found, i).len(), count, "{id}: {:#?}", texts_of(&found, i));
    }
}

#[test]
fn no_chrome_line_survives() {
    let (_, found) = corpus();
    let chrome = [
        "Log In",
        "Published 18 hours ago",
        "Follow us on",
        "Origin:",
        "publisher logo",
        "Arise News",
        "Loading...",
        "You may also like",
        "Geopolitical Lens",
        "Top StoryWorld",
        "Deep Look",
        "Read more political news",
        "Previous Article",
        "Next Article",
        "How useful was this article",
        "Click on a star",
        "Vote count",
        "No votes so far",
        "Latest News",
        "Menu",
        "(AP Photo/",
        "via AP)",
        "In this handout photo",
        "Background:",
        "Quick Looks",
        "Low Expectations, High Stakes",
        "Diplomatic Deadlock or Breakthrough Ahead?",
        "Trump Plans Putin Meeting Soon",
        "Proposal Sent to Iran",
    ];
    for sentence in &found {
        for line in chrome {
            assert!(!sentence.text.contains(line), "chrome {line:?} survived in {:?}", sentence.text);
        }
    }
}

#[test]
fn traps_split_right() {
    let (_, found) = corpus();
    let all: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
    for whole in [
        "Retired Lt. Gen. Keith Kellogg, Trump’s special envoy to Ukraine and Russia, led the U.S. team.",
        "A U.S.-Ukraine-Turkey meeting took place earlier today, while the Russia-Ukraine-Turkey meeting, originally scheduled for 12:30 p.m. local time, has been delayed.",
        "A Ukrainian soldier known by the call sign “Corsair” told AP, “Summer is the best time for war. I don’t think they will agree on anything concrete.”",
        "Western allies met in Istanbul before the talks, including U.S., U.K., France, and Germany.",
        "Russia and Ukraine met in Istanbul Friday, marking their first direct peace talks in three years.",
        "Istanbul Hosts Russia-Ukraine Peace Talks Restart",
        "Russia and Ukraine Hold First Direct Talks in Three Years Under Trump’s Pressure, No Ceasefire Agreement Reached",
    ] {
        assert!(all.contains(&whole), "missing or split: {whole}");
    }
    for sentence in &all {
        let first = sentence.chars().next().unwrap();
        assert!(!first.is_lowercase(), "starts mid-sentence: {sentence}");
        let last_word = sentence.split_whitespace().last().unwrap();
        assert!(
            !["Lt.", "Gen.", "U.S.", "p.m.", "J.", "Mr.", "Dr."].contains(&last_word),
            "split after {last_word}: {sentence}"
        );
    }
}

#[test]
fn headlines_appear_once() {
    let (docs, found) = corpus();
    for (i, doc) in docs.iter().enumerate() {
        let texts = texts_of(&found, i);
        for text in &texts {
            assert_eq!(texts.iter().filter(|t| *t == text).count(), 1, "{}: repeated {text}", doc.id);
        }
    }
}

#[test]
fn datelines_leave_the_text_but_stay_in_provenance() {
    let (docs, found) = corpus();
    let first_body = |doc: usize| found.iter().filter(|s| s.doc == doc).nth(1).unwrap();
    let istanbul = first_body(0);
    assert!(istanbul.text.starts_with("In a significant development"));
    assert_eq!(&docs[0].text[istanbul.dateline.unwrap().range()], "Istanbul, May 17:");
    let turkey = first_body(3);
    assert!(turkey.text.starts_with("In a potential turning point"), "{}", turkey.text);
    assert_eq!(&docs[3].text[turkey.dateline.unwrap().range()], "Istanbul, Turkey — ");
    let byline = first_body(4);
    assert!(byline.text.starts_with("Russia and Ukraine held their first direct peace talks"), "{}", byline.text);
    assert!(docs[4].text[byline.dateline.unwrap().range()].contains("J. Mansour"));
}

#[test]
fn every_span_round_trips() {
    let (docs, found) = corpus();
    for s in &found {
        let text = &docs[s.doc].text;
        let original = &text[s.span.range()];
        assert_eq!(original.split_whitespace().collect::<Vec<_>>().join(" "), s.text);
        let by_chars: String = text.chars().skip(s.char_span.start).take(s.char_span.len()).collect();
        assert_eq!(by_chars, original);
    }
    for pair in found.windows(2) {
        if pair[0].doc == pair[1].doc {
            assert!(pair[0].span.end <= pair[1].span.start && pair[1].index == pair[0].index + 1);
        }
    }
}
