//! Serializable views of results, shared by the output formats, and the HTML page
//! ([`write_html`]). Field names here are the documented output schema (README, "Output schema").

mod html;
mod stories;

pub use html::write_html;
pub use stories::StoriesReport;

use std::io::Write;

use precis_cluster::Clustering;
use precis_text::{Document, Sentence};
use serde::Serialize;

/// Version of the JSON output schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One sentence with its cluster.
#[derive(Serialize)]
pub struct SentenceRow<'a> {
    doc: &'a str,
    index: usize,
    span_start: usize,
    span_end: usize,
    text: &'a str,
    cluster: Option<usize>,
    is_medoid: bool,
    cosine: Option<f32>,
}

/// One cluster with its support.
#[derive(Serialize)]
pub struct ClusterRow<'a> {
    id: usize,
    size: usize,
    n_sources: usize,
    sources: Vec<&'a str>,
    cohesion: f32,
    medoid_doc: &'a str,
    medoid_index: usize,
    medoid_text: &'a str,
}

#[derive(Serialize)]
struct DocumentRow<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    sentences: usize,
}

/// The result of `precis cluster`, ready to write in any format.
pub struct ClusterReport<'a> {
    documents: Vec<DocumentRow<'a>>,
    sentences: Vec<SentenceRow<'a>>,
    clusters: Vec<ClusterRow<'a>>,
}

impl<'a> ClusterReport<'a> {
    /// The report of one clustering of `sentences` (of `documents`).
    pub fn new(documents: &'a [Document], sentences: &'a [Sentence], clustering: &'a Clustering) -> Self {
        let medoids: std::collections::HashSet<usize> = clustering.clusters.iter().map(|c| c.medoid).collect();
        let doc_rows = documents
            .iter()
            .enumerate()
            .map(|(i, d)| DocumentRow {
                id: &d.id,
                title: d.title.as_deref(),
                source: d.source.as_deref(),
                date: d.date.as_deref(),
                url: d.url.as_deref(),
                sentences: sentences.iter().filter(|s| s.doc == i).count(),
            })
            .collect();
        let sentence_rows = sentences
            .iter()
            .enumerate()
            .map(|(i, s)| SentenceRow {
                doc: &documents[s.doc].id,
                index: s.index,
                span_start: s.char_span.start,
                span_end: s.char_span.end,
                text: &s.text,
                cluster: clustering.labels[i],
                is_medoid: medoids.contains(&i),
                cosine: clustering.cosine_to_centroid[i],
            })
            .collect();
        let cluster_rows = clustering
            .clusters
            .iter()
            .map(|c| {
                let medoid = &sentences[c.medoid];
                ClusterRow {
                    id: c.id,
                    size: c.size(),
                    n_sources: c.sources.len(),
                    sources: c.sources.iter().map(|&d| documents[d].id.as_str()).collect(),
                    cohesion: c.cohesion,
                    medoid_doc: &documents[medoid.doc].id,
                    medoid_index: medoid.index,
                    medoid_text: &medoid.text,
                }
            })
            .collect();
        Self { documents: doc_rows, sentences: sentence_rows, clusters: cluster_rows }
    }

    /// One JSON document: schema_version, documents, sentences, clusters.
    pub fn write_json(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let whole = serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "documents": self.documents,
            "sentences": self.sentences,
            "clusters": self.clusters,
        });
        serde_json::to_writer_pretty(&mut *out, &whole)?;
        out.write_all(b"\n")?;
        Ok(())
    }

    /// One JSON line per sentence.
    pub fn write_sentence_jsonl(&self, out: &mut impl Write) -> Result<(), WriteError> {
        write_jsonl(out, &self.sentences)
    }

    /// One JSON line per cluster.
    pub fn write_cluster_jsonl(&self, out: &mut impl Write) -> Result<(), WriteError> {
        write_jsonl(out, &self.clusters)
    }

    /// CSV with a header, one line per sentence.
    pub fn write_sentence_csv(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let mut csv = csv::Writer::from_writer(out);
        for row in &self.sentences {
            csv.serialize(row)?;
        }
        csv.flush()?;
        Ok(())
    }

    /// CSV with a header, one line per cluster.
    pub fn write_cluster_csv(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record([
            "id",
            "size",
            "n_sources",
            "sources",
            "cohesion",
            "medoid_doc",
            "medoid_index",
            "medoid_text",
        ])?;
        for row in &self.clusters {
            // The csv crate cannot flatten a list into one field: sources are joined with ';'.
            csv.write_record([
                row.id.to_string(),
                row.size.to_string(),
                row.n_sources.to_string(),
                row.sources.join(";"),
                row.cohesion.to_string(),
                row.medoid_doc.to_string(),
                row.medoid_index.to_string(),
                row.medoid_text.to_string(),
            ])?;
        }
        csv.flush()?;
        Ok(())
    }
}

