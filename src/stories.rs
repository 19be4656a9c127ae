//! From a feed to stories: group articles into events, find reprinted copies, summarize each
//! story with the evidence of which outlets report each sentence.
//!
//! An article is represented twice: by the mean of its lead sentences' embeddings, weighted
//! towards the top (news puts the event first), and by the TF-IDF vector of its content words
//! (names, places and numbers tell two elections apart). [`precis_cluster::EventValidParams`]
//! groups on a blend of both. Results do not depend on the order articles come in: they are
//! sorted by date, then text, before anything else.

use std::collections::{HashMap, HashSet};

use ndarray::{Array2, ArrayView2};
use precis_cluster::{ClosedEvent, EventStream, EventValidParams, StreamArticle};
use precis_embed::Embedder;
use precis_text::Document;

use crate::{Outcome, Pipeline};

/// Lead sentences that represent an article: the embedding cost per article is bounded by this,
/// whatever its length.
pub const LEAD_SENTENCES: usize = 10;

/// Share of the shorter article's word 8-grams found in the other at or above which two articles
/// of a story are the same copy (reprints are often cut or extended at the end).
const COPY_OVERLAP: f64 = 0.8;

/// Why a feed could not be grouped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No articles.
    #[error("the feed is empty")]
    NoArticles,
    /// Embedding failed.
    #[error(transparent)]
    Embed(#[from] Box<precis_embed::Error>),
    /// An article of a stream without a date it can be placed by.
    #[error(
        "article {id} has no date (YYYY-MM-DD or YYYYMMDD): grouping a feed as a stream needs one on every article"
    )]
    NoDate {
        /// The article's id.
        id: String,
    },
    /// Grouping failed (too many articles at once, or a stream out of date order).
    #[error(transparent)]
    Group(#[from] precis_cluster::Error),
}

/// One article that repeats an earlier one of its story (wire copy under another name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// The repeat (index into [`Stories::documents`]).
    pub copy: usize,
    /// The article it repeats.
    pub of: usize,
}

/// One event and the articles that report it.
#[derive(Debug)]
pub struct Story {
    /// `story-N`, numbered from the largest story down.
    pub id: String,
    /// The headline of its most central article, else that article's first sentence.
    pub label: String,
    /// Its articles (indices into [`Stories::documents`]), oldest first.
    pub articles: Vec<usize>,
    /// Articles that copy another of the story; they count once as evidence.
    pub copies: Vec<Copy>,
    /// Earliest date among the articles, as given.
    pub first_date: Option<String>,
    /// Latest date among the articles, as given.
    pub last_date: Option<String>,
    /// The summary of its distinct articles: `None` for a single article, an error when the
    /// pipeline failed for this story alone.
    pub summary: Option<Result<Outcome, crate::Error>>,
}

impl Story {
    /// Distinct articles: the story's articles less its copies.
    pub fn distinct(&self) -> impl Iterator<Item = usize> + '_ {
        let copies: HashSet<usize> = self.copies.iter().map(|c| c.copy).collect();
        self.articles.iter().copied().filter(move |a| !copies.contains(a))
    }

    /// Whether only one distinct article reports it (a singleton, not forced into a story).
    pub fn is_singleton(&self) -> bool {
        self.distinct().nth(1).is_none()
    }
}

/// A feed grouped into stories.
#[derive(Debug)]
pub struct Stories {
    /// The articles, in canonical order (date, then text): what [`Story::articles`] index.
    pub documents: Vec<Document>,
    /// Stories from the largest down; singletons last.
    pub stories: Vec<Story>,
}

/// A feed ready to group: its articles in canonical order (date, then text, then id, so that
/// results do not depend on input order), each represented by a lead embedding and its content
/// words. Grouping it again with other parameters costs no embedding.
#[derive(Debug)]
pub struct Feed {
    /// The articles, in canonical order.
    pub documents: Vec<Document>,
    leads: Vec<Vec<String>>,
    vectors: Array2<f32>,
    terms: Vec<Vec<String>>,
}

impl Feed {
    /// Sorts `documents` and embeds their lead sentences with `embedder`, calling
    /// `embedded(done, total)` as sentences are embedded.
    pub fn embed(
        embedder: &Embedder,
        mut documents: Vec<Document>,
        embedded: impl FnMut(usize, usize),
    ) -> Result<Self, Error> {
        if documents.is_empty() {
            return Err(Error::NoArticles);
        }
        documents.sort_by(|a, b| (&a.date, &a.text, &a.id).cmp(&(&b.date, &b.text, &b.id)));
        let leads = lead_texts(&documents);
        let vectors = embed_leads(embedder, &leads, embedded)?;
        let terms = documents.iter().map(|d| content_words(&d.text)).collect();
        Ok(Self { documents, leads, vectors, terms })
    }

