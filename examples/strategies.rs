//! Every summary strategy on a benchmark of document sets with reference summaries, embedding each
//! set once: ROUGE-1/2/L recall at 100 words, as `precis eval` computes it.
//!
//! `cargo run --release --example strategies [-- DATA.jsonl]` (default: ../shared/data/duc2003_task2.jsonl).
//! `precis batch` + `precis eval` give the same numbers one strategy at a time.

use std::path::PathBuf;

use linfa::ParamGuard;
use precis::cluster::AgglomerativeParams;
use precis::embed::{Embedder, ModelStore};
use precis::summarize::{Budget, Inputs, Limit, RougeScores, Strategy, SummaryParams, rouge, summary_lines};
use precis::text::{ReadOptions, read_document_sets, sentences};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data =
        std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| root.join("../shared/data/duc2003_task2.jsonl"));
    let model = ModelStore::new(root.join("models")).resolve("minilm")?;
    let embedder = Embedder::builder(&model.dir).build()?;
    let clustering = AgglomerativeParams::new().check()?;
    let mut prepared = Vec::new();
    for set in read_document_sets(&data, &ReadOptions::default())? {
        let set = set?;
        let refs: Vec<Vec<String>> = set.extra["refs"]
            .as_array()
            .ok_or("sets need \"refs\"")?
            .iter()
            .filter_map(|r| r.as_str())
            .map(summary_lines)
            .collect();
        let found = sentences(&set.docs);
        let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
        let embeddings = embedder.embed(&texts)?;
        let sources: Vec<usize> = found.iter().map(|s| s.doc).collect();
        let clusters = clustering.fit(embeddings.view(), &sources)?;
        prepared.push((set.docs, found, embeddings, clusters, refs));
    }
    println!(
        "{:<10} {:>6} {:>6} {:>6}   (recall x100, {} sets, 100 words)",
        "strategy",
        "R-1",
        "R-2",
        "R-L",
        prepared.len()
    );
    let weights: Vec<f64> =
        std::env::var("PW").ok().map(|v| v.split(',').map(|x| x.parse().unwrap()).collect()).unwrap_or(vec![1.0]);
    for strategy in Strategy::ALL {
        for &pw in &weights {
            let min_words: usize = std::env::var("MW").ok().map(|v| v.parse().unwrap()).unwrap_or(8);
            let params = SummaryParams::new()
                .strategy(strategy)
                .budget(Budget::Words(100))
                .position_weight(pw)
                .min_words(min_words)
                .check()?;
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
                "{:<10} {pw:>4} {:>6.2} {:>6.2} {:>6.2}",
                strategy.name(),
                100.0 * mean.rouge1.recall,
                100.0 * mean.rouge2.recall,
                100.0 * mean.rouge_l.recall
            );
        }
    }
    Ok(())
}
