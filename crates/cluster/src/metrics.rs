//! Comparing partitions.

use std::collections::HashMap;

/// Adjusted Rand index of two labelings of the same points (1.0: identical partitions up to
/// renaming; about 0.0: chance agreement). Noise (`None`) counts as one more label.
///
/// ```
/// use precis_cluster::adjusted_rand_index;
/// let a = [Some(0), Some(0), Some(1), Some(1)];
/// let b = [Some(5), Some(5), Some(2), Some(2)];
/// assert_eq!(adjusted_rand_index(&a, &b), 1.0);
/// ```
pub fn adjusted_rand_index(a: &[Option<usize>], b: &[Option<usize>]) -> f64 {
    assert_eq!(a.len(), b.len(), "labelings of different lengths");
    let n = a.len() as f64;
    let pairs = |x: f64| x * (x - 1.0) / 2.0;
    let mut table: HashMap<(Option<usize>, Option<usize>), f64> = HashMap::new();
    let mut rows: HashMap<Option<usize>, f64> = HashMap::new();
    let mut cols: HashMap<Option<usize>, f64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *table.entry((x, y)).or_default() += 1.0;
        *rows.entry(x).or_default() += 1.0;
        *cols.entry(y).or_default() += 1.0;
    }
    let index: f64 = table.values().map(|&c| pairs(c)).sum();
    let sum_rows: f64 = rows.values().map(|&c| pairs(c)).sum();
    let sum_cols: f64 = cols.values().map(|&c| pairs(c)).sum();
    let expected = sum_rows * sum_cols / pairs(n).max(1.0);
    let max = (sum_rows + sum_cols) / 2.0;
    if max == expected {
        // Both labelings are trivial (all one cluster, or all singletons): agreement is total.
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// B-cubed precision and recall of each point (Bagga & Baldwin 1998; Amigó et al. 2009): of the
/// points that share its predicted cluster, the share that share its true class, and of the points
/// of its class, the share in its cluster. Averaging them over any subset of points gives that
/// subset's B-cubed scores; [`bcubed`] averages over all.
pub fn bcubed_per_point(predicted: &[usize], truth: &[usize]) -> Vec<(f64, f64)> {
    assert_eq!(predicted.len(), truth.len(), "labelings of different lengths");
    let mut both: HashMap<(usize, usize), f64> = HashMap::new();
    let mut clusters: HashMap<usize, f64> = HashMap::new();
    let mut classes: HashMap<usize, f64> = HashMap::new();
    for (&p, &t) in predicted.iter().zip(truth) {
        *both.entry((p, t)).or_default() += 1.0;
        *clusters.entry(p).or_default() += 1.0;
        *classes.entry(t).or_default() += 1.0;
    }
    predicted.iter().zip(truth).map(|(&p, &t)| (both[&(p, t)] / clusters[&p], both[&(p, t)] / classes[&t])).collect()
}

/// B-cubed precision, recall and their harmonic mean (F1), averaged over points.
///
/// ```
/// // One class split in two: every point is precise, recall halves for the split pair.
/// let (p, r, f) = precis_cluster::bcubed(&[0, 0, 1, 1], &[7, 7, 7, 7]);
/// assert_eq!((p, r), (1.0, 0.5));
/// assert!((f - 2.0 / 3.0).abs() < 1e-12);
/// ```
pub fn bcubed(predicted: &[usize], truth: &[usize]) -> (f64, f64, f64) {
    let points = bcubed_per_point(predicted, truth);
    let n = points.len().max(1) as f64;
    let precision = points.iter().map(|x| x.0).sum::<f64>() / n;
    let recall = points.iter().map(|x| x.1).sum::<f64>() / n;
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    (precision, recall, f1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcubed_of_a_merge() {
        // Two classes of two merged into one cluster: precision 1/2 for all, recall 1.
        assert_eq!(bcubed(&[0, 0, 0, 0], &[1, 1, 2, 2]).0, 0.5);
        assert_eq!(bcubed(&[3, 3, 4, 4], &[1, 1, 2, 2]), (1.0, 1.0, 1.0));
    }

    #[test]
    fn matches_scikit_learn_on_a_known_case() {
        // sklearn.metrics.adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) == 0.5714285714285715
        let a = [Some(0), Some(0), Some(1), Some(1)];
        let b = [Some(0), Some(0), Some(1), Some(2)];
        assert!((adjusted_rand_index(&a, &b) - 0.5714285714285715).abs() < 1e-12);
    }

    #[test]
    fn independent_labelings_score_near_zero_or_below() {
        let a = [Some(0), Some(0), Some(1), Some(1)];
        let b = [Some(0), Some(1), Some(0), Some(1)];
        assert!(adjusted_rand_index(&a, &b) <= 0.0);
    }
}
