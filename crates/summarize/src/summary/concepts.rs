//! The `concepts` strategy: budgeted coverage of the content bigrams most sources share, plus
//! per-sentence relevance, position and support; exact (see [`super::ilp`]) up to
//! [`MAX_EXACT_SENTENCES`] candidates, greedy with a bound beyond. The `learned` strategy
//! ([`super::learned`]) solves the same program with other weights.

use super::Inputs;
use super::features::Features;
use crate::concepts::{Concepts, concepts};
use crate::params::SummaryValidParams;

/// Largest number of candidate sentences solved exactly; beyond it the ILP's solve time is
/// unpredictable and the greedy with a bound takes over.
const MAX_EXACT_SENTENCES: usize = 800;

impl SummaryValidParams {
    /// Concepts weighted by document counts, and per-sentence terms.
    pub(super) fn by_concepts(&self, inputs: &Inputs, f: &Features) -> Vec<usize> {
        let texts: Vec<&str> = inputs.sentences.iter().map(|s| s.text.as_str()).collect();
        let docs: Vec<usize> = inputs.sentences.iter().map(|s| s.doc).collect();
        let concepts = concepts(&texts, &docs, inputs.documents.len());
        // Per-sentence terms, in units of concept weight: a sentence as relevant, early and widely
        // reported as can be is worth about as much as one concept shared by every source.
        let scale = inputs.documents.len() as f64;
        let bonus: Vec<f64> = (0..texts.len())
            .map(|i| scale * (f.relevance[i].max(0.0) + self.position_weight * f.position[i] + f.support[i]) / 3.0)
            .collect();
        self.cover(f, &concepts, &bonus)
    }

    /// Budgeted maximum coverage of weighted concepts plus per-sentence terms (`bonus`): the
    /// cost-effective greedy, then the exact program when it is small enough.
    pub(super) fn cover(&self, f: &Features, concepts: &Concepts, bonus: &[f64]) -> Vec<usize> {
        let n = f.cost.len();
        let value = |chosen: &[usize]| -> f64 {
            let mut covered = vec![false; concepts.weight.len()];
            let mut total = 0.0;
            for &i in chosen {
                total += bonus[i];
                for &c in &concepts.of_sentence[i] {
                    if !covered[c] {
                        covered[c] = true;
                        total += concepts.weight[c];
                    }
                }
            }
            total
        };
        let mut covered = vec![false; concepts.weight.len()];
        let mut chosen: Vec<usize> = Vec::new();
        let mut used = 0;
        loop {
            let best = (0..n)
                .filter(|&i| f.eligible[i] && !chosen.contains(&i) && self.fits(used, f.cost[i]))
                .filter(|&i| !self.redundant(f.unit.view(), &chosen, i) && Self::introduced(f, &chosen, i))
                .map(|i| {
                    let gain: f64 = bonus[i]
                        + concepts.of_sentence[i]
                            .iter()
                            .filter(|&&c| !covered[c])
                            .map(|&c| concepts.weight[c])
                            .sum::<f64>();
                    (i, gain / f.cost[i].max(1) as f64)
                })
                .max_by(|a, b| a.1.total_cmp(&b.1).then(f.canon[b.0].cmp(&f.canon[a.0])));
            let Some((i, _)) = best else { break };
            for &c in &concepts.of_sentence[i] {
                covered[c] = true;
            }
            used += f.cost[i];
            chosen.push(i);
        }
        if f.eligible.iter().filter(|&&e| e).count() <= MAX_EXACT_SENTENCES
            && let Some(exact) = self.concepts_ilp(f, &concepts.of_sentence, &concepts.weight, bonus)
        {
            return self.fill(f, Vec::new(), exact);
        }
        // Too large for the exact solver (or it failed): the cost-effective greedy alone has no
        // guarantee; the better of it and the best single sentence is within ½(1 − 1/e) of the
        // optimum (Khuller, Moss & Naor 1999). That bound needs a monotone objective, so here the
        // per-sentence terms are not taken back for repeated claims as the exact program does.
        let single = (0..n)
            .filter(|&i| f.eligible[i] && self.fits(0, f.cost[i]) && Self::introduced(f, &[], i))
            .max_by(|&a, &b| value(&[a]).total_cmp(&value(&[b])).then(f.canon[b].cmp(&f.canon[a])));
        if let Some(single) = single
            && value(&[single]) > value(&chosen)
        {
            chosen = vec![single];
        }
        self.fill(f, Vec::new(), chosen)
    }
}
