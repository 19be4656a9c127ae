//! Words a summary sentence can do without: the dates news copy tells relative to the day it was
//! written ("said Tuesday", "on Friday night", "last week"). A multi-document summary mixes
//! articles written on different days, so such a date there no longer says when anything
//! happened; and human summaries almost never carry one (in the dev set's references, weekdays
//! are 0.06% of words against 0.5% of the articles', and "last week", "this week", "last month",
//! "this month" and "today" never occur, against 183 times in the articles), so each spends budget
//! that content could use.

use std::sync::LazyLock;

use regex::Regex;

use crate::tokens::in_list;

/// A date told relative to the day of writing, with what may come before and after it as one
/// phrase: a weekday ("late on Friday night") or a nearby span ("earlier this week", "today").
static RELATIVE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:
            (?P<on>(?:\b(?:[Oo]n|[Ll]ate|[Ee]arly)\s)?(?:\bon\s)?)
            \b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day
            (?:\s(?:morning|afternoon|evening|night))?
        |
            (?P<span>\b(?:(?:[Ee]arlier|[Ll]ate|[Ee]arly)\s)?(?:(?:[Ll]ast|[Tt]his)\s(?:week|month)|[Tt]oday)\b)
        )
        (?P<possessive>['’]s\b)?",
    )
    .expect("a valid pattern")
});

/// Words before a date that make it part of what the sentence says ("until Saturday", "the
/// Monday deadline", "Monday and Tuesday"): the date stays. The second line is what happens on a
/// day, not the day something was reported: "the report published Monday", "talks scheduled
/// Friday", "the storm began Monday".
const BOUND_BEFORE: &str = "until till by since from through before after of to between and or next this that \
    every each the a an last past than following as only for at is was be will nor but not no late early on except including \
    published released issued dated aired broadcast scheduled set planned due expected slated held begins began begun \
    starts started ends ended effective starting beginning ending opens opened closes closed";

/// Verbs of saying: a date after one dates the report alone, so it goes even before a comma ("an
/// official said Tuesday, a move that..." becomes "an official said, a move that...").
const SAYING: &str = "said says told reported announced added confirmed denied warned stated";

/// Words after a date that tie it to what follows ("Tuesday and Wednesday").
const BOUND_AFTER: &str = "and or nor was is will as";

/// Words after a date that tie it to what follows when a day comes next ("Monday to Friday", not
/// "flew to Damascus on Sunday to try...").
const RANGE: &str = "to through until till";

/// Dates before a possessive that keep it ("last Friday's vote").
const DATED: &str = "last this next the a every each past following until by since";

