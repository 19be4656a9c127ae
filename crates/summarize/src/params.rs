//! Summary parameters: strategy, budget and weights, checked once.

use std::sync::Arc;

use crate::content::ContentModel;
use crate::error::ParamsError;
use linfa::ParamGuard;

/// How sentences are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Concept coverage with learned weights: the program of `Concepts`, each content bigram
    /// weighted by the probability a [`ContentModel`] (trained on human summaries) gives it of
    /// appearing in a summary, plus each sentence's cross-source support. Best on the dev set
    /// under cross-validation (see the README). The default.
    #[default]
    Learned,
    /// Concept coverage (ICSI style): cover the content bigrams most documents share, weighted by
    /// document count, plus per-sentence relevance, cross-source support and position, with no
    /// two chosen sentences closer than the redundancy cosine. The per-sentence terms count once
    /// per claim: of two chosen sentences from different sources that report each other, the
    /// smaller terms are taken back. Solved exactly as an integer program (microlp) for up to 800
    /// candidate sentences; larger sets use the cost-effective greedy (without the once-per-claim
    /// rule, which its bound needs), kept only if it beats the best single sentence, which bounds
    /// it at ½(1 − 1/e) of the optimum. All its weights are set by hand.
    Concepts,
    /// Closeness to the set's centroid embedding, plus position.
    Centroid,
    /// Maximal marginal relevance over centrality (mean cosine to all sentences) and position.
    Mmr,
    /// LexRank: PageRank on the graph of sentence pairs with cosine ≥ the graph threshold.
    LexRank,
}

impl Strategy {
    /// Every strategy, default first.
    pub const ALL: [Strategy; 5] =
        [Strategy::Learned, Strategy::Concepts, Strategy::Centroid, Strategy::Mmr, Strategy::LexRank];

    /// Name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Learned => "learned",
            Strategy::Concepts => "concepts",
            Strategy::Centroid => "centroid",
            Strategy::Mmr => "mmr",
            Strategy::LexRank => "lexrank",
        }
    }

    /// One line saying what it does, for help texts.
    pub fn summary(self) -> &'static str {
        match self {
            Strategy::Learned => "coverage of content bigrams weighted by a model learned from human summaries",
            Strategy::Concepts => {
                "coverage of the content bigrams most sources share, with relevance, support and position"
            }
            Strategy::Centroid => "closeness to the centroid of all sentences",
            Strategy::Mmr => "maximal marginal relevance over centrality",
            Strategy::LexRank => "LexRank on embedding similarity",
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a strategy by [`Strategy::name`].
///
/// ```
/// use precis_summarize::Strategy;
/// assert_eq!("lexrank".parse::<Strategy>()?, Strategy::LexRank);
/// assert!("pagerank".parse::<Strategy>().is_err());
/// # Ok::<(), precis_summarize::ParamsError>(())
/// ```
impl std::str::FromStr for Strategy {
    type Err = ParamsError;

    fn from_str(s: &str) -> Result<Self, ParamsError> {
        Strategy::ALL
            .into_iter()
            .find(|strategy| strategy.name() == s)
            .ok_or_else(|| ParamsError::UnknownStrategy(s.to_string()))
    }
}

/// How long a summary may be. Sentences are never cut: the summary is the longest selection that
/// stays within the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// At most this many sentences.
    Sentences(usize),
    /// At most this many words (whitespace-separated).
    Words(usize),
    /// At most this many bytes of UTF-8, counting one space between sentences.
    Bytes(usize),
}

impl Budget {
    /// What a sentence of `text` costs against this budget (the joining space included for bytes).
    pub fn cost(self, text: &str) -> usize {
        match self {
            Budget::Sentences(_) => 1,
            Budget::Words(_) => text.split_whitespace().count(),
            Budget::Bytes(_) => text.len() + 1,
        }
    }

    /// The budget's size in its unit.
    pub fn limit(self) -> usize {
        match self {
            Budget::Sentences(n) | Budget::Words(n) | Budget::Bytes(n) => n,
        }
    }
}

/// Summary parameters, unchecked.
///
/// Defaults: [`Strategy::Learned`] with the shipped content model, 100 words, position weight 1.0, redundancy cosine 0.8,
/// sentences of at least 5 content words, MMR λ 0.7, LexRank graph threshold 0.45.
///
/// ```
/// use precis_summarize::{Budget, ParamGuard, SummaryParams};
/// let params = SummaryParams::new().budget(Budget::Sentences(3)).check()?;
/// assert_eq!(params.budget(), Budget::Sentences(3));
/// assert!(SummaryParams::new().budget(Budget::Words(0)).check().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryParams(SummaryValidParams);

/// Checked summary parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryValidParams {
    pub(crate) strategy: Strategy,
    pub(crate) budget: Budget,
    pub(crate) position_weight: f64,
    pub(crate) redundancy: f32,
    pub(crate) min_content_words: usize,
    pub(crate) mmr_lambda: f64,
    pub(crate) graph_threshold: f32,
    pub(crate) mip_gap: f32,
    pub(crate) keep_relative_dates: bool,
    pub(crate) content_model: Arc<ContentModel>,
}

impl Default for SummaryParams {
    fn default() -> Self {
        Self::new()
    }
}

impl SummaryParams {
    /// Default parameters.
    pub fn new() -> Self {
        Self(SummaryValidParams {
            strategy: Strategy::default(),
            budget: Budget::Words(100),
            position_weight: 1.0,
            redundancy: 0.8,
            min_content_words: 5,
            mmr_lambda: 0.7,
            graph_threshold: 0.45,
            mip_gap: SummaryParams::DEFAULT_MIP_GAP,
            keep_relative_dates: false,
            content_model: ContentModel::shipped(),
        })
    }

