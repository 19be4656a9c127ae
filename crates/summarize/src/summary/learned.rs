//! The `learned` strategy: the concept program of [`super::concepts`], with each bigram weighted
//! by the probability a [`ContentModel`] gives it of appearing in a human summary, and the
//! features that model reads.

use std::collections::{BTreeMap, HashSet};

use super::Inputs;
use super::features::Features;
use crate::concepts::{Concepts, is_content_bigram, is_stopword};
use crate::content::{ContentModel, N_FEATURES};
use crate::error::Result;
use crate::params::SummaryValidParams;
use crate::tokens::stem;

/// Sentences from the start of a document that count as its lead.
const LEAD_SENTENCES: usize = 3;

/// The candidate bigrams of a set: those found in at least two documents (every bigram of a
/// single document), other than pairs of function words.
struct Bigrams {
    /// Per sentence, the candidate bigrams (indices) it contains.
    of_sentence: Vec<Vec<usize>>,
    /// Per candidate, in order of the stemmed words: its features.
    features: Vec<[f64; N_FEATURES]>,
    /// Per candidate, its two stemmed words.
    words: Vec<(String, String)>,
}

/// Stemmed tokens of `text`, each with whether it was written with a capital first letter. The
/// tokens are those of [`crate::stemmed_tokens`].
fn tokens_with_case(text: &str) -> Vec<(String, bool)> {
    let tokens: Vec<(String, bool)> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| (stem(&t.to_ascii_lowercase()), t.starts_with(|c: char| c.is_ascii_uppercase())))
        .collect();
    let stemmed = crate::stemmed_tokens(text);
    // Lower-casing a few non-ASCII letters gives ASCII ones (K, the Kelvin sign): then the two
    // tokenizations differ, and case is not worth the risk.
    if tokens.len() == stemmed.len() && tokens.iter().zip(&stemmed).all(|((a, _), b)| a == b) {
        tokens
    } else {
        stemmed.into_iter().map(|t| (t, false)).collect()
    }
}

/// Adds `doc` to `docs` unless it is there. Sentences come document by document, so the last
/// entry is almost always the one to test.
fn add_once(docs: &mut Vec<usize>, doc: usize) {
    if docs.last() != Some(&doc) && !docs.contains(&doc) {
        docs.push(doc);
    }
}

fn bigrams(inputs: &Inputs, f: &Features) -> Bigrams {
    #[derive(Default)]
    struct Seen {
        docs: Vec<usize>,
        sentences: Vec<usize>,
        capitalized: usize,
        lead_docs: Vec<usize>,
        first_docs: Vec<usize>,
        first_index: usize,
    }
    let mut word_docs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut log_words: Vec<f64> = Vec::with_capacity(inputs.sentences.len());
    let mut seen: BTreeMap<(String, String), Seen> = BTreeMap::new();
    let mut grams_of: Vec<Vec<(String, String)>> = Vec::with_capacity(inputs.sentences.len());
    for (i, sentence) in inputs.sentences.iter().enumerate() {
        let tokens = tokens_with_case(&sentence.text);
        log_words.push((tokens.len().max(1) as f64).ln());
        for (t, _) in &tokens {
            add_once(word_docs.entry(t.clone()).or_default(), sentence.doc);
        }
        let mut grams: BTreeMap<(String, String), bool> = BTreeMap::new();
        for w in tokens.windows(2) {
            let ((a, a_cap), (b, b_cap)) = (&w[0], &w[1]);
            if !is_content_bigram(a, b) {
                continue;
            }
            *grams.entry((a.clone(), b.clone())).or_default() |= *a_cap && *b_cap;
        }
        for (gram, capitalized) in &grams {
            let entry = seen.entry(gram.clone()).or_insert_with(|| Seen { first_index: usize::MAX, ..Seen::default() });
            if sentence.index == 0 {
                add_once(&mut entry.first_docs, sentence.doc);
            }
            entry.first_index = entry.first_index.min(sentence.index);
            add_once(&mut entry.docs, sentence.doc);
            if sentence.index < LEAD_SENTENCES {
                add_once(&mut entry.lead_docs, sentence.doc);
            }
            entry.sentences.push(i);
            entry.capitalized += usize::from(*capitalized);
        }
        grams_of.push(grams.into_keys().collect());
    }
    let n_docs = inputs.documents.len().max(1);
    let min_docs = if n_docs >= 2 { 2 } else { 1 };
    let mut index: BTreeMap<&(String, String), usize> = BTreeMap::new();
    let mut features = Vec::new();
    let mut words = Vec::new();
    for (gram, s) in &seen {
        if s.docs.len() < min_docs {
            continue;
        }
        let df = s.docs.len() as f64;
        let count = s.sentences.len() as f64;
        let relative = |i: usize| 1.0 - f.position[i];
        let mean = |x: &dyn Fn(usize) -> f64| s.sentences.iter().map(|&i| x(i)).sum::<f64>() / count;
        let max = |x: &dyn Fn(usize) -> f64| s.sentences.iter().map(|&i| x(i)).fold(f64::NEG_INFINITY, f64::max);
        let relevance = |i: usize| f.relevance[i];
        let support = |i: usize| f.support[i];
        let digit = |t: &str| t.bytes().any(|b| b.is_ascii_digit());
        let word_share = |w: &str| word_docs.get(w).map_or(0, Vec::len) as f64 / n_docs as f64;
        index.insert(gram, features.len());
        features.push([
            df / n_docs as f64,
            df.ln(),
            count.ln(),
            (count / df).ln(),
            s.sentences.iter().map(|&i| relative(i)).fold(f64::INFINITY, f64::min),
            mean(&relative),
            s.lead_docs.len() as f64 / df,
            max(&relevance),
            mean(&relevance),
            max(&support),
            mean(&support),
            f64::from(u8::from(is_stopword(&gram.0) || is_stopword(&gram.1))),
            f64::from(u8::from(digit(&gram.0) || digit(&gram.1))),
            s.capitalized as f64 / count,
            s.first_docs.len() as f64 / df,
            (1.0 + s.first_index as f64).ln(),
            word_share(&gram.0).min(word_share(&gram.1)),
            word_share(&gram.0).max(word_share(&gram.1)),
            (n_docs as f64).ln(),
            mean(&|i| log_words[i]),
        ]);
        words.push(gram.clone());
    }
    let of_sentence =
        grams_of.iter().map(|grams| grams.iter().filter_map(|g| index.get(g).copied()).collect()).collect();
    Bigrams { of_sentence, features, words }
}

