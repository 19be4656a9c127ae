//! Batch runs: many document sets through one [`Pipeline`], summarized in parallel and written in
//! input order, one JSON line per set, so an interrupted run can be resumed from its output.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use precis_text::DocumentSet;

use crate::Pipeline;
use crate::report::{SummaryReport, WriteError};

/// What a batch run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Lines written: summaries and error lines.
    pub done: usize,
    /// Of those, error lines.
    pub failed: usize,
    /// Records skipped because `finished` already held them.
    pub skipped: usize,
}

/// An output that cannot be resumed: one of its lines is not a `precis batch` line.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}:{line}: not a precis batch line; cannot resume (the file was left as it was): choose the output of an earlier `precis batch` run",
    path.display()
)]
pub struct NotBatchOutput {
    /// The output file.
    pub path: PathBuf,
    /// The first line that is not a batch line.
    pub line: usize,
}

/// Summarizes every record of `sets` not in `finished` (keys as [`record_key`] gives them) and
/// writes one line per record to `output`, flushed as each is written, in input order;
/// `on_record` is called for every record read. A bad record, a set that fails, a repeated set id
/// and a panic each become that record's error line; the run goes on.
///
/// Sets run in parallel on rayon's pool: embedding already uses every thread, but clustering and
/// selection are serial per set, so one set at a time would leave cores idle. A sliding window (a
/// new set starts as soon as one finishes, finished ones wait in a reorder buffer) keeps both busy
/// without a barrier per group of sets; memory stays bounded by the window.
pub fn run(
    pipeline: &Pipeline,
    input: &Path,
    sets: impl Iterator<Item = Result<(usize, DocumentSet), precis_text::Error>>,
    finished: &HashSet<String>,
    output: &mut dyn Write,
    mut on_record: impl FnMut(),
) -> Result<Counts, WriteError> {
    let mut counts = Counts::default();
    let window = 4 * rayon::current_num_threads().max(1);
    let (sender, results) = std::sync::mpsc::channel::<(usize, (serde_json::Value, bool))>();
    let mut write_result = |(line, ok): (serde_json::Value, bool)| -> Result<(), WriteError> {
        counts.failed += usize::from(!ok);
        serde_json::to_writer(&mut *output, &line)?;
        output.write_all(b"\n")?;
        output.flush()?;
        counts.done += 1;
        Ok(())
    };
    // Set ids must be unique: `--resume` knows a finished set by its id. A repeat becomes an error
    // line of its own (known by its line number), whether or not the run resumes.
    let mut first_line = HashMap::<String, usize>::new();
    let mut records = sets.map(|record| match record {
        Ok((line, set)) => match first_line.get(&set.id) {
            Some(&first) => Err(precis_text::Error::BadRecord {
                path: input.to_path_buf(),
                line,
                id: Some(set.id.clone()),
                reason: format!("duplicate set id {:?} (first on line {first}): give every set its own id", set.id),
            }),
            None => {
                first_line.insert(set.id.clone(), line);
                Ok(set)
            }
        },
        Err(e) => Err(e),
    });
    let mut skipped = 0;
    // `in_place_scope` keeps this thread, which only reads input and writes output, out of the pool.
    rayon::in_place_scope(|scope| -> Result<(), WriteError> {
        let (mut started, mut next_to_write) = (0usize, 0usize);
        let mut finished_early = BTreeMap::new();
        let mut sets = records.by_ref().filter(|record| {
            on_record();
            let seen = finished.contains(&record_key(record));
            skipped += usize::from(seen);
            !seen
        });
        loop {
            while started - next_to_write < window {
                let Some(record) = sets.next() else { break };
                let (sender, index) = (sender.clone(), started);
                scope.spawn(move |_| {
                    // A panic would leave this slot unfilled and the writer waiting for ever:
                    // it becomes the set's error line instead.
                    let key = record_key(&record);
                    let result =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| batch_line(pipeline, record)))
                            .unwrap_or_else(|_| {
                                let error = "internal error (a bug in precis: please report it with this record)";
                                (serde_json::json!({"id": key, "error": error}), false)
                            });
                    let _ = sender.send((index, result));
                });
                started += 1;
            }
            if next_to_write == started {
                return Ok(());
            }
            let (index, result) = results.recv().expect("a spawned set always sends its result");
            finished_early.insert(index, result);
            while let Some(result) = finished_early.remove(&next_to_write) {
                write_result(result)?;
                next_to_write += 1;
            }
        }
    })?;
    counts.skipped = skipped;
    Ok(counts)
}

/// The key `--resume` knows a record by: its set id, else `line:N` for a bad record.
pub fn record_key(record: &Result<precis_text::DocumentSet, precis_text::Error>) -> String {
    match record {
        Ok(set) => set.id.clone(),
        Err(precis_text::Error::BadRecord { line, .. }) => format!("line:{line}"),
        Err(_) => String::new(),
    }
}

/// One output line of `precis batch` for one record, and whether it succeeded.
fn batch_line(
    pipeline: &Pipeline,
    record: Result<precis_text::DocumentSet, precis_text::Error>,
) -> (serde_json::Value, bool) {
    match record {
        Ok(set) => match pipeline.run(set.docs) {
            Ok(outcome) => (SummaryReport::new(&outcome).batch_line(&set.id), true),
            Err(e) => (serde_json::json!({"id": set.id, "error": e.to_string()}), false),
        },
        Err(e) => {
            let (id, line) = match &e {
                precis_text::Error::BadRecord { id, line, .. } => (id.clone(), Some(*line)),
                _ => (None, None),
            };
            (serde_json::json!({"id": id, "line": line, "error": e.to_string()}), false)
        }
    }
}

/// Keys of the records an earlier run finished: set ids of its lines, and `line:N` of its error
/// lines for bad records. Every complete line must be a precis batch line, and a cut-short last
/// line (`tail`) must be the start of one: anything else is not precis output, and resuming
/// would damage it.
pub fn finished_keys(path: &Path, complete: &[u8], tail: &[u8]) -> Result<HashSet<String>, NotBatchOutput> {
    let not_ours = |line: usize| NotBatchOutput { path: path.to_path_buf(), line };
    let mut keys = HashSet::new();
    let mut number = 0;
    for line in complete.split(|&b| b == b'\n') {
        number += 1;
        if line.is_empty() {
            continue;
        }
        let row: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(line).map_err(|_| not_ours(number))?;
        let is_result = row.get("summary").is_some_and(serde_json::Value::is_string);
        let is_error = row.get("error").is_some_and(serde_json::Value::is_string);
        match (&row.get("id"), &row.get("line")) {
            (_, Some(serde_json::Value::Number(n))) if is_error => keys.insert(format!("line:{n}")),
            (Some(serde_json::Value::String(id)), _) if is_result || is_error => keys.insert(id.clone()),
            _ => return Err(not_ours(number)),
        };
    }
    if !tail.is_empty() && !tail.starts_with(b"{\"") {
        return Err(not_ours(number.max(1)));
    }
    Ok(keys)
}
