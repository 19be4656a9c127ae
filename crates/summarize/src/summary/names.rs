//! People named by surname alone. News names a person in full once ("Wadih El Hage", "Gen. Augusto
//! Pinochet", "Xu Wenli") and by surname after ("Pinochet, 82, was held..."); a summary that takes
//! the later sentence without the first leaves its reader asking who "Xu" is. So a sentence that
//! opens on a bare surname may be chosen only beside one that names the person in full, and reads
//! after it.

use std::collections::BTreeMap;

use precis_text::Sentence;

/// Titles that mark the next word as a person's name.
const TITLES: &[&str] = &[
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "Sen.",
    "Rep.",
    "Gen.",
    "Gov.",
    "Lt.",
    "Col.",
    "Sgt.",
    "Capt.",
    "Adm.",
    "Maj.",
    "Prof.",
    "Rev.",
    "Judge",
    "President",
    "Premier",
    "Minister",
    "Secretary",
    "Chancellor",
    "Cardinal",
    "Bishop",
    "Pope",
    "King",
    "Queen",
    "Prince",
    "Sheikh",
    "Ayatollah",
    "Senator",
    "Governor",
    "General",
];

/// Capitalized words that are not names: sentence openers, days and months.
const NOT_NAMES: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "Of",
    "For",
    "To",
    "By",
    "From",
    "With",
    "As",
    "But",
    "And",
    "Or",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "Since",
    "During",
    "Under",
    "Over",
    "About",
    "Into",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Here",
    "His",
    "Her",
    "Their",
    "Its",
    "Our",
    "Not",
    "No",
    "All",
    "Some",
    "Many",
    "Most",
    "Both",
    "Each",
    "Former",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Lower-case particles of surnames ("Wadih el Hage", "Osama bin Laden", "F.W. de Klerk"), which a
/// sentence capitalizes when it opens on them ("El Hage did come to New York.").
const PARTICLES: &[&str] = &["el", "al", "bin", "ibn", "abu", "de", "da", "di", "du", "van", "von", "le", "la"];

fn particle(token: &str) -> bool {
    PARTICLES.contains(&token.to_lowercase().as_str())
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
        && !TITLES.contains(&token)
        && !NOT_NAMES.contains(&token)
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
    (capitalized(word) && !NOT_NAMES.contains(&word) && opens_clause && !introduced && first.len() > 1).then_some(word)
}

/// For every sentence, `None` when it needs nothing, else the sentences that name in full the
/// person it calls by surname alone: it may be chosen only beside one of them. A word counts as
/// a person's surname when the documents put a title ("Mr. Xu") or a lower-case particle ("el
/// Hage") before it once, or a first name ("Augusto Pinochet") twice; places and groups rarely have
/// either.
pub(super) fn introductions(sentences: &[Sentence]) -> Vec<Option<Vec<usize>>> {
    let tokens: Vec<Vec<&str>> = sentences.iter().map(|s| s.text.split_whitespace().collect()).collect();
    // Per word: how often a title, and how often a first name, comes before it.
    let mut marks: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for words in &tokens {
        for (k, word) in words.iter().enumerate() {
            let surname = bare(word);
            let Some(before) = before_surname(words, k).filter(|_| capitalized(surname)) else { continue };
            // A lower-case particle ("el Hage", "bin Laden") marks a name as a title does.
            let particle_before = k > 0 && PARTICLES.contains(&words[k - 1]);
            if TITLES.contains(&before) || particle_before {
                marks.entry(surname).or_default().0 += 1;
            } else if first_name(before) {
                marks.entry(surname).or_default().1 += 1;
            }
        }
    }
    let person = |word: &str| marks.get(word).is_some_and(|&(titles, first_names)| titles >= 1 || first_names >= 2);
    // Whether `words` name `surname` in full: a first name before it, or a given name after it
    // ("Xu Wenli").
    let in_full = |words: &[&str], surname: &str| {
        (0..words.len()).any(|k| {
            let given_after =
                words.get(k + 1).is_some_and(|next| capitalized(next) && !NOT_NAMES.contains(&bare(next)));
            (bare(words[k]) == surname && before_surname(words, k).is_some_and(first_name))
                || (words[k] == surname && given_after)
        })
    };
    sentences
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let surname = opening_surname(&s.text).filter(|w| person(w))?;
            if in_full(&tokens[i], surname) {
                return None;
            }
            Some((0..sentences.len()).filter(|&j| j != i && in_full(&tokens[j], surname)).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use precis_text::{Document, sentences};

    fn needs(texts: &[&str]) -> Vec<Option<Vec<usize>>> {
        let documents: Vec<Document> =
            texts.iter().enumerate().map(|(i, t)| Document::new(format!("d{i}"), *t)).collect();
        introductions(&sentences(&documents))
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
