//! `precis summarize`, `batch` and `eval` end to end.

mod util;

use std::path::Path;

use util::{cosine, json_lines, model_dir, ok, precis, run, shared};

fn corpus() -> std::path::PathBuf {
    shared().join("corpus/istanbul-talks")
}

#[test]
fn corpus_summary_is_short_clean_and_sourced() {
    model_dir();
    let out = ok(precis().arg("summarize").arg(corpus()).args(["--words", "120", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["schema_version"], 1);
    let summary = json["summary"].as_array().unwrap();
    let texts: Vec<&str> = summary.iter().map(|s| s["text"].as_str().unwrap()).collect();
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    assert!((60..=120).contains(&words), "{words} words: {texts:#?}");
    for sentence in summary {
        let own = sentence["doc"].as_str().unwrap();
        let support = sentence["support"].as_array().unwrap();
        assert_eq!(sentence["reported_by"].as_u64().unwrap() as usize, 1 + support.len());
        assert!(support.iter().all(|s| s["doc"].as_str().unwrap() != own));
        for text in ["Log In", "Loading", "Photo", "rate", "Previous Article", "Menu"] {
            assert!(!sentence["text"].as_str().unwrap().contains(text), "chrome in {sentence}");
        }
    }
    assert!(summary.iter().any(|s| s["reported_by"].as_u64().unwrap() >= 3), "no widely reported sentence");
}

/// The text report names each source as a reader would: by its headline where the page has one
/// (none of these files has an outlet), by its file name only where it has none.
#[test]
fn the_text_report_names_sources_by_their_headlines() {
    model_dir();
    let out = ok(precis().arg("summarize").arg(corpus()).args(["--words", "120"]));
    let loaded = precis::text::read_documents(
        &[corpus()],
        precis::text::InputFormat::default(),
        &precis::text::ReadOptions::default(),
        false,
    )
    .unwrap();
    let headlined: Vec<_> = loaded.documents.iter().filter(|d| d.headline().is_some()).collect();
    assert!(headlined.len() >= 3, "most of the pages open on a headline");
    for doc in &loaded.documents {
        assert!(doc.outlet().is_none());
        match doc.headline() {
            Some(_) => {
                assert!(!out.contains(&doc.id), "{} is named by its file name: {out}", doc.id);
                assert!(out.contains(doc.name().as_ref()), "{} is not named: {out}", doc.name());
            }
            None => assert_eq!(doc.name(), doc.id),
        }
    }
}

/// The talks' two outcomes, in words of our own, must each be said by some sentence of the 120-word
/// summary, judged by the model's own similarity, and another source must back that sentence.
#[test]
fn corpus_summary_reports_both_outcomes_with_their_sources() {
    const OUTCOMES: [&str; 2] =
        ["The talks ended without a ceasefire.", "The talks produced a deal to exchange 1,000 prisoners on each side."];
    let out = ok(precis().arg("summarize").arg(corpus()).args(["--words", "120", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let summary = json["summary"].as_array().unwrap();
    let texts: Vec<&str> = summary.iter().map(|s| s["text"].as_str().unwrap()).collect();
    let embedder = precis::embed::Embedder::builder(model_dir()).build().unwrap();
    let said = embedder.embed(&texts).unwrap();
    let outcomes = embedder.embed(&OUTCOMES).unwrap();
    let as_f64 = |row: ndarray::ArrayView1<f32>| row.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>();
    for (outcome, wanted) in OUTCOMES.iter().zip(outcomes.rows()) {
        let (best, k) = said
            .rows()
            .into_iter()
            .map(|row| cosine(&as_f64(row), &as_f64(wanted)))
            .zip(0..)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        let text = texts[k];
        assert!(best >= OUTCOME_COSINE, "{outcome:?} is not in the summary (closest, {best:.2}: {text:?}): {texts:#?}");
        assert!(summary[k]["reported_by"].as_u64().unwrap() >= 2, "{text:?} has no other source: {}", summary[k]);
    }
}

/// A close paraphrase: what the evidence of a summary sentence also requires of another source.
const OUTCOME_COSINE: f64 = 0.5;

#[test]
fn summary_does_not_depend_on_document_order_or_batch_size() {
    model_dir();
    let mut files: Vec<_> = std::fs::read_dir(corpus()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let summary_of = |files: &[std::path::PathBuf], batch: &str| -> Vec<String> {
        let out = ok(precis().arg("summarize").args(files).args(["--format", "json", "--batch-size", batch]));
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        json["summary"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap().to_string()).collect()
    };
    let baseline = summary_of(&files, "64");
    assert!(!baseline.is_empty());
    assert_eq!(summary_of(&files, "1"), baseline);
    let mut reversed = files.clone();
    reversed.reverse();
    let mut shuffled = reversed.clone();
    shuffled.swap(0, 2);
    assert_eq!(summary_of(&reversed, "64"), baseline);
    assert_eq!(summary_of(&shuffled, "7"), baseline);
}

#[test]
fn eval_agrees_with_the_reference_scorer() {
    let data = shared().join("data/duc2003_task2.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let system = dir.path().join("lead.jsonl");
    // The lead baseline of tests/fixtures/eval/generate.py: the first document's paragraphs.
    let mut lines = String::new();
    for line in std::fs::read_to_string(&data).unwrap().lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = record["docs"][0]["text"].as_str().unwrap();
        let paragraphs: Vec<&str> = text.split('\n').map(str::trim).filter(|p| !p.is_empty()).collect();
        lines += &serde_json::json!({"id": record["id"], "summary": paragraphs.join("\n")}).to_string();
        lines.push('\n');
    }
    std::fs::write(&system, lines).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval/lead.json")).unwrap(),
    )
    .unwrap();
    for (name, flag, value) in [("words100", "--limit-words", "100"), ("bytes665", "--limit-bytes", "665")] {
        let out =
            ok(precis().arg("eval").arg(&system).arg("--refs").arg(&data).args([flag, value, "--format", "json"]));
        let ours: serde_json::Value = serde_json::from_str(&out).unwrap();
        for (metric, key) in [("rouge1", "rouge1"), ("rouge2", "rouge2"), ("rougeL", "rouge_l")] {
            for (short, long) in [("R", "recall"), ("P", "precision"), ("F", "f1")] {
                let theirs = fixture[name]["mean"][metric][short].as_f64().unwrap();
                let mine = 100.0 * ours["mean"][key][long].as_f64().unwrap();
                assert!(
                    (theirs - mine).abs() <= 0.2,
                    "{name} {metric} {short}: precis {mine:.3} vs reference {theirs:.3}"
                );
            }
        }
    }
}

#[test]
fn batch_keeps_every_good_result_and_reports_every_bad_record() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sets.jsonl");
    let good = |id: &str| {
        serde_json::json!({"id": id, "docs": [
            {"id": "a", "text": "The city council approved new protected bike lanes for the downtown area on Monday night."},
            {"id": "b", "text": "On Monday night the council voted to build protected bike lanes downtown, officials said."}
        ]})
        .to_string()
    };
    let records = [
        good("first"),
        "{\"id\": \"broken\", \"docs\": [".to_string(),
        "{\"id\": \"empty\", \"docs\": []}".to_string(),
        "{\"id\": \"chrome\", \"docs\": [{\"id\": \"x\", \"text\": \"Log In\\nLoading...\\nMenu\"}]}".to_string(),
        good("last"),
    ];
    std::fs::write(&input, records.join("\n") + "\n").unwrap();
    let output = dir.path().join("out.jsonl");
    let out = run(precis().arg("batch").arg(&input).arg("-o").arg(&output));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: 3 of 5 document sets failed"));
    let rows = json_lines(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(rows.len(), 5);
    assert!(rows[0]["summary"].as_str().unwrap().contains("bike lanes"));
    assert_eq!(rows[0]["id"], "first");
    assert_eq!(rows[4]["id"], "last");
    assert_eq!((rows[1]["id"].clone(), rows[1]["line"].clone()), (serde_json::Value::Null, serde_json::json!(2)));
    assert!(rows[1]["error"].as_str().unwrap().contains("malformed JSON"));
    assert_eq!(rows[2]["id"], "empty");
    assert!(rows[2]["error"].as_str().unwrap().contains("has no documents"));
    assert_eq!(rows[3]["id"], "chrome");
    assert!(rows[3]["error"].as_str().unwrap().contains("no sentences"));
}

#[test]
fn batch_killed_midway_resumes_without_redoing_or_duplicating() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sets.jsonl");
    let data = std::fs::read_to_string(shared().join("data/duc2003_task2.jsonl")).unwrap();
    std::fs::write(&input, data.lines().take(4).collect::<Vec<_>>().join("\n") + "\n").unwrap();

    let reference = dir.path().join("reference.jsonl");
    ok(precis().arg("batch").arg(&input).arg("-o").arg(&reference));
    let reference = std::fs::read_to_string(&reference).unwrap();
    assert_eq!(reference.lines().count(), 4);

    let output = dir.path().join("out.jsonl");
    let mut child = precis().arg("batch").arg(&input).arg("-o").arg(&output).spawn().unwrap();
    // Wait for the first result line (polling at most 15,000 times, 20 ms apart).
    let first_line = (0..15_000).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::read_to_string(&output).is_ok_and(|t| t.lines().count() >= 1)
    });
    assert!(first_line, "no result line appeared");
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = std::fs::read_to_string(&output).unwrap();
    assert!(partial.lines().count() < 4, "the run finished before it could be killed");
    // A line cut short by the kill, as a crash mid-write leaves it.
    std::fs::write(&output, partial + "{\"id\": \"d3").unwrap();

    ok(precis().arg("batch").arg(&input).arg("-o").arg(&output).arg("--resume"));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), reference);
    // Resuming a finished run does nothing.
    ok(precis().arg("batch").arg(&input).arg("-o").arg(&output).arg("--resume"));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), reference);
}

