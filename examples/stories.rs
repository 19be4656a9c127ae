//! Event grouping measured on a shuffled feed: every document of a benchmark of document sets
//! shuffled into one feed (dates kept, set labels hidden), grouped by `precis stories`' method
//! and scored against the true sets (B-cubed precision, recall, F1; adjusted Rand index).
//!
//! `cargo run --release --example stories [-- DATA.jsonl OUT_DIR [N]]` (defaults:
//! ../shared/data/duc2003_task2.jsonl, target/eval-stories). With N, also a synthetic feed of N
//! articles grouped as a stream (see [`scale_row`]). `cargo xtask eval-stories` runs it and
//! then the anchors (BERTopic, scikit-learn) on the vectors it writes to OUT_DIR.
//!
//! Settings are judged by 5-fold cross-validation over whole sets: each fold's similarity
//! threshold, embedding weight and attach threshold are chosen on the other folds' articles (the
//! whole feed is grouped, only their labels are looked at), then scored on the fold's own articles.

use std::path::PathBuf;
use std::time::Instant;

use ndarray::Array2;
use precis::ParamGuard;
use precis::cluster::{EventParams, EventValidParams, StreamArticle, adjusted_rand_index, bcubed, bcubed_per_point};
use precis::embed::{Embedder, ModelStore};
use precis::stories::{Feed, day_number};
use precis::text::{Document, ReadOptions, read_document_sets, sentences};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

