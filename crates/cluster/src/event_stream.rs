//! Event grouping of a feed too large to hold: articles arrive in date order, are grouped a time
//! window at a time, and join the events still open; an event closes once no article has joined
//! it for a while, and is handed back then, so memory holds only the open window.
//!
//! Within a window the articles are grouped exactly as [`EventValidParams::group`] does. Each
//! window group then joins the open event it is closest to by average linkage, if that is above
//! the threshold, or opens an event of its own. Average linkage between two groups needs only
//! their sums: for unit vectors, the mean pairwise cosine of two groups is the dot product of their
//! sums divided by both sizes. So each open event keeps the sum of its articles' embeddings and of
//! their TF-IDF word vectors, not the articles. An event that grew is then merged with an open
//! event as close to it as a group would need to be to join. What differs from grouping the whole
//! feed at once: word weights (idf) come from the articles held when an article arrives (its
//! window and the open events), and groups once formed are not split again.

use std::collections::HashMap;

use ndarray::Array2;

use crate::agglomerative::root;
use crate::error::{Error, Result};
use crate::events::{EventValidParams, MAX_EVENT_ARTICLES, blend, idf, term_counts, weigh};

/// One article of a feed: a caller's key, its day (any day count, e.g. days since 1970), its
/// embedding and content words.
#[derive(Debug, Clone)]
pub struct StreamArticle {
    /// What the caller knows it by; closed events list these.
    pub key: usize,
    /// Its day; articles must come in non-decreasing windows of days.
    pub day: i64,
    /// Its embedding (any scale).
    pub vector: Vec<f32>,
    /// Its content words.
    pub terms: Vec<String>,
}

/// An event no article has joined for the open period: its articles' keys, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedEvent {
    /// Keys of its articles in the order they were grouped (by day, then words).
    pub keys: Vec<usize>,
}

#[derive(Debug)]
struct OpenEvent {
    keys: Vec<usize>,
    last_day: i64,
    vector_sum: Vec<f32>,
    words_sum: HashMap<String, f64>,
    /// How many of its articles hold each word: what closing it takes off the stream's counts.
    df: HashMap<String, usize>,
}

/// Groups a date-ordered feed window by window; see the module documentation.
///
/// ```
/// use precis_cluster::{EventParams, ParamGuard, StreamArticle};
///
/// let article = |key, day, vector: [f32; 2], words: &str| StreamArticle {
///     key, day, vector: vector.to_vec(), terms: words.split(' ').map(String::from).collect(),
/// };
/// let mut stream = EventParams::new().check()?.stream(1, 3)?;
/// let mut closed = Vec::new();
/// closed.extend(stream.push(article(0, 0, [1.0, 0.1], "storm coast flood"))?);
/// closed.extend(stream.push(article(1, 1, [0.9, 0.2], "storm coast rain"))?);
/// closed.extend(stream.push(article(2, 9, [0.1, 1.0], "vote senate budget"))?); // the storm closes
/// closed.extend(stream.finish()?);
/// let keys: Vec<Vec<usize>> = closed.into_iter().map(|e| e.keys).collect();
/// assert_eq!(keys, [vec![0, 1], vec![2]]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct EventStream {
    params: EventValidParams,
    window_days: i64,
    open_days: i64,
    window_start: Option<i64>,
    pending: Vec<StreamArticle>,
    open: Vec<OpenEvent>,
    /// Articles held in open events holding each word.
    df: HashMap<String, usize>,
    held_articles: usize,
}

impl EventValidParams {
    /// A stream that groups `window_days` days at a time and closes an event `open_days` after its
    /// last article. Both at least 1.
    pub fn stream(&self, window_days: u32, open_days: u32) -> Result<EventStream> {
        if window_days == 0 || open_days == 0 {
            return Err(Error::ZeroDays);
        }
        Ok(EventStream {
            params: self.clone(),
            window_days: i64::from(window_days),
            open_days: i64::from(open_days),
            window_start: None,
            pending: Vec::new(),
            open: Vec::new(),
            df: HashMap::new(),
            held_articles: 0,
        })
    }
}

impl EventStream {
    /// Adds an article; returns the events that its day closed. An article dated before the
    /// current window is an error ([`Error::OutOfOrder`]): the feed must be sorted by date.
    pub fn push(&mut self, article: StreamArticle) -> Result<Vec<ClosedEvent>> {
        let start = *self.window_start.get_or_insert(article.day);
        if article.day < start {
            return Err(Error::OutOfOrder { day: article.day, window_start: start });
        }
        let mut closed = Vec::new();
        if article.day >= start + self.window_days {
            self.flush()?;
            self.window_start = Some(article.day);
            closed = self.close_before(article.day - self.open_days);
        }
        if self.pending.len() == MAX_EVENT_ARTICLES {
            return Err(Error::TooManyArticles { articles: MAX_EVENT_ARTICLES + 1, limit: MAX_EVENT_ARTICLES });
        }
        self.pending.push(article);
        Ok(closed)
    }

