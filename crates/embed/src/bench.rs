//! Measuring batched inference: throughput, latency per batch, and a deterministic corpus.

use std::time::{Duration, Instant};

use crate::embedder::Embedder;
use crate::error::Result;

/// What one configuration measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// Texts embedded per second (median over repeats).
    pub sentences_per_s: f64,
    /// Tokens (special tokens included, padding excluded) per second (same run).
    pub tokens_per_s: f64,
    /// Median wall time of one batch, in milliseconds, over every batch of every repeat.
    pub batch_ms_median: f64,
    /// Batches per pass over the texts.
    pub batches: usize,
    /// Passes measured.
    pub repeats: usize,
}

/// Embeds `texts` once to warm up, then `repeats` times while timing every batch.
pub fn measure<S: AsRef<str>>(embedder: &Embedder, texts: &[S], repeats: usize) -> Result<Measurement> {
    let tokens: usize = embedder.token_ids(texts)?.iter().map(Vec::len).sum();
    embedder.embed(texts)?;
    let mut passes = Vec::with_capacity(repeats);
    let mut batch_times: Vec<Duration> = Vec::new();
    let mut batches = 0;
    for _ in 0..repeats.max(1) {
        let started = Instant::now();
        let mut last = started;
        let mut count = 0;
        embedder.embed_with_progress(texts, |_| {
            let now = Instant::now();
            batch_times.push(now - last);
            last = now;
            count += 1;
        })?;
        passes.push(started.elapsed());
        batches = count;
    }
    let pass = median(&mut passes).as_secs_f64();
    Ok(Measurement {
        sentences_per_s: texts.len() as f64 / pass,
        tokens_per_s: tokens as f64 / pass,
        batch_ms_median: median(&mut batch_times).as_secs_f64() * 1e3,
        batches,
        repeats: repeats.max(1),
    })
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// `n` English-like sentences from a fixed seed: news vocabulary, 6 to 40 words (mean about 18
/// words, about 22 tokens), so benchmarks need no data file and give comparable numbers anywhere.
///
/// ```
/// let corpus = precis_embed::synthetic_corpus(100);
/// assert_eq!(corpus.len(), 100);
/// assert_eq!(corpus, precis_embed::synthetic_corpus(100));
/// ```
pub fn synthetic_corpus(n: usize) -> Vec<String> {
    const SUBJECTS: [&str; 12] = [
        "The council",
        "Officials",
        "The minister",
        "Negotiators",
        "The company",
        "Residents",
        "Police",
        "The court",
        "Analysts",
        "The delegation",
        "Local businesses",
        "The mayor",
    ];
    const VERBS: [&str; 12] = [
        "announced",
        "rejected",
        "approved",
        "discussed",
        "criticized",
        "delayed",
        "confirmed",
        "proposed",
        "welcomed",
        "questioned",
        "reviewed",
        "postponed",
    ];
    const WORDS: [&str; 48] = [
        "a",
        "new",
        "plan",
        "for",
        "the",
        "city",
        "budget",
        "on",
        "Tuesday",
        "after",
        "long",
        "talks",
        "with",
        "regional",
        "leaders",
        "and",
        "several",
        "groups",
        "who",
        "said",
        "that",
        "costs",
        "would",
        "rise",
        "by",
        "ten",
        "percent",
        "next",
        "year",
        "while",
        "critics",
        "warned",
        "about",
        "delays",
        "in",
        "construction",
        "of",
        "roads",
        "schools",
        "hospitals",
        "during",
        "winter",
        "months",
        "as",
        "prices",
        "kept",
        "rising",
        "sharply",
    ];
    // A fixed linear congruential generator: the corpus must not depend on any crate's RNG.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |bound: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % bound
    };
    (0..n)
        .map(|_| {
            let extra = 4 + next(20) + next(18);
            let mut words = vec![SUBJECTS[next(SUBJECTS.len())], VERBS[next(VERBS.len())]];
            words.extend((0..extra).map(|_| WORDS[next(WORDS.len())]));
            format!("{}.", words.join(" "))
        })
        .collect()
}