/// `text` without the dates it tells relative to the day of writing, where the sentence reads the
/// same without them: "police said Saturday they had" becomes "police said they had", "arrested
/// him on Friday night." becomes "arrested him.", "Last week, rescuers..." becomes "Rescuers...",
/// and "Friday's bombing" becomes "the bombing". A date the sentence is about stays: "until
/// Saturday", "Monday was the deadline", "which began on Monday, moved", "Monday and Tuesday".
///
/// ```
/// use precis_summarize::trim_relative_dates;
///
/// assert_eq!(trim_relative_dates("The council said Monday it would vote."), "The council said it would vote.");
/// assert_eq!(trim_relative_dates("Results are not expected until Saturday."), "Results are not expected until Saturday.");
/// ```
pub fn trim_relative_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for m in RELATIVE_DATE.captures_iter(text) {
        let whole = m.get(0).expect("the whole match");
        let (mut start, end) = (whole.start(), whole.end());
        let possessive = m.name("possessive").is_some();
        if let Some(on) = m.name("on").filter(|_| possessive) {
            // "on Friday's show" keeps its "on": only the date becomes "the".
            start = on.end();
        }
        // "On Sunday the..." and "Last week the..." open on a date; "Monday was..." opens on a subject.
        let opens_on_date = m.name("on").is_some_and(|on| !on.is_empty()) || m.name("span").is_some();
        let Some(Cut { from, to, replacement, capitalize }) = cut(text, start, end, possessive, opens_on_date) else {
            continue;
        };
        if from < copied {
            continue;
        }
        out.push_str(&text[copied..from]);
        out.push_str(replacement);
        copied = to;
        if capitalize && let Some(first) = text[copied..].chars().next() {
            out.extend(first.to_uppercase());
            copied += first.len_utf8();
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// What to replace, and with what.
struct Cut {
    from: usize,
    to: usize,
    replacement: &'static str,
    capitalize: bool,
}

/// Where the date phrase `text[start..end]` can go, if it can.
fn cut(text: &str, start: usize, end: usize, possessive: bool, opens_on_date: bool) -> Option<Cut> {
    let before = text[..start].trim_end();
    let after = &text[end..];
    let previous_word =
        before.trim_end_matches('.').rsplit(|c: char| !c.is_alphanumeric() && c != '\'').next().unwrap_or("");
    let mut next_words = after.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    let next_word = next_words.next().unwrap_or("");
    let ranged = in_list(RANGE, next_word) && next_words.next().is_some_and(|w| w.ends_with("day"));
    let previous_word = previous_word.to_lowercase();
    let bound_before = in_list(BOUND_BEFORE, &previous_word);
    if possessive {
        // "Friday's bombing" reads as "the bombing"; "last Friday's" and "this Friday's" stay.
        if in_list(DATED, &previous_word) || !after.starts_with(' ') {
            return None;
        }
        let replacement = if before.is_empty() { "The" } else { "the" };
        return Some(Cut { from: start, to: end, replacement, capitalize: false });
    }
    if before.is_empty() {
        // Opening the sentence: "On Sunday, rescuers...", "Monday, the court..." and "Last week the
        // army..." go; "Monday was the deadline" and "Monday, Tuesday and..." stay.
        if let Some(rest) = after.strip_prefix(", ") {
            let clause = rest.starts_with(|c: char| c.is_alphabetic() || c == '"') && !next_word.ends_with("day");
            return clause.then_some(Cut { from: start, to: end + 2, replacement: "", capitalize: true });
        }
        let clause = after.starts_with(' ')
            && after[1..].starts_with(|c: char| c.is_lowercase())
            && !in_list(BOUND_AFTER, next_word)
            && !ranged;
        return (opens_on_date && clause).then_some(Cut {
            from: start,
            to: end + 1,
            replacement: "",
            capitalize: true,
        });
    }
    // Inside the sentence: the phrase must follow a word or an abbreviation ("Corp."), not a comma
    // or a quotation mark, and be followed by a lower-case word or the sentence's end.
    if bound_before || !text[..start].ends_with(' ') || !before.ends_with(|c: char| c.is_alphanumeric() || c == '.') {
        return None;
    }
    let followed_by_word = after.starts_with(' ')
        && after[1..].starts_with(|c: char| c.is_lowercase())
        && !in_list(BOUND_AFTER, next_word)
        && !ranged;
    let at_end = matches!(after, "." | "!" | "?");
    let after_saying = after.starts_with(", ") && in_list(SAYING, &previous_word);
    if !(followed_by_word || at_end || after_saying) {
        return None;
    }
    // The space before the phrase goes with it.
    Some(Cut { from: start - 1, to: end, replacement: "", capitalize: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weekday_that_only_dates_the_report_goes() {
        for (text, trimmed) in [
            ("British police said Saturday they arrested him.", "British police said they arrested him."),
            ("A car bomb exploded Friday in a crowded market.", "A car bomb exploded in a crowded market."),
            ("Magistrates asked to question him on Wednesday.", "Magistrates asked to question him."),
            ("The agency said late Thursday that talks would go on.", "The agency said that talks would go on."),
            ("Rebels freed two hostages early on Sunday morning.", "Rebels freed two hostages."),
            ("On Tuesday, the council approved the plan.", "The council approved the plan."),
            ("Friday's bombing killed two people.", "The bombing killed two people."),
            ("Voters turned out in advance of Friday's election.", "Voters turned out in advance of the election."),
            ("Earlier this week, rebels seized the town.", "Rebels seized the town."),
            ("The army said today it had retaken the town.", "The army said it had retaken the town."),
            ("Talks collapsed last month after a row over funding.", "Talks collapsed after a row over funding."),
            ("He spoke on Friday's evening news.", "He spoke on the evening news."),
            ("Last week's storm flooded the valley.", "The storm flooded the valley."),
            (
                "Mubarak flew to Damascus on Sunday to try to defuse the crisis.",
                "Mubarak flew to Damascus to try to defuse the crisis.",
            ),
            (
                "An official said Tuesday, a move that could hurt the talks.",
                "An official said, a move that could hurt the talks.",
            ),
            ("\"We are ready,\" he said Monday, \"for anything.\"", "\"We are ready,\" he said, \"for anything.\""),
            ("On Sunday the results came in.", "The results came in."),
            ("Last week the government arrested ten members.", "The government arrested ten members."),
            ("Monday, his wife was handed the bill.", "His wife was handed the bill."),
            (
                "A lawyer for Microsoft Corp. on Thursday portrayed Netscape as eager.",
                "A lawyer for Microsoft Corp. portrayed Netscape as eager.",
            ),
            (
                "Officials said Monday and repeated Tuesday that it was safe.",
                "Officials said Monday and repeated that it was safe.",
            ),
        ] {
            assert_eq!(trim_relative_dates(text), trimmed, "{text}");
        }
    }

    #[test]
    fn a_weekday_the_sentence_is_about_stays() {
        for text in [
            "Results are not expected until Saturday.",
            "Monday was the deadline for a deal.",
            "The storm, which began on Monday, moved north.",
            "Talks ran from Monday to Wednesday.",
            "Monday, Tuesday and Wednesday were quiet.",
            "Today is the deadline.",
            "Talks ran Monday through Wednesday.",
            "The chief executive said in an interview published Monday.",
            "The talks, scheduled Friday, were put off.",
            "Voting is on Sunday.",
            "He said Tuesday and Wednesday would be quiet.",
            "Last Friday's vote was close.",
            "The Tuesday meeting was cancelled.",
            "The report is due by this month.",
            "It was the second attack since last week.",
            "This year the rains came early.",
        ] {
            assert_eq!(trim_relative_dates(text), text);
        }
    }

    /// Odd text (dates beside commas, quotes, possessives and non-ASCII letters, in random
    /// orders) never panics, and only ever shortens a sentence.
    #[test]
    fn odd_text_never_breaks_it() {
        let parts = [
            "Monday",
            "on ",
            "On ",
            ",",
            "’s",
            "'s",
            "é",
            "Friday",
            "said ",
            ".",
            " ",
            "Last ",
            "week",
            "today",
            "Today",
            "late ",
            "night",
            "until ",
            "\"",
            "“",
            "—",
            "x",
            "Saturday's ",
            "to ",
            "and ",
            "Corp. ",
            "early ",
            "this month",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let text: String = (0..next() % 9).map(|_| parts[(next() % parts.len() as u64) as usize]).collect();
            let trimmed = trim_relative_dates(&text);
            assert!(trimmed.chars().count() <= text.chars().count(), "{text:?} -> {trimmed:?}");
        }
    }
}
