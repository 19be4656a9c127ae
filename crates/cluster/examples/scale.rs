//! Clusters `n` seeded synthetic 384-d points once and prints the time, for measuring peak memory
//! from outside: `/usr/bin/time -v cargo run --release -p precis-cluster --example scale -- agglomerative 10000`.

use std::time::Instant;

use ndarray::Array2;
use precis_cluster::ParamGuard;
use precis_cluster::{AgglomerativeParams, KMeansParams};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let method = args.get(1).map(String::as_str).unwrap_or("agglomerative");
    let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(10_000);
    let mut rng = Xoshiro256Plus::seed_from_u64(42);
    let centers = Array2::from_shape_fn((200, 384), |_| rng.random::<f32>() - 0.5);
    let x = Array2::from_shape_fn((n, 384), |(i, d)| centers[[i % 200, d]] + 0.35 * (rng.random::<f32>() - 0.5));
    let sources: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let started = Instant::now();
    let clustering = match method {
        "agglomerative" => AgglomerativeParams::new().threshold(0.6).check()?.fit(x.view(), &sources)?,
        "kmeans" => KMeansParams::new().k(100).n_init(1).check()?.fit(x.view(), &sources)?,
        other => return Err(format!("unknown method {other}: use agglomerative or kmeans").into()),
    };
    println!("{method} n={n}: {} clusters in {:.2?}", clustering.clusters.len(), started.elapsed());
    Ok(())
}
