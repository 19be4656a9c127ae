//! Removing web chrome: which lines of a page are the story, and why the others are not.
//!
//! Every rule is general (line shape, vocabulary of page furniture, repetition, credit patterns),
//! not a list of one site's strings, and every removal is recorded with its rule so that
//! `precis text --explain` can show it.
//!
//! One file over 500 lines on purpose: the rules are one ordered list that reads top to bottom
//! (the order decides which rule a line is credited to), and a third of the file is their tests.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::document::Document;
use crate::span::Span;

/// Why a line was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// Page furniture: log-in prompts, share/follow/rate widgets, "Loading...", navigation,
    /// reading-time and publication-time stamps.
    Interface,
    /// A photo caption with an agency credit, e.g. "... (AP Photo/Name)".
    Caption,
    /// Mostly links, handles, hashtags or e-mail addresses.
    Links,
    /// A short label ending in a colon ("Background:", "Source:").
    Label,
    /// A dateline on a line of its own ("Paris, March 3:"); kept in provenance.
    Dateline,
    /// The same line appeared earlier in this document (a repeated headline).
    Repeated,
    /// Three words or fewer and no sentence punctuation ("Menu", section names, bylines).
    Fragment,
    /// A title-cased subheading inside the story.
    Subheading,
    /// A short line without sentence punctuation that other documents of the set also carry.
    SharedChrome,
    /// A headline-like line after the story's last paragraph (related-article links).
    Trailing,
    /// A note to readers or editors, not part of the story ("EDITOR'S NOTE -- ...").
    Note,
}

impl Rule {
    /// Short name, as `--explain` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Interface => "interface",
            Rule::Caption => "caption",
            Rule::Links => "links",
            Rule::Label => "label",
            Rule::Dateline => "dateline",
            Rule::Repeated => "repeated",
            Rule::Fragment => "fragment",
            Rule::Subheading => "subheading",
            Rule::SharedChrome => "shared-chrome",
            Rule::Trailing => "trailing",
            Rule::Note => "note",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A line the cleaner removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// 1-based line number in the document's text.
    pub line: usize,
    /// The line, whitespace-trimmed, as a byte span of the document's text.
    pub span: Span,
    /// Why.
    pub rule: Rule,
}

/// A story line (paragraph) the cleaner kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// 1-based line number in the document's text.
    pub line: usize,
    /// The text to segment, as a byte span of the document's text: the trimmed line without a
    /// bullet marker or leading dateline.
    pub body: Span,
    /// A dateline or byline stripped from the start of this line, or standing on its own line
    /// just before it.
    pub dateline: Option<Span>,
}

/// The cleaner's verdict on one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Story lines, in order.
    pub kept: Vec<Kept>,
    /// Removed lines, in order.
    pub dropped: Vec<Dropped>,
    /// The document's first dateline, whether on its own line or stripped from a paragraph.
    pub dateline: Option<Span>,
}

/// Phrases of page furniture that do not occur in news prose. A short line containing one is
/// interface, whatever its punctuation.
const INTERFACE_PHRASES: &[&str] = &[
    "log in",
    "sign in",
    "sign up",
    "loading...",
    "follow us",
    "share this",
    "share on",
    "read more",
    "continue reading",
    "previous article",
    "next article",
    "related articles",
    "related stories",
    "you may also like",
    "latest news",
    "most read",
    "click here",
    "click on a star",
    "rate this",
    "rate it",
    "vote count",
    "no votes",
    "average rating",
    "how useful was this",
    "be the first to",
    "all rights reserved",
    "skip to content",
    "back to top",
    "publisher logo",
    "min read",
    "minute read",
    "minutes read",
    "privacy policy",
    "terms of use",
    "terms of service",
    "leave a comment",
    "download the app",
    "print this",
    "email this",
];

/// Words of page furniture that prose does use ("the newsletter said"): interface only on a short
/// line without sentence punctuation.
const INTERFACE_WORDS: &[&str] =
    &["login", "subscribe", "newsletter", "advertisement", "sponsored", "comments", "cookies", "menu", "search"];

static TIME_AGO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b\d+\s*(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b").expect("valid regex")
});

/// A parenthesized credit at the end of a line: "(AP Photo/Name)", "(Reuters)", "(Ministry via AP)".
static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\((?:[^()]*\b(?:AP|AFP|Reuters|Getty|EPA|Xinhua|Photo|Photos|Image|Images|Pool|Handout)\b[^()]*)\)\s*$",
    )
    .expect("valid regex")
});

