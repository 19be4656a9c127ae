//! Density-based clustering (DBSCAN, from linfa) on cosine distance: sentences in no dense region
//! stay unclustered (noise) instead of being forced into a group.

use linfa::ParamGuard;
use linfa::traits::Transformer;
use linfa_clustering::Dbscan;
use ndarray::ArrayView2;

use crate::clustering::{Clustering, order_free, unit_rows};
use crate::error::{ParamsError, Result};

/// DBSCAN parameters, unchecked. Defaults: `eps` 0.35 (cosine distance), `min_points` 3 (the
/// point itself included, as in scikit-learn's `min_samples`).
///
/// ```
/// use precis_cluster::ParamGuard;
/// use ndarray::array;
/// use precis_cluster::DbscanParams;
///
/// let x = array![[1f32, 0.], [1., 0.05], [1., -0.05], [0., 1.]];
/// let clustering = DbscanParams::new().eps(0.1).check()?.fit(x.view(), &[0, 1, 2, 3])?;
/// assert_eq!(clustering.clusters.len(), 1);
/// assert_eq!(clustering.labels[3], None); // the lone point is noise
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanParams(DbscanValidParams);

/// Checked DBSCAN parameters; [`DbscanValidParams::fit`] runs the method.
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanValidParams {
    eps: f32,
    min_points: usize,
}

impl Default for DbscanParams {
    fn default() -> Self {
        Self::new()
    }
}

impl DbscanParams {
    /// The default [`eps`](Self::eps).
    pub const DEFAULT_EPS: f32 = 0.35;
    /// The default [`min_points`](Self::min_points).
    pub const DEFAULT_MIN_POINTS: usize = 3;

    /// Default parameters.
    pub fn new() -> Self {
        Self(DbscanValidParams { eps: Self::DEFAULT_EPS, min_points: Self::DEFAULT_MIN_POINTS })
    }

    /// Neighbourhood radius as cosine distance, in (0, 2].
    pub fn eps(mut self, eps: f32) -> Self {
        self.0.eps = eps;
        self
    }

    /// Points (itself included) within `eps` that make a point a core point; at least 2.
    pub fn min_points(mut self, min_points: usize) -> Self {
        self.0.min_points = min_points;
        self
    }
}

impl ParamGuard for DbscanParams {
    type Checked = DbscanValidParams;
    type Error = ParamsError;

    fn check_ref(&self) -> Result<&Self::Checked, ParamsError> {
        if !(self.0.eps > 0.0 && self.0.eps <= 2.0) {
            Err(ParamsError::Eps(self.0.eps))
        } else if self.0.min_points < 2 {
            Err(ParamsError::MinPoints(self.0.min_points))
        } else {
            Ok(&self.0)
        }
    }

    fn check(self) -> Result<Self::Checked, ParamsError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl DbscanValidParams {
    /// Clusters `embeddings` (rows normalized first) whose rows come from `sources`.
    pub fn fit(&self, embeddings: ArrayView2<f32>, sources: &[usize]) -> Result<Clustering> {
        let unit = unit_rows(embeddings, sources)?;
        // On unit vectors, Euclidean distance is sqrt(2 (1 − cos)): the same neighbourhoods as
        // cosine distance eps, searched with linfa's L2 index.
        let radius = (2.0 * self.eps).sqrt();
        let dbscan = Dbscan::params(self.min_points)
            .tolerance(radius)
            .check()
            .expect("min_points >= 2 and eps > 0 were checked");
        let raw = order_free(unit.view(), |points| dbscan.transform(&points).to_vec());
        Ok(Clustering::from_partition(unit.view(), sources, &raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eps_must_be_in_zero_to_two() {
        assert_eq!(DbscanParams::new().eps(0.0).check(), Err(ParamsError::Eps(0.0)));
        assert_eq!(DbscanParams::new().eps(3.0).check(), Err(ParamsError::Eps(3.0)));
    }

    #[test]
    fn min_points_must_be_at_least_two() {
        assert_eq!(DbscanParams::new().min_points(1).check(), Err(ParamsError::MinPoints(1)));
    }
}
