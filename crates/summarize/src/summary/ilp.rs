//! The exact concept-coverage program (Gillick & Favre's ILP), solved with microlp.

use std::collections::BTreeMap;

use super::features::Features;
use crate::params::SummaryValidParams;

impl SummaryValidParams {
    /// The optimum of the coverage objective under the budget (Gillick & Favre's ILP; with a
    /// [MIP gap](crate::SummaryParams::mip_gap), a selection within that share of it), with
    /// each claim's per-sentence terms credited once: when two chosen sentences of different
    /// sources report each other (the evidence would list one under the other), the smaller of
    /// their terms is taken back. Those pairs are many and rarely both chosen, so they enter the
    /// program lazily: solve, add the pairs the solution repeats, solve again. A program with
    /// fewer pairs can only overrate a selection, so a solution that repeats none of the missing
    /// pairs is the optimum of the whole.
    pub(super) fn concepts_ilp(
        &self,
        f: &Features,
        of_sentence: &[Vec<usize>],
        weight: &[f64],
        bonus: &[f64],
    ) -> Option<Vec<usize>> {
        let fits = |i: usize| f.eligible[i] && self.fits(0, f.cost[i]);
        // A sentence that needs an introduction is a candidate only if an introducer is one
        // (introducers need none themselves).
        let mut candidates: Vec<usize> = (0..f.cost.len())
            .filter(|&i| fits(i) && f.introductions.needs(i).is_none_or(|by| by.iter().any(|&j| fits(j))))
            .collect();
        candidates.sort_by_key(|&i| f.canon[i]);
        let mut position: Vec<Option<usize>> = vec![None; f.cost.len()];
        for (k, &i) in candidates.iter().enumerate() {
            position[i] = Some(k);
        }
        let introduced_by: Vec<(usize, Vec<usize>)> = candidates
            .iter()
            .enumerate()
            .filter_map(|(k, &i)| {
                f.introductions.needs(i).map(|by| (k, by.iter().filter_map(|&j| position[j]).collect()))
            })
            .collect();
        let mut too_close = Vec::new();
        for a in 0..candidates.len() {
            for b in a + 1..candidates.len() {
                if f.unit.row(candidates[a]).dot(&f.unit.row(candidates[b])) > self.redundancy {
                    too_close.push((a, b));
                }
            }
        }
        // Two reductions that keep the optimum: a concept only one candidate holds is covered
        // exactly when that candidate is chosen, so its weight becomes the candidate's own; concepts
        // the same candidates hold are covered together, so they share one variable with their
        // summed weight. Fewer variables and constraints, the same optimum: the dev set's `learned`
        // selection in cross-validation took 23.2 s -> 15.5 s at 100 words, 312 s -> 179 s at 200.
        let mut holders: Vec<Vec<usize>> = vec![Vec::new(); weight.len()];
        for (k, &i) in candidates.iter().enumerate() {
            for &j in &of_sentence[i] {
                holders[j].push(k);
            }
        }
        let mut own = vec![0.0; candidates.len()];
        let mut shared: BTreeMap<Vec<usize>, f64> = BTreeMap::new();
        for (j, holders) in holders.into_iter().enumerate() {
            match holders[..] {
                [] => {}
                [k] => own[k] += weight[j],
                _ => *shared.entry(holders).or_default() += weight[j],
            }
        }
        let shared: Vec<(Vec<usize>, f64)> = shared.into_iter().collect();
        // One solve, with the given repeated pairs: which candidates (by position) it chooses.
        let solve = |repeated: &[(usize, usize)]| -> Option<Vec<usize>> {
            use good_lp::{Expression, Solution, SolverModel, constraint, microlp, variable, variables};
            let mut vars = variables!();
            let s: Vec<_> = candidates.iter().map(|_| vars.add(variable().binary())).collect();
            // A concept need not be declared integer: with the sentences integral and positive
            // weights, the maximum sets each to min(1, number of chosen sentences that hold it),
            // 0 or 1. Branching on sentences alone finds the same optimum in about half the time
            // (the dev set's `learned` selection at 100 words: 27.9 s -> 15.8 s; 200 words: 302 s
            // -> 156 s on 2 cores, every summary the same).
            let c: Vec<_> = shared.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
            // Both of a repeated pair chosen: with `s` binary and the penalty maximized away, `both`
            // settles at max(0, s_a + s_b - 1) without being declared integer.
            let both: Vec<_> = repeated.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
            let objective: Expression = shared.iter().zip(&c).map(|((_, w), v)| *w * *v).sum::<Expression>()
                + candidates.iter().zip(&own).zip(&s).map(|((&i, own), v)| (bonus[i] + own) * *v).sum::<Expression>()
                - repeated
                    .iter()
                    .zip(&both)
                    .map(|(&(a, b), v)| bonus[candidates[a]].min(bonus[candidates[b]]) * *v)
                    .sum::<Expression>();
            let mut model = vars.maximise(objective).using(microlp);
            if self.mip_gap > 0.0 {
                use good_lp::solvers::WithMipGap;
                model = model.with_mip_gap(self.mip_gap).ok()?;
            }
            let length: Expression = candidates.iter().zip(&s).map(|(&i, v)| f.cost[i] as f64 * *v).sum();
            model = model.with(constraint!(length <= self.budget.limit() as f64));
            // Only "a concept counts if some chosen sentence has it". Gillick & Favre also bound every
            // chosen sentence's concepts from below (s ≤ c), but with positive weights the maximum
            // sets those concepts anyway, so those constraints, one per sentence-concept pair and
            // most of the model, change neither the optimum nor the LP bound; they only slow it.
            for ((holders, _), &c) in shared.iter().zip(&c) {
                let any: Expression = holders.iter().map(|&k| s[k]).sum();
                model = model.with(constraint!(any >= c));
            }
            for &(a, b) in &too_close {
                model = model.with(constraint!(s[a] + s[b] <= 1));
            }
            for (k, by) in &introduced_by {
                let any: Expression = by.iter().map(|&j| s[j]).sum();
                model = model.with(constraint!(s[*k] <= any));
            }
            for (&(a, b), &v) in repeated.iter().zip(&both) {
                model = model.with(constraint!(v >= s[a] + s[b] - 1));
            }
            let solution = model.solve().ok()?;
            Some((0..candidates.len()).filter(|&k| solution.value(s[k]) > 0.5).collect())
        };
        let mut repeated: Vec<(usize, usize)> = Vec::new();
        loop {
            let chosen = solve(&repeated)?;
            let mut new = Vec::new();
            for (x, &a) in chosen.iter().enumerate() {
                for &b in &chosen[x + 1..] {
                    let (ia, ib) = (candidates[a], candidates[b]);
                    let repeats = f.reports[ia].iter().any(|r| r.sentence == ib)
                        || f.reports[ib].iter().any(|r| r.sentence == ia);
                    // A pair too close to choose together never gets here: the program forbids it.
                    if repeats && !repeated.contains(&(a, b)) {
                        new.push((a, b));
                    }
                }
            }
            if new.is_empty() {
                return Some(chosen.into_iter().map(|k| candidates[k]).collect());
            }
            repeated.extend(new);
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::*;
    use crate::ParamGuard;
    use crate::params::{Budget, SummaryParams};
    use crate::summary::Support;

    /// A small random program: sentences with costs, concepts (some held by one sentence, some
    /// by the same few), per-sentence terms, near-copies that may not both be chosen, and pairs
    /// that report each other.
    fn instance(seed: u64) -> (Features, Vec<Vec<usize>>, Vec<f64>, Vec<f64>) {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 11;
        let mut unit = Array2::<f32>::zeros((n, 6));
        for i in 0..n {
            // Every third sentence copies the one before it, nearly: cosine above the cut.
            let source = if i % 3 == 2 { i - 1 } else { i };
            for d in 0..6 {
                unit[[i, d]] = if source == i { next() as f32 - 0.5 } else { unit[[source, d]] + 0.01 * next() as f32 };
            }
            let norm = unit.row(i).dot(&unit.row(i)).sqrt();
            unit.row_mut(i).mapv_inplace(|x| x / norm);
        }
        let mut reports: Vec<Vec<Support>> = vec![Vec::new(); n];
        for (i, reported) in reports.iter_mut().enumerate() {
            for j in 0..n {
                if i != j && next() < 0.15 {
                    reported.push(Support { sentence: j, doc: j, cosine: 0.6 });
                }
            }
        }
        let concepts = 14;
        let mut of_sentence: Vec<Vec<usize>> = vec![Vec::new(); n];
        for c in 0..concepts {
            for (i, held) in of_sentence.iter_mut().enumerate() {
                if next() < 0.25 || (c % 5 == 0 && i % 4 == 0) {
                    held.push(c);
                }
            }
        }
        let weight: Vec<f64> = (0..concepts).map(|_| next()).collect();
        let bonus: Vec<f64> = (0..n).map(|_| 0.5 * next()).collect();
        let features = Features {
            unit,
            relevance: Array1::zeros(n),
            position: Array1::zeros(n),
            reports,
            support: Array1::zeros(n),
            cost: (0..n).map(|_| 5 + (25.0 * next()) as usize).collect(),
            eligible: (0..n).map(|i| i != 4).collect(),
            introductions: Default::default(),
            canon: (0..n).collect(),
        };
        (features, of_sentence, weight, bonus)
    }

    /// The objective of a selection, every rule of the program applied; None if it breaks one.
    fn value(
        p: &SummaryValidParams,
        f: &Features,
        of: &[Vec<usize>],
        w: &[f64],
        b: &[f64],
        chosen: &[usize],
    ) -> Option<f64> {
        let cost: usize = chosen.iter().map(|&i| f.cost[i]).sum();
        if !p.fits(0, cost) || chosen.iter().any(|&i| !f.eligible[i]) {
            return None;
        }
        let mut covered = vec![false; w.len()];
        let mut total = 0.0;
        for (x, &i) in chosen.iter().enumerate() {
            if p.redundant(f.unit.view(), &chosen[..x], i) {
                return None;
            }
            total += b[i];
            for &c in &of[i] {
                covered[c] = true;
            }
            for &j in &chosen[..x] {
                if f.reports[i].iter().any(|r| r.sentence == j) || f.reports[j].iter().any(|r| r.sentence == i) {
                    total -= b[i].min(b[j]);
                }
            }
        }
        Some(total + w.iter().zip(&covered).filter(|(_, c)| **c).map(|(w, _)| w).sum::<f64>())
    }

    /// Per instance, the best value of any selection, and the value of the one `params` chooses.
    fn best_and_found(params: &SummaryValidParams) -> Vec<(f64, f64)> {
        (0..40)
            .map(|seed| {
                let (f, of, w, b) = instance(seed);
                let n = f.cost.len();
                let best = (0u32..1 << n)
                    .filter_map(|mask| {
                        let chosen: Vec<usize> = (0..n).filter(|&i| mask & (1 << i) != 0).collect();
                        value(params, &f, &of, &w, &b, &chosen)
                    })
                    .fold(f64::NEG_INFINITY, f64::max);
                let chosen = params.concepts_ilp(&f, &of, &w, &b).expect("a solution");
                (best, value(params, &f, &of, &w, &b, &chosen).expect("a feasible selection"))
            })
            .collect()
    }

    #[test]
    fn the_program_finds_the_optimum_of_every_selection() {
        let params = SummaryParams::new().budget(Budget::Words(60)).mip_gap(0.0).check().unwrap();
        for (seed, (best, found)) in best_and_found(&params).into_iter().enumerate() {
            assert!((found - best).abs() < 1e-6, "seed {seed}: {found} against the best {best}");
        }
    }

    #[test]
    fn with_a_gap_the_program_stops_within_it() {
        let params = SummaryParams::new().budget(Budget::Words(60)).mip_gap(0.05).check().unwrap();
        for (seed, (best, found)) in best_and_found(&params).into_iter().enumerate() {
            assert!(found >= best * 0.95 - 1e-6, "seed {seed}: {found} against the best {best}");
        }
    }
}
