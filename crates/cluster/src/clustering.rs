//! The result of any method: groups with their centroid, medoid, cohesion and sources.

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut1, Axis};

use crate::error::{Error, Result};

/// One group of sentences.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The cluster's id: clusters are numbered by decreasing size, ties by first member.
    pub id: usize,
    /// Indices of the member points, increasing.
    pub members: Vec<usize>,
    /// Unit-length mean direction of the members.
    pub centroid: Array1<f32>,
    /// The member closest (by cosine) to the centroid; ties go to the lower index.
    pub medoid: usize,
    /// Mean cosine of the members to the centroid (1.0 for a single point).
    pub cohesion: f32,
    /// Distinct source ids of the members, increasing.
    pub sources: Vec<usize>,
}

impl Cluster {
    /// Number of members.
    pub fn size(&self) -> usize {
        self.members.len()
    }
}

/// Groups of points and, per point, its group and cosine to the group's centroid.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Cluster id of each point; `None` for noise (density-based methods only).
    pub labels: Vec<Option<usize>>,
    /// Cosine of each point to its cluster's centroid; `None` for noise.
    pub cosine_to_centroid: Vec<Option<f32>>,
    /// The clusters, by id.
    pub clusters: Vec<Cluster>,
}

impl Clustering {
    /// Sum over clustered points of the cosine to their centroid: the spherical k-means objective,
    /// higher is tighter.
    pub fn objective(&self) -> f64 {
        self.cosine_to_centroid.iter().flatten().map(|&c| f64::from(c)).sum()
    }

    /// Number of points left unclustered.
    pub fn noise(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }

    /// Builds the clustering of a partition given as arbitrary labels (`None` = noise), numbering
    /// clusters canonically so that equal partitions give equal results whatever the raw labels.
    pub(crate) fn from_partition(points: ArrayView2<f32>, sources: &[usize], raw: &[Option<usize>]) -> Self {
        let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for (i, label) in raw.iter().enumerate() {
            if let Some(label) = label {
                groups.entry(*label).or_default().push(i);
            }
        }
        let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
        groups.sort_by_key(|members| (std::cmp::Reverse(members.len()), members[0]));

        let mut labels = vec![None; raw.len()];
        let mut cosine_to_centroid = vec![None; raw.len()];
        let clusters = groups
            .into_iter()
            .enumerate()
            .map(|(id, members)| {
                let centroid = unit_mean(points, &members);
                let mut medoid = members[0];
                let mut best = f32::NEG_INFINITY;
                let mut total = 0.0f64;
                for &m in &members {
                    let cosine = points.row(m).dot(&centroid);
                    labels[m] = Some(id);
                    cosine_to_centroid[m] = Some(cosine);
                    total += f64::from(cosine);
                    if cosine > best {
                        best = cosine;
                        medoid = m;
                    }
                }
                let mut member_sources: Vec<usize> = members.iter().map(|&m| sources[m]).collect();
                member_sources.sort_unstable();
                member_sources.dedup();
                let cohesion = (total / members.len() as f64) as f32;
                Cluster { id, members, centroid, medoid, cohesion, sources: member_sources }
            })
            .collect();
        Clustering { labels, cosine_to_centroid, clusters }
    }
}

/// Unit-length mean of some rows (the first member's direction if they cancel out).
fn unit_mean(points: ArrayView2<f32>, members: &[usize]) -> Array1<f32> {
    let mut sum = Array1::<f32>::zeros(points.ncols());
    for &m in members {
        sum += &points.row(m);
    }
    if normalize(sum.view_mut()) > 1e-12 { sum } else { points.row(members[0]).to_owned() }
}

