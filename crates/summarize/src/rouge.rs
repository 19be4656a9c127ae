//! ROUGE-1, ROUGE-2 and summary-level ROUGE-L as ROUGE-1.5.5 computes them with
//! `-n 2 -m -f A -l N` (or `-b N`): tokens lower-cased with non-alphanumerics dropped, tokens longer
//! than three characters stemmed (WordNet 2.0 exception list first, then Porter), peer and
//! reference summaries truncated to the limit, hits pooled over all references of a set.

use std::collections::HashMap;

use serde::Serialize;

use crate::tokens::stemmed_tokens;

/// A length limit applied to peers and references before scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// No truncation.
    None,
    /// The first N whitespace-separated words (ROUGE-1.5.5 `-l N`).
    Words(usize),
    /// The first N bytes of the sentences, not counting the spaces that join them (`-b N`).
    Bytes(usize),
}

/// Truncates sentences (one per line) the way ROUGE-1.5.5 reads them: sentences in order, the one
/// that reaches the limit cut there.
pub fn truncate(lines: &[String], limit: Limit) -> Vec<String> {
    let mut out = Vec::new();
    let mut used = 0;
    for line in lines {
        match limit {
            Limit::None => out.push(line.clone()),
            Limit::Words(max) => {
                let words: Vec<&str> = line.split_whitespace().collect();
                if used + words.len() < max {
                    used += words.len();
                    out.push(line.clone());
                    continue;
                }
                out.push(words[..max - used].join(" "));
                break;
            }
            Limit::Bytes(max) => {
                if used + line.len() < max {
                    used += line.len();
                    out.push(line.clone());
                    continue;
                }
                let mut end = max - used;
                while !line.is_char_boundary(end) {
                    end -= 1;
                }
                out.push(line[..end].to_string());
                break;
            }
        }
    }
    out.retain(|l| !l.trim().is_empty());
    out
}

/// The non-blank lines of a summary, whitespace folded.
pub fn summary_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect()
}

/// Precision, recall and F1, as fractions.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Prf {
    /// Hits over peer units.
    pub precision: f64,
    /// Hits over reference units.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

impl Prf {
    fn from_counts(hits: usize, reference: usize, peer: usize) -> Self {
        let recall = if reference > 0 { hits as f64 / reference as f64 } else { 0.0 };
        let precision = if peer > 0 { hits as f64 / peer as f64 } else { 0.0 };
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Self { precision, recall, f1 }
    }
}

/// ROUGE-1, -2 and -L of one peer summary.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct RougeScores {
    /// Unigram overlap.
    pub rouge1: Prf,
    /// Bigram overlap.
    pub rouge2: Prf,
    /// Summary-level longest common subsequence (union LCS over sentences).
    pub rouge_l: Prf,
}

impl RougeScores {
    /// The mean of several scores, component by component.
    pub fn mean(scores: &[RougeScores]) -> RougeScores {
        let n = scores.len().max(1) as f64;
        let avg = |f: fn(&RougeScores) -> Prf| {
            let sum =
                scores.iter().map(f).fold((0.0, 0.0, 0.0), |a, p| (a.0 + p.precision, a.1 + p.recall, a.2 + p.f1));
            Prf { precision: sum.0 / n, recall: sum.1 / n, f1: sum.2 / n }
        };
        RougeScores { rouge1: avg(|s| s.rouge1), rouge2: avg(|s| s.rouge2), rouge_l: avg(|s| s.rouge_l) }
    }
}

/// Scores one peer summary against its references (each a list of sentences), both truncated to
/// `limit`, pooling hits over references (ROUGE-1.5.5 `-f A`).
///
/// ```
/// use precis_summarize::{rouge, Limit};
/// let peer = vec!["The talks ended without a deal.".to_string()];
/// let refs = vec![vec!["Talks ended with no deal.".to_string()]];
/// let scores = rouge(&peer, &refs, Limit::Words(100));
/// assert_eq!(scores.rouge1.recall, 0.6); // talk, end, deal of 5 reference tokens
/// ```
pub fn rouge(peer: &[String], references: &[Vec<String>], limit: Limit) -> RougeScores {
    let peer: Vec<Vec<String>> = truncate(peer, limit).iter().map(|l| stemmed_tokens(l)).collect();
    let peer_flat: Vec<&str> = peer.iter().flatten().map(String::as_str).collect();
    let mut totals = [(0usize, 0usize, 0usize); 3];
    for reference in references {
        let reference: Vec<Vec<String>> = truncate(reference, limit).iter().map(|l| stemmed_tokens(l)).collect();
        let ref_flat: Vec<&str> = reference.iter().flatten().map(String::as_str).collect();
        for (n, total) in totals.iter_mut().take(2).enumerate().map(|(i, t)| (i + 1, t)) {
            let (peer_grams, ref_grams) = (ngrams(&peer_flat, n), ngrams(&ref_flat, n));
            let hits: usize = peer_grams.iter().map(|(g, &c)| c.min(*ref_grams.get(g).unwrap_or(&0))).sum();
            total.0 += hits;
            total.1 += ref_grams.values().sum::<usize>();
            total.2 += peer_grams.values().sum::<usize>();
        }
        totals[2].0 += union_lcs_hits(&reference, &peer);
        totals[2].1 += ref_flat.len();
        totals[2].2 += peer_flat.len();
    }
    let prf = |t: (usize, usize, usize)| Prf::from_counts(t.0, t.1, t.2);
    RougeScores { rouge1: prf(totals[0]), rouge2: prf(totals[1]), rouge_l: prf(totals[2]) }
}

