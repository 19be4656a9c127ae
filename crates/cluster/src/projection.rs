//! Two-dimensional maps of embeddings, for plotting.

use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_reduction::Pca;
use ndarray::{Array2, ArrayView2};

/// Projects `embeddings` (`n × dim`) onto their first two principal components (linfa's PCA),
/// returning `n × 2`. Fewer than three points, or points without spread, map to the origin.
///
/// ```
/// use ndarray::array;
/// let points = array![[1f32, 0., 0.], [0., 1., 0.], [0., 0., 1.], [1., 1., 0.]];
/// let map = precis_cluster::project_2d(points.view());
/// assert_eq!(map.dim(), (4, 2));
/// ```
pub fn project_2d(embeddings: ArrayView2<f32>) -> Array2<f32> {
    let n = embeddings.nrows();
    if n < 3 || embeddings.ncols() < 2 {
        return Array2::zeros((n, 2));
    }
    let records = embeddings.mapv(f64::from);
    let dataset = DatasetBase::from(records.clone());
    let mut map = Array2::zeros((n, 2));
    // PCA fails, or finds fewer than two components, only on degenerate data (points on one line
    // or all equal): the missing axes stay at zero.
    if let Ok(pca) = Pca::params(2).whiten(false).fit(&dataset) {
        let projected = pca.predict(&records);
        for ((i, j), value) in projected.indexed_iter().filter(|((_, j), _)| *j < 2) {
            map[[i, j]] = if value.is_finite() { *value as f32 } else { 0.0 };
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_main_direction_becomes_the_first_axis() {
        let points = array![[0f32, 0., 0.], [1., 0.01, 0.], [2., -0.01, 0.], [3., 0., 0.01]];
        let map = project_2d(points.view());
        let spread = |axis: usize| map.column(axis).iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(spread(0) > 20.0 * spread(1), "{map}");
    }

    #[test]
    fn identical_and_tiny_inputs_are_well_defined() {
        assert_eq!(project_2d(array![[1f32, 2.], [1., 2.], [1., 2.]].view()).dim(), (3, 2));
        assert_eq!(project_2d(array![[1f32, 2.]].view()), Array2::<f32>::zeros((1, 2)));
    }
}
