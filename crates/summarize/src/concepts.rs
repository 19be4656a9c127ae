//! Concepts for coverage-based selection: content bigrams of stemmed words, weighted by how many
//! documents contain them (Gillick & Favre's ICSI summarizer).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::tokens::stemmed_tokens;

/// Function words; a bigram of two of them carries no content.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "doe",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "said",
    "same",
    "say",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "thi",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "veri",
    "very",
    "wa",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "also",
    "mr",
    "ms",
    "s",
    "t",
];

static STOPWORD_SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| STOPWORDS.iter().copied().collect());

/// Whether a stemmed token is a function word (ROUGE's list, as the concepts strategy skips them).
///
/// ```
/// assert!(precis_summarize::is_stopword("the") && !precis_summarize::is_stopword("brazil"));
/// ```
pub fn is_stopword(token: &str) -> bool {
    STOPWORD_SET.contains(token)
}

/// Whether a bigram of stemmed tokens can be a concept: not two function words.
pub(crate) fn is_content_bigram(a: &str, b: &str) -> bool {
    !(is_stopword(a) && is_stopword(b))
}

/// Words of `text` (whitespace-separated) that carry content: at least one of their ROUGE tokens is
/// not a function word. A number or a hyphenated compound counts once.
pub(crate) fn content_words(text: &str) -> usize {
    text.split_whitespace().filter(|word| stemmed_tokens(word).iter().any(|t| !is_stopword(t))).count()
}

/// The concept ids of every sentence, and each concept's weight.
pub(crate) struct Concepts {
    /// Per sentence, the distinct concepts it contains.
    pub of_sentence: Vec<Vec<usize>>,
    /// Weight of each concept: the number of documents containing it.
    pub weight: Vec<f64>,
}

/// Extracts concepts from sentences (`texts[i]` from document `docs[i]` of `n_docs`). Only bigrams
/// found in at least `max(2, round(n_docs / 3))` documents count (every bigram of a single
/// document): rarer ones are one outlet's wording, not what the sources share.
pub(crate) fn concepts(texts: &[&str], docs: &[usize], n_docs: usize) -> Concepts {
    let bigrams: Vec<Vec<(String, String)>> = texts
        .iter()
        .map(|text| {
            let tokens = stemmed_tokens(text);
            let mut grams: Vec<(String, String)> = tokens
                .windows(2)
                .filter(|w| is_content_bigram(&w[0], &w[1]))
                .map(|w| (w[0].clone(), w[1].clone()))
                .collect();
            grams.sort();
            grams.dedup();
            grams
        })
        .collect();
    let mut documents_with: HashMap<&(String, String), HashSet<usize>> = HashMap::new();
    for (grams, &doc) in bigrams.iter().zip(docs) {
        for gram in grams {
            documents_with.entry(gram).or_default().insert(doc);
        }
    }
    let min_df = if n_docs >= 2 { ((n_docs as f64 / 3.0).round() as usize).max(2) } else { 1 };
    let mut ids: HashMap<&(String, String), usize> = HashMap::new();
    let mut weight = Vec::new();
    let mut kept: Vec<(&(String, String), usize)> =
        documents_with.iter().filter(|(_, d)| d.len() >= min_df).map(|(g, d)| (*g, d.len())).collect();
    kept.sort(); // deterministic ids
    for (gram, df) in kept {
        ids.insert(gram, weight.len());
        weight.push(df as f64);
    }
    let of_sentence = bigrams.iter().map(|grams| grams.iter().filter_map(|g| ids.get(g).copied()).collect()).collect();
    Concepts { of_sentence, weight }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_content_bigrams_are_concepts_weighted_by_documents() {
        let texts =
            ["Rebels seized the airport.", "The rebels seized the airport on Monday.", "It rained in the city."];
        let c = concepts(&texts, &[0, 1, 2], 3);
        // "rebel seiz", "seiz the" and "the airport" occur in two documents.
        assert_eq!(c.of_sentence[0].len(), 3);
        let shared: Vec<f64> = c.of_sentence[0].iter().map(|&id| c.weight[id]).collect();
        assert!(shared.iter().all(|&w| w == 2.0), "{shared:?}");
        // One outlet's wording ("on monday", the rain) is not a concept, even among three documents.
        assert_eq!(c.of_sentence[1].len(), 3);
        assert!(c.of_sentence[2].is_empty());
        // A single document's bigrams are all it has.
        assert_eq!(concepts(&texts[..1], &[0], 1).of_sentence[0].len(), 3);
    }

    #[test]
    fn content_words_skip_function_words_and_count_a_number_once() {
        assert_eq!(content_words("Both sides agreed to free 1,000 prisoners."), 5);
        assert_eq!(content_words("But it is what it was."), 0);
        assert_eq!(content_words("The U.S.-backed plan"), 2);
    }

    #[test]
    fn stopword_pairs_are_not_concepts() {
        let c = concepts(&["of the", "of the"], &[0, 1], 2);
        assert!(c.weight.is_empty());
    }
}
