//! Clustering at scale on seeded synthetic embeddings (384-d, points scattered around 200 random
//! directions, like sentences around topics): agglomerative at 2,000 and 10,000 points, spherical
//! k-means (k = 100, one restart) at 100,000 points.

#![allow(missing_docs)] // criterion_group! generates undocumented public items

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use precis_cluster::ParamGuard;
use precis_cluster::{AgglomerativeParams, KMeansParams};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;

fn points(n: usize, dim: usize, topics: usize) -> Array2<f32> {
    let mut rng = Xoshiro256Plus::seed_from_u64(42);
    let centers = Array2::from_shape_fn((topics, dim), |_| rng.random::<f32>() - 0.5);
    Array2::from_shape_fn((n, dim), |(i, d)| centers[[i % topics, d]] + 0.35 * (rng.random::<f32>() - 0.5))
}

fn clustering(c: &mut Criterion) {
    let mut group = c.benchmark_group("cluster");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(30));
    for n in [2_000, 10_000] {
        let x = points(n, 384, 200);
        let sources: Vec<usize> = (0..n).map(|i| i % 10).collect();
        let params = AgglomerativeParams::new().threshold(0.6).check().unwrap();
        group.bench_with_input(BenchmarkId::new("agglomerative", format!("{n}x384")), &x, |b, x| {
            b.iter(|| params.fit(x.view(), &sources).unwrap())
        });
    }
    let n = 100_000;
    let x = points(n, 384, 200);
    let sources: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let params = KMeansParams::new().k(100).n_init(1).check().unwrap();
    group.bench_with_input(BenchmarkId::new("spherical-kmeans/k100", format!("{n}x384")), &x, |b, x| {
        b.iter(|| params.fit(x.view(), &sources).unwrap())
    });
    group.finish();
}

criterion_group!(benches, clustering);
criterion_main!(benches);
