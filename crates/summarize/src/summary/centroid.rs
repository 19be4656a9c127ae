//! The `centroid` strategy: closeness to the centroid of all sentences, plus position.

use super::features::Features;
use crate::params::SummaryValidParams;

impl SummaryValidParams {
    /// Greedy by relevance (cosine to the set's centroid) plus the position term.
    pub(super) fn by_centroid(&self, f: &Features) -> Vec<usize> {
        let score = &f.relevance + &(self.position_weight * &f.position);
        self.greedy_by_score(f, score.as_slice().expect("contiguous"))
    }
}