static CAPTION_OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:in this|this)\s+(?:\w+\s+){0,2}(?:photo|image|picture|handout|file photo)\b")
        .expect("valid regex")
});

/// Datelines at the start of a paragraph. Wire style: "LONDON (AP) --", "SANTIAGO, Chile (Reuters) -";
/// capitals and a dash: "WASHINGTON --"; place and date or country: "Istanbul, May 17:",
/// "Istanbul, Turkey —"; slash-separated bylines: "Headline/ Outlet/ CITY/ Author/ Edition/".
static DATELINES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"^[A-Z][\w.'-]*(?:[ ,]+[A-Z][\w.'-]*){0,4}\s*\((?:AP|Reuters|AFP|UPI|Bloomberg|dpa|Xinhua|CNN|PTI|IANS)\)\s*(?:--|—|–|-|_|:)\s*",
        r"^[A-Z][A-Z.'-]+(?:[ ,]+[A-Z][\w.'-]*){0,4}\s*(?:--|—|–)\s*",
        r"^[A-Z][a-z]+(?: [A-Z][a-z]+)?, (?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*|[A-Z][a-z]+)\s*(?::|--|—|–)\s*",
        r"^(?:[^/\n]{1,100}/\s+){3,}",
    ]
    .iter()
    .map(|pattern| Regex::new(pattern).expect("valid regex"))
    .collect()
});

static NOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:editor'?s'? note|note to editors|correction|clarification)\s*(?:--|—|–|:|-)")
        .expect("valid regex")
});

static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[•·▪●◦‣∙*+–-]|\d{1,2}[.)])\s+").expect("valid regex"));

/// Words a title-cased headline leaves in lower case.
const MINOR_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "by", "with", "from", "as",
    "into", "over", "after", "amid", "vs", "via", "per", "up", "out", "off", "is", "are", "be",
];

/// Shape of one line, the input of the rules.
struct Shape<'a> {
    text: &'a str,
    words: Vec<&'a str>,
    terminal: bool,
    key: String,
}

impl<'a> Shape<'a> {
    fn new(text: &'a str) -> Self {
        let words: Vec<&str> = text.split_whitespace().collect();
        let key = words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(" ");
        Self { text, words, terminal: ends_sentence(text), key }
    }

    fn title_case_share(&self) -> f64 {
        let content: Vec<&&str> = self
            .words
            .iter()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .filter(|w| !MINOR_WORDS.contains(&w.to_lowercase().trim_matches(|c: char| !c.is_alphanumeric())))
            .collect();
        if content.is_empty() {
            return 0.0;
        }
        let capitalized = content
            .iter()
            .filter(|w| w.chars().find(|c| c.is_alphanumeric()).is_some_and(|c| !c.is_lowercase()))
            .count();
        capitalized as f64 / content.len() as f64
    }

    fn link_share(&self) -> f64 {
        let links = self
            .words
            .iter()
            .filter(|w| {
                let w = w.to_lowercase();
                w.contains("http")
                    || w.contains("www.")
                    || w.starts_with('@')
                    || w.starts_with('#')
                    || (w.contains('@') && w.contains('.'))
                    || [".com", ".org", ".net", ".co.uk"].iter().any(|tld| w.trim_end_matches('/').ends_with(tld))
            })
            .count();
        links as f64 / self.words.len().max(1) as f64
    }

    fn is_interface(&self) -> bool {
        if self.words.len() > 15 {
            return false;
        }
        let lower = self.key.as_str();
        INTERFACE_PHRASES.iter().any(|phrase| contains_phrase(lower, phrase))
            || TIME_AGO.is_match(self.text)
            || (!self.terminal
                && self.words.len() <= 6
                && INTERFACE_WORDS.iter().any(|word| contains_phrase(lower, word)))
    }

    fn is_subheading(&self) -> bool {
        (!self.terminal || self.text.ends_with('?')) && self.words.len() <= 12 && self.title_case_share() >= 0.75
    }
}

/// `phrase` occurs in `text` on word boundaries.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = text[at + phrase.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

/// Whether a line ends like a sentence: `.`, `!`, `?` or `…`, possibly inside closing quotes or
/// brackets. Cleaning keeps story lines by it; a summary takes only sentences that pass it.
///
/// ```
/// assert!(precis_text::ends_sentence("He said “no.”"));
/// assert!(!precis_text::ends_sentence("Quick Looks"));
/// ```
pub fn ends_sentence(text: &str) -> bool {
    final_mark(text).is_some_and(|c| matches!(c, '.' | '!' | '?' | '…'))
}

