//! Agglomerative clustering, average linkage on cosine distance, cut at a distance threshold:
//! what scikit-learn's `AgglomerativeClustering(metric="cosine", linkage="average",
//! distance_threshold=t)` computes. No number of clusters is needed.

use linfa::ParamGuard;
use ndarray::{ArrayView2, Axis, s};

use crate::clustering::{Clustering, order_free, unit_rows};
use crate::error::{Error, ParamsError, Result};

/// Most sentences agglomerative clustering takes: its distance matrix grows with the square of the
/// count (1.6 GB here; 86 GB at 146,587 sentences). Larger inputs fail before any allocation, with
/// a message that suggests k-means, whose memory is linear.
pub const MAX_AGGLOMERATIVE_POINTS: usize = 20_000;

/// Agglomerative clustering parameters, unchecked. Default threshold: 0.6 (cosine distance, so
/// clusters whose members average cosine 0.4 or more with each other).
///
/// ```
/// use precis_cluster::ParamGuard;
/// use precis_cluster::AgglomerativeParams;
///
/// assert!(AgglomerativeParams::new().threshold(0.5).check().is_ok());
/// assert!(AgglomerativeParams::new().threshold(2.5).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AgglomerativeParams(AgglomerativeValidParams);

/// Checked agglomerative parameters; [`AgglomerativeValidParams::fit`] runs the method.
#[derive(Debug, Clone, PartialEq)]
pub struct AgglomerativeValidParams {
    threshold: f32,
}

impl Default for AgglomerativeParams {
    fn default() -> Self {
        Self::new()
    }
}

impl AgglomerativeParams {
    /// The default [`threshold`](Self::threshold).
    pub const DEFAULT_THRESHOLD: f32 = 0.6;

    /// Default parameters.
    pub fn new() -> Self {
        Self(AgglomerativeValidParams { threshold: Self::DEFAULT_THRESHOLD })
    }

    /// Cosine distance (1 − cosine) at or above which two clusters are not merged; in (0, 2].
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.0.threshold = threshold;
        self
    }
}

impl ParamGuard for AgglomerativeParams {
    type Checked = AgglomerativeValidParams;
    type Error = ParamsError;

    fn check_ref(&self) -> Result<&Self::Checked, ParamsError> {
        if self.0.threshold > 0.0 && self.0.threshold <= 2.0 {
            Ok(&self.0)
        } else {
            Err(ParamsError::Threshold(self.0.threshold))
        }
    }