const SEED: u64 = 2026;
const FOLDS: usize = 5;
const THRESHOLDS: [f32; 14] = [0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6];
const WEIGHTS: [f32; 7] = [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0];
const ATTACH: [f32; 6] = [0.0, 0.1, 0.125, 0.15, 0.175, 0.2];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args().skip(1);
    let data = args.next().map(PathBuf::from).unwrap_or_else(|| root.join("../shared/data/duc2003_task2.jsonl"));
    let out = args.next().map(PathBuf::from).unwrap_or_else(|| root.join("target/eval-stories"));
    let scale: Option<usize> = args.next().map(|n| n.parse()).transpose()?;
    std::fs::create_dir_all(&out)?;

    // The feed: every document, labelled with its set's number, shuffled. A document that two sets
    // share appears twice (once per set), as in the benchmark.
    let mut feed: Vec<(Document, usize)> = Vec::new();
    let mut set_ids = Vec::new();
    for set in read_document_sets(&data, &ReadOptions::default())? {
        let set = set?;
        feed.extend(set.docs.into_iter().map(|d| (d, set_ids.len())));
        set_ids.push(set.id);
    }
    feed.shuffle(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED));
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for (doc, _) in &mut feed {
        let count = seen.entry(doc.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            doc.id = format!("{}#{count}", doc.id);
        }
    }
    let label_of: std::collections::HashMap<String, usize> = feed.iter().map(|(d, s)| (d.id.clone(), *s)).collect();
    let mut lines = String::new();
    for (doc, _) in &feed {
        lines.push_str(&serde_json::to_string(doc)?);
        lines.push('\n');
    }
    std::fs::write(out.join("feed.jsonl"), lines)?;
    let truth_in_feed: Vec<usize> = feed.iter().map(|(_, s)| *s).collect();
    std::fs::write(out.join("truth.json"), serde_json::to_string(&truth_in_feed)?)?;

    let model = ModelStore::new(root.join("models")).resolve("minilm")?;
    let embedder = Embedder::builder(&model.dir).build()?;
    let documents: Vec<Document> = feed.iter().map(|(d, _)| d.clone()).collect();

    let started = Instant::now();
    let represented = Feed::embed(&embedder, documents.clone(), |_, _| {})?;
    let embed_seconds = started.elapsed().as_secs_f64();
    let truth: Vec<usize> = represented.documents.iter().map(|d| label_of[&d.id]).collect();
    let sets = set_ids.len();
    println!(
        "{} articles from {sets} sets; lead embeddings in {embed_seconds:.1} s ({:.1} ms per article)",
        truth.len(),
        1000.0 * embed_seconds / truth.len() as f64
    );

    // Sets that share an article report one real-world story (d30025t and d30048t, d30005t and
    // d31038t): scored once more with each such pair as one class.
    let mut first_set = std::collections::HashMap::<&str, usize>::new();
    let mut merged: Vec<usize> = (0..sets).collect();
    for (doc, set) in &feed {
        let other = *first_set.entry(original_id(&doc.id)).or_insert(*set);
        let (a, b) = (merged[other], merged[*set]);
        merged.iter_mut().filter(|m| **m == b.max(a)).for_each(|m| *m = a.min(b));
    }
    let merged_truth: Vec<usize> = truth.iter().map(|&t| merged[t]).collect();
    let shared_classes = merged.iter().collect::<std::collections::HashSet<_>>().len();
    // The best any grouping that keeps an article's copies in one story can score: every set
    // exact, each second copy with its first copy's set; and the sharing sets merged whole.
    let copies_kept: Vec<usize> = represented.documents.iter().map(|d| first_set[original_id(&d.id)]).collect();
    println!(
        "ceiling with copies in one story: B-cubed F1 {:.3} (each copy with its first set), {:.3} (sharing sets merged)",
        bcubed(&copies_kept, &truth).2,
        bcubed(&merged_truth, &truth).2
    );
    let mut rows = Vec::new();
    let mut row = |name: &str, events: &[usize], seconds: f64, note: String| {
        rows.push(stream_row(name, events, &truth, seconds, note));
    };

    let started = Instant::now();
    let defaults = EventParams::new().check()?;
    let events = represented.events(&defaults)?;
    let group_seconds = started.elapsed().as_secs_f64();
    println!(
        "defaults against {shared_classes} classes (sets sharing an article as one): B-cubed F1 {:.3}",
        bcubed(&events, &merged_truth).2
    );
    // Where the defaults go wrong, set by set: each piece as its articles of the set / the story's
    // size (a story larger than its piece mixes in other sets' articles).
    let story_size = |event: usize| events.iter().filter(|&&e| e == event).count();
    let mut whole = 0;
    for (set, id) in set_ids.iter().enumerate() {
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        for (&event, _) in events.iter().zip(&truth).filter(|(_, t)| **t == set) {
            match pieces.iter_mut().find(|(e, _)| *e == event) {
                Some(piece) => piece.1 += 1,
                None => pieces.push((event, 1)),
            }
        }
        pieces.sort_by_key(|&(e, n)| (std::cmp::Reverse(n), e));
        if let [(event, n)] = pieces[..]
            && story_size(event) == n
        {
            whole += 1;
            continue;
        }
        let described: Vec<String> = pieces.iter().map(|&(e, n)| format!("{n}/{}", story_size(e))).collect();
        println!("  {id}: {}", described.join(" "));
    }
    println!(
        "defaults: {whole} of {sets} sets grouped whole and alone; the others above (articles of the set / story size)"
    );
    row(
        "precis (defaults)",
        &events,
        group_seconds,
        format!(
            "similarity {}, embedding weight {}, attach {}; in-sample (chosen on this feed); {embed_seconds:.1} s of lead embedding before",
            defaults.threshold(),
            defaults.embedding_weight(),
            defaults.attach_threshold()
        ),
    );

    // Every grid point grouped and scored per article once; folds then only choose among them.
    let mut grid = Vec::new();
    for &weight in &WEIGHTS {
        for &threshold in &THRESHOLDS {
            for attach in ATTACH.into_iter().filter(|&a| a <= threshold) {
                let params = EventParams::new()
                    .threshold(threshold)
                    .embedding_weight(weight)
                    .attach_threshold(attach)
                    .check()?;
                grid.push((threshold, weight, attach, bcubed_per_point(&represented.events(&params)?, &truth)));
            }
        }
    }
    let mut folds: Vec<usize> = (0..sets).map(|s| s % FOLDS).collect();
    folds.shuffle(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED));
    std::fs::write(out.join("folds.json"), serde_json::to_string(&folds)?)?;
    let cross_validated = |weights: &[f32], attaches: &[f32]| {
        let mut per_point = vec![(0.0, 0.0); truth.len()];
        let mut chosen = Vec::new();
        for fold in 0..FOLDS {
            let held_out = |article: usize| folds[truth[article]] == fold;
            let training_f1 = |points: &[(f64, f64)]| {
                mean_f1(points.iter().enumerate().filter(|&(a, _)| !held_out(a)).map(|(_, x)| x)).2
            };
            let best = grid
                .iter()
                .filter(|(_, w, a, _)| weights.contains(w) && attaches.contains(a))
                .max_by(|a, b| training_f1(&a.3).total_cmp(&training_f1(&b.3)))
                .expect("a non-empty grid");
            for (article, point) in best.3.iter().enumerate() {
                if held_out(article) {
                    per_point[article] = *point;
                }
            }
            chosen.push(format!("{}/{}/{}", best.0, best.1, best.2));
        }
        let (p, r, f) = mean_f1(per_point.iter());
        (p, r, f, chosen, per_point)
    };
    // In-sample, for the record: the best threshold and attach threshold of each weight on the
    // whole feed.
    for &weight in &WEIGHTS {
        let (threshold, _, attach, points) = grid
            .iter()
            .filter(|(_, w, _, _)| *w == weight)
            .max_by(|a, b| mean_f1(a.3.iter()).2.total_cmp(&mean_f1(b.3.iter()).2))
            .expect("a non-empty grid");
        let (_, _, f) = mean_f1(points.iter());
        println!(
            "in-sample: embedding weight {weight}: best similarity {threshold}, attach {attach}, B-cubed F1 {f:.3}"
        );
    }
    let mut per_set_f1 = Vec::new();
    for (name, weights, attaches) in [
        ("precis (cross-validated)", &WEIGHTS[..], &ATTACH[..]),
        ("  no attaching (cv)", &WEIGHTS[..], &[0.0][..]),
        ("  embeddings only (cv)", &[1.0][..], &ATTACH[..]),
        ("  words only (cv)", &[0.0][..], &ATTACH[..]),
    ] {
        let (p, r, f, chosen, per_point) = cross_validated(weights, attaches);
        rows.push(json!({"method": name, "precision": p, "recall": r, "f1": f, "ari": null, "stories": null,
            "seconds": null, "note": format!("similarity/weight/attach chosen per fold: {}", chosen.join(", "))}));
        let of_set = |set: usize| mean_f1(per_point.iter().zip(&truth).filter(|(_, t)| **t == set).map(|(x, _)| x)).2;
        per_set_f1.push((name.trim(), (0..sets).map(of_set).collect::<Vec<f64>>()));
    }
    // The blend against each ablation, paired over whole sets (each set's articles' B-cubed F1),
    // with a bootstrap 95% interval over the sets.
    for (name, other) in &per_set_f1[1..] {
        let differences: Vec<f64> = per_set_f1[0].1.iter().zip(other).map(|(a, b)| a - b).collect();
        let mean = differences.iter().sum::<f64>() / sets as f64;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED);
        let mut means: Vec<f64> = (0..10_000)
            .map(|_| (0..sets).map(|_| differences[rng.random_range(0..sets)]).sum::<f64>() / sets as f64)
            .collect();
        means.sort_by(f64::total_cmp);
        println!(
            "paired over {sets} sets, cross-validated: blend − {name}: per-set F1 {mean:+.3} [{:+.3}, {:+.3}]",
            means[249], means[9_749]
        );
    }

    // The same feed as a stream, a window at a time (what bounds memory on a large feed).
    let days: Vec<i64> = represented
        .documents
        .iter()
        .map(|d| d.date.as_deref().and_then(day_number).ok_or("every dev document has a date"))
        .collect::<Result<_, _>>()?;
    for (window, open) in [(1, 30), (3, 30), (7, 30), (7, 60)] {
        let started = Instant::now();
        let mut stream = defaults.stream(window, open)?;
        let mut closed = Vec::new();
        for (key, ((vector, terms), &day)) in
            represented.vectors().rows().into_iter().zip(represented.terms()).zip(&days).enumerate()
        {
            let article = StreamArticle { key, day, vector: vector.to_vec(), terms: terms.clone() };
            closed.extend(stream.push(article)?);
        }
        closed.extend(stream.finish()?);
        let mut events = vec![0; truth.len()];
        for (event, closed) in closed.iter().enumerate() {
            closed.keys.iter().for_each(|&k| events[k] = event);
        }
        rows.push(stream_row(
            &format!("precis stream {window}d/{open}d"),
            &events,
            &truth,
            started.elapsed().as_secs_f64(),
            format!("defaults, windows of {window} days, events open {open} days after their last article"),
        ));
    }
    if let Some(size) = scale {
        rows.push(scale_row(&represented, &truth, &days, size, &defaults)?);
    }

    // The anchors' input: the mean of each article's sentence vectors, in feed order.
    let found = sentences(&feed.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>());
    let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
    let started = Instant::now();
    let vectors = embedder.embed(&texts)?;
    let all_seconds = started.elapsed().as_secs_f64();
    let mut means = Array2::<f32>::zeros((feed.len(), vectors.ncols()));
    let mut counts = vec![0f32; feed.len()];
    for (sentence, vector) in found.iter().zip(vectors.rows()) {
        means.row_mut(sentence.doc).scaled_add(1.0, &vector);
        counts[sentence.doc] += 1.0;
    }
    for (mut mean, count) in means.rows_mut().into_iter().zip(counts) {
        mean /= count.max(1.0);
    }
    ndarray_npy::write_npy(out.join("mean_vectors.npy"), &means)?;
    println!(
        "all {} sentences embedded in {all_seconds:.1} s ({:.1} ms per article) for the anchors",
        texts.len(),
        1000.0 * all_seconds / feed.len() as f64
    );

    let report = json!({"articles": truth.len(), "sets": sets, "embed_seconds": embed_seconds, "rows": rows});
    std::fs::write(out.join("precis.json"), serde_json::to_string_pretty(&report)?)?;
    println!("{}", serde_json::to_string_pretty(&report["rows"])?);
    Ok(())
}

