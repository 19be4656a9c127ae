//! Filling a budget: candidates in order, skipping what does not fit or repeats a chosen sentence.

use ndarray::ArrayView2;

use super::features::Features;
use crate::params::SummaryValidParams;

impl SummaryValidParams {
    pub(super) fn fits(&self, used: usize, cost: usize) -> bool {
        used + cost <= self.budget.limit()
    }

    pub(super) fn redundant(&self, unit: ArrayView2<f32>, chosen: &[usize], candidate: usize) -> bool {
        chosen.iter().any(|&c| unit.row(c).dot(&unit.row(candidate)) > self.redundancy)
    }

    /// Whether `candidate` may join `chosen`: it needs no introduction, or one of the sentences that
    /// name its person in full is chosen.
    pub(super) fn introduced(f: &Features, chosen: &[usize], candidate: usize) -> bool {
        f.introductions.needs(candidate).is_none_or(|by| by.iter().any(|j| chosen.contains(j)))
    }

    /// Best score first, skipping what does not fit or repeats a chosen sentence; keeps going to
    /// fill the budget.
    pub(super) fn greedy_by_score(&self, f: &Features, score: &[f64]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..score.len()).filter(|&i| f.eligible[i]).collect();
        order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(f.canon[a].cmp(&f.canon[b])));
        self.fill(f, order, Vec::new())
    }

    /// Adds candidates in the given order while they fit and are not redundant.
    pub(super) fn fill(&self, f: &Features, candidates: Vec<usize>, mut chosen: Vec<usize>) -> Vec<usize> {
        let mut used: usize = chosen.iter().map(|&c| f.cost[c]).sum();
        for i in candidates {
            if !chosen.contains(&i)
                && self.fits(used, f.cost[i])
                && !self.redundant(f.unit.view(), &chosen, i)
                && Self::introduced(f, &chosen, i)
            {
                used += f.cost[i];
                chosen.push(i);
            }
        }
        if chosen.is_empty() {
            // Only ineligible sentences fit: take the cheapest, so a summary exists.
            let cheapest = (0..f.cost.len()).min_by_key(|&i| (f.cost[i], f.canon[i])).expect("non-empty");
            chosen.push(cheapest);
        }
        chosen
    }
}
