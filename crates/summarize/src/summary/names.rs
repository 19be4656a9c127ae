//! People named by surname alone. News names a person in full once ("Wadih El Hage", "Gen. Augusto
//! Pinochet", "Xu Wenli") and by surname after ("Pinochet, 82, was held..."); a summary that takes
//! the later sentence without the first leaves its reader asking who "Xu" is. So a sentence that
//! opens on a bare surname may be chosen only beside one that names the person in full, and reads
//! after it.

use std::collections::BTreeMap;

use precis_text::Sentence;

use crate::tokens::in_list;

/// Titles that mark the next word as a person's name.
const TITLES: &str = "Mr. Mrs. Ms. Dr. Sen. Rep. Gen. Gov. Lt. Col. Sgt. Capt. Adm. Maj. Prof. Rev. Judge President \
    Premier Minister Secretary Chancellor Cardinal Bishop Pope King Queen Prince Sheikh Ayatollah Senator Governor General";

/// Capitalized words that are not names: sentence openers, days and months.
const NOT_NAMES: &str = "The A An In On At Of For To By From With As But And Or If When While After Before Since \
    During Under Over About Into It He She They We I You This That These Those There Here His Her Their Its Our Not No \
    All Some Many Most Both Each Former Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February \
    March April May June July August September October November December";

/// Lower-case particles of surnames ("Wadih el Hage", "Osama bin Laden", "F.W. de Klerk"), which a
/// sentence capitalizes when it opens on them ("El Hage did come to New York.").
const PARTICLES: &str = "el al bin ibn abu de da di du van von le la";

fn particle(token: &str) -> bool {
    in_list(PARTICLES, &token.to_lowercase())
}

/// The word before the surname at `k`, past a particle: what names the person there, if anything.
fn before_surname<'a>(words: &[&'a str], k: usize) -> Option<&'a str> {
    let previous = k.checked_sub(1)?;
    if particle(words[previous]) { previous.checked_sub(1).map(|p| words[p]) } else { Some(words[previous]) }
}

/// A word as written, without surrounding punctuation or a possessive.
fn bare(token: &str) -> &str {
    let word = token.trim_matches(|c: char| !c.is_alphanumeric());
    word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word)
}

fn capitalized(word: &str) -> bool {
    word.starts_with(|c: char| c.is_uppercase())
}

/// Whether `token` reads as a first name before a surname: capitalized, not a title or a common
/// opener, and not closing a clause or an abbreviation ("Wednesday.", "Chile,").
fn first_name(token: &str) -> bool {
    capitalized(token)
        && token.ends_with(|c: char| c.is_alphanumeric())
        && !in_list(TITLES, token)
        && !in_list(NOT_NAMES, token)
}

/// The surname a sentence opens on, bare ("Xu spent 12 years...", "Pinochet, 82, was held...",
/// "Stepinac's resistance..."), unless the sentence says who it is right away ("Bin Laden, the
/// Saudi-born militant, ...").
fn opening_surname(text: &str) -> Option<&str> {
    let mut tokens = text.split_whitespace().peekable();
    if tokens.peek().is_some_and(|t| particle(t)) {
        tokens.next();
    }
    let first = tokens.next()?;
    let next = tokens.next()?;
    let word = bare(first);
    let possessive = first.ends_with("'s") || first.ends_with("’s");
    let comma = first.ends_with(',');
    let introduced = comma && matches!(next, "the" | "a" | "an");
    let opens_clause = possessive || comma || next.starts_with(|c: char| c.is_lowercase());
    (capitalized(word) && !in_list(NOT_NAMES, word) && opens_clause && !introduced && first.len() > 1).then_some(word)
}

/// Who needs an introduction, and what introduces them.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Introductions {
    /// Per sentence, the person it calls by surname alone (an index into `by`).
    person: Vec<Option<usize>>,
    /// Per person, the sentences that name them in full, in increasing order.
    by: Vec<Vec<usize>>,
}