/// The last character of a line inside any closing quotes, brackets or emphasis: what tells a
/// statement (`.`) from a question (`?`).
///
/// ```
/// assert_eq!(precis_text::final_mark("Could Spain try him?” "), Some('?'));
/// assert_eq!(precis_text::final_mark("”"), None);
/// ```
pub fn final_mark(text: &str) -> Option<char> {
    text.trim_end().trim_end_matches(['"', '\'', '”', '’', ')', ']', '»', '*']).chars().next_back()
}

/// The length in bytes of a dateline or byline at the start of `text`, if any. Wire datelines
/// (agency credit, or capitals and a dash) open sections of round-up stories too, so they are
/// recognized in any paragraph; the looser place-and-date and byline forms only in the first.
fn dateline_len(text: &str, first_paragraph: bool) -> Option<usize> {
    let patterns = if first_paragraph { &DATELINES[..] } else { &DATELINES[..2] };
    patterns.iter().filter_map(|re| re.find(text)).map(|m| m.end()).max()
}

/// Lines of `text` with their 1-based numbers and trimmed byte spans; blank lines are left out.
fn trimmed_lines(text: &str) -> Vec<(usize, Span)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (number, raw) in text.split('\n').enumerate() {
        let lead = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            out.push((number + 1, Span::new(start + lead, start + lead + trimmed.len())));
        }
        start += raw.len() + 1;
    }
    out
}

/// Cleans every document of a set. Documents are cleaned together because chrome shows itself by
/// repeating across pages of one site.
///
/// ```
/// use precis_text::{clean, Document, Rule};
///
/// let page = "Sign In\n\nCouncil Approves Bike Lanes\n\nThe council approved the lanes on Monday.\n\nShare this article\n";
/// let cleaned = clean(&[Document::new("a", page)]);
/// let kept: Vec<&str> = cleaned[0].kept.iter().map(|k| &page[k.body.range()]).collect();
/// assert_eq!(kept, ["Council Approves Bike Lanes", "The council approved the lanes on Monday."]);
/// assert!(cleaned[0].dropped.iter().all(|d| d.rule == Rule::Interface));
/// ```
pub fn clean(documents: &[Document]) -> Vec<Cleaned> {
    let lines: Vec<Vec<(usize, Span)>> = documents.iter().map(|d| trimmed_lines(&d.text)).collect();
    let shared = shared_lines(documents, &lines);
    documents.iter().zip(&lines).map(|(doc, lines)| clean_one(&doc.text, lines, &shared)).collect()
}

/// Keys of lines without sentence punctuation that occur in two or more documents. (Wire stories
/// share whole paragraphs across updates; only short unpunctuated lines are taken for chrome.)
fn shared_lines(documents: &[Document], lines: &[Vec<(usize, Span)>]) -> HashSet<String> {
    let mut documents_with: HashMap<String, usize> = HashMap::new();
    for (doc, lines) in documents.iter().zip(lines) {
        let keys: HashSet<String> = lines
            .iter()
            .map(|(_, span)| Shape::new(&doc.text[span.range()]))
            .filter(|shape| !shape.terminal)
            .map(|shape| shape.key)
            .collect();
        for key in keys {
            *documents_with.entry(key).or_default() += 1;
        }
    }
    documents_with.into_iter().filter(|(_, n)| *n >= 2).map(|(key, _)| key).collect()
}

