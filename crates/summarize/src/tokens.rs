//! Words as both selection and evaluation see them: lower-cased alphanumeric runs, stemmed the way
//! ROUGE-1.5.5 `-m` stems (WordNet 2.0 exceptions first, then Porter).

use std::collections::HashMap;
use std::sync::LazyLock;

/// The WordNet 2.0 exception lists ROUGE-1.5.5 `-m` consults before Porter (said → say).
static EXCEPTIONS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    // Later files override earlier ones, in ROUGE-1.5.5's order.
    for list in [
        include_str!("../data/wordnet-2.0-exceptions/adj.exc"),
        include_str!("../data/wordnet-2.0-exceptions/adv.exc"),
        include_str!("../data/wordnet-2.0-exceptions/noun.exc"),
        include_str!("../data/wordnet-2.0-exceptions/verb.exc"),
    ] {
        for line in list.lines() {
            let mut fields = line.split_whitespace();
            if let (Some(form), Some(base)) = (fields.next(), fields.next()) {
                table.insert(form, base);
            }
        }
    }
    table
});

/// ROUGE's stem of one lower-case alphanumeric token.
pub fn stem(token: &str) -> String {
    if token.chars().count() <= 3 {
        return token.to_string();
    }
    match EXCEPTIONS.get(token) {
        Some(base) => (*base).to_string(),
        None => porter_stemmer::stem(token),
    }
}

/// Tokens of a line as ROUGE-1.5.5 `-m` reads them: lower case, runs of non-alphanumerics as
/// separators, stemmed. The concepts strategy counts the same tokens, so what it covers is what
/// ROUGE rewards.
///
/// ```
/// assert_eq!(precis_summarize::stemmed_tokens("The children SAID: \"no\"!"), ["the", "child", "say", "no"]);
/// ```
pub fn stemmed_tokens(line: &str) -> Vec<String> {
    line.to_lowercase()
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|t| !t.is_empty())
        .map(stem)
        .collect()
}

/// Whether `word` is one of the words of `list` (separated by whitespace): word lists read as
/// prose in the code that keeps them.
pub(crate) fn in_list(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_come_before_porter() {
        assert_eq!(stem("said"), "say");
        assert_eq!(stem("children"), "child");
        assert_eq!(stem("running"), "run");
        assert_eq!(stem("the"), "the");
    }
}
