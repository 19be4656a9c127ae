//! The `lexrank` strategy: PageRank on the graph of similar sentences, plus position.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::features::Features;
use crate::params::SummaryValidParams;

impl SummaryValidParams {
    /// Greedy by LexRank score plus the position term.
    pub(super) fn by_lexrank(&self, f: &Features) -> Vec<usize> {
        let rank = lexrank(f.unit.view(), self.graph_threshold);
        let score = &rank + &(self.position_weight * &f.position);
        self.greedy_by_score(f, score.as_slice().expect("contiguous"))
    }
}

/// PageRank (damping 0.85) on the graph of sentence pairs whose cosine reaches `threshold`,
/// edges weighted by cosine; scores scaled to mean 1.
fn lexrank(unit: ArrayView2<f32>, threshold: f32) -> Array1<f64> {
    let n = unit.nrows();
    let similarity = unit.dot(&unit.t());
    let mut weights = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            if i != j && similarity[[i, j]] >= threshold {
                weights[[i, j]] = f64::from(similarity[[i, j]]);
            }
        }
    }
    for mut row in weights.axis_iter_mut(Axis(0)) {
        let sum = row.sum();
        if sum > 0.0 {
            row /= sum;
        } else {
            row.fill(1.0 / n as f64); // an isolated sentence links everywhere, as in PageRank
        }
    }
    let damping = 0.85;
    let mut rank = Array1::from_elem(n, 1.0 / n as f64);
    for _ in 0..200 {
        let next = weights.t().dot(&rank) * damping + (1.0 - damping) / n as f64;
        let change: f64 = (&next - &rank).mapv(f64::abs).sum();
        rank = next;
        if change < 1e-9 {
            break;
        }
    }
    rank * n as f64
}