fn clean_one(text: &str, lines: &[(usize, Span)], shared: &HashSet<String>) -> Cleaned {
    let mut cleaned = Cleaned::default();
    let mut seen = HashSet::new();
    let mut have_headline = false;
    let mut have_body = false;
    // A dateline on its own line belongs to the paragraph that follows it.
    let mut pending_dateline = None;
    for &(line, span) in lines {
        let shape = Shape::new(&text[span.range()]);
        let whole_dateline = dateline_len(shape.text, true) == Some(shape.text.len()) && shape.words.len() <= 6;
        let rule = if shape.is_interface() {
            Some(Rule::Interface)
        } else if NOTE.is_match(shape.text) {
            Some(Rule::Note)
        } else if CREDIT.is_match(shape.text) || (CAPTION_OPENING.is_match(shape.text) && !have_body) {
            Some(Rule::Caption)
        } else if shape.link_share() >= 0.5 {
            Some(Rule::Links)
        } else if whole_dateline {
            Some(Rule::Dateline)
        } else if shape.text.ends_with(':') && shape.words.len() <= 4 {
            Some(Rule::Label)
        } else if !seen.insert(shape.key.clone()) {
            Some(Rule::Repeated)
        } else if shape.words.len() <= 3 && !shape.terminal {
            Some(Rule::Fragment)
        } else if !shape.terminal && shape.words.len() <= 12 && shared.contains(&shape.key) {
            Some(Rule::SharedChrome)
        } else if have_headline && shape.is_subheading() {
            Some(Rule::Subheading)
        } else {
            None
        };
        match rule {
            Some(rule) => {
                if rule == Rule::Dateline {
                    cleaned.dateline = cleaned.dateline.or(Some(span));
                    pending_dateline = Some(span);
                }
                cleaned.dropped.push(Dropped { line, span, rule });
            }
            None => {
                let mut kept = keep(text, line, span, !have_body);
                kept.dateline = kept.dateline.or(pending_dateline.take());
                if cleaned.dateline.is_none() {
                    cleaned.dateline = kept.dateline;
                }
                have_headline = true;
                have_body |= shape.terminal && shape.words.len() >= 8;
                cleaned.kept.push(kept);
            }
        }
    }
    drop_trailing(text, &mut cleaned);
    cleaned
}

/// Strips a bullet marker and a dateline or byline.
fn keep(text: &str, line: usize, span: Span, first_paragraph: bool) -> Kept {
    let mut body = span;
    if let Some(m) = BULLET.find(&text[body.range()]) {
        body.start += m.end();
    }
    let mut dateline = None;
    if let Some(len) = dateline_len(&text[body.range()], first_paragraph)
        && len < body.len()
    {
        dateline = Some(Span::new(body.start, body.start + len));
        body.start += len;
    }
    let trimmed = text[body.range()].trim_start();
    body.start = body.end - trimmed.len();
    Kept { line, body, dateline }
}