/// What a content model is trained on: one row per candidate bigram of a document set.
#[derive(Debug, Clone, PartialEq)]
pub struct BigramExamples {
    /// The two stemmed words of each bigram.
    pub words: Vec<(String, String)>,
    /// Their features, as [`crate::content::FEATURES`] names them.
    pub features: Vec<[f64; N_FEATURES]>,
    /// The share of the reference summaries each appears in: ROUGE pools references, so a
    /// bigram in three of four counts three times as much as one in a single reference.
    pub reference_share: Vec<f64>,
}

impl SummaryValidParams {
    /// Weights from the content model, and per-sentence terms in units of a concept of
    /// probability 1.
    pub(super) fn by_learned(&self, inputs: &Inputs, f: &Features) -> Vec<usize> {
        let model: &ContentModel = &self.content_model;
        let table = bigrams(inputs, f);
        // The most likely concepts, at most `max_concepts` of them: beyond about a hundred the
        // exact program's solve time grows steeply, and the bigrams left out are the least likely.
        let probability: Vec<f64> = table.features.iter().map(|x| model.probability(x)).collect();
        let mut ranked: Vec<usize> =
            (0..probability.len()).filter(|&g| probability[g] >= model.min_probability).collect();
        ranked.sort_by(|&a, &b| probability[b].total_cmp(&probability[a]).then(a.cmp(&b)));
        ranked.truncate(model.max_concepts);
        ranked.sort_unstable();
        let mut id = vec![None; table.features.len()];
        let mut weight = Vec::with_capacity(ranked.len());
        for g in ranked {
            id[g] = Some(weight.len());
            weight.push(probability[g]);
        }
        let of_sentence = table.of_sentence.iter().map(|grams| grams.iter().filter_map(|&g| id[g]).collect()).collect();
        // A sentence's own term is its cross-source support alone (the share of sources that
        // report it: facts many outlets repeat matter). Position and centrality are already in
        // the concept weights, through the model's features; counting them again here made
        // summaries lean further toward the leads (the dev set scored the same within noise,
        // but the Istanbul corpus's prisoner exchange, deep in two of its five articles, fell out).
        let bonus: Vec<f64> = f.support.iter().map(|&support| model.sentence_weight * support).collect();
        self.cover(f, &Concepts { of_sentence, weight }, &bonus)
    }

    /// The candidate bigrams of `inputs` with their features, each labelled by the share of
    /// `references` it appears in (tokenized as ROUGE does): the training data of a content model.
    pub fn bigram_examples(&self, inputs: &Inputs, references: &[String]) -> Result<BigramExamples> {
        let shown = self.shown(inputs.sentences);
        let inputs = &inputs.with_sentences(&shown);
        let f = self.checked_features(inputs)?;
        let Bigrams { features, words, .. } = bigrams(inputs, &f);
        let in_each: Vec<HashSet<(String, String)>> = references
            .iter()
            .map(|reference| {
                let lines = reference.lines().map(crate::stemmed_tokens);
                lines
                    .flat_map(|tokens| tokens.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect::<Vec<_>>())
                    .collect()
            })
            .collect();
        let n = references.len().max(1) as f64;
        let reference_share =
            words.iter().map(|g| in_each.iter().filter(|r| r.contains(g)).count() as f64 / n).collect();
        Ok(BigramExamples { words, features, reference_share })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_is_kept_beside_the_rouge_tokens() {
        let tokens = tokens_with_case("Hurricane Mitch hit Honduras, killing 5,000.");
        let names: Vec<bool> = tokens.iter().map(|t| t.1).collect();
        assert_eq!(
            tokens.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
            crate::stemmed_tokens("Hurricane Mitch hit Honduras, killing 5,000.")
        );
        assert_eq!(names, [true, true, false, true, false, false, false]);
    }
}