fn write_jsonl<T: Serialize>(out: &mut impl Write, rows: &[T]) -> Result<(), WriteError> {
    for row in rows {
        serde_json::to_writer(&mut *out, row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One sentence of a summarized set, as jsonl, csv and the npy sidecar write it.
#[derive(Serialize)]
struct SentenceSummaryRow<'a> {
    doc: &'a str,
    index: usize,
    span_start: usize,
    span_end: usize,
    text: &'a str,
    cluster: Option<usize>,
    selected: bool,
    summary_rank: Option<usize>,
    score: f32,
    support: usize,
    reported_by: usize,
}

/// The result of `precis summarize` (and one line of `precis batch`).
pub struct SummaryReport<'a> {
    outcome: &'a crate::Outcome,
}

impl<'a> SummaryReport<'a> {
    /// The report of one summarized set.
    pub fn new(outcome: &'a crate::Outcome) -> Self {
        Self { outcome }
    }

    fn doc_id(&self, doc: usize) -> &str {
        &self.outcome.documents[doc].id
    }

    fn sentence_json(&self, selected: &precis_summarize::Selected) -> serde_json::Value {
        let o = self.outcome;
        let support: Vec<serde_json::Value> = selected
            .support
            .iter()
            .map(|s| {
                let sentence = &o.sentences[s.sentence];
                serde_json::json!({
                    "doc": self.doc_id(s.doc), "index": sentence.index,
                    "span": [sentence.char_span.start, sentence.char_span.end],
                    "text": sentence.text, "cosine": s.cosine,
                })
            })
            .collect();
        serde_json::json!({
            "doc": self.doc_id(selected.doc),
            "index": o.sentences[selected.sentence].index,
            "span": [selected.char_span.start, selected.char_span.end],
            "text": selected.text,
            "cluster": selected.cluster,
            "reported_by": selected.reported_by,
            "support": support,
        })
    }

    fn group_json(&self, group: &precis_summarize::Group) -> serde_json::Value {
        let sentence = &self.outcome.sentences[group.sentence];
        serde_json::json!({
            "cluster": group.cluster,
            "sources": group.sources.iter().map(|&d| self.doc_id(d)).collect::<Vec<_>>(),
            "doc": self.doc_id(sentence.doc), "index": sentence.index, "text": sentence.text,
        })
    }

    /// One row per sentence of every document, for notebooks: the selection and its evidence as
    /// columns. `score` is the sentence's cosine to the set's centroid; `support` is how many
    /// sources its cluster spans (a topic), `reported_by` how many say the same (a claim).
    fn rows(&self) -> Vec<SentenceSummaryRow<'_>> {
        let o = self.outcome;
        let selected: std::collections::HashMap<usize, usize> =
            o.summary.sentences.iter().enumerate().map(|(rank, s)| (s.sentence, rank)).collect();
        let mut centroid = o.embeddings.mean_axis(ndarray::Axis(0)).expect("at least one sentence");
        centroid /= centroid.dot(&centroid).sqrt().max(1e-12);
        o.sentences
            .iter()
            .enumerate()
            .map(|(i, s)| SentenceSummaryRow {
                doc: self.doc_id(s.doc),
                index: s.index,
                span_start: s.char_span.start,
                span_end: s.char_span.end,
                text: &s.text,
                cluster: o.clustering.labels[i],
                selected: selected.contains_key(&i),
                summary_rank: selected.get(&i).copied(),
                score: {
                    let row = o.embeddings.row(i);
                    row.dot(&centroid) / row.dot(&row).sqrt().max(1e-12)
                },
                support: o.clustering.labels[i].map_or(1, |c| o.clustering.clusters[c].sources.len()),
                reported_by: o.summary.reported_by[i],
            })
            .collect()
    }

    /// One JSON line per sentence of every document: cluster, selected, score, support.
    pub fn write_rows_jsonl(&self, out: &mut impl Write) -> Result<(), WriteError> {
        write_jsonl(out, &self.rows())
    }

    /// The same rows as CSV with a header.
    pub fn write_rows_csv(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let mut csv = csv::Writer::from_writer(out);
        for row in self.rows() {
            csv.serialize(row)?;
        }
        csv.flush()?;
        Ok(())
    }

    /// The line `precis batch` writes for a set.
    pub fn batch_line(&self, id: &str) -> serde_json::Value {
        let summary = &self.outcome.summary;
        serde_json::json!({
            "id": id,
            "summary": summary.text(),
            "sentences": summary.sentences.iter().map(|s| self.sentence_json(s)).collect::<Vec<_>>(),
        })
    }

    /// One JSON document with a schema_version: documents, summary with evidence, agreement.
    pub fn write_json(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let o = self.outcome;
        let agreement = &o.summary.agreement;
        let whole = serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "documents": o.documents.iter().map(|d| serde_json::json!({
                "id": d.id, "title": d.title, "source": d.source, "date": d.date, "url": d.url,
            })).collect::<Vec<_>>(),
            "summary": o.summary.sentences.iter().map(|s| self.sentence_json(s)).collect::<Vec<_>>(),
            "agreement": {
                "shared": agreement.shared.iter().map(|g| self.group_json(g)).collect::<Vec<_>>(),
                "single_source": agreement.single_source.iter().map(|g| self.group_json(g)).collect::<Vec<_>>(),
            },
        });
        serde_json::to_writer_pretty(&mut *out, &whole)?;
        out.write_all(b"\n")?;
        Ok(())
    }

    /// The summary's sentences, each followed by the sources that report it (outlets where the
    /// documents name them, else their ids).
    pub fn write_summary_text(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let o = self.outcome;
        let name = |doc: usize| self.outcome.documents[doc].name();
        for selected in &o.summary.sentences {
            let mut sources = vec![name(selected.doc)];
            sources.extend(selected.support.iter().map(|s| name(s.doc)));
            writeln!(out, "{}", selected.text)?;
            // Headlines hold commas; a semicolon keeps the names apart.
            writeln!(out, "    [{} of {} sources: {}]", selected.reported_by, o.summary.n_sources, sources.join("; "))?;
        }
        Ok(())
    }

    /// The summary for people: each sentence with the sources that report it, then what most
    /// sources share and what one source alone says.
    pub fn write_text(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let o = self.outcome;
        let n = o.summary.n_sources;
        self.write_summary_text(out)?;
        let agreement = &o.summary.agreement;
        if !agreement.shared.is_empty() {
            writeln!(out, "\nWhat most sources say:")?;
            for group in &agreement.shared {
                let text = &o.sentences[group.sentence].text;
                writeln!(out, "  - ({} of {n}) {text}", group.sources.len())?;
            }
        }
        if !agreement.single_source.is_empty() {
            writeln!(out, "\nWhat only one source says:")?;
            for group in &agreement.single_source {
                let sentence = &o.sentences[group.sentence];
                writeln!(out, "  - [{}] {}", self.outcome.documents[sentence.doc].name(), sentence.text)?;
            }
        }
        Ok(())
    }
}

/// Why a report could not be written: the output failed, or a value would not serialize.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Writing to the output failed (a closed pipe, a full disk).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// JSON serialization or output failed.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// CSV output failed.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// Formatting the page failed.
    #[error(transparent)]
    Fmt(#[from] std::fmt::Error),
}

impl WriteError {
    /// The kind of the I/O error underneath, if the output itself failed (so a caller can tell a
    /// reader that closed its pipe from a real failure).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            WriteError::Io(e) => Some(e.kind()),
            WriteError::Json(e) => e.io_error_kind(),
            WriteError::Csv(e) => match e.kind() {
                csv::ErrorKind::Io(e) => Some(e.kind()),
                _ => None,
            },
            WriteError::Fmt(_) => None,
        }
    }
}
