//! `precis text` end to end on the shared corpus.

mod util;

use util::{json_lines, ok, precis, shared};

#[test]
fn jsonl_rows_carry_provenance_that_round_trips() {
    let dir = shared().join("corpus/istanbul-talks");
    let rows = json_lines(&ok(precis().arg("text").arg(&dir).args(["--format", "jsonl"])));
    assert_eq!(rows.len(), 17 + 16 + 28 + 18 + 42);
    for row in &rows {
        let id = row["doc"].as_str().unwrap();
        let original = std::fs::read_to_string(dir.join(format!("{id}.txt"))).unwrap();
        let chars: Vec<char> = original.chars().collect();
        let (start, end) = (row["span"][0].as_u64().unwrap() as usize, row["span"][1].as_u64().unwrap() as usize);
        let at_span: String = chars[start..end].iter().collect();
        assert_eq!(at_span.split_whitespace().collect::<Vec<_>>().join(" "), row["text"].as_str().unwrap());
    }
}

#[test]
fn explain_names_each_dropped_line_and_its_rule() {
    let file = shared().join("corpus/istanbul-talks/004_20790907aec06f72.txt");
    let explained = ok(precis().arg("text").arg(&file).arg("--explain"));
    assert!(explained.contains("004_20790907aec06f72:75: interface: Menu"), "{explained}");
    assert!(explained.contains(": caption: Vehicles leave the area"), "{explained}");
    assert!(explained.contains(": interface: Click on a star to rate it!"), "{explained}");
}

#[test]
fn html_is_read_through_a_parser() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        "<html><head><title>x</title><script>var a = 1;</script></head><body><nav><a href='/'>Sign in</a></nav>\
         <h1>Council Backs New Bike Lanes</h1><p>The council voted on Monday to build protected lanes downtown. \
         Work starts in March.</p><footer>All rights reserved</footer></body></html>",
    )
    .unwrap();
    let out = ok(precis().arg("text").arg(&page));
    assert_eq!(
        out,
        "page:0: Council Backs New Bike Lanes\npage:1: The council voted on Monday to build protected lanes downtown.\npage:2: Work starts in March.\n"
    );
}
