//! The quick measure for comparing variants of the learned content model: plain 5-fold
//! cross-validation over whole sets at a few fixed sentence weights (no inner choice, no
//! ablation), beside `concepts`, at 100 words and 665 bytes. `precis train` is the full, nested
//! protocol; this is for trying things. Embeddings are kept under `target/learned-cv/`, so only the
//! first run embeds.
//!
//! `cargo run --release --example learned_cv [-- DATA.jsonl [WEIGHT...]]`
//! (default: ../shared/data/duc2003_task2.jsonl, weights 0.5 and 1). `BUDGETS=100`, `200` or `all`
//! (100 and 200 words, 665 bytes, 50 words) instead of 100 words and 665 bytes; `LOGLOSS=1` first
//! prints the held-out log-loss of the bigram labels with each feature left out; `MIN_PROBABILITY=P`
//! and `MAX_CONCEPTS=N` replace the training defaults. Each run keeps its per-set in
//! `target/learned-cv/last-run.json` and the next run pairs its own with them, so a change is
//! measured against the run before it, set by set; each row is also paired, in, with
//! the first row of its budget in the same run (the base, when comparing weights). The model
//! trained on every set at each weight is written to `target/learned-cv/model-wWEIGHT.json` (for
//! `--content-model`). With `SUMMARIES_DIR=DIR`, the cross-validated summaries go there too
//! (what `precis eval` reads).

use std::path::{Path, PathBuf};

use ndarray::Array2;
use precis::ParamGuard;
use precis::cluster::AgglomerativeParams;
use precis::embed::{Embedder, ModelStore};
use precis::summarize::{Budget, Strategy};
use precis::text::{ReadOptions, read_document_sets, sentences};
use precis::train::{self, Options, Prepared};

fn cached_embeddings(
    cache: &Path,
    id: &str,
    texts: &[&str],
    embedder: &mut Option<Embedder>,
    model: &Path,
) -> Array2<f32> {
    // Named by the sentence count too: a set segmented differently is embedded again.
    let file = cache.join(format!("{id}-{}.f32", texts.len()));
    if let Ok(bytes) = std::fs::read(&file) {
        let values: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if !texts.is_empty() && values.len().is_multiple_of(texts.len()) {
            let dim = values.len() / texts.len();
            return Array2::from_shape_vec((texts.len(), dim), values).expect("checked shape");
        }
    }
    let embedder = embedder.get_or_insert_with(|| Embedder::builder(model).build().expect("the model loads"));
    let vectors = embedder.embed(texts).expect("embedding works");
    let bytes: Vec<u8> = vectors.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::create_dir_all(cache).expect("a cache folder");
    std::fs::write(&file, bytes).expect("the cache is writable");
    vectors
}

/// Refuses to write `file` over the data read, or over anything but a regular file (a link, a
/// FIFO, a device).
fn refuse_to_replace(file: &Path, data: &Path) -> Result<(), String> {
    let Ok(meta) = std::fs::symlink_metadata(file) else { return Ok(()) };
    let same = file.canonicalize().ok().zip(data.canonicalize().ok()).is_some_and(|(a, b)| a == b);
    if same || !meta.file_type().is_file() {
        return Err(format!("{}: not replacing it (the data, or not a regular file)", file.display()));
    }
    Ok(())
}

/// The mean per-set difference `a − b` with its bootstrap 95% interval.
fn paired(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    train::bootstrap(&a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>())
}

/// `cv`'s per-set paired with `rouge1` and `rouge2`: "R-1 m [low, high] R-2 m [low, high]".
fn paired_r1_r2(cv: &train::Scored, rouge1: &[f64], rouge2: &[f64]) -> String {
    let (m1, l1, h1) = paired(&cv.rouge1, rouge1);
    let (m2, l2, h2) = paired(&cv.rouge2, rouge2);
    format!("R-1 {m1:+.2} [{l1:+.2}, {h1:+.2}] R-2 {m2:+.2} [{l2:+.2}, {h2:+.2}]")
}

