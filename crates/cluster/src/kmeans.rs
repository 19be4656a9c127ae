//! Spherical k-means: k-means on the unit sphere, maximizing the summed cosine of points to their
//! centroids, with centroids re-normalized every step. `k` is given, or chosen by silhouette.

use linfa::ParamGuard;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;

use crate::clustering::{Clustering, normalize, order_free, unit_rows};
use crate::error::{Error, ParamsError, Result};

/// Spherical k-means parameters, unchecked.
///
/// Defaults: `k` chosen automatically (the best mean silhouette over k = 2 ..= min(2√n, 100),
/// measured on a sample of at most 2,000 points), `n_init` 10 seeded restarts keeping the best
/// objective, `max_iter` 300, `seed` 42.
///
/// ```
/// use precis_cluster::ParamGuard;
/// use ndarray::array;
/// use precis_cluster::KMeansParams;
///
/// let x = array![[1f32, 0.1], [1., -0.1], [0.1, 1.], [-0.1, 1.]];
/// let clustering = KMeansParams::new().k(2).check()?.fit(x.view(), &[0, 1, 2, 3])?;
/// assert_eq!(clustering.labels[0], clustering.labels[1]);
/// assert_ne!(clustering.labels[0], clustering.labels[2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams(KMeansValidParams);

/// Checked spherical k-means parameters; [`KMeansValidParams::fit`] runs the method.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansValidParams {
    k: Option<usize>,
    n_init: usize,
    max_iter: usize,
    seed: u64,
}

impl Default for KMeansParams {
    fn default() -> Self {
        Self::new()
    }
}

impl KMeansParams {
    /// Default parameters.
    pub fn new() -> Self {
        Self(KMeansValidParams { k: None, n_init: 10, max_iter: 300, seed: 42 })
    }

    /// Number of clusters.
    pub fn k(mut self, k: usize) -> Self {
        self.0.k = Some(k);
        self
    }

    /// Choose `k` automatically by silhouette.
    pub fn auto_k(mut self) -> Self {
        self.0.k = None;
        self
    }

    /// Restarts from different seeded initializations; the best objective wins.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.0.n_init = n_init;
        self
    }

    /// Most assignment steps per restart.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// Seed of the first restart (restart r uses `seed + r`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
}

impl ParamGuard for KMeansParams {
    type Checked = KMeansValidParams;
    type Error = ParamsError;

    fn check_ref(&self) -> Result<&Self::Checked, ParamsError> {
        match &self.0 {
            KMeansValidParams { k: Some(0), .. } => Err(ParamsError::ZeroClusters),
            KMeansValidParams { n_init: 0, .. } => Err(ParamsError::ZeroRuns),
            KMeansValidParams { max_iter: 0, .. } => Err(ParamsError::ZeroIterations),
            valid => Ok(valid),
        }
    }

    fn check(self) -> Result<Self::Checked, ParamsError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// One finished restart.
struct Run {
    labels: Vec<usize>,
    objective: f64,
}

impl KMeansValidParams {
    /// The fixed `k`, or `None` when chosen automatically.
    pub fn k(&self) -> Option<usize> {
        self.k
    }

    /// Clusters `embeddings` (`n × dim`, rows normalized first) whose rows come from `sources`.
    /// A `k` larger than the number of points is an error; with automatic `k`, fewer than three
    /// points form one cluster. Points that coincide cannot be told apart, so fewer than `k`
    /// clusters come back when there are fewer than `k` distinct directions.
    pub fn fit(&self, embeddings: ArrayView2<f32>, sources: &[usize]) -> Result<Clustering> {
        let unit = unit_rows(embeddings, sources)?;
        let n = unit.nrows();
        let k = match self.k {
            Some(k) if k > n => return Err(Error::TooManyClusters { k, n }),
            fixed => fixed,
        };
        let raw = order_free(unit.view(), |points| {
            let k = k.unwrap_or_else(|| self.choose_k(points));
            self.best_of(points, k, self.n_init).labels.into_iter().map(Some).collect()
        });
        Ok(Clustering::from_partition(unit.view(), sources, &raw))
    }

    fn best_of(&self, unit: ArrayView2<f32>, k: usize, runs: usize) -> Run {
        (0..runs as u64)
            .map(|r| self.run(unit, k, self.seed.wrapping_add(r)))
            .reduce(|best, run| if run.objective > best.objective { run } else { best })
            .expect("at least one run")
    }

