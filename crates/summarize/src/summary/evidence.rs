//! Evidence: which other sources report a sentence, and the agreement report of the whole set.

use ndarray::ArrayView2;

use super::features::Features;
use super::{Agreement, Group, Inputs, Selected, Support};

/// Least cosine at which another source's sentence counts as saying the same thing. Clusters are
/// cut coarser than that (they group a topic); a claim that a source reports a sentence needs a
/// close paraphrase, and MiniLM paraphrases score 0.5 and up (unrelated sentences of one story
/// about 0.2).
const MIN_SUPPORT_COSINE: f32 = 0.5;

/// The other sources that report sentence `i`: in each, its closest paraphrase within `i`'s cluster
/// at cosine ≥ [`MIN_SUPPORT_COSINE`], closest first.
pub(super) fn reports(inputs: &Inputs, unit: ArrayView2<f32>, i: usize) -> Vec<Support> {
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
pub(super) fn evidence(inputs: &Inputs, f: &Features, i: usize) -> Selected {
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

pub(super) fn agreement(inputs: &Inputs, f: &Features) -> Agreement {
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
