//! `precis stories` end to end: grouping, copies, singletons, order invariance, every output
//! format read back (JSON lines through `precis batch`), bad input.

mod util;

use std::path::{Path, PathBuf};

use util::{json_lines, model_dir, ok, precis, run, shared};

/// One JSON line per document of the dev sets named, without the set (the feed hides it).
fn dev_articles(sets: &[&str]) -> Vec<serde_json::Value> {
    let data = std::fs::read_to_string(shared().join("data/duc2003_task2.jsonl")).unwrap();
    json_lines(&data)
        .into_iter()
        .filter(|set| sets.contains(&set["id"].as_str().unwrap()))
        .flat_map(|set| set["docs"].as_array().unwrap().clone())
        .collect()
}

fn council_vote() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/council-vote")
}

fn write_jsonl(path: &Path, articles: &[serde_json::Value]) {
    let lines: Vec<String> = articles.iter().map(|a| a.to_string() + "\n").collect();
    std::fs::write(path, lines.concat()).unwrap();
}

/// Every story's articles, as sorted id lists, sorted.
fn partition(stories: &serde_json::Value) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = stories["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut ids: Vec<String> =
                s["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
            ids.sort();
            ids
        })
        .collect();
    groups.sort();
    groups
}

#[test]
fn a_mixed_folder_comes_out_as_five_summarized_stories() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(shared().join("corpus/istanbul-talks"))
        .unwrap()
        .chain(std::fs::read_dir(council_vote()).unwrap())
    {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let dev = ["d30003t", "d31022t", "d31050t"];
    write_jsonl(&dir.path().join("wire.jsonl"), &dev_articles(&dev));
    let out = ok(precis().arg("stories").arg(dir.path()).args(["--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stories = json["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 5, "{:#?}", partition(&json));
    for story in stories {
        assert!(!story["singleton"].as_bool().unwrap());
        assert!(story["summary"].as_str().is_some_and(|s| s.len() > 100), "no summary: {story}");
        let ids: Vec<&str> = story["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
        // One origin per story: the talks' files start with digits, the council's with a letter and
        // contain a dash, the wire articles with APW or NYT and a date that says which set.
        let origin = |id: &str| match id {
            _ if id.starts_with(|c: char| c.is_ascii_digit()) => "istanbul",
            _ if id.contains('-') => "council",
            _ => "wire",
        };
        assert!(ids.iter().all(|id| origin(id) == origin(ids[0])), "mixed story: {ids:?}");
    }
    let sizes: Vec<u64> = stories.iter().map(|s| s["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes.iter().sum::<u64>(), 8 + 28, "{sizes:?}"); // 30 wire articles less 2 reprints
    // Sources as people name them: the talks' headlines, not the file stems.
    let talks = stories.iter().find(|s| s["articles"][0]["id"].as_str().unwrap().starts_with('0')).unwrap();
    assert!(talks["label"].as_str().unwrap().contains("Talks"), "{}", talks["label"]);
}

#[test]
fn copies_count_once_and_an_unrelated_article_stays_alone() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let mut articles = Vec::new();
    for name in ["city-herald", "riverton-post", "valley-news"] {
        let text = std::fs::read_to_string(council_vote().join(format!("{name}.txt"))).unwrap();
        articles.push(serde_json::json!({"id": name, "text": text, "date": "2025-03-04"}));
    }
    let reprint = articles[1]["text"].clone();
    articles.push(
        serde_json::json!({"id": "harbor-times", "text": reprint, "source": "Harbor Times", "date": "2025-03-05"}),
    );
    articles.push(serde_json::json!({"id": "science-desk", "date": "2025-03-04",
        "text": "Astronomers have measured the spin of a distant pulsar with a new radio telescope array. \
                 The pulsar turns more than seven hundred times a second, the team reported in a journal on Monday. \
                 Its magnetic field is weaker than models had predicted for such a fast star."}));
    let feed = dir.path().join("feed.jsonl");
    write_jsonl(&feed, &articles);
    let out = ok(precis().arg("stories").arg(&feed).args(["--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        partition(&json),
        [vec!["city-herald", "harbor-times", "riverton-post", "valley-news"], vec!["science-desk"]]
    );
    let council = &json["stories"][0];
    assert_eq!(council["size"], 3);
    let copy = council["articles"].as_array().unwrap().iter().find(|a| a["id"] == "harbor-times").unwrap();
    assert_eq!(copy["copy_of"], "riverton-post");
    assert_eq!(copy["source"], "Harbor Times");
    // The reprint is not a fourth source of any sentence.
    let sentences = council["sentences"].as_array().unwrap();
    assert!(sentences.iter().all(|s| s["reported_by"].as_u64().unwrap() <= 3));
    assert!(sentences.iter().flat_map(|s| s["support"].as_array().unwrap()).all(|s| s["doc"] != "harbor-times"));
    let alone = &json["stories"][1];
    assert_eq!(alone["singleton"], true);
    assert!(alone.get("summary").is_none());

    // The same feed in reverse order gives the same output, byte for byte.
    articles.reverse();
    let reversed = dir.path().join("reversed.jsonl");
    write_jsonl(&reversed, &articles);
    let again = ok(precis().arg("stories").arg(&reversed).args(["--format", "json"]));
    assert_eq!(out, again);
}

#[test]
fn every_format_reads_back_and_jsonl_is_a_batch_input() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let mut articles = dev_articles(&["d31013t", "d31022t"]);
    articles.reverse();
    write_jsonl(&feed, &articles);
    let path = |name: &str| dir.path().join(name);
    for format in ["jsonl", "json", "csv", "html", "text"] {
        ok(precis().arg("stories").arg(&feed).args(["--no-summaries", "--format", format, "-o"]).arg(path(format)));
    }
    let stories = json_lines(&std::fs::read_to_string(path("jsonl")).unwrap());
    let total: usize = stories.iter().map(|s| s["docs"].as_array().unwrap().len()).sum();
    assert_eq!(total, articles.len());
    assert!(stories.iter().all(|s| s["docs"][0]["text"].as_str().is_some_and(|t| !t.is_empty())));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path("json")).unwrap()).unwrap();
    assert_eq!(json["stories"].as_array().unwrap().len(), stories.len());
    let mut csv = csv::Reader::from_path(path("csv")).unwrap();
    assert_eq!(csv.headers().unwrap().iter().next(), Some("story"));
    assert_eq!(csv.records().count(), articles.len());
    let html = std::fs::read_to_string(path("html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<details>"));
    assert!(std::fs::read_to_string(path("text")).unwrap().contains("story-1"));

    // Each story line is a document set: `precis batch` summarizes the grouped stories.
    let summaries = ok(precis().arg("batch").arg(path("jsonl")));
    let lines = json_lines(&summaries);
    assert_eq!(lines.len(), stories.len());
    for (line, story) in lines.iter().zip(&stories) {
        assert_eq!(line["id"], story["id"]);
        assert!(line["summary"].as_str().is_some_and(|s| !s.is_empty()), "{line}");
    }
}

#[test]
fn bad_input_fails_with_one_line_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = run(precis().arg("stories").arg(&empty));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("empty.jsonl"), "{err}");

    let bad = dir.path().join("bad.jsonl");
    let content = "{\"id\": \"a\", \"text\": \"A storm hit.\"}\n{\"id\": \"b\", \"text\": \n";
    std::fs::write(&bad, content).unwrap();
    let out = run(precis().arg("stories").arg(&bad).args(["-o"]).arg(&bad));
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), content, "the input was overwritten");
    let out = run(precis().arg("stories").arg(&bad));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.jsonl:2:"), "{err}");

    let out = run(precis().arg("stories").arg(&bad).args(["--similarity", "0"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--similarity"));
}

#[test]
fn a_date_sorted_feed_streams_and_an_unsorted_one_is_refused() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let mut articles = dev_articles(&["d31013t", "d31022t"]);
    articles.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
    let feed = dir.path().join("sorted.jsonl");
    write_jsonl(&feed, &articles);
    let out =
        ok(precis().arg("stories").arg(&feed).args(["--window-days", "1", "--no-summaries", "--format", "jsonl"]));
    let stories = json_lines(&out);
    let mut ids: Vec<&str> =
        stories.iter().flat_map(|s| s["docs"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap())).collect();
    ids.sort();
    let mut expected: Vec<&str> = articles.iter().map(|a| a["id"].as_str().unwrap()).collect();
    expected.sort();
    assert_eq!(ids, expected, "every article in exactly one story");
    let ids: Vec<&str> = stories.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids[0], "story-1");
    // The two events come out as two stories (copies aside, nothing else).
    assert!(stories.iter().filter(|s| s["size"].as_u64().unwrap() >= 5).count() == 2, "{ids:?}");

    let last = articles.len() - 1;
    articles.swap(0, last);
    let unsorted = dir.path().join("unsorted.jsonl");
    write_jsonl(&unsorted, &articles);
    let out = run(precis()
        .arg("stories")
        .arg(&unsorted)
        .args(["--window-days", "1", "-o"])
        .arg(dir.path().join("out.jsonl")));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("sort the feed by date") && err.trim_end().lines().count() == 1, "{err}");
    assert!(!dir.path().join("out.jsonl").exists(), "a failed run left a partial output");
    // With --skip-bad an article that comes late is reported, and the rest grouped.
    let mut late = articles.clone();
    late.swap(0, last); // back in date order
    let earliest = late.remove(0);
    late.push(earliest);
    let late_feed = dir.path().join("late.jsonl");
    write_jsonl(&late_feed, &late);
    let out = run(precis().arg("stories").arg(&late_feed).args([
        "--window-days",
        "1",
        "--no-summaries",
        "--skip-bad",
        "--format",
        "jsonl",
    ]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.matches("warning: skipped article").count(), 1, "{err}");
    let grouped: usize =
        json_lines(&String::from_utf8(out.stdout).unwrap()).iter().map(|s| s["docs"].as_array().unwrap().len()).sum();
    assert_eq!(grouped, late.len() - 1);

    let undated = dir.path().join("undated.jsonl");
    std::fs::write(&undated, "{\"id\": \"x\", \"text\": \"A storm hit the coast on Monday.\"}\n").unwrap();
    let err =
        String::from_utf8(run(precis().arg("stories").arg(&undated).args(["--window-days", "1"])).stderr).unwrap();
    assert!(err.contains("article x has no date"), "{err}");
    let out = run(precis().arg("stories").arg(&feed).args(["--window-days", "1", "--format", "html"]));
    assert_eq!(out.status.code(), Some(2));
}
