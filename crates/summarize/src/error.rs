//! Errors of summarizing.

/// Invalid summary parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// A budget of zero sentences, words or bytes.
    #[error("the summary budget cannot be 0")]
    ZeroBudget,
    /// A negative or non-finite position weight.
    #[error("position weight must be a finite number >= 0, got {0}")]
    PositionWeight(f64),
    /// A redundancy threshold outside (0, 1].
    #[error("redundancy must be a cosine in (0, 1], got {0}")]
    Redundancy(f32),
    /// A stopping gap of the exact program outside [0, 1).
    #[error("the MIP gap must be in [0, 1), got {0}")]
    MipGap(f32),
    /// An MMR trade-off outside [0, 1].
    #[error("mmr lambda must be in [0, 1], got {0}")]
    MmrLambda(f64),
    /// A strategy name that is not one of [`Strategy::ALL`](crate::Strategy::ALL).
    #[error("unknown strategy {0:?}: use concepts, centroid, mmr or lexrank")]
    UnknownStrategy(String),
    /// A LexRank edge threshold outside [0, 1).
    #[error("graph threshold must be a cosine in [0, 1), got {0}")]
    GraphThreshold(f32),
}

/// Why a summary could not be made from the inputs given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No sentences at all.
    #[error("nothing to summarize: the documents hold no sentences")]
    NoSentences,
    /// The inputs disagree in length.
    #[error("{sentences} sentences but {embeddings} embeddings and {labels} cluster labels")]
    Mismatch {
        /// Sentences given.
        sentences: usize,
        /// Embedding rows given.
        embeddings: usize,
        /// Cluster labels given.
        labels: usize,
    },
    /// More sentences than a strategy with a sentence-by-sentence similarity matrix takes.
    #[error(
        "the {strategy} strategy compares every pair of sentences, and {sentences} sentences are over its limit of {limit}: use --strategy learned, concepts or centroid, or split the input"
    )]
    TooLarge {
        /// The strategy.
        strategy: &'static str,
        /// Sentences given.
        sentences: usize,
        /// Most sentences it takes.
        limit: usize,
    },
    /// Every sentence is longer than the budget.
    #[error("no sentence fits the budget of {limit} {unit} (the shortest needs {shortest}); raise the budget")]
    BudgetTooSmall {
        /// The budget.
        limit: usize,
        /// Its unit.
        unit: &'static str,
        /// What the cheapest sentence costs.
        shortest: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