    /// One unit vector per article: its lead sentences' embeddings, weighted towards the top.
    pub fn vectors(&self) -> ndarray::ArrayView2<'_, f32> {
        self.vectors.view()
    }

    /// Each article's content words (stemmed, function words left out).
    pub fn terms(&self) -> &[Vec<String>] {
        &self.terms
    }

    /// The event of each article (in [`Feed::documents`] order), events numbered by their first
    /// article.
    pub fn events(&self, params: &EventValidParams) -> Result<Vec<usize>, Error> {
        Ok(params.group(self.vectors.view(), &self.terms)?)
    }

    /// The articles grouped into stories, with copies found and labels chosen; no summaries yet
    /// (see [`Stories::summarize`]).
    ///
    /// ```no_run
    /// use precis::ParamGuard;
    /// use precis::cluster::{AgglomerativeParams, EventParams, Method};
    /// use precis::embed::Embedder;
    /// use precis::stories::Feed;
    /// use precis::summarize::SummaryParams;
    /// use precis::text::Document;
    ///
    /// let feed = vec![Document::new("a", "A storm hit the coast."), Document::new("b", "The senate passed a budget.")];
    /// let embedder = Embedder::builder("models/minilm").build()?;
    /// let mut stories = Feed::embed(&embedder, feed, |_, _| {})?.into_stories(&EventParams::new().check()?)?;
    /// let pipeline = precis::Pipeline::new(
    ///     embedder,
    ///     Method::Agglomerative(AgglomerativeParams::new().check()?),
    ///     SummaryParams::new().check()?,
    /// );
    /// stories.summarize(&pipeline, |_, _| {});
    /// for story in &stories.stories {
    ///     println!("{}: {} ({} articles)", story.id, story.label, story.articles.len());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_stories(self, params: &EventValidParams) -> Result<Stories, Error> {
        let events = self.events(params)?;
        let Feed { documents, leads, vectors, .. } = self;
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (article, &event) in events.iter().enumerate() {
            if event == members.len() {
                members.push(Vec::new());
            }
            members[event].push(article);
        }
        let mut stories: Vec<Story> =
            members.into_iter().map(|articles| story(&documents, &leads, vectors.view(), articles)).collect();
        // Largest first, singletons last; ties keep canonical order (the sort is stable).
        stories.sort_by_cached_key(|s| (s.is_singleton(), std::cmp::Reverse(s.distinct().count())));
        for (rank, story) in stories.iter_mut().enumerate() {
            story.id = format!("story-{}", rank + 1);
        }
        Ok(Stories { documents, stories })
    }
}

/// A story of `articles` (indices into `documents`, oldest first): copies, label and dates; no id
/// or summary yet.
fn story(documents: &[Document], leads: &[Vec<String>], vectors: ArrayView2<f32>, articles: Vec<usize>) -> Story {
    let copies = find_copies(documents, &articles);
    let central = most_central(vectors, &articles);
    let label = documents[central]
        .headline()
        .map(str::to_string)
        .or_else(|| leads[central].first().cloned())
        .unwrap_or_else(|| documents[central].id.clone());
    let dates = articles.iter().filter_map(|&a| documents[a].date.clone());
    let (first_date, last_date) = (dates.clone().min(), dates.max());
    Story { id: String::new(), label, articles, copies, first_date, last_date, summary: None }
}

/// A feed grouped as it streams in, for feeds too large to hold: articles must come in date order
/// (a day at a time, in any order within it) and each story is handed back once it closes, so
/// memory holds only the open window. See [`precis_cluster::EventStream`] for how grouping
/// differs from [`Feed::into_stories`], which sees the whole feed at once.
pub struct StoryStream<'a> {
    embedder: &'a Embedder,
    events: EventStream,
    held: HashMap<usize, (Document, Vec<String>, Vec<f32>)>,
    next_key: usize,
    next_story: usize,
}

impl<'a> StoryStream<'a> {
    /// A stream grouping `window_days` days at a time, closing a story `open_days` after its last
    /// article.
    pub fn new(
        embedder: &'a Embedder,
        params: &EventValidParams,
        window_days: u32,
        open_days: u32,
    ) -> Result<Self, Error> {
        Ok(Self {
            embedder,
            events: params.stream(window_days, open_days)?,
            held: HashMap::new(),
            next_key: 0,
            next_story: 1,
        })
    }