    /// Groups what is left and closes every event; the stream can go on afterwards (with later days).
    pub fn finish(&mut self) -> Result<Vec<ClosedEvent>> {
        self.flush()?;
        Ok(self.close_before(i64::MAX))
    }

    /// Articles held: in the window being filled, and in open events (as keys only).
    pub fn held(&self) -> (usize, usize) {
        (self.pending.len(), self.open.iter().map(|e| e.keys.len()).sum())
    }

    fn close_before(&mut self, day: i64) -> Vec<ClosedEvent> {
        let (closed, open): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.open).into_iter().partition(|e| e.last_day < day);
        self.open = open;
        for event in &closed {
            self.held_articles -= event.keys.len();
            for (word, n) in &event.df {
                if let Some(count) = self.df.get_mut(word) {
                    *count -= n;
                    if *count == 0 {
                        self.df.remove(word);
                    }
                }
            }
        }
        closed.into_iter().map(|e| ClosedEvent { keys: e.keys }).collect()
    }

    /// Groups the window's articles, then joins each group to its closest open event or opens one.
    fn flush(&mut self) -> Result<()> {
        let mut articles = std::mem::take(&mut self.pending);
        if articles.is_empty() {
            return Ok(());
        }
        // Arrival order within a window does not matter: sort by day, then words, then vector.
        articles.sort_by(|a, b| {
            (a.day, &a.terms)
                .cmp(&(b.day, &b.terms))
                .then_with(|| a.vector.iter().map(|x| x.to_bits()).cmp(b.vector.iter().map(|x| x.to_bits())))
        });
        let dim = articles[0].vector.len();
        let mut flat = Vec::with_capacity(articles.len() * dim);
        for a in &articles {
            if a.vector.len() != dim {
                return Err(Error::Mismatch { what: "vector components", expected: dim, got: a.vector.len() });
            }
            flat.extend_from_slice(&a.vector);
        }
        let vectors = Array2::from_shape_vec((articles.len(), dim), flat).expect("rows of equal length");
        let unit = crate::clustering::unit_rows(vectors.view(), &vec![0; articles.len()])?;
        // Word weights: idf over every article held (this window and the open events), so that
        // a word common in the news of the period weighs little however small the window. Every
        // word counts, even one found once: it may be what links an article to an open event.
        let counts: Vec<HashMap<&str, usize>> = articles.iter().map(|a| term_counts(&a.terms)).collect();
        for &word in counts.iter().flat_map(HashMap::keys) {
            *self.df.entry(word.to_string()).or_insert(0) += 1;
        }
        self.held_articles += articles.len();
        let mut names: Vec<&str> = counts.iter().flat_map(|tf| tf.keys().copied()).collect();
        names.sort_unstable();
        names.dedup();
        let id: HashMap<&str, usize> = names.iter().enumerate().map(|(i, &w)| (w, i)).collect();
        let held = self.held_articles as f64;
        let words = weigh(&counts, &id, |w| idf(held, self.df[w]));
        let groups = self.params.link(unit.view(), &words);

        // Each window group as sums, in order of its first article.
        let count = groups.iter().max().map_or(0, |&g| g + 1);
        let mut sums: Vec<OpenEvent> = (0..count)
            .map(|_| OpenEvent {
                keys: Vec::new(),
                last_day: i64::MIN,
                vector_sum: vec![0.0; dim],
                words_sum: HashMap::new(),
                df: HashMap::new(),
            })
            .collect();
        for (i, &g) in groups.iter().enumerate() {
            let sum = &mut sums[g];
            sum.keys.push(articles[i].key);
            sum.last_day = sum.last_day.max(articles[i].day);
            sum.vector_sum.iter_mut().zip(unit.row(i)).for_each(|(s, v)| *s += v);
            for &(t, w) in &words[i] {
                *sum.words_sum.entry(names[t].to_string()).or_insert(0.0) += w;
            }
            for &word in counts[i].keys() {
                *sum.df.entry(word.to_string()).or_insert(0) += 1;
            }
        }

        // Each window group joins the open event it is closest to, or opens one.
        let joins = self.closest(&sums.iter().collect::<Vec<_>>(), |_, _| false);
        let mut touched = Vec::new();
        for (group, join) in sums.into_iter().zip(joins) {
            match join {
                Some(e) => {
                    absorb(&mut self.open[e], group);
                    touched.push(e);
                }
                None => {
                    self.open.push(group);
                    touched.push(self.open.len() - 1);
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        // An event that grew may now be as close to another open event as a window group would
        // need to be to join it: merge those (a story seen first as two).
        let grown: Vec<&OpenEvent> = touched.iter().map(|&e| &self.open[e]).collect();
        let partners = self.closest(&grown, |g, e| touched[g] == e);
        let mut into: Vec<usize> = (0..self.open.len()).collect();
        for (&e, partner) in touched.iter().zip(partners) {
            if let Some(p) = partner {
                let (a, b) = (root(&mut into, e), root(&mut into, p));
                into[a.max(b)] = a.min(b);
            }
        }
        let mut merged: Vec<Option<OpenEvent>> = std::mem::take(&mut self.open).into_iter().map(Some).collect();
        for e in (0..merged.len()).rev() {
            let target = root(&mut into, e);
            if target != e {
                let event = merged[e].take().expect("merged once");
                absorb(merged[target].as_mut().expect("targets come first"), event);
            }
        }
        self.open = merged.into_iter().flatten().collect();
        Ok(())
    }

    /// For each of `groups`, the open event it has the highest average linkage with, if that
    /// reaches the threshold; pairs `(group, event)` for which `skip` holds are not considered.
    /// Word dots go through an index of the open events' words.
    fn closest(&self, groups: &[&OpenEvent], skip: impl Fn(usize, usize) -> bool) -> Vec<Option<usize>> {
        let mut index: HashMap<&str, Vec<(usize, f64)>> = HashMap::new();
        for (e, event) in self.open.iter().enumerate() {
            for (word, &w) in &event.words_sum {
                index.entry(word.as_str()).or_default().push((e, w));
            }
        }
        let alpha = f64::from(self.params.embedding_weight());
        let threshold = f64::from(self.params.threshold());
        groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let mut words_dot = vec![0f64; self.open.len()];
                for (word, &w) in &group.words_sum {
                    for &(e, other) in index.get(word.as_str()).map(Vec::as_slice).unwrap_or_default() {
                        words_dot[e] += w * other;
                    }
                }
                self.open
                    .iter()
                    .enumerate()
                    .filter(|&(e, _)| !skip(g, e))
                    .map(|(e, event)| {
                        let pairs = (group.keys.len() * event.keys.len()) as f64;
                        let vector_dot: f32 = group.vector_sum.iter().zip(&event.vector_sum).map(|(a, b)| a * b).sum();
                        (e, blend(alpha, f64::from(vector_dot), words_dot[e]) / pairs)
                    })
                    .filter(|&(_, similarity)| similarity >= threshold)
                    .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|(e, _)| e)
            })
            .collect()
    }
}

