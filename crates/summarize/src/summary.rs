//! Choosing, ordering and explaining the sentences of a summary.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use precis_cluster::Clustering;
use precis_text::{Document, Sentence, Span};
use serde::Serialize;

use crate::concepts::{concepts, content_words};
use crate::error::{Error, Result};
use crate::params::{Budget, Strategy, SummaryValidParams};

/// What a summary is made from: the documents, their sentences, one embedding per sentence and a
/// clustering of those embeddings.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The documents.
    pub documents: &'a [Document],
    /// Their sentences, as [`precis_text::sentences`] gives them.
    pub sentences: &'a [Sentence],
    /// One embedding per sentence (`sentences × dim`); rows are normalized here.
    pub embeddings: ArrayView2<'a, f32>,
    /// A clustering of the embeddings, for support and agreement.
    pub clustering: &'a Clustering,
}

/// Another source's sentence that says what a summary sentence says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Support {
    /// Index into the input sentences.
    pub sentence: usize,
    /// Index of its document.
    pub doc: usize,
    /// Cosine to the summary sentence.
    pub cosine: f32,
}

/// One sentence of a summary, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selected {
    /// Index into the input sentences.
    pub sentence: usize,
    /// Index of its document.
    pub doc: usize,
    /// Its char span in that document's text.
    pub char_span: Span,
    /// The sentence.
    pub text: String,
    /// Its cluster (`None` if the clustering left it as noise).
    pub cluster: Option<usize>,
    /// The best-matching sentence of every other source in the same cluster, best first, if it is
    /// a close paraphrase (cosine ≥ 0.5).
    pub support: Vec<Support>,
    /// Distinct sources that report it: its own plus those in `support`.
    pub reported_by: usize,
}

/// A group of sentences in the agreement report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The cluster.
    pub cluster: usize,
    /// The sources (document indices, increasing) that report its sentence: the sentence's own
    /// and every other one with a close paraphrase of it in the group, as a summary sentence's
    /// evidence counts them.
    pub sources: Vec<usize>,
    /// Its most representative sentence (the medoid).
    pub sentence: usize,
}

/// What most sources share, and what only one source says.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Agreement {
    /// Groups whose sentence at least half of the sources (and at least two) report, most sources
    /// first.
    pub shared: Vec<Group>,
    /// Content reported by a single source: its most central single-source groups.
    pub single_source: Vec<Group>,
}

/// An extractive summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The chosen sentences, in reading order.
    pub sentences: Vec<Selected>,
    /// The agreement report.
    pub agreement: Agreement,
    /// Number of sources summarized.
    pub n_sources: usize,
    /// For every input sentence, the distinct sources that report it: its own, and each other one
    /// with a close paraphrase in its cluster (the count a chosen sentence's
    /// [`Selected::reported_by`] gives, and the support term of [`Strategy::Concepts`]).
    pub reported_by: Vec<usize>,
}

impl Summary {
    /// The summary as text, one sentence per line.
    pub fn text(&self) -> String {
        self.sentences.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n")
    }
}

/// Largest number of candidate sentences solved exactly; beyond it the ILP's solve time is
/// unpredictable and the greedy with a bound takes over.
const MAX_EXACT_SENTENCES: usize = 800;

/// Per-sentence features every strategy draws on.
struct Features {
    unit: Array2<f32>,
    /// Cosine to the normalized mean of all sentences.
    relevance: Array1<f64>,
    /// 1 for a document's first sentence, falling linearly to 0 after its last.
    position: Array1<f64>,
    /// The other sources that report the sentence, one close paraphrase each (see [`reports`]):
    /// its evidence.
    reports: Vec<Vec<Support>>,
    /// Share of all sources that report the sentence, its own included.
    support: Array1<f64>,
    cost: Vec<usize>,
    eligible: Vec<bool>,
    /// Rank of each sentence by (document id, index): ties are broken by it, so the summary does
    /// not depend on the order the documents came in.
    canon: Vec<usize>,
}

