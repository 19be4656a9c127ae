//! Every summary strategy on a benchmark of document sets with reference summaries, embedding each
//! set once: ROUGE-1/2/L recall at 100 words, as `precis eval` computes it.
//!
//! `cargo run --release --example strategies [-- DATA.jsonl]` (default: ../shared/data/duc2003_task2.jsonl).
//! `precis batch` + `precis eval` give the same numbers one strategy at a time.

use std::path::PathBuf;
use std::time::Duration;

use precis::ParamGuard;
use precis::cluster::AgglomerativeParams;
use precis::embed::{Embedder, ModelStore};
use precis::summarize::{Budget, Inputs, Limit, RougeScores, Strategy, SummaryParams, rouge};
use precis::text::{ReadOptions, read_document_sets, sentences};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data =
        std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| root.join("../shared/data/duc2003_task2.jsonl"));
    let model = ModelStore::new(root.join("models")).resolve("minilm")?;
    let embedder = Embedder::builder(&model.dir).build()?;
    let clustering = AgglomerativeParams::new().check()?;
    let mut prepared = Vec::new();
    let (mut segmenting, mut embedding, mut clustering_time) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for set in read_document_sets(&data, &ReadOptions::default())? {
        let set = set?;
        let refs = precis::train::references(&set);
        if refs.is_empty() {
            return Err(format!("set {} has no \"refs\"", set.id).into());
        }
        let started = std::time::Instant::now();
        let found = sentences(&set.docs);
        let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
        segmenting += started.elapsed();
        let started = std::time::Instant::now();
        let embeddings = embedder.embed(&texts)?;
        embedding += started.elapsed();
        let started = std::time::Instant::now();
        let sources: Vec<usize> = found.iter().map(|s| s.doc).collect();
        let clusters = clustering.fit(embeddings.view(), &sources)?;
        clustering_time += started.elapsed();
        prepared.push((set.docs, found, embeddings, clusters, refs));
    }
    let n: usize = prepared.iter().map(|p| p.1.len()).sum();
    println!("{n} sentences: segmenting {segmenting:.2?}, embedding {embedding:.2?}, clustering {clustering_time:.2?}");
    println!(
        "{:<10} {:>6} {:>6} {:>6}   (recall x100, {} sets, 100 words)",
        "strategy",
        "R-1",
        "R-2",
        "R-L",
        prepared.len()
    );
    for strategy in Strategy::ALL {
        let params = SummaryParams::new().strategy(strategy).budget(Budget::Words(100)).check()?;
        let started = std::time::Instant::now();
        let mut scores = Vec::new();
        for (docs, found, embeddings, clusters, refs) in &prepared {
            let inputs =
                Inputs { documents: docs, sentences: found, embeddings: embeddings.view(), clustering: clusters };
            let summary = params.summarize(&inputs)?;
            let lines: Vec<String> = summary.sentences.iter().map(|s| s.text.clone()).collect();
            scores.push(rouge(&lines, refs, Limit::Words(100)));
        }
        let mean = RougeScores::mean(&scores);
        println!(
            "{:<10} {:>6.2} {:>6.2} {:>6.2}   selection {:.2?}",
            strategy.name(),
            100.0 * mean.rouge1.recall,
            100.0 * mean.rouge2.recall,
            100.0 * mean.rouge_l.recall,
            started.elapsed()
        );
    }
    Ok(())
}