#[test]
fn the_shipped_content_model_was_trained_on_the_shared_dev_set() {
    let model = precis::summarize::ContentModel::shipped();
    let data = shared().join("data/duc2003_task2.jsonl");
    assert_eq!(model.training.data_sha256, precis::train::sha256(&data).unwrap());
    assert_eq!(model.training.sets, 30);
    let learned = &model.training.cross_validation["learned"];
    assert!(learned.as_array().is_some_and(|budgets| !budgets.is_empty()), "cross-validated scores inside: {learned}");
}

#[test]
fn training_is_deterministic_and_its_model_is_used() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let sets = dir.path().join("sets.jsonl");
    let dev = std::fs::read_to_string(shared().join("data/duc2003_task2.jsonl")).unwrap();
    std::fs::write(&sets, dev.lines().take(4).map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let train = |threads: &str, name: &str| {
        let model = dir.path().join(name);
        let report =
            ok(precis().args(["--threads", threads, "train"]).arg(&sets).args(["--folds", "2", "-o"]).arg(&model));
        assert!(report.contains("learned") && report.contains("concepts") && report.contains("ablation"), "{report}");
        std::fs::read_to_string(model).unwrap()
    };
    let one = train("1", "one.json");
    assert_eq!(train("2", "two.json"), one, "the same sets give the same model file");
    let model: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(model["training"]["sets"], 4);
    // The model drives `--strategy learned`: a summary with it differs from one where no bigram
    // is a concept.
    let summarize = |model: &Path| {
        ok(precis().arg("summarize").arg(corpus()).args(["--strategy", "learned", "--content-model"]).arg(model))
    };
    let mut none: serde_json::Value = model.clone();
    none["min_probability"] = serde_json::json!(0.999_999);
    let none_path = dir.path().join("none.json");
    std::fs::write(&none_path, none.to_string()).unwrap();
    assert_ne!(summarize(&dir.path().join("one.json")), summarize(&none_path));
}
