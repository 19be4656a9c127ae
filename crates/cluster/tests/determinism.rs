//! Same partition for any input order and on every run, for every method.

use ndarray::{Array2, Axis};
use precis_cluster::ParamGuard;
use precis_cluster::{AgglomerativeParams, DbscanParams, KMeansParams, Method, adjusted_rand_index};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;

/// 300 points around 12 random directions in 32-D, with enough spread that clusters touch.
fn points() -> Array2<f32> {
    let mut rng = Xoshiro256Plus::seed_from_u64(42);
    let centers = Array2::from_shape_fn((12, 32), |_| rng.random::<f32>() - 0.5);
    Array2::from_shape_fn((300, 32), |(i, d)| centers[[i % 12, d]] + 0.4 * (rng.random::<f32>() - 0.5))
}

fn methods() -> Vec<Method> {
    vec![
        Method::Agglomerative(AgglomerativeParams::new().threshold(0.5).check().unwrap()),
        Method::KMeans(KMeansParams::new().k(12).n_init(3).check().unwrap()),
        Method::KMeans(KMeansParams::new().n_init(2).check().unwrap()),
        Method::Dbscan(DbscanParams::new().eps(0.25).min_points(4).check().unwrap()),
    ]
}

#[test]
fn shuffled_input_gives_the_same_partition() {
    let x = points();
    let sources: Vec<usize> = (0..x.nrows()).map(|i| i % 5).collect();
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    order.shuffle(&mut Xoshiro256Plus::seed_from_u64(7));
    let shuffled = x.select(Axis(0), &order);
    let shuffled_sources: Vec<usize> = order.iter().map(|&i| sources[i]).collect();
    for method in methods() {
        let original = method.fit(x.view(), &sources).unwrap();
        let permuted = method.fit(shuffled.view(), &shuffled_sources).unwrap();
        let mut back = vec![None; x.nrows()];
        for (position, &row) in order.iter().enumerate() {
            back[row] = permuted.labels[position];
        }
        assert!(original.clusters.len() > 1, "{method:?} found no structure");
        assert_eq!(adjusted_rand_index(&original.labels, &back), 1.0, "{method:?}");
    }
}

#[test]
fn repeated_runs_are_identical() {
    let x = points();
    let sources: Vec<usize> = (0..x.nrows()).map(|i| i % 5).collect();
    for method in methods() {
        assert_eq!(method.fit(x.view(), &sources).unwrap(), method.fit(x.view(), &sources).unwrap(), "{method:?}");
    }
}
