//! The `mmr` strategy: maximal marginal relevance over centrality.

use ndarray::Axis;

use super::features::Features;
use crate::params::SummaryValidParams;

impl SummaryValidParams {
    pub(super) fn by_mmr(&self, f: &Features) -> Vec<usize> {
        let similarity = f.unit.dot(&f.unit.t());
        let n = f.cost.len() as f64;
        let centrality: Vec<f64> =
            similarity.axis_iter(Axis(0)).map(|row| f64::from(row.sum() - 1.0) / (n - 1.0).max(1.0)).collect();
        let relevance: Vec<f64> =
            (0..f.cost.len()).map(|i| centrality[i] + self.position_weight * f.position[i]).collect();
        let mut chosen: Vec<usize> = Vec::new();
        let mut used = 0;
        loop {
            let best = (0..f.cost.len())
                .filter(|&i| f.eligible[i] && !chosen.contains(&i) && self.fits(used, f.cost[i]))
                .filter(|&i| !self.redundant(f.unit.view(), &chosen, i) && Self::introduced(f, &chosen, i))
                .map(|i| {
                    let novelty = chosen.iter().map(|&c| f64::from(similarity[[i, c]])).fold(0.0, f64::max);
                    (i, self.mmr_lambda * relevance[i] - (1.0 - self.mmr_lambda) * novelty)
                })
                .max_by(|a, b| a.1.total_cmp(&b.1).then(f.canon[b.0].cmp(&f.canon[a.0])));
            match best {
                Some((i, _)) => {
                    used += f.cost[i];
                    chosen.push(i);
                }
                None => break,
            }
        }
        self.fill(f, Vec::new(), chosen)
    }
}