/// Most sentences the `mmr` and `lexrank` strategies take: their n × n similarity (and, for
/// LexRank, edge weight) matrices need 1.2 GB at this size and grow with its square.
pub const MAX_PAIRWISE_SENTENCES: usize = 10_000;

impl SummaryValidParams {
    /// Whether the strategy takes `sentences` sentences in bounded memory: callers check this
    /// before embedding them. `mmr` and `lexrank` stop at [`MAX_PAIRWISE_SENTENCES`].
    pub fn check_size(&self, sentences: usize) -> Result<()> {
        if matches!(self.strategy, Strategy::Mmr | Strategy::LexRank) && sentences > MAX_PAIRWISE_SENTENCES {
            let limit = MAX_PAIRWISE_SENTENCES;
            return Err(Error::TooLarge { strategy: self.strategy.name(), sentences, limit });
        }
        Ok(())
    }

    /// Summarizes `inputs` within the budget.
    pub fn summarize(&self, inputs: &Inputs) -> Result<Summary> {
        let n = inputs.sentences.len();
        if n == 0 {
            return Err(Error::NoSentences);
        }
        if inputs.embeddings.nrows() != n || inputs.clustering.labels.len() != n {
            return Err(Error::Mismatch {
                sentences: n,
                embeddings: inputs.embeddings.nrows(),
                labels: inputs.clustering.labels.len(),
            });
        }
        self.check_size(n)?;
        let features = self.features(inputs);
        let cheapest = features.cost.iter().copied().min().unwrap_or(0);
        if cheapest > self.budget.limit() {
            let unit = match self.budget {
                Budget::Sentences(_) => "sentences",
                Budget::Words(_) => "words",
                Budget::Bytes(_) => "bytes",
            };
            return Err(Error::BudgetTooSmall { limit: self.budget.limit(), unit, shortest: cheapest });
        }
        let chosen = match self.strategy {
            Strategy::Concepts => self.by_concepts(inputs, &features),
            Strategy::Centroid => {
                let score = &features.relevance + &(self.position_weight * &features.position);
                self.greedy_by_score(&features, score.as_slice().expect("contiguous"))
            }
            Strategy::Mmr => self.by_mmr(&features),
            Strategy::LexRank => {
                let rank = lexrank(features.unit.view(), self.graph_threshold);
                let score = &rank + &(self.position_weight * &features.position);
                self.greedy_by_score(&features, score.as_slice().expect("contiguous"))
            }
        };
        let ordered = order(inputs, chosen);
        let sentences = ordered.into_iter().map(|i| evidence(inputs, &features, i)).collect();
        let agreement = agreement(inputs, &features);
        let reported_by = features.reports.iter().map(|r| 1 + r.len()).collect();
        Ok(Summary { sentences, agreement, n_sources: inputs.documents.len(), reported_by })
    }

    fn features(&self, inputs: &Inputs) -> Features {
        let mut unit = inputs.embeddings.to_owned();
        for mut row in unit.axis_iter_mut(Axis(0)) {
            let norm = row.dot(&row).sqrt();
            if norm > 1e-12 {
                row /= norm;
            }
        }
        let mut mean = unit.mean_axis(Axis(0)).expect("non-empty");
        let norm = mean.dot(&mean).sqrt().max(1e-12);
        mean /= norm;
        let relevance = unit.dot(&mean).mapv(f64::from);
        let mut per_doc = vec![0usize; inputs.documents.len()];
        for s in inputs.sentences {
            per_doc[s.doc] += 1;
        }
        let position = inputs
            .sentences
            .iter()
            .map(|s| 1.0 - s.index as f64 / per_doc[s.doc].max(1) as f64)
            .collect::<Array1<f64>>();
        let reports: Vec<Vec<Support>> = (0..inputs.sentences.len()).map(|i| reports(inputs, unit.view(), i)).collect();
        let n_sources = inputs.documents.len().max(1) as f64;
        let support = reports.iter().map(|r| (1 + r.len()) as f64 / n_sources).collect::<Array1<f64>>();
        let cost: Vec<usize> = inputs.sentences.iter().map(|s| self.budget.cost(&s.text)).collect();
        let mut eligible: Vec<bool> = inputs
            .sentences
            .iter()
            .map(|s| content_words(&s.text) >= self.min_content_words && ends_sentence(&s.text) && !dangling(&s.text))
            .collect();
        if !eligible.iter().any(|&e| e) {
            eligible = vec![true; eligible.len()];
        }
        let mut by_key: Vec<usize> = (0..inputs.sentences.len()).collect();
        by_key.sort_by_key(|&i| (&inputs.documents[inputs.sentences[i].doc].id, inputs.sentences[i].index));
        let mut canon = vec![0; by_key.len()];
        for (rank, &i) in by_key.iter().enumerate() {
            canon[i] = rank;
        }
        Features { unit, relevance, position, reports, support, cost, eligible, canon }
    }