    fn check(self) -> Result<Self::Checked, ParamsError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl AgglomerativeValidParams {
    /// The distance threshold.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Clusters `embeddings` (`n × dim`, any scale: rows are normalized) whose rows come from
    /// `sources` (one id per row).
    ///
    /// Memory is one condensed distance matrix, `n (n − 1) / 2` f64 values: 400 MB at n = 10,000.
    /// Above [`MAX_AGGLOMERATIVE_POINTS`] it fails with [`Error::TooLarge`](crate::Error::TooLarge)
    /// before allocating anything.
    pub fn fit(&self, embeddings: ArrayView2<f32>, sources: &[usize]) -> Result<Clustering> {
        check_size(embeddings.nrows())?;
        let unit = unit_rows(embeddings, sources)?;
        let raw = order_free(unit.view(), |points| self.cut(points));
        Ok(Clustering::from_partition(unit.view(), sources, &raw))
    }

    fn cut(&self, unit: ArrayView2<f32>) -> Vec<Option<usize>> {
        let n = unit.nrows();
        let mut condensed = condensed_cosine_distances(unit);
        let dendrogram = kodama::linkage(&mut condensed, n, kodama::Method::Average);
        drop(condensed);

        // Step s of the dendrogram creates cluster n + s; apply every merge below the threshold.
        let mut parent: Vec<usize> = (0..n + dendrogram.len()).collect();
        for (s, step) in dendrogram.steps().iter().enumerate() {
            if step.dissimilarity < f64::from(self.threshold) {
                parent[step.cluster1] = n + s;
                parent[step.cluster2] = n + s;
            }
        }
        (0..n).map(|i| Some(root(&mut parent, i))).collect()
    }
}

/// [`Error::TooLarge`] above [`MAX_AGGLOMERATIVE_POINTS`].
pub(crate) fn check_size(n: usize) -> Result<()> {
    if n <= MAX_AGGLOMERATIVE_POINTS {
        return Ok(());
    }
    let gigabytes = (n as f64) * (n as f64 - 1.0) / 2.0 * 8.0 / 1e9;
    Err(Error::TooLarge { method: "agglomerative", points: n, limit: MAX_AGGLOMERATIVE_POINTS, gigabytes })
}

pub(crate) fn root(parent: &mut [usize], mut i: usize) -> usize {
    let mut top = i;
    while parent[top] != top {
        top = parent[top];
    }
    while parent[i] != top {
        let next = parent[i];
        parent[i] = top;
        i = next;
    }
    top
}

/// `1 − cosine` between every pair of unit rows, condensed (row-major upper triangle), in f64 as
/// scikit-learn and SciPy compute it. Rows are multiplied in blocks so peak extra memory is one
/// `block × n` product.
fn condensed_cosine_distances(unit: ArrayView2<f32>) -> Vec<f64> {
    let n = unit.nrows();
    let wide = unit.mapv(f64::from);
    let mut condensed = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    const BLOCK: usize = 256;
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let block = wide.slice(s![start..end, ..]);
        let similarities = block.dot(&wide.slice(s![start.., ..]).t());
        for (offset, row) in similarities.axis_iter(Axis(0)).enumerate() {
            // Row `start + offset` pairs with columns after it, which start at `offset + 1` here.
            condensed.extend(row.iter().skip(offset + 1).map(|&c| (1.0 - c).clamp(0.0, 2.0)));
        }
    }
    condensed
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn threshold_must_be_in_zero_to_two() {
        for bad in [0.0, -0.1, 2.01, f32::NAN] {
            assert!(AgglomerativeParams::new().threshold(bad).check().is_err(), "{bad}");
        }
        assert!(AgglomerativeParams::new().threshold(2.0).check().is_ok());
    }

    #[test]
    fn too_many_points_fail_before_allocating_with_what_to_do() {
        let n = MAX_AGGLOMERATIVE_POINTS + 1;
        let points = ndarray::Array2::<f32>::ones((n, 2));
        let err = AgglomerativeParams::new().check().unwrap().fit(points.view(), &vec![0; n]).unwrap_err();
        assert!(matches!(err, Error::TooLarge { points, .. } if points == n), "{err}");
        assert!(err.to_string().contains("use --method kmeans"), "{err}");
    }

    #[test]
    fn condensed_matches_pairwise() {
        let unit = unit_rows(array![[1f32, 0.], [0., 1.], [1., 1.]].view(), &[0, 0, 0]).unwrap();
        let d = condensed_cosine_distances(unit.view());
        let half = 1.0 - std::f64::consts::FRAC_1_SQRT_2;
        let expected = [1.0, half, half];
        assert!(d.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-6), "{d:?}");
    }

    #[test]
    fn two_directions_make_two_clusters() {
        let x = array![[1f32, 0.05], [1., -0.05], [0.05, 1.], [-0.05, 1.], [1., 0.]];
        let c = AgglomerativeParams::new().threshold(0.5).check().unwrap().fit(x.view(), &[0, 1, 2, 3, 4]).unwrap();
        assert_eq!(c.labels, vec![Some(0), Some(0), Some(1), Some(1), Some(0)]);
    }

    #[test]
    fn one_point_and_identical_points_are_one_cluster() {
        let params = AgglomerativeParams::new().check().unwrap();
        assert_eq!(params.fit(array![[0.3f32, 0.4]].view(), &[0]).unwrap().clusters.len(), 1);
        let same = params.fit(array![[1f32, 2.], [1., 2.], [1., 2.]].view(), &[0, 1, 2]).unwrap();
        assert_eq!(same.clusters.len(), 1);
        assert_eq!(same.clusters[0].sources, vec![0, 1, 2]);
    }
}
