//! Errors of clustering.

/// Invalid clustering parameters, raised when the parameters are checked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// A cosine-distance threshold outside (0, 2].
    #[error("distance threshold must be in (0, 2] (cosine distance), got {0}")]
    Threshold(f32),
    /// `k` of zero.
    #[error("n_clusters cannot be 0")]
    ZeroClusters,
    /// `max_iter` of zero.
    #[error("max_iter cannot be 0")]
    ZeroIterations,
    /// `n_init` of zero.
    #[error("n_init cannot be 0")]
    ZeroRuns,
    /// A DBSCAN radius outside (0, 2].
    #[error("eps must be in (0, 2] (cosine distance), got {0}")]
    Eps(f32),
    /// A method name that is not one of [`MethodKind::ALL`](crate::MethodKind::ALL).
    #[error("unknown clustering method {0:?}: use agglomerative, kmeans or dbscan")]
    UnknownMethod(String),
    /// A similarity threshold outside (0, 1].
    #[error("similarity threshold must be in (0, 1], got {0}")]
    Similarity(f32),
    /// A blend weight outside [0, 1].
    #[error("weight must be in [0, 1], got {0}")]
    Weight(f32),
    /// An attach threshold outside [0, the similarity threshold].
    #[error("attach similarity must be in [0, {threshold}] (0: off; at most the similarity threshold), got {attach}")]
    Attach {
        /// The attach threshold given.
        attach: f32,
        /// The similarity threshold.
        threshold: f32,
    },
    /// DBSCAN's `min_points` below 2.
    #[error("min_points must be at least 2, got {0}")]
    MinPoints(usize),
}

/// Why a clustering could not be computed for the data given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No points.
    #[error("nothing to cluster: no sentences")]
    Empty,
    /// `sources` does not have one entry per point.
    #[error("{points} points but {sources} source ids")]
    SourcesMismatch {
        /// Number of points (rows).
        points: usize,
        /// Number of source ids.
        sources: usize,
    },
    /// Two inputs that must match in length do not (articles and their words, or an article's
    /// vector and the others').
    #[error("{got} {what} where {expected} were expected")]
    Mismatch {
        /// What was counted.
        what: &'static str,
        /// How many there should be.
        expected: usize,
        /// How many there are.
        got: usize,
    },
    /// A point has a zero, infinite or NaN norm, so it has no direction.
    #[error("point {0} has no direction (zero or non-finite vector)")]
    Degenerate(usize),
    /// More points than the method handles in bounded memory.
    #[error(
        "{method} clustering of {points} sentences would need {gigabytes:.1} GB for its pairwise distances; its limit is {limit} sentences: use --method kmeans, or split the input into smaller document sets"
    )]
    TooLarge {
        /// The method.
        method: &'static str,
        /// Points given.
        points: usize,
        /// Most points the method takes.
        limit: usize,
        /// Memory the method would have needed, in GB.
        gigabytes: f64,
    },
    /// More articles than event grouping takes at once.
    #[error(
        "{articles} articles are more than event grouping takes at once ({limit}): group the feed as a stream (precis stories --window-days 1), or split it by date"
    )]
    TooManyArticles {
        /// Articles given.
        articles: usize,
        /// Most articles grouped at once.
        limit: usize,
    },
    /// A stream's window or open period of zero days.
    #[error("an event stream needs windows and open periods of at least one day")]
    ZeroDays,
    /// An article dated before the window being grouped.
    #[error("article of day {day} after the window starting on day {window_start}: sort the feed by date")]
    OutOfOrder {
        /// The article's day.
        day: i64,
        /// The first day of the window being filled.
        window_start: i64,
    },
    /// More clusters asked for than there are points.
    #[error("n_clusters ({k}) exceeds the number of points ({n})")]
    TooManyClusters {
        /// Clusters asked for.
        k: usize,
        /// Points available.
        n: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
