//! The exact concept-coverage program (Gillick & Favre's ILP), solved with microlp.

use super::features::Features;
use crate::params::SummaryValidParams;

impl SummaryValidParams {
    /// The exact optimum of the coverage objective under the budget (Gillick & Favre's ILP), with
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
        let mut candidates: Vec<usize> =
            (0..f.cost.len()).filter(|&i| f.eligible[i] && self.fits(0, f.cost[i])).collect();
        candidates.sort_by_key(|&i| f.canon[i]);
        let mut too_close = Vec::new();
        for a in 0..candidates.len() {
            for b in a + 1..candidates.len() {
                if f.unit.row(candidates[a]).dot(&f.unit.row(candidates[b])) > self.redundancy {
                    too_close.push((a, b));
                }
            }
        }
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
            let c: Vec<_> = weight.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
            // Both of a repeated pair chosen: with `s` binary and the penalty maximized away, `both`
            // settles at max(0, s_a + s_b - 1) without being declared integer.
            let both: Vec<_> = repeated.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
            let objective: Expression = weight.iter().zip(&c).map(|(w, v)| *w * *v).sum::<Expression>()
                + candidates.iter().zip(&s).map(|(&i, v)| bonus[i] * *v).sum::<Expression>()
                - repeated
                    .iter()
                    .zip(&both)
                    .map(|(&(a, b), v)| bonus[candidates[a]].min(bonus[candidates[b]]) * *v)
                    .sum::<Expression>();
            let mut model = vars.maximise(objective).using(microlp);
            let length: Expression = candidates.iter().zip(&s).map(|(&i, v)| f.cost[i] as f64 * *v).sum();
            model = model.with(constraint!(length <= self.budget.limit() as f64));
            // Only "a concept counts if some chosen sentence has it". Gillick & Favre also bound every
            // chosen sentence's concepts from below (s ≤ c), but with positive weights the maximum
            // sets those concepts anyway, so those constraints, one per sentence-concept pair and
            // most of the model, change neither the optimum nor the LP bound; they only slow it.
            let mut containing: Vec<Vec<usize>> = vec![Vec::new(); weight.len()];
            for (k, &i) in candidates.iter().enumerate() {
                for &j in &of_sentence[i] {
                    containing[j].push(k);
                }
            }
            for (j, holders) in containing.iter().enumerate() {
                let any: Expression = holders.iter().map(|&k| s[k]).sum();
                model = model.with(constraint!(any >= c[j]));
            }
            for &(a, b) in &too_close {
                model = model.with(constraint!(s[a] + s[b] <= 1));
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