/// Runs `method` on the points in a canonical order (rows sorted by value) and maps its labels
/// back, so that the result does not depend on input order: seeded initializations, tie breaks
/// and scan orders all see the same sequence for any permutation of the same points.
pub(crate) fn order_free(
    unit: ArrayView2<f32>,
    method: impl FnOnce(ArrayView2<f32>) -> Vec<Option<usize>>,
) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..unit.nrows()).collect();
    order.sort_by(|&a, &b| {
        unit.row(a)
            .iter()
            .zip(unit.row(b))
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let sorted = unit.select(Axis(0), &order);
    let sorted_labels = method(sorted.view());
    let mut labels = vec![None; unit.nrows()];
    for (position, &row) in order.iter().enumerate() {
        labels[row] = sorted_labels[position];
    }
    labels
}

/// Scales `v` to unit length and returns its former length; a vector shorter than 1e-12 (or with
/// a NaN) is left as it is, since it has no direction. The one definition of "unit" for every
/// stage that compares vectors by cosine.
///
/// ```
/// let mut v = ndarray::array![3f32, 4.];
/// assert_eq!(precis_cluster::normalize(v.view_mut()), 5.0);
/// assert_eq!(v, ndarray::array![0.6f32, 0.8]);
/// ```
pub fn normalize(mut v: ArrayViewMut1<f32>) -> f32 {
    let norm = v.dot(&v).sqrt();
    if norm > 1e-12 {
        v /= norm;
    }
    norm
}

/// Checks the inputs shared by every method and returns the rows scaled to unit length.
pub(crate) fn unit_rows(embeddings: ArrayView2<f32>, sources: &[usize]) -> Result<Array2<f32>> {
    if embeddings.nrows() == 0 {
        return Err(Error::Empty);
    }
    if sources.len() != embeddings.nrows() {
        return Err(Error::SourcesMismatch { points: embeddings.nrows(), sources: sources.len() });
    }
    let mut unit = embeddings.to_owned();
    for (i, row) in unit.axis_iter_mut(Axis(0)).enumerate() {
        let norm = normalize(row);
        if !norm.is_finite() || norm < 1e-12 {
            return Err(Error::Degenerate(i));
        }
    }
    Ok(unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn partitions_are_numbered_canonically() {
        let points = array![[1f32, 0.], [0., 1.], [1., 0.1], [0.1, 1.], [1., 0.]];
        let a =
            Clustering::from_partition(points.view(), &[0, 0, 1, 1, 2], &[Some(7), Some(3), Some(7), Some(3), Some(7)]);
        let b =
            Clustering::from_partition(points.view(), &[0, 0, 1, 1, 2], &[Some(0), Some(1), Some(0), Some(1), Some(0)]);
        assert_eq!(a, b);
        assert_eq!(a.clusters[0].members, vec![0, 2, 4]);
        assert_eq!(a.clusters[0].sources, vec![0, 1, 2]);
        assert_eq!(a.clusters[1].sources, vec![0, 1]);
    }

    #[test]
    fn medoid_cohesion_and_noise() {
        let points = unit_rows(array![[1f32, 0.], [0.8, 0.6], [0.6, 0.8], [0., 1.]].view(), &[0, 1, 2, 3]).unwrap();
        let c = Clustering::from_partition(points.view(), &[0, 1, 2, 3], &[Some(0), Some(0), Some(0), None]);
        assert_eq!(c.clusters.len(), 1);
        assert_eq!(c.clusters[0].medoid, 1);
        assert!(c.clusters[0].cohesion > 0.9 && c.clusters[0].cohesion < 1.0);
        assert_eq!(c.noise(), 1);
        assert_eq!(c.cosine_to_centroid[3], None);
    }

    #[test]
    fn degenerate_rows_are_named() {
        let err = unit_rows(array![[1f32, 0.], [0., 0.]].view(), &[0, 1]).unwrap_err();
        assert_eq!(err, Error::Degenerate(1));
        assert_eq!(unit_rows(Array2::<f32>::zeros((0, 3)).view(), &[]).unwrap_err(), Error::Empty);
        assert!(matches!(unit_rows(array![[1f32]].view(), &[]), Err(Error::SourcesMismatch { .. })));
    }
}
