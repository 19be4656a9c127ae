//! Batched inference throughput: all-MiniLM-L6-v2 on CPU over the shared benchmark sentences, at
//! several batch sizes. Throughput is reported in sentences per second.
//!
//! `cargo bench --bench embed` (or `cargo xtask bench`). By default every 4th of the 2,000
//! sentences (500, same length distribution) keeps a run to minutes on 2 cores;
//! `PRECIS_BENCH_ALL=1` uses all 2,000.

#![allow(missing_docs)] // criterion_group! generates undocumented public items

use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use precis::embed::{BatchParams, Embedder, ModelStore};

fn sentences() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/bench_sentences.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let all: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(String::from).collect();
    let step = if std::env::var_os("PRECIS_BENCH_ALL").is_some() { 1 } else { 4 };
    all.into_iter().step_by(step).collect()
}

fn batched_inference(c: &mut Criterion) {
    let store = ModelStore::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    let model = store.resolve("minilm").expect("model available (cargo xtask fetch-model)");
    let texts = sentences();
    let mut group = c.benchmark_group("embed");
    group.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(texts.len() as u64));
    for batch_size in [1, 16, 32, 64, 128] {
        let embedder = Embedder::builder(&model.dir)
            .batch(BatchParams::default().max_batch_size(batch_size).max_batch_tokens(batch_size * 256))
            .build()
            .expect("model loads");
        group.bench_with_input(
            BenchmarkId::new("minilm/cpu", format!("batch{batch_size}/n{}", texts.len())),
            &texts,
            |b, texts| b.iter(|| embedder.embed(std::hint::black_box(texts)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, batched_inference);
criterion_main!(benches);
