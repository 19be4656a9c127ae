//! Choosing, ordering and explaining the sentences of a summary: the entry point and the types it
//! returns. Each concern has its module: [`features`] (what every strategy draws on),
//! [`evidence`] (who reports what, the agreement report), [`select`] (filling a budget without
//! repeats), one module per strategy ([`centroid`], [`mmr`], [`lexrank`], [`concepts`], with the
//! exact program in [`ilp`], and [`learned`], its weights from a content model).

mod centroid;
mod concepts;
mod evidence;
mod features;
mod ilp;
mod learned;
mod lexrank;
mod mmr;
mod names;
mod select;

use std::borrow::Cow;

use ndarray::ArrayView2;
use precis_cluster::Clustering;
use precis_text::{Document, Sentence, Span};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::params::{Budget, Strategy, SummaryValidParams};
use evidence::{agreement, evidence};
pub use learned::BigramExamples;

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

impl<'a> Inputs<'a> {
    /// The same inputs with other text for the same sentences.
    fn with_sentences<'b>(&self, sentences: &'b [Sentence]) -> Inputs<'b>
    where
        'a: 'b,
    {
        Inputs {
            documents: self.documents,
            sentences,
            embeddings: self.embeddings.reborrow(),
            clustering: self.clustering,
        }
    }
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
    /// The sentence as the summary shows it: without the dates it tells relative to the day of
    /// writing, unless [`keep_relative_dates`](crate::SummaryParams::keep_relative_dates) is set
    /// (`char_span` covers the whole sentence).
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

    /// The sentences as the summary shows them: without the dates told relative to the day of
    /// writing, unless [`keep_relative_dates`](crate::SummaryParams::keep_relative_dates) is set.
    /// Every strategy and every cost reads these, so a sentence is chosen for the words it will
    /// show.
    pub(crate) fn shown<'a>(&self, sentences: &'a [Sentence]) -> Cow<'a, [Sentence]> {
        if self.keep_relative_dates {
            return Cow::Borrowed(sentences);
        }
        Cow::Owned(
            sentences.iter().map(|s| Sentence { text: crate::trim_relative_dates(&s.text), ..s.clone() }).collect(),
        )
    }

    /// Summarizes `inputs` within the budget.
    pub fn summarize(&self, inputs: &Inputs) -> Result<Summary> {
        let shown = self.shown(inputs.sentences);
        let inputs = &inputs.with_sentences(&shown);
        let features = self.checked_features(inputs)?;
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
            Strategy::Learned => self.by_learned(inputs, &features),
            Strategy::Concepts => self.by_concepts(inputs, &features),
            Strategy::Centroid => self.by_centroid(&features),
            Strategy::Mmr => self.by_mmr(&features),
            Strategy::LexRank => self.by_lexrank(&features),
        };
        let ordered = order(inputs, &features, chosen);
        let sentences = ordered.into_iter().map(|i| evidence(inputs, &features, i)).collect();
        let agreement = agreement(inputs, &features);
        let reported_by = features.reports.iter().map(|r| 1 + r.len()).collect();
        Ok(Summary { sentences, agreement, n_sources: inputs.documents.len(), reported_by })
    }

    /// The features of `inputs`, once they are checked to fit together.
    fn checked_features(&self, inputs: &Inputs) -> Result<features::Features> {
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
        Ok(self.features(inputs))
    }
}

