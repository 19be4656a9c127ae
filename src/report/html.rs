//! `--format html`: one self-contained page (inline CSS, JS and SVG; no network) with the
//! summary and its evidence, a 2-D map of every sentence coloured by cluster, and the sources.

use std::fmt::Write as _;
use std::io::Write;

use super::WriteError;
use crate::Outcome;

pub(super) const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// Escapes text for HTML element content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A colour per cluster, spread around the hue circle by the golden angle; grey for noise.
fn colour(cluster: Option<usize>) -> String {
    match cluster {
        Some(c) => format!("hsl({:.0}, 62%, 50%)", (c as f64 * 137.508) % 360.0),
        None => "#9aa3ad".to_string(),
    }
}

/// Writes the report for one summarized set.
pub fn write_html(outcome: &Outcome, out: &mut impl Write) -> Result<(), WriteError> {
    let summary = &outcome.summary;
    let docs = &outcome.documents;
    let map = precis_cluster::project_2d(outcome.embeddings.view());

    // The data the script needs; `</` is escaped so no text can close the script element.
    let data = serde_json::json!({
        "n_sources": summary.n_sources,
        "documents": docs.iter().map(|d| serde_json::json!({"id": d.name()})).collect::<Vec<_>>(),
        "sentences": outcome.sentences.iter().map(|s| serde_json::json!({"doc": s.doc, "text": s.text})).collect::<Vec<_>>(),
        "summary": summary.sentences.iter().map(|s| serde_json::json!({
            "sentence": s.sentence, "reported_by": s.reported_by,
            "support": s.support.iter().map(|x| serde_json::json!({"sentence": x.sentence, "cosine": x.cosine})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
    .to_string()
    .replace("</", "<\\/");

    let mut items = String::new();
    for (rank, s) in summary.sentences.iter().enumerate() {
        write!(
            items,
            "<li data-rank=\"{rank}\">{}<span class=\"badge\">{} of {} sources</span></li>",
            escape(&s.text),
            s.reported_by,
            summary.n_sources
        )?;
    }

    let svg = map_svg(outcome, &map);

    let mut agreement = String::new();
    let group_list = |groups: &[precis_summarize::Group], with_count: bool| -> String {
        groups
            .iter()
            .map(|g| {
                let s = &outcome.sentences[g.sentence];
                let who = if with_count {
                    format!("{} of {}", g.sources.len(), summary.n_sources)
                } else {
                    docs[s.doc].id.clone()
                };
                format!("<li>{} <span class=\"badge\">{}</span></li>", escape(&s.text), escape(&who))
            })
            .collect()
    };
    if !summary.agreement.shared.is_empty() {
        write!(
            agreement,
            "<h2>What most sources say</h2><ul class=\"plain\">{}</ul>",
            group_list(&summary.agreement.shared, true)
        )?;
    }
    if !summary.agreement.single_source.is_empty() {
        write!(
            agreement,
            "<h2 style=\"margin-top:14px\">What only one source says</h2><ul class=\"plain\">{}</ul>",
            group_list(&summary.agreement.single_source, false)
        )?;
    }

    let sources: String = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let n = outcome.sentences.iter().filter(|s| s.doc == i).count();
            let extra: Vec<String> = [d.headline(), d.outlet(), d.date.as_deref(), d.url.as_deref()]
                .into_iter()
                .flatten()
                .map(escape)
                .collect();
            format!(
                "<li><b>{}</b> — {n} sentences{}</li>",
                escape(&d.id),
                if extra.is_empty() { String::new() } else { format!(" · {}", extra.join(" · ")) }
            )
        })
        .collect();

    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>precis report</title><style>{CSS}</style></head><body>\
<header><h1>Summary of {n} sources</h1><p>{sentences} sentences · {clusters} groups · made by precis {version}</p></header>\
<main><div><section><h2>Summary</h2><ol class=\"summary\">{items}</ol><div id=\"support\"></div></section>\
<section style=\"margin-top:22px\">{agreement}</section></div>\
<div><section><h2>Map of all sentences</h2>{svg}<p class=\"muted\">PCA of the sentence embeddings; colour = group, \
outlined = in the summary. Hover a point for its sentence.</p></section>\
<section style=\"margin-top:22px\"><h2>Sources</h2><ul class=\"plain\">{sources}</ul></section></div></main>\
<pre id=\"errors\"></pre>\
<script id=\"precis-data\" type=\"application/json\">{data}</script><script>{JS}</script></body></html>\n",
        n = summary.n_sources,
        sentences = outcome.sentences.len(),
        clusters = outcome.clustering.clusters.len(),
        version = env!("CARGO_PKG_VERSION"),
    )?;
    Ok(())
}

/// The map: one circle per sentence, scaled into a fixed view box.
fn map_svg(outcome: &Outcome, map: &ndarray::Array2<f32>) -> String {
    let (width, height, pad) = (560.0f32, 420.0f32, 16.0f32);
    let range = |axis: usize| {
        let column = map.column(axis);
        let lo = column.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = column.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        (lo, (hi - lo).max(1e-6))
    };
    let ((x0, dx), (y0, dy)) = (range(0), range(1));
    let selected: std::collections::HashSet<usize> = outcome.summary.sentences.iter().map(|s| s.sentence).collect();
    let mut svg =
        format!("<svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"map of sentences\">");
    for (i, sentence) in outcome.sentences.iter().enumerate() {
        let x = pad + (map[[i, 0]] - x0) / dx * (width - 2.0 * pad);
        let y = height - pad - (map[[i, 1]] - y0) / dy * (height - 2.0 * pad);
        let chosen = selected.contains(&i);
        let _ = write!(
            svg,
            "<circle class=\"pt{}\" data-s=\"{i}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"{}\"><title>{}: {}</title></circle>",
            if chosen { " selected" } else { "" },
            if chosen { 7.0 } else { 4.5 },
            colour(outcome.clustering.labels[i]),
            escape(&outcome.documents[sentence.doc].name()),
            escape(&sentence.text),
        );
    }
    svg.push_str("</svg>");
    svg
}
