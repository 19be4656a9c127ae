//! Scoring summaries against references (`precis eval`): reading both files, ROUGE for every set.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use precis_summarize::{Limit, RougeScores, rouge, summary_lines};
use serde::Serialize;

use crate::report::WriteError;

/// Why summaries could not be scored; each message names the file (and line) at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A file could not be read.
    #[error("cannot read {what} {}", path.display())]
    Read {
        /// "summaries" or "references".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not JSON.
    #[error("{}:{line}: malformed JSON", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// A line is JSON of the wrong shape.
    #[error("{}:{line}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The system file has no summary to score.
    #[error("{} holds no summaries to score (it is empty, or holds only error lines)", path.display())]
    NoSummaries {
        /// The system file.
        path: PathBuf,
    },
    /// The data file has no reference summaries.
    #[error("{} holds no reference summaries (records need \"refs\": [...])", path.display())]
    NoReferences {
        /// The data file.
        path: PathBuf,
    },
    /// A system summary's set has no references.
    #[error("{}:{line}: references missing for id {id:?} in {}", system.display(), data.display())]
    MissingReferences {
        /// The system file.
        system: PathBuf,
        /// Its line.
        line: usize,
        /// The set id.
        id: String,
        /// The data file.
        data: PathBuf,
    },
}

/// Scores of every set, and their mean.
#[derive(Serialize)]
pub struct Evaluation {
    schema_version: u32,
    sets: usize,
    mean: RougeScores,
    per_set: Vec<SetScores>,
    missing: Vec<String>,
}

#[derive(Serialize)]
struct SetScores {
    id: String,
    scores: RougeScores,
}

/// Scores `system` (JSON lines `{"id", "summary"}`) against the references of `data` (JSON lines
/// `{"id", "refs": [...]}`). A set without a system summary scores 0 and is reported; a system
/// summary whose set has no references, a summary that is not a string, and a system file with no
/// summary at all are errors.
pub fn evaluate(system: &Path, data: &Path, limit: Limit) -> Result<Evaluation, EvalError> {
    let references = read_references(data)?;
    let summaries = read_summaries(system)?;
    if summaries.is_empty() {
        return Err(EvalError::NoSummaries { path: system.to_path_buf() });
    }
    for (id, (line, _)) in &summaries {
        if !references.contains_key(id) {
            let (system, data, line, id) = (system.to_path_buf(), data.to_path_buf(), *line, id.clone());
            return Err(EvalError::MissingReferences { system, line, id, data });
        }
    }
    let mut ids: Vec<&String> = references.keys().collect();
    ids.sort_by_key(|id| references[*id].line);
    let mut missing = Vec::new();
    let per_set: Vec<SetScores> = ids
        .into_iter()
        .map(|id| {
            let peer = match summaries.get(id) {
                Some((_, summary)) => summary_lines(summary),
                None => {
                    missing.push(id.clone());
                    Vec::new()
                }
            };
            SetScores { id: id.clone(), scores: rouge(&peer, &references[id].summaries, limit) }
        })
        .collect();
    if !missing.is_empty() {
        eprintln!("warning: {} sets have no system summary and score 0: {}", missing.len(), missing.join(" "));
    }
    let mean = RougeScores::mean(&per_set.iter().map(|s| s.scores).collect::<Vec<_>>());
    Ok(Evaluation { schema_version: 1, sets: per_set.len(), mean, per_set, missing })
}

/// The references of one set.
struct References {
    /// Line of the data file the set is on.
    line: usize,
    /// Each reference summary as its sentences.
    summaries: Vec<Vec<String>>,
}

/// References by set id, for sets that carry any.
fn read_references(data: &Path) -> Result<HashMap<String, References>, EvalError> {
    let mut out = HashMap::new();
    for_each_record(data, "references", |line, id, record| {
        if let Some(refs) = record["refs"].as_array() {
            let refs: Vec<Vec<String>> = refs.iter().filter_map(|r| r.as_str()).map(summary_lines).collect();
            if !refs.is_empty() {
                out.insert(id, References { line, summaries: refs });
            }
        }
        Ok(())
    })?;
    if out.is_empty() {
        return Err(EvalError::NoReferences { path: data.to_path_buf() });
    }
    Ok(out)
}

/// id → (line number, summary).
fn read_summaries(system: &Path) -> Result<HashMap<String, (usize, String)>, EvalError> {
    let mut out = HashMap::new();
    for_each_record(system, "summaries", |line, id, record| {
        let summary = match &record["summary"] {
            serde_json::Value::String(summary) => summary,
            // Error lines of `precis batch` have no summary: the set scores 0 and is reported.
            serde_json::Value::Null if record.get("error").is_some() => return Ok(()),
            serde_json::Value::Null => return Err(invalid(system, line, "no \"summary\" (nor a batch \"error\")")),
            other => {
                let reason = format!("\"summary\" must be a string (sentences one per line), not {}", json_type(other));
                return Err(invalid(system, line, &reason));
            }
        };
        out.insert(id, (line, summary.to_string()));
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f` with each non-blank line of a JSON-lines file (`what` it holds, for messages) as its
/// 1-based number, its string `id` and the record, in order, stopping at the first error.
fn for_each_record(
    path: &Path,
    what: &'static str,
    mut f: impl FnMut(usize, String, serde_json::Value) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| EvalError::Read { what, path: path.to_path_buf(), source })?;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let record: serde_json::Value = serde_json::from_str(line).map_err(|source| EvalError::Malformed {
            path: path.to_path_buf(),
            line: i + 1,
            source,
        })?;
        let id = record["id"].as_str().ok_or_else(|| invalid(path, i + 1, "no string \"id\""))?.to_string();
        f(i + 1, id, record)?;
    }
    Ok(())
}

fn invalid(path: &Path, line: usize, reason: &str) -> EvalError {
    EvalError::Invalid { path: path.to_path_buf(), line, reason: reason.to_string() }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl Evaluation {
    /// A table of recall, precision and F1 (×100).
    pub fn write_text(&self, out: &mut impl Write, limit: Limit) -> Result<(), WriteError> {
        let limit = match limit {
            Limit::None => "no length limit".to_string(),
            Limit::Words(n) => format!("first {n} words"),
            Limit::Bytes(n) => format!("first {n} bytes"),
        };
        writeln!(out, "ROUGE over {} sets, {limit}, ROUGE-1.5.5 -m stemming, references pooled (x100)", self.sets)?;
        writeln!(out, "{:<10} {:>8} {:>8} {:>8}", "", "R-1", "R-2", "R-L")?;
        let m = &self.mean;
        for (name, pick) in [
            ("recall", (|p: &precis_summarize::Prf| p.recall) as fn(&precis_summarize::Prf) -> f64),
            ("precision", |p| p.precision),
            ("f1", |p| p.f1),
        ] {
            let cell = |p: &precis_summarize::Prf| 100.0 * pick(p);
            writeln!(out, "{name:<10} {:>8.2} {:>8.2} {:>8.2}", cell(&m.rouge1), cell(&m.rouge2), cell(&m.rouge_l))?;
        }
        Ok(())
    }

    /// The whole evaluation as JSON (fractions, not ×100).
    pub fn write_json(&self, out: &mut impl Write) -> Result<(), WriteError> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}