/// Adds `group`'s articles and sums to `event`.
fn absorb(event: &mut OpenEvent, group: OpenEvent) {
    event.keys.extend(group.keys);
    event.last_day = event.last_day.max(group.last_day);
    event.vector_sum.iter_mut().zip(&group.vector_sum).for_each(|(s, v)| *s += v);
    for (word, w) in group.words_sum {
        *event.words_sum.entry(word).or_insert(0.0) += w;
    }
    for (word, n) in group.df {
        *event.df.entry(word).or_insert(0) += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventParams, ParamGuard};

    fn article(key: usize, day: i64, vector: [f32; 2], words: &str) -> StreamArticle {
        StreamArticle { key, day, vector: vector.to_vec(), terms: words.split(' ').map(String::from).collect() }
    }

    fn run(stream: &mut EventStream, articles: Vec<StreamArticle>) -> Vec<Vec<usize>> {
        let mut closed = Vec::new();
        for a in articles {
            closed.extend(stream.push(a).unwrap());
        }
        closed.into_iter().map(|e| e.keys).collect()
    }

    #[test]
    fn a_later_window_joins_the_open_event_and_an_old_one_closes() {
        let mut stream = EventParams::new().check().unwrap().stream(2, 5).unwrap();
        let mut keys = run(
            &mut stream,
            vec![
                article(0, 0, [1.0, 0.0], "quake city toll rescue"),
                article(1, 0, [0.0, 1.0], "cup final goal penalty"),
                article(2, 3, [1.0, 0.1], "quake toll rescue aftershock"),
                article(3, 20, [0.7, 0.7], "budget senate vote"),
            ],
        );
        keys.extend(stream.finish().unwrap().into_iter().map(|e| e.keys));
        // Within a window, groups are numbered by their words ("cup" before "quake").
        assert_eq!(keys, [vec![1], vec![0, 2], vec![3]]);
    }

    #[test]
    fn order_within_a_window_does_not_matter_but_dates_must_not_go_back() {
        let params = EventParams::new().check().unwrap();
        let feed = [article(0, 0, [1.0, 0.0], "quake city toll"), article(1, 0, [0.9, 0.1], "quake city rescue")];
        let forward = params.stream(1, 1).unwrap();
        let backward = params.stream(1, 1).unwrap();
        let collect = |mut s: EventStream, order: Vec<StreamArticle>| {
            for a in order {
                s.push(a).unwrap();
            }
            s.finish().unwrap()
        };
        let a = collect(forward, feed.to_vec());
        let b = collect(backward, feed.iter().rev().cloned().collect());
        assert_eq!(a, b);
        let mut stream = params.stream(1, 1).unwrap();
        stream.push(article(0, 5, [1.0, 0.0], "a b")).unwrap();
        assert!(matches!(stream.push(article(1, 4, [1.0, 0.0], "a b")), Err(Error::OutOfOrder { day: 4, .. })));
        assert!(matches!(params.stream(0, 1), Err(Error::ZeroDays)));
    }
}