/// Drops headline-like lines (no sentence punctuation) after the story's last real paragraph:
/// related-article links and teasers at the foot of a page.
fn drop_trailing(text: &str, cleaned: &mut Cleaned) {
    let is_body = |k: &Kept| {
        let shape = Shape::new(&text[k.body.range()]);
        shape.terminal && shape.words.len() >= 8
    };
    let Some(last_body) = cleaned.kept.iter().rposition(is_body) else { return };
    let trailing: Vec<Kept> = cleaned.kept.drain(last_body + 1..).collect();
    for kept in trailing {
        if ends_sentence(&text[kept.body.range()]) {
            cleaned.kept.push(kept);
        } else {
            cleaned.dropped.push(Dropped { line: kept.line, span: kept.body, rule: Rule::Trailing });
        }
    }
    cleaned.dropped.sort_by_key(|d| d.line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(page: &str) -> (Vec<String>, Vec<(String, Rule)>) {
        let cleaned = clean(&[Document::new("d", page)]).remove(0);
        let kept = cleaned.kept.iter().map(|k| page[k.body.range()].to_string()).collect();
        let dropped = cleaned.dropped.iter().map(|d| (page[d.span.range()].to_string(), d.rule)).collect();
        (kept, dropped)
    }

    fn rule_of(page: &str, line: &str) -> Option<Rule> {
        verdicts(page).1.into_iter().find(|(text, _)| text == line).map(|(_, rule)| rule)
    }

    const STORY: &str = "The committee met for five hours on Tuesday and agreed on a budget.";

    #[test]
    fn interface_lines_are_dropped_even_with_punctuation() {
        for line in ["Sign up for our newsletter!", "Loading...", "Posted 3 hours ago", "Share this story"] {
            let page = format!("{STORY}\n{line}\n{STORY} Again.");
            assert_eq!(rule_of(&page, line), Some(Rule::Interface), "{line}");
        }
    }

    #[test]
    fn interface_words_in_short_sentences_are_kept() {
        let line = "The newsletter said most of the wreckage was found.";
        assert!(verdicts(&format!("{STORY}\n{line}")).0.contains(&line.to_string()));
    }

    #[test]
    fn interface_words_inside_long_prose_are_kept() {
        let line = "The minister said she would sign up to the plan once the committee had read more of the evidence.";
        assert!(verdicts(line).0.contains(&line.to_string()));
    }

    #[test]
    fn captions_with_credits_are_dropped() {
        let line = "Protesters gather outside the court in Lima, Peru, on Monday. (Reuters Photo/Jane Doe)";
        assert_eq!(rule_of(&format!("{STORY}\n{line}"), line), Some(Rule::Caption));
    }

    #[test]
    fn repeated_headline_is_dropped_once() {
        let page = format!("Budget Deal Reached After Long Talks\n\nBudget Deal Reached After Long Talks\n\n{STORY}");
        let (kept, dropped) = verdicts(&page);
        assert_eq!(kept[0], "Budget Deal Reached After Long Talks");
        assert_eq!(dropped, vec![("Budget Deal Reached After Long Talks".to_string(), Rule::Repeated)]);
    }

    #[test]
    fn labels_fragments_and_subheadings_are_dropped() {
        let page = format!(
            "Budget Deal Reached After Long Talks\nOpinion\n{STORY}\nWhat Comes Next for the City\nBackground:\n{STORY} More."
        );
        assert_eq!(rule_of(&page, "Opinion"), Some(Rule::Fragment));
        assert_eq!(rule_of(&page, "What Comes Next for the City"), Some(Rule::Subheading));
        assert_eq!(rule_of(&page, "Background:"), Some(Rule::Label));
    }

    #[test]
    fn datelines_are_stripped_and_kept_in_provenance() {
        for (line, dateline) in [
            ("LONDON (AP) -- The talks began on Monday in a quiet hall.", "LONDON (AP) -- "),
            ("WASHINGTON -- The talks began on Monday in a quiet hall.", "WASHINGTON -- "),
            ("Lima, Peru — The talks began on Monday in a quiet hall.", "Lima, Peru — "),
            (
                "Talks Begin/ Daily Wire/ LIMA/ A. Writer/ The talks began on Monday in a quiet hall.",
                "Talks Begin/ Daily Wire/ LIMA/ A. Writer/ ",
            ),
        ] {
            let cleaned = clean(&[Document::new("d", line)]).remove(0);
            let kept = &cleaned.kept[0];
            assert_eq!(&line[kept.body.range()], "The talks began on Monday in a quiet hall.", "{line}");
            assert_eq!(&line[kept.dateline.unwrap().range()], dateline);
        }
    }

    #[test]
    fn dateline_on_its_own_line_is_recorded() {
        let page = format!("Lima, May 17:\n{STORY}");
        let cleaned = clean(&[Document::new("d", page.as_str())]).remove(0);
        assert_eq!(cleaned.dropped[0].rule, Rule::Dateline);
        assert_eq!(&page[cleaned.dateline.unwrap().range()], "Lima, May 17:");
    }

    #[test]
    fn notes_to_editors_are_dropped() {
        let line = "EDITOR'S NOTE -- Jane Roe, based in Lima, is the bureau chief for Peru.";
        assert_eq!(rule_of(&format!("{STORY}\n{line}"), line), Some(Rule::Note));
    }

    #[test]
    fn bullets_are_stripped() {
        let page = format!("{STORY}\n  • The vote passed by a wide margin.\n- Ten members abstained.");
        let (kept, _) = verdicts(&page);
        assert_eq!(kept[1..], ["The vote passed by a wide margin.", "Ten members abstained."]);
    }

    #[test]
    fn lines_shared_across_documents_without_punctuation_are_chrome() {
        let a = format!("Budget Deal Reached\n{STORY}\nMore from our politics desk\n");
        let b = "Unrelated Fire Story Here\nA fire broke out downtown on Friday and was put out in an hour.\nMore from our politics desk\n".to_string();
        let cleaned = clean(&[Document::new("a", a.as_str()), Document::new("b", b.as_str())]);
        assert!(cleaned.iter().all(|c| c.dropped.iter().any(|d| d.rule == Rule::SharedChrome)));
    }

    #[test]
    fn headlines_after_the_story_are_trailing_links() {
        // Too long for a subheading, and after the last paragraph: a link to another story.
        let teaser = "Mayor Unveils Plan for a New Bridge Across the River in the North of the City by Spring";
        let page = format!("Budget Deal Reached After Talks\n{STORY}\n{teaser}\n");
        assert_eq!(rule_of(&page, teaser), Some(Rule::Trailing));
    }

    #[test]
    fn sentence_endings_look_through_quotes() {
        assert!(ends_sentence("He said “no.”"));
        assert!(ends_sentence("Really?)"));
        assert!(!ends_sentence("Quick Looks"));
    }
}
