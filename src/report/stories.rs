//! The result of `precis stories` in every format: text, one JSON document, JSON lines (one
//! document set per story, which `precis batch` and the Spark job read back), CSV (one row per
//! article) and an HTML page.

use std::fmt::Write as _;
use std::io::Write;

use serde_json::{Value, json};

use super::{SCHEMA_VERSION, SummaryReport, WriteError, html::escape};
use crate::stories::{Stories, Story};

/// The views of a grouped feed.
pub struct StoriesReport<'a> {
    stories: &'a Stories,
}

/// The role of an article in its story, as the CSV's `role` column says it.
fn role(story: &Story, article: usize) -> &'static str {
    if story.copies.iter().any(|c| c.copy == article) {
        "copy"
    } else if story.is_singleton() {
        "singleton"
    } else {
        "article"
    }
}

impl<'a> StoriesReport<'a> {
    /// The report of a grouped feed.
    pub fn new(stories: &'a Stories) -> Self {
        Self { stories }
    }

    fn copy_of(&self, story: &Story, article: usize) -> Option<&'a str> {
        let copy = story.copies.iter().find(|c| c.copy == article)?;
        Some(self.stories.documents[copy.of].id.as_str())
    }

    /// An article as people name it: headline, outlet, date.
    fn article_json(&self, story: &Story, article: usize, with_text: bool) -> Value {
        let d = &self.stories.documents[article];
        let mut value = json!({
            "id": d.id, "title": d.headline(), "source": d.outlet(), "date": d.date, "url": d.url,
        });
        if let Some(of) = self.copy_of(story, article) {
            value["copy_of"] = json!(of);
        }
        if with_text {
            value["text"] = json!(d.text);
        }
        value
    }

    /// One story as an object: its fields, its articles and (when summarized) its summary in the
    /// form `precis batch` writes. `with_text` includes the articles' texts, so the object is a
    /// document set again.
    fn story_json(&self, story: &Story, with_text: bool) -> Value {
        let key = if with_text { "docs" } else { "articles" };
        let mut value = json!({
            "id": story.id,
            "label": story.label,
            "singleton": story.is_singleton(),
            "size": story.distinct().count(),
            "first_date": story.first_date,
            "last_date": story.last_date,
            key: story.articles.iter().map(|&a| self.article_json(story, a, with_text)).collect::<Vec<_>>(),
        });
        match &story.summary {
            Some(Ok(outcome)) => {
                let line = SummaryReport::new(outcome).batch_line(&story.id);
                value["summary"] = line["summary"].clone();
                value["sentences"] = line["sentences"].clone();
            }
            Some(Err(error)) => value["error"] = json!(error.to_string()),
            None => {}
        }
        value
    }

    /// One JSON document with a schema_version: every story with its articles and summary.
    pub fn write_json(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let whole = json!({
            "schema_version": SCHEMA_VERSION,
            "articles": self.stories.documents.len(),
            "stories": self.stories.stories.iter().map(|s| self.story_json(s, false)).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut *out, &whole)?;
        out.write_all(b"\n")?;
        Ok(())
    }

    /// One story per line, each a document set (`{"id", "docs": [...], ...}`) with its summary.
    pub fn write_jsonl(&self, out: &mut impl Write) -> Result<(), WriteError> {
        for story in &self.stories.stories {
            serde_json::to_writer(&mut *out, &self.story_json(story, true))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// One row per article: story, role (article, copy or singleton), id, title, source, date,
    /// url, copy_of, and the story's label.
    pub fn write_csv(&self, out: &mut impl Write) -> Result<(), WriteError> {
        self.write_csv_rows(out, true)
    }

    /// The rows of [`StoriesReport::write_csv`], with the header line or without it (for stories
    /// written in parts as a stream closes them).
    pub fn write_csv_rows(&self, out: &mut impl Write, header: bool) -> Result<(), WriteError> {
        let mut csv = csv::Writer::from_writer(out);
        if header {
            csv.write_record(["story", "role", "id", "title", "source", "date", "url", "copy_of", "story_label"])?;
        }
        for story in &self.stories.stories {
            for &article in &story.articles {
                let d = &self.stories.documents[article];
                csv.write_record([
                    story.id.as_str(),
                    role(story, article),
                    &d.id,
                    d.headline().unwrap_or_default(),
                    d.outlet().unwrap_or_default(),
                    d.date.as_deref().unwrap_or_default(),
                    d.url.as_deref().unwrap_or_default(),
                    self.copy_of(story, article).unwrap_or_default(),
                    &story.label,
                ])?;
            }
        }
        csv.flush()?;
        Ok(())
    }

    fn name(&self, article: usize) -> String {
        let d = &self.stories.documents[article];
        let mut name = d.headline().unwrap_or(&d.id).to_string();
        if let Some(outlet) = d.outlet() {
            name.push_str(" — ");
            name.push_str(outlet);
        }
        if let Some(date) = &d.date {
            write!(name, " ({date})").expect("writing to a String");
        }
        name
    }

    fn span(story: &Story) -> String {
        match (&story.first_date, &story.last_date) {
            (Some(first), Some(last)) if first != last => format!(", {first} to {last}"),
            (Some(date), _) => format!(", {date}"),
            _ => String::new(),
        }
    }

    /// The stories for people: label, articles, then the summary with its sources.
    pub fn write_text(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let stories = &self.stories.stories;
        let singletons = stories.iter().filter(|s| s.is_singleton()).count();
        writeln!(
            out,
            "{} articles: {} stories, {singletons} articles alone\n",
            self.stories.documents.len(),
            stories.len() - singletons
        )?;
        self.write_stories_text(out)
    }

    /// The stories of [`StoriesReport::write_text`] without its count line.
    pub fn write_stories_text(&self, out: &mut impl Write) -> Result<(), WriteError> {
        for story in &self.stories.stories {
            let size = story.distinct().count();
            let articles = if size == 1 { "article".to_string() } else { format!("{size} articles") };
            writeln!(out, "{} · {} ({articles}{})", story.id, story.label, Self::span(story))?;
            for &article in &story.articles {
                match self.copy_of(story, article) {
                    Some(of) => writeln!(out, "  - {} [copy of {of}]", self.name(article))?,
                    None => writeln!(out, "  - {}", self.name(article))?,
                }
            }
            match &story.summary {
                Some(Ok(outcome)) => {
                    writeln!(out)?;
                    let mut summary = Vec::new();
                    SummaryReport::new(outcome).write_summary_text(&mut summary)?;
                    for line in String::from_utf8_lossy(&summary).lines() {
                        writeln!(out, "    {line}")?;
                    }
                }
                Some(Err(error)) => writeln!(out, "    (no summary: {error})")?,
                None => {}
            }
            writeln!(out)?;
        }
        Ok(())
    }

    /// One self-contained page: stories as a list with sizes and dates, each opening to its
    /// summary and articles.
    pub fn write_html(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let mut body = String::new();
        for story in &self.stories.stories {
            let size = story.distinct().count();
            write!(
                body,
                "<details><summary><b>{}</b> <span class=\"badge\">{size} article{}</span><span class=\"muted\">{}</span></summary>",
                escape(&story.label),
                if size == 1 { "" } else { "s" },
                escape(&Self::span(story)),
            )?;
            if let Some(Ok(outcome)) = &story.summary {
                body.push_str("<ol class=\"summary\">");
                let n = outcome.summary.n_sources;
                for s in &outcome.summary.sentences {
                    write!(
                        body,
                        "<li>{}<span class=\"badge\">{} of {n} sources</span></li>",
                        escape(&s.text),
                        s.reported_by
                    )?;
                }
                body.push_str("</ol>");
            }
            body.push_str("<ul class=\"plain\">");
            for &article in &story.articles {
                let d = &self.stories.documents[article];
                let name = escape(&self.name(article));
                let copy = self
                    .copy_of(story, article)
                    .map(|of| format!(" <span class=\"muted\">copy of {}</span>", escape(of)));
                match &d.url {
                    Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                        write!(body, "<li><a href=\"{}\">{name}</a>{}</li>", escape(url), copy.unwrap_or_default())?
                    }
                    _ => write!(body, "<li>{name}{}</li>", copy.unwrap_or_default())?,
                }
            }
            body.push_str("</ul></details>");
        }
        let stories = &self.stories.stories;
        let singletons = stories.iter().filter(|s| s.is_singleton()).count();
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>precis stories</title><style>{}\ndetails {{ background: #fff; border: 1px solid #e1e5ea; border-radius: 8px; padding: 10px 16px; margin: 0 0 10px; }}\
summary {{ cursor: pointer; }} .stories {{ padding: 22px 28px; max-width: 980px; }}</style></head><body>\
<header><h1>precis stories</h1><p>{} articles: {} stories, {singletons} articles alone</p></header><div class=\"stories\">{body}</div></body></html>\n",
            super::html::CSS,
            self.stories.documents.len(),
            stories.len() - singletons,
        )?;
        Ok(())
    }
}