impl Introductions {
    /// A word counts as a person's surname when the documents put a title ("Mr. Xu") or a
    /// lower-case particle ("el Hage") before it once, or a first name ("Augusto Pinochet") twice;
    /// places and groups rarely have either. One pass over the words, whatever the number of
    /// sentences.
    pub(super) fn of(sentences: &[Sentence]) -> Self {
        let tokens: Vec<Vec<&str>> = sentences.iter().map(|s| s.text.split_whitespace().collect()).collect();
        // Per word: how often a title (or a particle), and how often a first name, comes before it.
        let mut marks: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for words in &tokens {
            for (k, word) in words.iter().enumerate() {
                let surname = bare(word);
                let Some(before) = before_surname(words, k).filter(|_| capitalized(surname)) else { continue };
                let particle_before = k > 0 && in_list(PARTICLES, words[k - 1]);
                if in_list(TITLES, before) || particle_before {
                    marks.entry(surname).or_default().0 += 1;
                } else if first_name(before) {
                    marks.entry(surname).or_default().1 += 1;
                }
            }
        }
        let is_person =
            |word: &str| marks.get(word).is_some_and(|&(titles, first_names)| titles >= 1 || first_names >= 2);
        // The surnames some sentence opens on, bare: only those need introducers.
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        let opening: Vec<Option<&str>> =
            sentences.iter().map(|s| opening_surname(&s.text).filter(|w| is_person(w))).collect();
        for &surname in opening.iter().flatten() {
            let next = ids.len();
            ids.entry(surname).or_insert(next);
        }
        // Which of them each sentence names in full: a first name before ("Augusto Pinochet",
        // "Wadih el Hage") or a given name after ("Xu Wenli").
        let mut by = vec![Vec::new(); ids.len()];
        let mut names_in_full: Vec<Vec<usize>> = vec![Vec::new(); sentences.len()];
        for (j, words) in tokens.iter().enumerate() {
            for (k, word) in words.iter().enumerate() {
                let first_before = || before_surname(words, k).is_some_and(first_name);
                let given_after =
                    || words.get(k + 1).is_some_and(|next| capitalized(next) && !in_list(NOT_NAMES, bare(next)));
                let id = match ids.get(bare(word)) {
                    Some(&id) if first_before() => id,
                    _ => match ids.get(word) {
                        Some(&id) if given_after() => id,
                        _ => continue,
                    },
                };
                if !names_in_full[j].contains(&id) {
                    names_in_full[j].push(id);
                    by[id].push(j);
                }
            }
        }
        // A sentence that also names its person in full needs nothing.
        let person = opening
            .iter()
            .enumerate()
            .map(|(i, surname)| surname.map(|w| ids[w]).filter(|id| !names_in_full[i].contains(id)))
            .collect();
        Self { person, by }
    }

    /// `None` when sentence `i` needs nothing, else the sentences that name in full the person it
    /// calls by surname alone: it may be chosen only beside one of them (none: never).
    pub(super) fn needs(&self, i: usize) -> Option<&[usize]> {
        self.person.get(i).copied().flatten().map(|p| self.by[p].as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use precis_text::{Document, sentences};

    fn needs(texts: &[&str]) -> Vec<Option<Vec<usize>>> {
        let documents: Vec<Document> =
            texts.iter().enumerate().map(|(i, t)| Document::new(format!("d{i}"), *t)).collect();
        let found = sentences(&documents);
        let introductions = Introductions::of(&found);
        (0..found.len()).map(|i| introductions.needs(i).map(<[usize]>::to_vec)).collect()
    }

    #[test]
    fn a_bare_surname_needs_the_full_name_beside_it() {
        let found = needs(&[
            "Police arrested Gen. Augusto Pinochet in London.",
            "Pinochet, 82, was held after surgery.",
            "Augusto Pinochet ruled Chile until 1990.",
            "Mr. Xu was detained at his home.",
            "Xu spent 12 years in prison.",
            "Xu Wenli founded the party.",
            "A friend named Wadih el Hage bought the trucks.",
            "El Hage did come to New York.",
        ]);
        assert_eq!(found, [None, Some(vec![0, 2]), None, None, Some(vec![5]), None, None, Some(vec![6])]);
    }

    #[test]
    fn places_openers_and_self_introductions_need_nothing() {
        let found = needs(&[
            "Rescuers reached Chile on foot.",
            "Chile protested the arrest.",
            "Radio Haiti said the roads were cut.",
            "Haiti has little money to rebuild.",
            "The Saudi exile Osama bin Laden denied it.",
            "Laden, the exile, denied it again.",
            "Monday was quiet.",
        ]);
        assert!(found.iter().all(Option::is_none), "{found:?}");
    }

    #[test]
    fn a_person_never_named_in_full_cannot_be_introduced() {
        let found = needs(&["Mr. Qin was detained.", "Qin and his wife were held."]);
        assert_eq!(found, [None, Some(vec![])]);
    }
}