/// Cross-validated log-loss and average precision of the bigram labels, with all features and with
/// each left out: a far less noisy guide than ROUGE for which features help.
fn held_out_fit(rows: &train::Rows, folds: usize) {
    use precis::summarize::content::{ContentModel, FEATURES, N_FEATURES};
    let measure = |dropped: Option<usize>| -> (f64, f64) {
        let mut scored: Vec<(f64, f64)> = Vec::new();
        for fold in 0..folds {
            let pick = |test: bool| {
                let mut x = Vec::new();
                let mut y = Vec::new();
                for (i, (f, l)) in rows.iter().enumerate() {
                    if (i % folds == fold) == test {
                        for (row, &label) in f.iter().zip(l) {
                            let mut row = *row;
                            if let Some(d) = dropped {
                                row[d] = 0.0;
                            }
                            x.push(row);
                            y.push(label);
                        }
                    }
                }
                (x, y)
            };
            let (x, y) = pick(false);
            let fitted = ContentModel::fit(&x, &y, 1.0);
            let (tx, ty) = pick(true);
            for (row, &label) in tx.iter().zip(&ty) {
                let z: f64 = fitted.intercept
                    + (0..N_FEATURES)
                        .map(|j| fitted.coef[j] * (row[j] - fitted.mean[j]) / fitted.scale[j])
                        .sum::<f64>();
                scored.push((1.0 / (1.0 + (-z).exp()), label));
            }
        }
        let loss =
            scored.iter().map(|&(p, y)| -(y * p.max(1e-12).ln() + (1.0 - y) * (1.0 - p).max(1e-12).ln())).sum::<f64>()
                / scored.len() as f64;
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut hits, mut ap) = (0.0, 0.0);
        let positives: f64 = scored.iter().map(|s| s.1).sum();
        for (k, &(_, y)) in scored.iter().enumerate() {
            if y > 0.5 {
                hits += 1.0;
                ap += hits / (k + 1) as f64;
            }
        }
        (loss, ap / positives)
    };
    let (loss, ap) = measure(None);
    println!("held-out bigram labels, all features: log-loss {loss:.5}, average precision {ap:.4}");
    for (d, name) in FEATURES.iter().enumerate() {
        let (l, a) = measure(Some(d));
        println!("  without {name:<16} log-loss {:+.5}  AP {:+.4}", l - loss, a - ap);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = args.first().map(PathBuf::from).unwrap_or_else(|| root.join("../shared/data/duc2003_task2.jsonl"));
    let weights: Vec<f64> =
        if args.len() > 1 { args[1..].iter().map(|w| w.parse()).collect::<Result<_, _>>()? } else { vec![0.5, 1.0] };
    let model = ModelStore::new(root.join("models")).resolve("minilm")?;
    let cache = root.join("target/learned-cv");
    let clustering = AgglomerativeParams::new().check()?;
    let mut embedder = None;
    let mut sets = Vec::new();
    for set in read_document_sets(&data, &ReadOptions::default())? {
        let set = set?;
        let refs = precis::train::references(&set);
        if refs.is_empty() {
            return Err(format!("set {} has no \"refs\"", set.id).into());
        }
        let found = sentences(&set.docs);
        let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
        let embeddings = cached_embeddings(&cache, &set.id, &texts, &mut embedder, &model.dir);
        let sources: Vec<usize> = found.iter().map(|s| s.doc).collect();
        let clusters = clustering.fit(embeddings.view(), &sources)?;
        let clustered = precis::Clustered { documents: set.docs, sentences: found, embeddings, clustering: clusters };
        sets.push(Prepared::new(set.id, clustered, refs));
    }
    sets.sort_by(|a, b| a.id.cmp(&b.id));
    let mut options = Options::default();
    if let Ok(p) = std::env::var("MIN_PROBABILITY") {
        options.min_probability = p.parse()?;
    }
    if let Ok(n) = std::env::var("MAX_CONCEPTS") {
        options.max_concepts = n.parse()?;
    }
    // Per-set of each row, kept for a paired comparison with the next run.
    let last = cache.join("last-run.json");
    let previous: serde_json::Value =
        std::fs::read_to_string(&last).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    let mut this_run = serde_json::Map::new();
    let started = std::time::Instant::now();
    let rows = train::training_rows(&sets)?;
    let n: usize = rows.iter().map(|r| r.1.len()).sum();
    let positive: f64 = rows.iter().flat_map(|r| &r.1).sum();
    println!("{} sets, {n} bigrams ({positive} in a reference), features {:.2?}", sets.len(), started.elapsed());
    if std::env::var_os("LOGLOSS").is_some() {
        held_out_fit(&rows, options.folds);
    }
    let budgets = match std::env::var("BUDGETS").as_deref() {
        Ok("100") => vec![Budget::Words(100)],
        Ok("200") => vec![Budget::Words(200)],
        Ok("all") => vec![Budget::Words(100), Budget::Bytes(665), Budget::Words(50), Budget::Words(200)],
        _ => vec![Budget::Words(100), Budget::Bytes(665)],
    };
    for budget in budgets {
        let base = train::score_strategy(&sets, Strategy::Concepts, budget)?;
        println!(
            "{:<10} concepts      {:>6.2} {:>6.2} {:>6.2}",
            train::budget_name(budget),
            base.mean[0],
            base.mean[1],
            base.mean[2]
        );
        let mut first_row: Option<(Vec<f64>, Vec<f64>)> = None;
        for &w in &weights {
            let started = std::time::Instant::now();
            let cv = train::cross_validate(&sets, &rows, &options, w, budget)?;
            let (mean, low, high) = paired(&cv.rouge2, &base.rouge2);
            let key = format!("{} {w}", train::budget_name(budget));
            let before = |key: &str| -> Vec<f64> {
                previous[key].as_array().map_or(Vec::new(), |v| v.iter().filter_map(|x| x.as_f64()).collect())
            };
            let (before1, before2) = (before(&format!("{key} R-1")), before(&key));
            let versus = if before1.len() == cv.rouge1.len() && before2.len() == cv.rouge2.len() {
                format!("vs last run {}", paired_r1_r2(&cv, &before1, &before2))
            } else {
                String::new()
            };
            this_run.insert(format!("{key} R-1"), serde_json::json!(cv.rouge1));
            this_run.insert(key, serde_json::json!(cv.rouge2));
            if let Some(dir) = std::env::var_os("SUMMARIES_DIR") {
                let file = Path::new(&dir).join(train::summaries_file(&format!("learned-w{w}"), budget));
                refuse_to_replace(&file, &data)?;
                cv.write_summaries(&sets, &mut std::fs::File::create(file)?)?;
            }
            // Paired against the first row of this budget in this run, R-1 and R-2.
            let first = first_row.get_or_insert_with(|| (cv.rouge1.clone(), cv.rouge2.clone()));
            let versus = format!("{versus} | vs first row {}", paired_r1_r2(&cv, &first.0, &first.1));
            let all: Vec<usize> = (0..sets.len()).collect();
            std::fs::write(
                cache.join(format!("model-w{w}.json")),
                train::model_of(&rows, &all, &[], &options, w).to_json(),
            )?;
            let words: usize = cv.summaries.iter().map(|t| t.split_whitespace().count()).sum();
            let versus = format!("{versus} {:.1} words", words as f64 / cv.summaries.len() as f64);
            println!(
                "{:<10} learned w={w:<4} {:>6.2} {:>6.2} {:>6.2}   R-2 vs concepts {mean:+.2} [{low:+.2}, {high:+.2}] {versus} {:.1?}",
                train::budget_name(budget),
                cv.mean[0],
                cv.mean[1],
                cv.mean[2],
                started.elapsed()
            );
        }
    }
    std::fs::write(&last, serde_json::Value::Object(this_run).to_string())?;
    Ok(())
}
