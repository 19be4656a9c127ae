//! Cross-source sentence clustering: which sentences of several documents say the same thing.
//!
//! Points are sentence embeddings (`n × dim`, normalized here) with a source id per row (the
//! document each sentence came from). Every method works on cosine geometry and returns a
//! [`Clustering`]: per point its cluster (or noise) and cosine to the cluster's centroid; per
//! [`Cluster`] its members, centroid, medoid, cohesion and the distinct sources it spans.
//!
//! - [`AgglomerativeParams`]: average linkage cut at a cosine-distance threshold (the default; no
//!   k needed; agrees with scikit-learn).
//! - [`KMeansParams`]: spherical k-means with k given or chosen by silhouette.
//! - [`DbscanParams`]: DBSCAN from linfa; leaves outliers unclustered.
//!
//! Whole articles are grouped into events by [`EventParams`] (average linkage on embedding and
//! TF-IDF word cosines), at once or, for a date-ordered feed too large to hold, window by window
//! with an [`EventStream`]. [`bcubed`] and [`adjusted_rand_index`] score a grouping.
//!
//! Parameters follow linfa: build `...Params`, `check()` them (via [`ParamGuard`], linfa's trait, re-exported) into
//! `...ValidParams`, then `fit`. Results are deterministic, and clusters are numbered by
//! decreasing size, so equal partitions print equally whatever the input order.
//!
//! ```
//! use precis_cluster::ParamGuard;
//! use ndarray::array;
//! use precis_cluster::AgglomerativeParams;
//!
//! // Four sentences from three sources: two say one thing, two another.
//! let embeddings = array![[0.9f32, 0.1, 0.0], [0.8, 0.2, 0.1], [0.0, 0.2, 0.9], [0.1, 0.0, 1.0]];
//! let sources = [0, 1, 1, 2];
//! let clustering = AgglomerativeParams::new().threshold(0.5).check()?.fit(embeddings.view(), &sources)?;
//! assert_eq!(clustering.clusters.len(), 2);
//! assert_eq!(clustering.clusters[0].sources, vec![0, 1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod agglomerative;
mod clustering;
mod dbscan;
mod error;
mod event_stream;
mod events;
mod kmeans;
mod metrics;
mod projection;

pub use agglomerative::{AgglomerativeParams, AgglomerativeValidParams, MAX_AGGLOMERATIVE_POINTS};
pub use clustering::{Cluster, Clustering, normalize};
pub use dbscan::{DbscanParams, DbscanValidParams};
pub use error::{Error, ParamsError, Result};
pub use event_stream::{ClosedEvent, EventStream, StreamArticle};
pub use events::{EventParams, EventValidParams, MAX_EVENT_ARTICLES, SMALL_PIECE};
pub use kmeans::{KMeansParams, KMeansValidParams};
/// The convention every checked parameter set of precis follows (linfa's): build, then `check`.
pub use linfa::ParamGuard;
pub use metrics::{adjusted_rand_index, bcubed, bcubed_per_point};
pub use projection::project_2d;

/// Which clustering method, by name: what a caller picks before it has the method's parameters.
///
/// ```
/// use precis_cluster::MethodKind;
/// assert_eq!("kmeans".parse::<MethodKind>()?, MethodKind::KMeans);
/// assert_eq!(MethodKind::Dbscan.to_string(), "dbscan");
/// assert!("spectral".parse::<MethodKind>().is_err());
/// # Ok::<(), precis_cluster::ParamsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MethodKind {
    /// Average-linkage agglomerative clustering cut at a distance threshold (the default).
    #[default]
    Agglomerative,
    /// Spherical k-means.
    KMeans,
    /// DBSCAN.
    Dbscan,
}

impl MethodKind {
    /// Every method, default first.
    pub const ALL: [MethodKind; 3] = [MethodKind::Agglomerative, MethodKind::KMeans, MethodKind::Dbscan];

    /// Name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            MethodKind::Agglomerative => "agglomerative",
            MethodKind::KMeans => "kmeans",
            MethodKind::Dbscan => "dbscan",
        }
    }

    /// One line saying what it does, for help texts.
    pub fn summary(self) -> &'static str {
        match self {
            MethodKind::Agglomerative => "average-linkage agglomerative clustering cut at --threshold",
            MethodKind::KMeans => "spherical k-means with --k clusters",
            MethodKind::Dbscan => "DBSCAN: dense groups, the rest left as noise",
        }
    }
}

impl std::fmt::Display for MethodKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for MethodKind {
    type Err = ParamsError;

    fn from_str(s: &str) -> std::result::Result<Self, ParamsError> {
        MethodKind::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| ParamsError::UnknownMethod(s.to_string()))
    }
}

/// A checked clustering method, for callers that pick one at run time.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Method {
    /// Average-linkage agglomerative clustering.
    Agglomerative(AgglomerativeValidParams),
    /// Spherical k-means.
    KMeans(KMeansValidParams),
    /// DBSCAN.
    Dbscan(DbscanValidParams),
}

impl Method {
    /// Runs the method on `embeddings` (`n × dim`) with one source id per row.
    pub fn fit(&self, embeddings: ndarray::ArrayView2<f32>, sources: &[usize]) -> Result<Clustering> {
        match self {
            Method::Agglomerative(params) => params.fit(embeddings, sources),
            Method::KMeans(params) => params.fit(embeddings, sources),
            Method::Dbscan(params) => params.fit(embeddings, sources),
        }
    }

    /// Whether the method takes `points` points in bounded memory: callers check this before the
    /// costly work that produces the points (embedding them).
    ///
    /// ```
    /// use precis_cluster::ParamGuard;
    /// use precis_cluster::{AgglomerativeParams, KMeansParams, MAX_AGGLOMERATIVE_POINTS, Method};
    ///
    /// let agglomerative = Method::Agglomerative(AgglomerativeParams::new().check()?);
    /// assert!(agglomerative.check_size(MAX_AGGLOMERATIVE_POINTS).is_ok());
    /// assert!(agglomerative.check_size(MAX_AGGLOMERATIVE_POINTS + 1).is_err());
    /// assert!(Method::KMeans(KMeansParams::new().check()?).check_size(1_000_000).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_size(&self, points: usize) -> Result<()> {
        match self {
            Method::Agglomerative(_) => agglomerative::check_size(points),
            Method::KMeans(_) | Method::Dbscan(_) => Ok(()),
        }
    }
}
