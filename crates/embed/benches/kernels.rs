//! The fused CPU kernels at all-MiniLM-L6-v2's shapes for a batch of 32 sentences of 21 tokens
//! (672 token rows): each linear layer of an encoder layer in f32 and bf16, one of them with each
//! instruction set the CPU has (portable, AVX2, AVX-512), attention, and GELU.
//! Throughput is in multiply-adds (linear, attention) or elements (GELU) per second.
//!
//! `cargo bench -p precis-embed --bench kernels`

#![allow(missing_docs)] // criterion_group! generates undocumented public items

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use precis_embed::kernels::{Epilogue, Format, Isa, PackedLinear, attention, gelu_in_place, linear};

const TOKENS: usize = 32 * 21;
const HIDDEN: usize = 384;
const INTERMEDIATE: usize = 1536;
const HEADS: usize = 12;

fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.max(1);
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32) - 0.5
        })
        .collect()
}

fn linear_layers(c: &mut Criterion) {
    let isa = Isa::detect();
    let mut group = c.benchmark_group("linear");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let shapes = [
        ("qkv", HIDDEN, 3 * HIDDEN),
        ("attention-out", HIDDEN, HIDDEN),
        ("intermediate", HIDDEN, INTERMEDIATE),
        ("output", INTERMEDIATE, HIDDEN),
    ];
    for format in [Format::F32, Format::Bf16] {
        for (name, inputs, outputs) in shapes {
            let layer = PackedLinear::new(format, &values(inputs * outputs, 1), &values(outputs, 2), outputs, inputs);
            let x = values(TOKENS * inputs, 3);
            let mut out = vec![0.0; TOKENS * outputs];
            group.throughput(Throughput::Elements((TOKENS * inputs * outputs) as u64));
            group.bench_function(BenchmarkId::new(format!("{format:?}"), name), |b| {
                b.iter(|| linear(isa, std::hint::black_box(&x), &layer, Epilogue::None, &mut out))
            });
        }
    }
    group.finish();
}

/// One layer's f32 product with each instruction set the CPU has, side by side.
fn instruction_sets(c: &mut Criterion) {
    let mut group = c.benchmark_group("isa");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let layer =
        PackedLinear::new(Format::F32, &values(HIDDEN * 3 * HIDDEN, 1), &values(3 * HIDDEN, 2), 3 * HIDDEN, HIDDEN);
    let x = values(TOKENS * HIDDEN, 3);
    let mut out = vec![0.0; TOKENS * 3 * HIDDEN];
    group.throughput(Throughput::Elements((TOKENS * HIDDEN * 3 * HIDDEN) as u64));
    for isa in Isa::supported() {
        group.bench_function(BenchmarkId::new(format!("{isa:?}"), "F32/qkv"), |b| {
            b.iter(|| linear(isa, std::hint::black_box(&x), &layer, Epilogue::None, &mut out))
        });
    }
    group.finish();
}

fn attention_and_gelu(c: &mut Criterion) {
    let isa = Isa::detect();
    let mut group = c.benchmark_group("elementwise");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let lengths = vec![21; 32];
    let qkv = values(TOKENS * 3 * HIDDEN, 4);
    let mut context = vec![0.0; TOKENS * HIDDEN];
    group.throughput(Throughput::Elements((2 * 32 * 21 * 21 * HIDDEN) as u64));
    group.bench_function("attention/32x21", |b| {
        b.iter(|| attention(isa, std::hint::black_box(&qkv), &lengths, HEADS, &mut context))
    });
    let mut inner = values(TOKENS * INTERMEDIATE, 5);
    group.throughput(Throughput::Elements(inner.len() as u64));
    group.bench_function("gelu/672x1536", |b| b.iter(|| gelu_in_place(isa, std::hint::black_box(&mut inner))));
    group.finish();
}

criterion_group!(benches, linear_layers, instruction_sets, attention_and_gelu);
criterion_main!(benches);