    fn fits(&self, used: usize, cost: usize) -> bool {
        used + cost <= self.budget.limit()
    }

    fn redundant(&self, unit: ArrayView2<f32>, chosen: &[usize], candidate: usize) -> bool {
        chosen.iter().any(|&c| unit.row(c).dot(&unit.row(candidate)) > self.redundancy)
    }

    /// Best score first, skipping what does not fit or repeats a chosen sentence; keeps going to
    /// fill the budget.
    fn greedy_by_score(&self, f: &Features, score: &[f64]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..score.len()).filter(|&i| f.eligible[i]).collect();
        order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(f.canon[a].cmp(&f.canon[b])));
        self.fill(f, order, Vec::new())
    }

    /// Adds candidates in the given order while they fit and are not redundant.
    fn fill(&self, f: &Features, candidates: Vec<usize>, mut chosen: Vec<usize>) -> Vec<usize> {
        let mut used: usize = chosen.iter().map(|&c| f.cost[c]).sum();
        for i in candidates {
            if !chosen.contains(&i) && self.fits(used, f.cost[i]) && !self.redundant(f.unit.view(), &chosen, i) {
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

    fn by_mmr(&self, f: &Features) -> Vec<usize> {
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
                .filter(|&i| !self.redundant(f.unit.view(), &chosen, i))
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

    /// Greedy budgeted maximum coverage of weighted concepts, plus per-sentence terms.
    fn by_concepts(&self, inputs: &Inputs, f: &Features) -> Vec<usize> {
        let texts: Vec<&str> = inputs.sentences.iter().map(|s| s.text.as_str()).collect();
        let docs: Vec<usize> = inputs.sentences.iter().map(|s| s.doc).collect();
        let concepts = concepts(&texts, &docs, inputs.documents.len());
        // Per-sentence terms, in units of concept weight: a sentence as relevant, early and widely
        // reported as can be is worth about as much as one concept shared by every source.
        let scale = inputs.documents.len() as f64;
        let bonus: Vec<f64> = (0..texts.len())
            .map(|i| scale * (f.relevance[i].max(0.0) + self.position_weight * f.position[i] + f.support[i]) / 3.0)
            .collect();
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
            let best = (0..texts.len())
                .filter(|&i| f.eligible[i] && !chosen.contains(&i) && self.fits(used, f.cost[i]))
                .filter(|&i| !self.redundant(f.unit.view(), &chosen, i))
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
            && let Some(exact) = self.concepts_ilp(f, &concepts.of_sentence, &concepts.weight, &bonus)
        {
            return self.fill(f, Vec::new(), exact);
        }
        // Too large for the exact solver (or it failed): the cost-effective greedy alone has no
        // guarantee; the better of it and the best single sentence is within ½(1 − 1/e) of the
        // optimum (Khuller, Moss & Naor 1999). That bound needs a monotone objective, so here the
        // per-sentence terms are not taken back for repeated claims as the exact program does.
        let single = (0..texts.len())
            .filter(|&i| f.eligible[i] && self.fits(0, f.cost[i]))
            .max_by(|&a, &b| value(&[a]).total_cmp(&value(&[b])).then(f.canon[b].cmp(&f.canon[a])));
        if let Some(single) = single
            && value(&[single]) > value(&chosen)
        {
            chosen = vec![single];
        }
        self.fill(f, Vec::new(), chosen)
    }
}

impl SummaryValidParams {
    /// The exact optimum of the coverage objective under the budget (Gillick & Favre's ILP), with
    /// each claim's per-sentence terms credited once: when two chosen sentences of different
    /// sources report each other (the evidence would list one under the other), the smaller of
    /// their terms is taken back. Those pairs are many and rarely both chosen, so they enter the
    /// program lazily: solve, add the pairs the solution repeats, solve again. A program with
    /// fewer pairs can only overrate a selection, so a solution that repeats none of the missing
    /// pairs is the optimum of the whole.
    fn concepts_ilp(
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
            let c: Vec<_> = weight.iter().map(|_| vars.add(variable().binary())).collect();
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

/// PageRank (damping 0.85) on the graph of sentence pairs whose cosine reaches `threshold`,
/// edges weighted by cosine; scores scaled to mean 1.
fn lexrank(unit: ArrayView2<f32>, threshold: f32) -> Array1<f64> {
    let n = unit.nrows();
    let similarity = unit.dot(&unit.t());
    let mut weights = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            if i != j && similarity[[i, j]] >= threshold {
                weights[[i, j]] = f64::from(similarity[[i, j]]);
            }
        }
    }
    for mut row in weights.axis_iter_mut(Axis(0)) {
        let sum = row.sum();
        if sum > 0.0 {
            row /= sum;
        } else {
            row.fill(1.0 / n as f64); // an isolated sentence links everywhere, as in PageRank
        }
    }
    let damping = 0.85;
    let mut rank = Array1::from_elem(n, 1.0 / n as f64);
    for _ in 0..200 {
        let next = weights.t().dot(&rank) * damping + (1.0 - damping) / n as f64;
        let change: f64 = (&next - &rank).mapv(f64::abs).sum();
        rank = next;
        if change < 1e-9 {
            break;
        }
    }
    rank * n as f64
}

/// Reading order: by document date when every chosen sentence's document has one, then by
/// relative position in its document (so leads come first), then document and index.
fn order(inputs: &Inputs, mut chosen: Vec<usize>) -> Vec<usize> {
    let mut per_doc = vec![0usize; inputs.documents.len()];
    for s in inputs.sentences {
        per_doc[s.doc] += 1;
    }
    let dated = chosen.iter().all(|&i| inputs.documents[inputs.sentences[i].doc].date.is_some());
    chosen.sort_by(|&a, &b| {
        let (sa, sb) = (&inputs.sentences[a], &inputs.sentences[b]);
        let date = |s: &Sentence| if dated { inputs.documents[s.doc].date.clone() } else { None };
        let relative = |s: &Sentence| s.index as f64 / per_doc[s.doc].max(1) as f64;
        date(sa)
            .cmp(&date(sb))
            .then(relative(sa).total_cmp(&relative(sb)))
            .then((&inputs.documents[sa.doc].id, sa.index).cmp(&(&inputs.documents[sb.doc].id, sb.index)))
    });
    chosen
}

/// Least cosine at which another source's sentence counts as saying the same thing. Clusters are
/// cut coarser than that (they group a topic); a claim that a source reports a sentence needs a
/// close paraphrase, and MiniLM paraphrases score 0.5 and up (unrelated sentences of one story
/// about 0.2).
const MIN_SUPPORT_COSINE: f32 = 0.5;

/// The other sources that report sentence `i`: in each, its closest paraphrase within `i`'s cluster
/// at cosine ≥ [`MIN_SUPPORT_COSINE`], closest first.
fn reports(inputs: &Inputs, unit: ArrayView2<f32>, i: usize) -> Vec<Support> {
    let own = inputs.sentences[i].doc;
    let mut best_per_doc: Vec<Option<Support>> = vec![None; inputs.documents.len()];
    if let Some(c) = inputs.clustering.labels[i] {
        for &m in &inputs.clustering.clusters[c].members {
            let doc = inputs.sentences[m].doc;
            if doc == own {
                continue;
            }
            let cosine = unit.row(m).dot(&unit.row(i));
            if cosine >= MIN_SUPPORT_COSINE && best_per_doc[doc].as_ref().is_none_or(|s| cosine > s.cosine) {
                best_per_doc[doc] = Some(Support { sentence: m, doc, cosine });
            }
        }
    }
    let mut support: Vec<Support> = best_per_doc.into_iter().flatten().collect();
    support.sort_by(|a, b| {
        b.cosine.total_cmp(&a.cosine).then_with(|| inputs.documents[a.doc].id.cmp(&inputs.documents[b.doc].id))
    });
    support
}

/// The summary sentence with its evidence: the sentences of other sources that say the same.
fn evidence(inputs: &Inputs, f: &Features, i: usize) -> Selected {
    let sentence = &inputs.sentences[i];
    let cluster = inputs.clustering.labels[i];
    let support = f.reports[i].clone();
    Selected {
        sentence: i,
        doc: sentence.doc,
        char_span: sentence.char_span,
        text: sentence.text.clone(),
        cluster,
        reported_by: 1 + support.len(),
        support,
    }
}

fn agreement(inputs: &Inputs, f: &Features) -> Agreement {
    let n_sources = inputs.documents.len();
    let group = |c: &precis_cluster::Cluster| {
        let mut sources: Vec<usize> = f.reports[c.medoid].iter().map(|s| s.doc).collect();
        sources.push(inputs.sentences[c.medoid].doc);
        sources.sort_unstable();
        Group { cluster: c.id, sources, sentence: c.medoid }
    };
    // A group's count is how many sources say its sentence, not how many its topic touches: the
    // same sentence must not read "2 of 3" here and "1 of 3" in the summary.
    let mut shared: Vec<(Group, usize)> = inputs
        .clustering
        .clusters
        .iter()
        .filter(|c| c.sources.len() >= 2)
        .map(|c| (group(c), c.size()))
        .filter(|(g, _)| g.sources.len() >= 2 && 2 * g.sources.len() >= n_sources)
        .collect();
    shared.sort_by_key(|(g, size)| (std::cmp::Reverse(g.sources.len()), std::cmp::Reverse(*size), f.canon[g.sentence]));
    let mut single: Vec<&precis_cluster::Cluster> =
        inputs.clustering.clusters.iter().filter(|c| c.sources.len() == 1 && f.eligible[c.medoid]).collect();
    // Single-source groups are many; the ones closest to the set's subject are the notable ones.
    single.sort_by(|a, b| {
        f.relevance[b.medoid].total_cmp(&f.relevance[a.medoid]).then(f.canon[a.medoid].cmp(&f.canon[b.medoid]))
    });
    Agreement {
        shared: shared.into_iter().take(5).map(|(g, _)| g).collect(),
        single_source: if n_sources > 1 { single.into_iter().take(5).map(group).collect() } else { Vec::new() },
    }
}

/// Whether a sentence opens with a pronoun that points back to a sentence a summary will not
/// carry ("He said...", "This means...").
fn dangling(text: &str) -> bool {
    const OPENERS: [&str; 12] =
        ["he", "she", "they", "it", "his", "her", "their", "its", "this", "these", "those", "them"];
    let first = text.split_whitespace().next().unwrap_or_default().trim_matches(|c: char| !c.is_alphanumeric());
    OPENERS.contains(&first.to_lowercase().as_str())
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end().trim_end_matches(['"', '\'', '”', '’', ')', ']']).ends_with(['.', '!', '?'])
}

#[cfg(test)]
mod tests {
    use linfa::ParamGuard;
    use ndarray::array;
    use precis_cluster::AgglomerativeParams;
    use precis_text::sentences;

    use super::*;
    use crate::params::SummaryParams;

    #[test]
    fn candidates_need_content_words_not_length() {
        let documents = [Document::new(
            "a",
            "Both sides agreed to free 1,000 prisoners. But that is not what it was all about in the end. Rain.",
        )];
        let found = sentences(&documents);
        assert_eq!(found.len(), 3);
        let embeddings = array![[1.0f32, 0.0], [0.0, 1.0], [0.7, 0.7]];
        let clustering = AgglomerativeParams::new().check().unwrap().fit(embeddings.view(), &[0, 0, 0]).unwrap();
        let inputs =
            Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
        let features = SummaryParams::new().check().unwrap().features(&inputs);
        assert_eq!(features.eligible, [true, false, false], "7 words with 5 content words in; 12 with 1 out");
    }

    /// Three one-sentence sources on one topic (a and b word the same claim, c another), their
    /// sentences, and one cluster of `embeddings`.
    fn bike_lanes(embeddings: &Array2<f32>) -> ([Document; 3], Vec<Sentence>, Clustering) {
        let documents = [
            Document::new("a", "The council approved the new bike lanes on Monday night."),
            Document::new("b", "On Monday night the council voted to approve new bike lanes."),
            Document::new("c", "Cyclists have asked the city for safer streets for years."),
        ];
        let found = sentences(&documents);
        assert_eq!(found.len(), 3);
        let sources: Vec<usize> = found.iter().map(|s| s.doc).collect();
        let clustering =
            AgglomerativeParams::new().threshold(2.0).check().unwrap().fit(embeddings.view(), &sources).unwrap();
        assert_eq!(clustering.clusters.len(), 1, "one topic");
        (documents, found, clustering)
    }

    #[test]
    fn a_claim_earns_its_per_sentence_terms_once() {
        // a and b say the same (cosine 0.7, under the redundancy cut of 0.8); c says something else.
        let embeddings = array![[1.0f32, 0.0, 0.0], [0.7, 0.714, 0.0], [0.0, 0.0, 1.0]];
        let (documents, found, clustering) = bike_lanes(&embeddings);
        let inputs =
            Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
        let params = SummaryParams::new().budget(Budget::Sentences(2)).check().unwrap();
        let features = params.features(&inputs);
        let said_by: Vec<Vec<usize>> =
            features.reports.iter().map(|r| r.iter().map(|s| s.sentence).collect()).collect();
        assert_eq!(said_by, [vec![1], vec![0], vec![]]);
        let chosen: Vec<usize> = params.summarize(&inputs).unwrap().sentences.iter().map(|s| s.sentence).collect();
        // One of a and b covers their bigrams; the other's relevance and support would outbid c's
        // if counted again.
        assert_eq!(chosen.len(), 2);
        assert!(chosen.contains(&2), "{chosen:?} says the same thing twice");
    }

    #[test]
    fn support_counts_sources_that_say_the_same_not_every_source_of_the_topic() {
        // a and b are paraphrases; c shares their topic (one cluster) but not their claim.
        let embeddings = array![[1.0f32, 0.0], [0.95, 0.3], [0.0, 1.0]];
        let (documents, found, clustering) = bike_lanes(&embeddings);
        let inputs =
            Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
        let params = SummaryParams::new().check().unwrap();
        let features = params.features(&inputs);
        assert_eq!(features.support.to_vec(), vec![2.0 / 3.0, 2.0 / 3.0, 1.0 / 3.0]);
        let summary = params.summarize(&inputs).unwrap();
        let first = &summary.sentences[0];
        assert_eq!(first.reported_by as f64 / 3.0, features.support[first.sentence], "evidence and score agree");
        assert_eq!(summary.reported_by, [2, 2, 1]);
        let group = &summary.agreement.shared[0];
        assert_eq!(group.sources, [0, 1], "who says the group's sentence, not who touches its topic");
        assert_eq!(group.sources.len(), summary.reported_by[group.sentence]);
    }
}