/// Reading order: the lead first, the sentence that states the event (the earliest in its
/// document, relatively; of several, the most central), so the summary does not open on a detail
/// that needs context; then by document date when every chosen sentence's document has one, then
/// by relative position in its document, then document and index.
fn order(inputs: &Inputs, f: &features::Features, mut chosen: Vec<usize>) -> Vec<usize> {
    let mut per_doc = vec![0usize; inputs.documents.len()];
    for s in inputs.sentences {
        per_doc[s.doc] += 1;
    }
    let relative = |s: &Sentence| s.index as f64 / per_doc[s.doc].max(1) as f64;
    let key = |s: &Sentence| (&inputs.documents[s.doc].id, s.index);
    let dated = chosen.iter().all(|&i| inputs.documents[inputs.sentences[i].doc].date.is_some());
    chosen.sort_by(|&a, &b| {
        let (sa, sb) = (&inputs.sentences[a], &inputs.sentences[b]);
        let date = |s: &Sentence| if dated { inputs.documents[s.doc].date.clone() } else { None };
        date(sa).cmp(&date(sb)).then(relative(sa).total_cmp(&relative(sb))).then(key(sa).cmp(&key(sb)))
    });
    let lead = (0..chosen.len()).min_by(|&x, &y| {
        let (a, b) = (chosen[x], chosen[y]);
        let (sa, sb) = (&inputs.sentences[a], &inputs.sentences[b]);
        relative(sa)
            .total_cmp(&relative(sb))
            .then(f.relevance[b].total_cmp(&f.relevance[a]))
            .then(key(sa).cmp(&key(sb)))
    });
    if let Some(lead) = lead {
        chosen[..=lead].rotate_right(1);
    }
    // A sentence that calls someone by surname alone reads after the first one naming them in full.
    let mut k = 0;
    while k < chosen.len() {
        let introducer = f
            .introductions
            .needs(chosen[k])
            .and_then(|by| chosen.iter().position(|c| by.contains(c)))
            .filter(|&at| at > k);
        match introducer {
            Some(at) => chosen[k..=at].rotate_left(1),
            None => k += 1,
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use crate::ParamGuard;
    use ndarray::{Array2, array};
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

    #[test]
    fn a_sentence_cut_before_a_name_is_not_a_candidate() {
        let documents = [Document::new(
            "a",
            "Senators debated the spending bill until late on Tuesday night. The vote went to the Senate leader, Sen.\n\nTrent Lott of Mississippi.",
        )];
        let found = sentences(&documents);
        let cut: Vec<&str> = found.iter().map(|s| s.text.as_str()).filter(|t| t.ends_with("Sen.")).collect();
        assert_eq!(cut.len(), 1, "the segmenter cuts at the paragraph break: {found:?}");
        let embeddings = Array2::from_shape_fn((found.len(), 2), |(i, j)| if i == j { 1.0 } else { 0.5 });
        let sources = vec![0; found.len()];
        let clustering = AgglomerativeParams::new().check().unwrap().fit(embeddings.view(), &sources).unwrap();
        let inputs =
            Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
        let features = SummaryParams::new().check().unwrap().features(&inputs);
        let eligible: Vec<&str> =
            found.iter().zip(&features.eligible).filter(|(_, e)| **e).map(|(s, _)| s.text.as_str()).collect();
        assert_eq!(eligible, ["Senators debated the spending bill until late on Tuesday night."]);
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
        // The rule belongs to the concept program that `learned` shares; `concepts` weighs the
        // per-sentence terms enough to show it on three sentences.
        let params = SummaryParams::new().strategy(Strategy::Concepts).budget(Budget::Sentences(2)).check().unwrap();
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
    fn the_lead_opens_the_summary_and_dates_then_positions_order_the_rest() {
        let mut early = Document::new("early", "Officials gave few details on Friday. Results are due on Saturday.");
        early.date = Some("19981016".to_string());
        let mut late = Document::new("late", "Conservatives won the assembly vote, results showed. Turnout was low.");
        late.date = Some("19981018".to_string());
        let documents = [early, late];
        let found = sentences(&documents);
        assert_eq!(found.len(), 4);
        let embeddings = array![[1.0f32, 0.0], [0.9, 0.1], [0.8, 0.2], [0.0, 1.0]];
        let clustering = AgglomerativeParams::new().check().unwrap().fit(embeddings.view(), &[0, 0, 1, 1]).unwrap();
        let inputs =
            Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
        let features = SummaryParams::new().check().unwrap().features(&inputs);
        // By date alone, the earlier outlet's detail would come first.
        assert_eq!(order(&inputs, &features, vec![3, 1, 2]), [2, 1, 3]);
        // Of two leads, the more central one opens, though the other outlet's is older.
        assert!(features.relevance[2] > features.relevance[0]);
        assert_eq!(order(&inputs, &features, vec![0, 2]), [2, 0]);
        assert_eq!(order(&inputs, &features, vec![]), Vec::<usize>::new());
    }

    #[test]
    fn a_summary_shows_sentences_without_relative_dates_unless_asked() {
        let documents = [Document::new("a", "The council said Monday it approved the new bike lanes downtown.")];
        let found = sentences(&documents);
        let embeddings = array![[1.0f32, 0.0]];
        let clustering = AgglomerativeParams::new().check().unwrap().fit(embeddings.view(), &[0]).unwrap();
        let inputs =
            Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
        let words = |keep: bool, budget: usize| {
            let params = SummaryParams::new().budget(Budget::Words(budget)).keep_relative_dates(keep).check().unwrap();
            params.summarize(&inputs).map(|s| (s.sentences[0].text.clone(), s.sentences[0].char_span))
        };
        let (trimmed, span) = words(false, 10).unwrap();
        assert_eq!(trimmed, "The council said it approved the new bike lanes downtown.");
        assert_eq!(span, found[0].char_span, "the span is the source's whole sentence");
        // The shown sentence is what the budget counts: 10 words fit, the 11 of the kept one do not.
        assert!(words(true, 10).is_err());
        assert_eq!(words(true, 11).unwrap().0, found[0].text);
    }

    #[test]
    fn a_surname_alone_comes_only_after_the_full_name() {
        let documents = [
            Document::new("a", "Xu Wenli founded the China Democracy Party in Beijing last summer."),
            Document::new("b", "Mr. Xu was detained by the police at his home in the capital."),
            Document::new("c", "Xu spent twelve years in prison for his political writing."),
        ];
        let found = sentences(&documents);
        // The bare surname is the most central sentence.
        let embeddings = array![[1.0f32, 0.0], [0.0, 1.0], [0.7, 0.7]];
        let clustering = AgglomerativeParams::new().check().unwrap().fit(embeddings.view(), &[0, 1, 2]).unwrap();
        let inputs =
            Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
        let features = SummaryParams::new().check().unwrap().features(&inputs);
        let needs: Vec<Option<&[usize]>> = (0..3).map(|i| features.introductions.needs(i)).collect();
        assert_eq!(needs, [None, None, Some(&[0][..])]);
        for strategy in Strategy::ALL {
            let chosen = |budget| {
                let params = SummaryParams::new().strategy(strategy).budget(budget).check().unwrap();
                params.summarize(&inputs).unwrap().sentences.iter().map(|s| s.sentence).collect::<Vec<_>>()
            };
            assert!(!chosen(Budget::Sentences(1)).contains(&2), "{strategy}: Xu alone");
            let two = chosen(Budget::Sentences(3));
            if let Some(at) = two.iter().position(|&i| i == 2) {
                assert!(two[..at].contains(&0), "{strategy}: {two:?} names Xu before saying who he is");
            }
        }
        assert_eq!(order(&inputs, &features, vec![2, 0]), [0, 2]);
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