fn ngrams<'a>(tokens: &'a [&'a str], n: usize) -> HashMap<&'a [&'a str], usize> {
    let mut grams = HashMap::new();
    if tokens.len() >= n {
        for window in tokens.windows(n) {
            *grams.entry(window).or_insert(0) += 1;
        }
    }
    grams
}

/// Summary-level LCS hits: for each reference sentence, the union of its tokens on an LCS with
/// each peer sentence, each token counted at most as often as it occurs on both sides.
fn union_lcs_hits(reference: &[Vec<String>], peer: &[Vec<String>]) -> usize {
    let mut ref_counts: HashMap<&str, usize> = HashMap::new();
    let mut peer_counts: HashMap<&str, usize> = HashMap::new();
    for t in reference.iter().flatten() {
        *ref_counts.entry(t).or_default() += 1;
    }
    for t in peer.iter().flatten() {
        *peer_counts.entry(t).or_default() += 1;
    }
    let mut hits = 0;
    for sentence in reference.iter().filter(|s| !s.is_empty()) {
        let mut union: Vec<usize> =
            peer.iter().filter(|p| !p.is_empty()).flat_map(|p| lcs_positions(sentence, p)).collect();
        union.sort_unstable();
        union.dedup();
        for i in union {
            let token = sentence[i].as_str();
            let (r, p) = (ref_counts.get_mut(token), peer_counts.get_mut(token));
            if let (Some(r), Some(p)) = (r, p)
                && *r > 0
                && *p > 0
            {
                *r -= 1;
                *p -= 1;
                hits += 1;
            }
        }
    }
    hits
}

/// Positions in `a` of one longest common subsequence with `b`, backtracking as rouge-score does
/// (on a tie, move along `a` first).
fn lcs_positions(a: &[String], b: &[String]) -> Vec<usize> {
    let (n, m) = (a.len(), b.len());
    let mut table = vec![vec![0u32; m + 1]; n + 1];
    for i in 1..=n {
        for j in 1..=m {
            table[i][j] =
                if a[i - 1] == b[j - 1] { table[i - 1][j - 1] + 1 } else { table[i - 1][j].max(table[i][j - 1]) };
        }
    }
    let (mut i, mut j) = (n, m);
    let mut positions = Vec::new();
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            positions.push(i - 1);
            i -= 1;
            j -= 1;
        } else if table[i][j - 1] > table[i - 1][j] {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    positions.reverse();
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        summary_lines(text)
    }

    #[test]
    fn word_truncation_cuts_the_crossing_sentence() {
        let got = truncate(&lines("one two three\nfour five six\nseven"), Limit::Words(5));
        assert_eq!(got, ["one two three", "four five"]);
    }

    #[test]
    fn byte_truncation_ignores_joining_spaces() {
        let got = truncate(&lines("abcd\nefgh"), Limit::Bytes(6));
        assert_eq!(got, ["abcd", "ef"]);
    }

    #[test]
    fn identical_summaries_score_one() {
        let text = lines("Pinochet was arrested in London.\nSpain asked for his extradition.");
        let scores = rouge(&text, std::slice::from_ref(&text), Limit::None);
        for prf in [scores.rouge1, scores.rouge2, scores.rouge_l] {
            assert!((prf.recall - 1.0).abs() < 1e-12 && (prf.precision - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn hits_are_pooled_over_references() {
        let peer = lines("a b c");
        let refs = vec![lines("a b"), lines("c d e f")];
        // unigram hits 2 + 1 over 2 + 4 reference tokens
        assert!((rouge(&peer, &refs, Limit::None).rouge1.recall - 0.5).abs() < 1e-12);
    }

    #[test]
    fn union_lcs_counts_each_token_once() {
        let reference = vec![stemmed_tokens("w1 w2 w3 w4 w5")];
        let peer = vec![stemmed_tokens("w1 w2 w6 w7 w8"), stemmed_tokens("w1 w3 w8 w9 w5")];
        // The ROUGE-1.5.5 paper's example: union LCS of r with c1, c2 is w1 w2 w3 w5.
        assert_eq!(union_lcs_hits(&reference, &peer), 4);
    }
}
