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

#[cfg(test)]
mod tests {
    use super::*;

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