/// The id an article had before the feed numbered its second copy (`ID#2`).
fn original_id(id: &str) -> &str {
    id.split('#').next().unwrap_or(id)
}

/// Peak resident memory of this process so far, in MiB (the model, the feed and its vectors).
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A result row: B-cubed, adjusted Rand index, stories, seconds and peak memory so far.
fn stream_row(name: &str, events: &[usize], truth: &[usize], seconds: f64, note: String) -> serde_json::Value {
    let (p, r, f) = bcubed(events, truth);
    let wrap = |x: &[usize]| x.iter().map(|&v| Some(v)).collect::<Vec<_>>();
    let ari = adjusted_rand_index(&wrap(events), &wrap(truth));
    let stories = events.iter().copied().collect::<std::collections::HashSet<_>>().len();
    json!({"method": name, "precision": p, "recall": r, "f1": f, "ari": ari, "stories": stories,
        "seconds": seconds, "peak_mib": peak_mib(), "note": note})
}

/// A large feed from the dev feed: `size` articles, each a dev article of replica `r` whose day is
/// shifted by `r` days, whose vector is perturbed (each component by up to ±0.02) and whose words
/// are reworded (a tenth dropped; 70% of the vocabulary, the same 70% for all, made specific to the
/// replica, as the names, places and details of another event would be; the rest, the topic's
/// words, shared). Each (set, replica) is one true event. Grouped as a stream (windows of 1 day, events open 30 days); measures articles per
/// second of grouping (the embedding is not part of it: see the lead embedding's time per article)
/// and the articles held at most.
fn scale_row(
    feed: &Feed,
    truth: &[usize],
    days: &[i64],
    size: usize,
    params: &EventValidParams,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    use std::hash::{Hash, Hasher};
    let n = truth.len();
    let replicas = size.div_ceil(n);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED);
    let mut order: Vec<(i64, usize, usize)> = Vec::with_capacity(replicas * n);
    for r in 0..replicas {
        order.extend(days.iter().enumerate().map(|(a, &day)| (day + r as i64, r, a)));
    }
    order.sort_unstable();
    order.truncate(size);
    let replica_terms = |terms: &[String], r: usize, rng: &mut rand_xoshiro::Xoshiro256PlusPlus| -> Vec<String> {
        terms
            .iter()
            .filter(|_| rng.random::<f32>() >= 0.1)
            .map(|t| {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                t.hash(&mut hasher);
                if hasher.finish() % 10 < 7 { format!("{t}~{r}") } else { t.clone() }
            })
            .collect()
    };
    let started = Instant::now();
    let mut stream = params.stream(1, 30)?;
    let mut closed = Vec::new();
    let mut held = 0;
    for (key, &(day, r, a)) in order.iter().enumerate() {
        let vector: Vec<f32> = feed.vectors().row(a).iter().map(|v| v + rng.random_range(-0.02..0.02)).collect();
        let terms = replica_terms(&feed.terms()[a], r, &mut rng);
        closed.extend(stream.push(StreamArticle { key, day, vector, terms })?);
        let (window, open) = stream.held();
        held = held.max(window + open);
    }
    closed.extend(stream.finish()?);
    let seconds = started.elapsed().as_secs_f64();
    let mut events = vec![0; order.len()];
    for (event, closed) in closed.iter().enumerate() {
        closed.keys.iter().for_each(|&k| events[k] = event);
    }
    let synthetic_truth: Vec<usize> = order.iter().map(|&(_, r, a)| r * 1000 + truth[a]).collect();
    let span = order.last().map_or(0, |l| l.0) - order.first().map_or(0, |f| f.0) + 1;
    Ok(stream_row(
        &format!("precis stream, {} articles", order.len()),
        &events,
        &synthetic_truth,
        seconds,
        format!(
            "synthetic: {replicas} rewordings of the dev feed over {span} days; {:.0} articles/s; at most {held} articles held (window + open events)",
            order.len() as f64 / seconds
        ),
    ))
}

/// B-cubed precision, recall and F1 averaged over the given articles' per-article scores.
fn mean_f1<'a>(points: impl Iterator<Item = &'a (f64, f64)>) -> (f64, f64, f64) {
    let (mut p, mut r, mut n) = (0.0, 0.0, 0.0);
    for &(precision, recall) in points {
        p += precision;
        r += recall;
        n += 1.0;
    }
    let (p, r) = (p / n, r / n);
    (p, r, 2.0 * p * r / (p + r))
}
