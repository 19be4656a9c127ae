//! Per-sentence features every strategy draws on, and which sentences may be chosen at all.

use ndarray::{Array1, Array2, Axis};

use super::Inputs;
use super::Support;
use super::evidence::reports;
use precis_text::{ends_sentence, final_mark};

use crate::concepts::content_words;
use crate::params::SummaryValidParams;
use crate::tokens::in_list;

/// Per-sentence features every strategy draws on.
pub(super) struct Features {
    pub(super) unit: Array2<f32>,
    /// Cosine to the normalized mean of all sentences.
    pub(super) relevance: Array1<f64>,
    /// 1 for a document's first sentence, falling linearly to 0 after its last.
    pub(super) position: Array1<f64>,
    /// The other sources that report the sentence, one close paraphrase each (see [`reports`]):
    /// its evidence.
    pub(super) reports: Vec<Vec<Support>>,
    /// Share of all sources that report the sentence, its own included.
    pub(super) support: Array1<f64>,
    pub(super) cost: Vec<usize>,
    pub(super) eligible: Vec<bool>,
    /// For a sentence that calls a person by surname alone, the sentences that name them in full:
    /// it may be chosen only beside one of them (see [`super::names`]).
    pub(super) introductions: super::names::Introductions,
    /// Rank of each sentence by (document id, index): ties are broken by it, so the summary does
    /// not depend on the order the documents came in.
    pub(super) canon: Vec<usize>,
}

impl SummaryValidParams {
    pub(super) fn features(&self, inputs: &Inputs) -> Features {
        let mut unit = inputs.embeddings.to_owned();
        for row in unit.axis_iter_mut(Axis(0)) {
            precis_cluster::normalize(row);
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
            .map(|s| {
                content_words(&s.text) >= self.min_content_words
                    && ends_sentence(&s.text)
                    && !dangling(&s.text)
                    && !asks(&s.text)
                    && !cut_at_title(&s.text)
            })
            .collect();
        let introductions = super::names::Introductions::of(inputs.sentences);
        // No sentence that may be chosen names the person in full: nothing can introduce this one.
        // (A sentence that names someone in full needs nothing itself.)
        let introducible: Vec<bool> = (0..eligible.len())
            .map(|i| introductions.needs(i).is_none_or(|by| by.iter().any(|&j| eligible[j])))
            .collect();
        for (e, ok) in eligible.iter_mut().zip(introducible) {
            *e &= ok;
        }
        if !eligible.iter().any(|&e| e) {
            eligible = vec![true; eligible.len()];
        }
        let mut by_key: Vec<usize> = (0..inputs.sentences.len()).collect();
        by_key.sort_by_key(|&i| (&inputs.documents[inputs.sentences[i].doc].id, inputs.sentences[i].index));
        let mut canon = vec![0; by_key.len()];
        for (rank, &i) in by_key.iter().enumerate() {
            canon[i] = rank;
        }
        Features { unit, relevance, position, reports, support, cost, eligible, introductions, canon }
    }
}

/// Whether a sentence leans on one a summary will not carry: it opens with a pronoun, a
/// demonstrative or "another" ("He said...", "That storm...", "Another judge..."), a connective
/// ("But...", "In response,...", "Seconds later,...", "In each case,...") or a time told by an
/// earlier sentence ("On that day,...", "Since then,...", "Earlier,..."), sets itself against
/// what came before (", however,", ", however."), quotes someone named only earlier (", he
/// said", or a sentence that is all quotation), or points back with "these" or "those" ("only
/// four of those bills").
fn dangling(text: &str) -> bool {
    const PRONOUNS: &str = "he she they it his her their its this that these those them another";
    const CONNECTIVES: &str = "but also however still yet instead nevertheless moreover furthermore besides thus therefore then and meanwhile otherwise";
    const PHRASES: &str = "in response|as a result|in addition|in turn|even so|by contrast|in contrast|on the other|at the same time|after that|in that case|for that reason|in each case|in both cases|in either case|since then|by then|until then|at the time|at that time|on that day|the next day|the following day|the day before|the day after";
    let lower = text.to_lowercase();
    let all: Vec<&str> = lower.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())).collect();
    let words = &all[..all.len().min(4)];
    let first = words.first().copied().unwrap_or_default();
    let opening = words.join(" ") + " ";
    in_list(PRONOUNS, first)
        || in_list(CONNECTIVES, first)
        || PHRASES.split('|').any(|p| opening.starts_with(p) && opening[p.len()..].starts_with(' '))
        || words.get(1).is_some_and(|w| *w == "later")
        || lower.starts_with("earlier,")
        || lower.starts_with("later,")
        || lower.contains(", however,")
        || lower.ends_with(", however.")
        || [", he said", ", she said", ", they said", ", he added", ", she added", ", they added"]
            .iter()
            .any(|p| lower.contains(p))
        || unattributed_quote(text)
        || all.windows(2).any(|w| points_back(w[0], w[1]))
}