    /// Adds an article (it must have a date, see [`day_number`]); returns the stories it closed.
    /// An article without a date or out of date order is an error and leaves the stream as it was,
    /// so a caller may report it and go on.
    pub fn push(&mut self, document: Document) -> Result<Stories, Error> {
        let day =
            document.date.as_deref().and_then(day_number).ok_or_else(|| Error::NoDate { id: document.id.clone() })?;
        let leads = lead_texts(std::slice::from_ref(&document));
        let vector = embed_leads(self.embedder, &leads, |_, _| {})?.row(0).to_vec();
        let terms = content_words(&document.text);
        let key = self.next_key;
        self.next_key += 1;
        let lead = leads.into_iter().next().unwrap_or_default();
        self.held.insert(key, (document, lead, vector.clone()));
        match self.events.push(StreamArticle { key, day, vector, terms }) {
            Ok(closed) => Ok(self.stories(closed)),
            Err(e) => {
                // Refused (out of date order): the stream goes on as if it had not come.
                self.held.remove(&key);
                Err(e.into())
            }
        }
    }

    /// Groups what is left and hands back every remaining story.
    pub fn finish(mut self) -> Result<Stories, Error> {
        let closed = self.events.finish()?;
        Ok(self.stories(closed))
    }

    /// Articles held in memory: the window being filled and the open stories.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Articles pushed so far.
    pub fn pushed(&self) -> usize {
        self.next_key
    }

    /// The closed events as stories, their documents released from the stream.
    fn stories(&mut self, closed: Vec<ClosedEvent>) -> Stories {
        let mut documents = Vec::new();
        let mut leads = Vec::new();
        let mut rows = Vec::new();
        let mut stories = Vec::with_capacity(closed.len());
        let mut grouped = Vec::with_capacity(closed.len());
        for event in closed {
            let mut articles = Vec::with_capacity(event.keys.len());
            for key in event.keys {
                let (document, lead, vector) = self.held.remove(&key).expect("every key is held until it closes");
                articles.push(documents.len());
                documents.push(document);
                leads.push(lead);
                rows.push(vector);
            }
            grouped.push(articles);
        }
        let dim = rows.first().map_or(0, Vec::len);
        let vectors = Array2::from_shape_vec((rows.len(), dim), rows.concat()).expect("vectors of one model");
        for mut articles in grouped {
            // Oldest first, as in a story of the whole feed.
            articles.sort_by(|&a, &b| {
                (&documents[a].date, &documents[a].text).cmp(&(&documents[b].date, &documents[b].text))
            });
            let mut story = story(&documents, &leads, vectors.view(), articles);
            story.id = format!("story-{}", self.next_story);
            self.next_story += 1;
            stories.push(story);
        }
        Stories { documents, stories }
    }
}

impl Stories {
    /// Summarizes every story of two or more distinct articles with `pipeline`, copies left out,
    /// calling `progress(done, total)` after each story. A story the pipeline fails on keeps its
    /// error and the others go on.
    pub fn summarize(&mut self, pipeline: &Pipeline, mut progress: impl FnMut(usize, usize)) {
        let total = self.stories.iter().filter(|s| !s.is_singleton()).count();
        for (done, story) in self.stories.iter_mut().filter(|s| !s.is_singleton()).enumerate() {
            let docs: Vec<Document> = story.distinct().map(|a| self.documents[a].clone()).collect();
            story.summary = Some(pipeline.run(docs));
            progress(done + 1, total);
        }
    }
}