    /// The selection strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.0.strategy = strategy;
        self
    }

    /// The length budget.
    pub fn budget(mut self, budget: Budget) -> Self {
        self.0.budget = budget;
        self
    }

    /// Weight of the lead prior (earlier sentences of a document score higher); 0 turns it off.
    /// It applies to `concepts`, `centroid`, `mmr` and `lexrank`; `learned` weighs position
    /// through its content model's features instead.
    pub fn position_weight(mut self, weight: f64) -> Self {
        self.0.position_weight = weight;
        self
    }

    /// Most cosine a new sentence may have with one already chosen, in (0, 1].
    pub fn redundancy(mut self, cosine: f32) -> Self {
        self.0.redundancy = cosine;
        self
    }

    /// Fewest content words (words that are not function words, a number counting once) a sentence
    /// needs to be worth choosing; sentences with fewer are used only if nothing else fits. The
    /// floor counts what a sentence says rather than how long it is: "Both sides agreed to free
    /// 1,000 prisoners." has five, "But that is not what it was about." none.
    pub fn min_content_words(mut self, words: usize) -> Self {
        self.0.min_content_words = words;
        self
    }

    /// MMR's trade-off between relevance (1) and novelty (0), in [0, 1].
    pub fn mmr_lambda(mut self, lambda: f64) -> Self {
        self.0.mmr_lambda = lambda;
        self
    }

    /// The content model of [`Strategy::Learned`] [default: [`ContentModel::shipped`]].
    pub fn content_model(mut self, model: Arc<ContentModel>) -> Self {
        self.0.content_model = model;
        self
    }

    /// LexRank's edge threshold (cosine), in [0, 1).
    pub fn graph_threshold(mut self, cosine: f32) -> Self {
        self.0.graph_threshold = cosine;
        self
    }

    /// Whether summary sentences keep the dates their sources tell relative to the day of writing
    /// ("said Tuesday", "on Friday night", "last week") [default: false]. A summary mixes articles
    /// written on different days, so there such a date no longer says when anything happened; by
    /// default it is left out where the sentence reads the same without it (see
    /// [`trim_relative_dates`](crate::trim_relative_dates)), and the words go to content. The
    /// chosen sentence's span still points at the whole sentence in its source.
    pub fn keep_relative_dates(mut self, keep: bool) -> Self {
        self.0.keep_relative_dates = keep;
        self
    }

    /// The default [MIP gap](SummaryParams::mip_gap).
    pub const DEFAULT_MIP_GAP: f32 = 0.01;

    /// How far below the optimum the exact program of `concepts` and `learned` may stop, as a
    /// share of the objective, in [0, 1); 0 solves to the optimum. The default, 0.01, bounds the
    /// solve time of long budgets: on the dev set it made the `learned` selection at 200 words 25
    /// times faster than the optimum, with R-1 and R-2 within noise of it at 50 to 200 words
    /// (`EXPERIMENTS.md`). The stopping point is found without a clock, so a given input still
    /// gives one summary.
    ///
    /// ```
    /// use precis_summarize::{ParamGuard, SummaryParams};
    /// assert!(SummaryParams::new().mip_gap(0.01).check().is_ok());
    /// assert!(SummaryParams::new().mip_gap(1.0).check().is_err());
    /// ```
    pub fn mip_gap(mut self, gap: f32) -> Self {
        self.0.mip_gap = gap;
        self
    }
}

impl ParamGuard for SummaryParams {
    type Checked = SummaryValidParams;
    type Error = ParamsError;

    /// Checks every rule.
    fn check_ref(&self) -> Result<&SummaryValidParams, ParamsError> {
        let p = &self.0;
        if p.budget.limit() == 0 {
            return Err(ParamsError::ZeroBudget);
        }
        if !(p.position_weight.is_finite() && p.position_weight >= 0.0) {
            return Err(ParamsError::PositionWeight(p.position_weight));
        }
        if !(p.redundancy > 0.0 && p.redundancy <= 1.0) {
            return Err(ParamsError::Redundancy(p.redundancy));
        }
        if !(0.0..=1.0).contains(&p.mmr_lambda) {
            return Err(ParamsError::MmrLambda(p.mmr_lambda));
        }
        if !(0.0..1.0).contains(&p.graph_threshold) {
            return Err(ParamsError::GraphThreshold(p.graph_threshold));
        }
        if !(0.0..1.0).contains(&p.mip_gap) {
            return Err(ParamsError::MipGap(p.mip_gap));
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<SummaryValidParams, ParamsError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl SummaryValidParams {
    /// The strategy.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The budget.
    pub fn budget(&self) -> Budget {
        self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_cannot_be_zero() {
        assert_eq!(SummaryParams::new().budget(Budget::Bytes(0)).check(), Err(ParamsError::ZeroBudget));
    }

    #[test]
    fn position_weight_must_be_finite_and_non_negative() {
        assert!(SummaryParams::new().position_weight(-1.0).check().is_err());
        assert!(SummaryParams::new().position_weight(f64::NAN).check().is_err());
    }

    #[test]
    fn redundancy_must_be_in_zero_to_one() {
        assert!(SummaryParams::new().redundancy(0.0).check().is_err());
        assert!(SummaryParams::new().redundancy(1.0).check().is_ok());
    }

    #[test]
    fn mmr_lambda_and_graph_threshold_ranges() {
        assert!(SummaryParams::new().mmr_lambda(1.5).check().is_err());
        assert!(SummaryParams::new().graph_threshold(1.0).check().is_err());
    }

    #[test]
    fn byte_cost_counts_the_joining_space() {
        assert_eq!(Budget::Bytes(10).cost("abc"), 4);
        assert_eq!(Budget::Words(10).cost("a b  c"), 3);
    }
}
