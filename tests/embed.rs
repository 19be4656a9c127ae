//! `precis embed` against sentence-transformers, and its invariants.

mod util;

use util::{cosine, floats, json_lines, model_dir, ok, precis, shared};

/// The 64 reference texts, one per line, in a temporary file.
fn reference() -> (tempfile::TempDir, std::path::PathBuf, Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let embeddings = json_lines(&std::fs::read_to_string(shared().join("reference/minilm_reference.jsonl")).unwrap());
    let tokens =
        json_lines(&std::fs::read_to_string(shared().join("reference/minilm_reference_tokens.jsonl")).unwrap());
    assert_eq!(embeddings.len(), 64);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("texts.txt");
    let texts: Vec<&str> = embeddings.iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert!(texts.iter().all(|t| !t.contains('\n') && !t.trim().is_empty()));
    std::fs::write(&path, texts.join("\n")).unwrap();
    (dir, path, embeddings, tokens)
}

#[test]
fn embeddings_and_token_ids_equal_sentence_transformers() {
    model_dir();
    let (_dir, path, reference, reference_tokens) = reference();
    let rows = json_lines(&ok(precis().args(["embed", "--tokens"]).arg(&path)));
    assert_eq!(rows.len(), reference.len());
    let mut worst = (f64::INFINITY, "");
    for ((row, want), want_tokens) in rows.iter().zip(&reference).zip(&reference_tokens) {
        assert_eq!(row["text"], want["text"]);
        assert_eq!(row["token_ids"], want_tokens["input_ids"], "token ids of {}", want["text"]);
        let c = cosine(&floats(&row["embedding"]), &floats(&want["embedding"]));
        if c < worst.0 {
            worst = (c, want["text"].as_str().unwrap());
        }
    }
    assert!(worst.0 >= 0.99999, "min cosine {} on {:?}", worst.0, worst.1);
}

/// Embeds the reference texts through the library with `configure` applied to the builder.
fn embed_reference(
    configure: impl FnOnce(precis::embed::EmbedderBuilder) -> precis::embed::EmbedderBuilder,
) -> (Vec<Vec<f64>>, Vec<serde_json::Value>) {
    let (_dir, _path, reference, _) = reference();
    let texts: Vec<&str> = reference.iter().map(|r| r["text"].as_str().unwrap()).collect();
    let embedder = configure(precis::embed::Embedder::builder(model_dir())).build().unwrap();
    let vectors = embedder.embed(&texts).unwrap();
    (vectors.rows().into_iter().map(|r| r.iter().map(|&v| v as f64).collect()).collect(), reference)
}

#[test]
fn fused_kernels_agree_with_candle_ops() {
    let (fused, _) = embed_reference(|b| b);
    let (composed, _) = embed_reference(|b| b.reference_kernels(true));
    let worst = fused.iter().zip(&composed).flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()));
    let worst = worst.fold(0.0, f64::max);
    assert!(worst <= 1e-5, "fused vs candle ops: max component difference {worst}");
}

#[test]
fn half_precisions_stay_close_to_sentence_transformers() {
    use precis::embed::Precision;
    // bf16 on the fused kernels and on candle's ops; f16 on candle's ops (its GPU path), whose
    // attention mask must stay finite in half precision.
    for (precision, reference_kernels) in [(Precision::Bf16, false), (Precision::Bf16, true), (Precision::F16, true)] {
        let (vectors, reference) = embed_reference(|b| b.precision(precision).reference_kernels(reference_kernels));
        let worst =
            vectors.iter().zip(&reference).map(|(v, r)| cosine(v, &floats(&r["embedding"]))).fold(1.0, f64::min);
        let what = format!("{precision} (candle ops: {reference_kernels})");
        // candle's own half-precision matrix products round differently by CPU: on one without
        // AVX-512 (an AVX2-only EPYC) its bf16 path measured a min cosine of 0.99895.
        let floor = if reference_kernels { 0.998 } else { 0.999 };
        assert!(worst >= floor, "{what}: min cosine {worst}");
        assert!(worst < 0.999_999_9, "{what} equals f32 (min cosine {worst}): was it computed in {precision}?");
    }
}

#[test]
fn batch_size_threads_and_input_order_do_not_change_embeddings() {
    model_dir();
    let (dir, path, reference, _) = reference();
    let embed = |args: &[&str], input: &std::path::Path| -> Vec<Vec<f64>> {
        let rows = json_lines(&ok(precis().arg("embed").args(args).arg(input)));
        rows.iter().map(|r| floats(&r["embedding"])).collect()
    };
    // Bit for bit: every step works per token row or per sequence, so neither the batch a text
    // lands in nor the number of threads (which splits each batch into parts) may change a value.
    let baseline = embed(&["--batch-size", "64", "--threads", "2"], &path);
    for args in [&["--batch-size", "1"][..], &["--batch-size", "7"], &["--batch-size", "64", "--threads", "1"]] {
        assert_eq!(embed(args, &path), baseline, "{args:?}");
    }

    // A fixed permutation (a stride coprime to 64) reverses nothing by accident.
    let order: Vec<usize> = (0..reference.len()).map(|i| (i * 37 + 11) % reference.len()).collect();
    let shuffled_path = dir.path().join("shuffled.txt");
    let texts: Vec<&str> = order.iter().map(|&i| reference[i]["text"].as_str().unwrap()).collect();
    std::fs::write(&shuffled_path, texts.join("\n")).unwrap();
    let shuffled = embed(&["--batch-size", "7"], &shuffled_path);
    let unshuffled: Vec<Vec<f64>> =
        (0..order.len()).map(|i| shuffled[order.iter().position(|&j| j == i).unwrap()].clone()).collect();
    assert_eq!(unshuffled, baseline, "shuffled input");
}

#[test]
fn npy_and_csv_hold_the_same_vectors_as_jsonl() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "The talks ended early.\n\n\"Quoted, with commas\", she said.\n").unwrap();
    let rows = json_lines(&ok(precis().arg("embed").arg(&input)));
    assert_eq!(rows.iter().map(|r| r["line"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1, 3]);

    let npy = dir.path().join("v.npy");
    ok(precis().arg("embed").arg(&input).args(["--format", "npy", "-o"]).arg(&npy));
    let array: ndarray::Array2<f32> = ndarray_npy::read_npy(&npy).unwrap();
    assert_eq!(array.dim(), (2, 384));

    let csv_text = ok(precis().arg("embed").arg(&input).args(["--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(reader.headers().unwrap().len(), 2 + 384);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&records[1][1], "\"Quoted, with commas\", she said.");

    for (i, row) in rows.iter().enumerate() {
        let json = floats(&row["embedding"]);
        for (d, value) in json.iter().enumerate() {
            assert_eq!(array[[i, d]], *value as f32);
            assert_eq!(records[i][2 + d].parse::<f32>().unwrap(), *value as f32);
        }
    }
}

#[test]
fn stdin_is_read_for_dash() {
    model_dir();
    use std::io::Write;
    let mut child = precis()
        .args(["embed", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"one text\nanother text\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(json_lines(&String::from_utf8(out.stdout).unwrap()).len(), 2);
}

#[test]
fn model_list_reports_the_fetched_model_with_a_good_checksum() {
    model_dir();
    let listing = ok(precis().args(["model", "list"]));
    let minilm = listing.lines().find(|l| l.starts_with("minilm\t")).expect("minilm listed");
    assert!(minilm.contains("\tok\t"), "{minilm}");
}