/// Whether the whole sentence is a quotation: its speaker is named in another sentence.
fn unattributed_quote(text: &str) -> bool {
    let text = text.trim();
    let opens = text.starts_with(['"', '“']);
    let closes = text.ends_with(['"', '”']);
    // One quotation from end to end: no closing mark before the last one.
    let inner = text.trim_start_matches(['"', '“']).trim_end_matches(['"', '”']);
    opens && closes && !inner.contains(['"', '“', '”'])
}

/// Whether "these" or "those" before `next` points back to something told earlier ("these
/// satellites", "those went") rather than to what follows ("those who...", "those killed",
/// "those in power") or to a time ("these days").
fn points_back(word: &str, next: &str) -> bool {
    const FOLLOWED: &str = "who whom whose which that in at on of with from for without under among across by days";
    // Participles that do not end in -ed: "those taken hostage".
    const PARTICIPLES: &str = "taken chosen given held hurt left caught known sent found seen";
    match word {
        "these" | "those" => {
            let describes =
                word == "those" && (next.ends_with("ed") || next.ends_with("ing") || in_list(PARTICIPLES, next));
            !next.is_empty() && !in_list(FOLLOWED, next) && !describes
        }
        _ => false,
    }
}

/// Whether a sentence is a question ("Could Spain try Pinochet?"): a summary reports what the
/// sources say, and the dev set's 811 reference sentences hold no question (its articles, 36).
fn asks(text: &str) -> bool {
    final_mark(text) == Some('?')
}

/// Whether a sentence ends on a title ("... the president, Ms."): the segmenter cut it before the
/// name, so it is half a sentence although it ends with a period.
fn cut_at_title(text: &str) -> bool {
    const TITLES: [&str; 16] = [
        "mr.", "mrs.", "ms.", "dr.", "gen.", "sen.", "rep.", "gov.", "lt.", "col.", "sgt.", "capt.", "prof.", "rev.",
        "st.", "adm.",
    ];
    let last = text.split_whitespace().next_back().unwrap_or_default();
    TITLES.contains(&last.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_not_a_summary_sentence() {
        assert!(asks("Could Spain try Pinochet for his actions in Chile?"));
        assert!(asks("\"Where will it end?\""));
        assert!(!asks("\"Where will it end?\" the mayor asked."));
        assert!(!asks("Spain asked Britain to extradite him."));
    }

    #[test]
    fn sentences_that_lean_on_an_earlier_one_are_dangling() {
        for leaning in [
            "He said the talks would resume.",
            "But the indictment gives few details.",
            "In response, the cabinet suspended the accord.",
            "Seconds later, an explosion shook the area.",
            "In this dispute, however, the White House has a strong hand.",
            "Two objections remain, however.",
            "On that day, the council met again.",
            "Since then, prices have doubled.",
            "Meanwhile, rescuers searched the coast.",
            "So far, the council has passed only two of those bills.",
            "All of these ships left port on time.",
            "Two of those went to the home team.",
            "On the other side stood the mayor.",
            "That storm left 2,000 people dead.",
            "In each case, the gunman fled on foot.",
            "Another judge filed a request to question him.",
            "Earlier, officials said 85 people were killed.",
            "Seventeen others died in landslides, he said.",
            "The talks will resume next week, they said.",
            "\"We will rebuild every school.\"",
            "“We will rebuild every school.”",
        ] {
            assert!(dangling(leaning), "{leaning}");
        }
        for standing in [
            "British police arrested the former dictator on Saturday.",
            "Butter prices rose for a third month.",
            "Hispanic voters turned out in record numbers.",
            "Later elections confirmed the result.",
            "In turnout, the north led the south.",
            "The next dayshift arrived at six.",
            "Sincere thanks went to the crews.",
            "A list of those killed was released on Monday.",
            "Aid reached those who had lost their homes.",
            "Prices rose for those in the north.",
            "Fewer farmers plant wheat these days.",
            "The ferry carried those seeking shelter.",
            "Thatcher met the queen on Tuesday.",
            "The mayor said he would resign in May.",
            "\"We will rebuild,\" the mayor said. \"Every school.\"",
            "The mayor promised to \"rebuild every school.\"",
        ] {
            assert!(!dangling(standing), "{standing}");
        }
    }
}