    /// Lloyd iterations from a k-means++ start, until no assignment changes.
    fn run(&self, unit: ArrayView2<f32>, k: usize, seed: u64) -> Run {
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        let mut centroids = plus_plus(unit, k, &mut rng);
        let mut labels = vec![usize::MAX; unit.nrows()];
        let mut objective = 0.0;
        for _ in 0..self.max_iter {
            let (next, similarity) = assign(unit, centroids.view());
            objective = similarity.iter().map(|&s| f64::from(s)).sum();
            if next == labels {
                break;
            }
            labels = next;
            centroids = update(unit, &labels, &similarity, k);
        }
        Run { labels, objective }
    }

    /// The `k` with the best mean silhouette (cosine distance) on a seeded sample.
    fn choose_k(&self, unit: ArrayView2<f32>) -> usize {
        let n = unit.nrows();
        if n < 3 {
            return 1;
        }
        let k_max = ((2.0 * (n as f64).sqrt()).ceil() as usize).clamp(2, 100).min(n - 1);
        let sample = sample_rows(n, 2000, self.seed);
        let sample_unit = unit.select(Axis(0), &sample);
        let distances = 1.0 - sample_unit.dot(&sample_unit.t());
        let mut best = (f64::NEG_INFINITY, 2);
        for k in 2..=k_max {
            let run = self.best_of(unit, k, self.n_init.min(3));
            let labels: Vec<usize> = sample.iter().map(|&i| run.labels[i]).collect();
            let score = silhouette(&distances, &labels, k);
            if score > best.0 {
                best = (score, k);
            }
        }
        best.1
    }
}

/// k-means++ seeding on cosine distance: each next centroid is drawn with probability
/// proportional to its distance `1 − cos` from the nearest centroid so far.
fn plus_plus(unit: ArrayView2<f32>, k: usize, rng: &mut Xoshiro256Plus) -> Array2<f32> {
    let n = unit.nrows();
    let mut chosen = vec![rng.random_range(0..n)];
    let mut nearest = vec![f32::INFINITY; n];
    while chosen.len() < k {
        let last = unit.row(*chosen.last().expect("non-empty"));
        for (i, d) in nearest.iter_mut().enumerate() {
            *d = d.min((1.0 - unit.row(i).dot(&last)).max(0.0));
        }
        let total: f64 = nearest.iter().map(|&d| f64::from(d)).sum();
        let next = if total <= 0.0 {
            // Every point sits on a centroid already (duplicates): take any point not yet chosen.
            (0..n).find(|i| !chosen.contains(i)).expect("k <= n")
        } else {
            let mut target = rng.random::<f64>() * total;
            let mut pick = n - 1;
            for (i, &d) in nearest.iter().enumerate() {
                target -= f64::from(d);
                if target <= 0.0 && d > 0.0 {
                    pick = i;
                    break;
                }
            }
            pick
        };
        chosen.push(next);
    }
    unit.select(Axis(0), &chosen)
}

/// Each point's most similar centroid (ties to the lower index) and that similarity.
fn assign(unit: ArrayView2<f32>, centroids: ArrayView2<f32>) -> (Vec<usize>, Vec<f32>) {
    let mut labels = Vec::with_capacity(unit.nrows());
    let mut best = Vec::with_capacity(unit.nrows());
    const BLOCK: usize = 4096;
    for start in (0..unit.nrows()).step_by(BLOCK) {
        let end = (start + BLOCK).min(unit.nrows());
        let similarities = unit.slice(s![start..end, ..]).dot(&centroids.t());
        for row in similarities.axis_iter(Axis(0)) {
            let (label, &value) = row
                .iter()
                .enumerate()
                .fold((0, &f32::NEG_INFINITY), |acc, (j, v)| if *v > *acc.1 { (j, v) } else { acc });
            labels.push(label);
            best.push(value);
        }
    }
    (labels, best)
}

/// New centroids: normalized member sums. An empty cluster takes the point that fits its own
/// centroid worst, so k clusters survive.
fn update(unit: ArrayView2<f32>, labels: &[usize], similarity: &[f32], k: usize) -> Array2<f32> {
    let mut sums = Array2::<f32>::zeros((k, unit.ncols()));
    let mut counts = vec![0usize; k];
    for (i, &label) in labels.iter().enumerate() {
        let mut row = sums.row_mut(label);
        row += &unit.row(i);
        counts[label] += 1;
    }
    let mut by_fit: Vec<usize> = (0..unit.nrows()).collect();
    by_fit.sort_by(|&a, &b| similarity[a].total_cmp(&similarity[b]).then(a.cmp(&b)));
    let mut spare = by_fit.into_iter();
    for (j, mut row) in sums.axis_iter_mut(Axis(0)).enumerate() {
        if counts[j] == 0 {
            let donor = spare.next().expect("k <= n");
            row.assign(&unit.row(donor));
            continue;
        }
        normalize(row);
    }
    sums
}

/// Up to `limit` distinct row indices, increasing, drawn with a fixed seed.
fn sample_rows(n: usize, limit: usize, seed: u64) -> Vec<usize> {
    if n <= limit {
        return (0..n).collect();
    }
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut rows = rand::seq::index::sample(&mut rng, n, limit).into_vec();
    rows.sort_unstable();
    rows
}

/// Mean silhouette with a precomputed distance matrix; points alone in their cluster score 0
/// (scikit-learn's convention).
fn silhouette(distances: &Array2<f32>, labels: &[usize], k: usize) -> f64 {
    let n = labels.len();
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let mut total = 0.0;
    let mut sums = Array1::<f64>::zeros(k);
    for i in 0..n {
        sums.fill(0.0);
        for j in 0..n {
            sums[labels[j]] += f64::from(distances[[i, j]]);
        }
        let own = labels[i];
        if sizes[own] <= 1 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
    }
    total / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn blobs() -> (Array2<f32>, Vec<usize>) {
        // Three tight directions in 3-D, four points each.
        let mut rows = Vec::new();
        for axis in 0..3 {
            for jitter in [-0.1f32, -0.05, 0.05, 0.1] {
                let mut v = [jitter, -jitter, jitter / 2.0];
                v[axis] = 1.0;
                rows.extend(v);
            }
        }
        (Array2::from_shape_vec((12, 3), rows).unwrap(), (0..12).collect())
    }

    #[test]
    fn n_clusters_cannot_be_zero() {
        assert_eq!(KMeansParams::new().k(0).check(), Err(ParamsError::ZeroClusters));
    }

    #[test]
    fn n_init_and_max_iter_cannot_be_zero() {
        assert_eq!(KMeansParams::new().n_init(0).check(), Err(ParamsError::ZeroRuns));
        assert_eq!(KMeansParams::new().max_iter(0).check(), Err(ParamsError::ZeroIterations));
    }

    #[test]
    fn k_above_n_is_an_error() {
        let err = KMeansParams::new().k(3).check().unwrap().fit(array![[1f32, 0.], [0., 1.]].view(), &[0, 1]);
        assert_eq!(err.unwrap_err(), Error::TooManyClusters { k: 3, n: 2 });
    }

    #[test]
    fn recovers_three_directions_and_chooses_k_three() {
        let (x, sources) = blobs();
        let fixed = KMeansParams::new().k(3).check().unwrap().fit(x.view(), &sources).unwrap();
        let auto = KMeansParams::new().check().unwrap().fit(x.view(), &sources).unwrap();
        assert_eq!(fixed, auto);
        assert_eq!(fixed.clusters.len(), 3);
        assert!(fixed.clusters.iter().all(|c| c.size() == 4));
    }

    #[test]
    fn identical_points_form_one_cluster_whatever_k() {
        // As scikit-learn does, with its "fewer distinct clusters than n_clusters" warning.
        let x = array![[1f32, 1.], [1., 1.], [1., 1.], [1., 1.]];
        let c = KMeansParams::new().k(2).check().unwrap().fit(x.view(), &[0, 1, 2, 3]).unwrap();
        assert_eq!(c.clusters.len(), 1);
        assert_eq!(c.clusters[0].sources, vec![0, 1, 2, 3]);
        let auto = KMeansParams::new().check().unwrap().fit(x.view(), &[0, 1, 2, 3]).unwrap();
        assert!(!auto.clusters.is_empty());
    }

    #[test]
    fn silhouette_of_a_perfect_split_is_high() {
        let (x, _) = blobs();
        let unit = unit_rows(x.view(), &(0..12).collect::<Vec<_>>()).unwrap();
        let distances = 1.0 - unit.dot(&unit.t());
        let labels: Vec<usize> = (0..12).map(|i| i / 4).collect();
        assert!(silhouette(&distances, &labels, 3) > 0.8);
    }
}