/// The day number (days since 1970-01-01) of a date given as `YYYYMMDD` or starting
/// `YYYY-MM-DD` (ISO 8601, as in `2024-05-17T09:30:00Z`); `None` for anything else.
///
/// ```
/// use precis::stories::day_number;
/// assert_eq!(day_number("1970-01-02"), Some(1));
/// assert_eq!(day_number("19981017"), day_number("1998-10-17T23:59:00Z"));
/// assert_eq!(day_number("2024-02-29").zip(day_number("2024-03-01")).map(|(a, b)| b - a), Some(1));
/// assert_eq!(day_number("2023-02-29"), None);
/// assert_eq!(day_number("yesterday"), None);
/// ```
pub fn day_number(date: &str) -> Option<i64> {
    let date = date.trim();
    let bytes = date.as_bytes();
    let (year, month, day) = if bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        (date.get(..4)?, date.get(5..7)?, date.get(8..10)?)
    } else if bytes.len() == 8 {
        (date.get(..4)?, date.get(4..6)?, date.get(6..)?)
    } else {
        return None;
    };
    let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse::<i64>().ok()).flatten();
    let (y, m, d) = (number(year)?, number(month)?, number(day)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The first [`LEAD_SENTENCES`] story sentences of each document; a document whose text is all
/// page furniture is represented by its headline or its first line.
fn lead_texts(documents: &[Document]) -> Vec<Vec<String>> {
    let mut leads = vec![Vec::new(); documents.len()];
    for sentence in precis_text::sentences(documents) {
        if leads[sentence.doc].len() < LEAD_SENTENCES {
            leads[sentence.doc].push(sentence.text);
        }
    }
    for (lead, doc) in leads.iter_mut().zip(documents) {
        if lead.is_empty() {
            let fallback = doc.headline().or_else(|| doc.text.lines().find(|l| !l.trim().is_empty()));
            lead.push(fallback.unwrap_or(&doc.id).trim().to_string());
        }
    }
    leads
}

/// One unit vector per article: its lead sentences' embeddings averaged with weight
/// 1 / (1 + position / 3), so the opening counts most. Each distinct sentence is embedded once.
fn embed_leads(
    embedder: &Embedder,
    leads: &[Vec<String>],
    mut progress: impl FnMut(usize, usize),
) -> Result<Array2<f32>, Error> {
    let texts: Vec<&str> = leads.iter().flatten().map(String::as_str).collect();
    let mut done = 0;
    let embedded = crate::pipeline::embed_distinct(embedder, &texts, |n, total| {
        done += n;
        progress(done, total)
    })?;
    let mut vectors = Array2::<f32>::zeros((leads.len(), embedded.ncols()));
    let mut rows = embedded.rows().into_iter();
    for (mut vector, lead) in vectors.rows_mut().into_iter().zip(leads) {
        for (position, row) in (0..lead.len()).zip(rows.by_ref()) {
            let weight = 1.0 / (1.0 + position as f32 / 3.0);
            vector.scaled_add(weight, &row);
        }
        precis_cluster::normalize(vector);
    }
    Ok(vectors)
}

/// Stemmed words of a text less function words: what the TF-IDF side of grouping compares.
fn content_words(text: &str) -> Vec<String> {
    precis_summarize::stemmed_tokens(text)
        .into_iter()
        .filter(|t| t.len() > 1 && !precis_summarize::is_stopword(t))
        .collect()
}

/// The article whose vector is closest to the story's mean (the first such on a tie).
fn most_central(vectors: ArrayView2<f32>, articles: &[usize]) -> usize {
    let mut mean = vec![0f32; vectors.ncols()];
    for &a in articles {
        mean.iter_mut().zip(vectors.row(a)).for_each(|(m, v)| *m += v);
    }
    let scores: Vec<f32> =
        articles.iter().map(|&a| vectors.row(a).iter().zip(&mean).map(|(v, m)| v * m).sum()).collect();
    let best = (1..articles.len()).fold(0, |best, i| if scores[i] > scores[best] { i } else { best });
    articles[best]
}

/// Copies within a story: an article that shares [`COPY_OVERLAP`] of the shorter one's word
/// 8-grams with an earlier distinct article repeats it.
fn find_copies(documents: &[Document], articles: &[usize]) -> Vec<Copy> {
    let shingles: Vec<HashSet<u64>> = articles.iter().map(|&a| shingles(&documents[a].text)).collect();
    let mut originals: Vec<usize> = Vec::new();
    let mut copies = Vec::new();
    for (i, &article) in articles.iter().enumerate() {
        let repeats = originals.iter().copied().find(|&o| {
            let (a, b) = (&shingles[i], &shingles[o]);
            let shorter = a.len().min(b.len());
            shorter > 0 && a.intersection(b).count() as f64 / shorter as f64 >= COPY_OVERLAP
        });
        match repeats {
            Some(o) => copies.push(Copy { copy: article, of: articles[o] }),
            None => originals.push(i),
        }
    }
    copies
}

/// Hashes of the lower-cased word 8-grams of a text (all its words when it has fewer than 8).
fn shingles(text: &str) -> HashSet<u64> {
    use std::hash::{Hash, Hasher};
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    words
        .windows(8.min(words.len()).max(1))
        .map(|window| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            window.hash(&mut hasher);
            hasher.finish()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprints_are_copies_and_rewrites_are_not() {
        let wire = "The storm reached the coast on Monday night and forced thousands of families to leave their homes before dawn.";
        let docs = vec![
            Document::new("a", wire),
            Document::new("b", format!("{wire} Officials said more rain was due.")),
            Document::new("c", "Thousands fled their homes as a storm came ashore late on Monday, officials said."),
        ];
        let copies = find_copies(&docs, &[0, 1, 2]);
        assert_eq!(copies, vec![Copy { copy: 1, of: 0 }]);
    }

    #[test]
    fn short_identical_texts_are_copies() {
        let docs = vec![Document::new("a", "Vote delayed."), Document::new("b", " Vote delayed. ")];
        assert_eq!(find_copies(&docs, &[0, 1]), vec![Copy { copy: 1, of: 0 }]);
    }

    #[test]
    fn content_words_drop_function_words_and_stem() {
        assert_eq!(content_words("The elections in Brazil were held"), ["elect", "brazil", "hold"]);
    }
}
