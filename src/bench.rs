//! `precis bench`: batched inference measured per device, precision and batch size, on one corpus,
//! with the CPU f32 run of the same batch size as the baseline of each row.

use std::io::Write;
use std::path::Path;

use precis_embed::{BatchParams, DeviceSpec, Embedder, Measurement, Precision};

use crate::config::LoadError;

/// Why a bench run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A device could not be opened or the model not loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Embedding failed while measuring.
    #[error(transparent)]
    Embed(Box<precis_embed::Error>),
}

/// What to measure: every device × precision × batch size.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Devices, each opened before anything is measured, so a missing one fails at once.
    pub devices: Vec<DeviceSpec>,
    /// Number formats.
    pub precisions: Vec<Precision>,
    /// Most texts per batch; the token budget of a batch is 512 per text.
    pub batch_sizes: Vec<usize>,
    /// Timed passes per configuration, after one warm-up pass.
    pub repeats: usize,
}

/// One measured configuration.
#[derive(Debug, Clone)]
pub struct Row {
    /// The device, as named on the command line (`cpu`, `cuda:0`).
    pub device: String,
    /// The number format.
    pub precision: Precision,
    /// Most texts per batch.
    pub batch_size: usize,
    /// Throughput and latency.
    pub measurement: Measurement,
    /// Peak resident memory of the process after this row, in MB (Linux only).
    pub peak_rss_mb: Option<f64>,
}

/// Every row of one run, and what it ran on.
#[derive(Debug, Clone)]
pub struct Results {
    /// Texts in the corpus.
    pub texts: usize,
    /// The model, as named.
    pub model: String,
    /// Timed passes per configuration.
    pub repeats: usize,
    /// One per configuration, in plan order.
    pub rows: Vec<Row>,
}

/// Measures `plan` with the model folder `dir` (named `model` in the results) on `texts`.
pub fn run(dir: &Path, model: &str, texts: &[String], plan: &Plan) -> Result<Results, Error> {
    let devices = plan
        .devices
        .iter()
        .map(|d| Ok((d.open().map_err(|e| LoadError::Resolve(Box::new(e)))?, d.to_string())))
        .collect::<Result<Vec<_>, LoadError>>()?;
    let mut rows = Vec::new();
    for (device, name) in devices {
        for &precision in &plan.precisions {
            for &batch_size in &plan.batch_sizes {
                let embedder = Embedder::builder(dir)
                    .device(device.clone())
                    .precision(precision)
                    .batch(BatchParams::default().max_batch_size(batch_size).max_batch_tokens(batch_size * 512))
                    .build()
                    .map_err(|source| LoadError::Load { model: model.to_string(), source: Box::new(source) })?;
                let measurement =
                    precis_embed::measure(&embedder, texts, plan.repeats).map_err(|e| Error::Embed(Box::new(e)))?;
                tracing::info!(device = %name, %precision, batch_size, sentences_per_s = measurement.sentences_per_s, "measured");
                rows.push(Row { device: name.clone(), precision, batch_size, measurement, peak_rss_mb: peak_rss_mb() });
            }
        }
    }
    Ok(Results { texts: texts.len(), model: model.to_string(), repeats: plan.repeats, rows })
}

impl Results {
    /// Sentences/s of the CPU f32 row with this batch size, if it was measured.
    fn baseline(&self, batch_size: usize) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.device == "cpu" && r.precision == Precision::F32 && r.batch_size == batch_size)
            .map(|r| r.measurement.sentences_per_s)
    }

    /// A table for people.
    pub fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{} texts, model {}, {} timed passes after a warm-up", self.texts, self.model, self.repeats)?;
        writeln!(out, "device   precision  batch  sentences/s   tokens/s  ms/batch(median)  peak RSS MB  vs cpu f32")?;
        for Row { device, precision, batch_size, measurement: m, peak_rss_mb } in &self.rows {
            let speedup =
                self.baseline(*batch_size).map_or("-".to_string(), |b| format!("{:.2}x", m.sentences_per_s / b));
            writeln!(
                out,
                "{device:<8} {:<9} {batch_size:>6} {:>12.1} {:>10.0} {:>17.2} {:>12} {:>10}",
                precision.to_string(),
                m.sentences_per_s,
                m.tokens_per_s,
                m.batch_ms_median,
                peak_rss_mb.map_or("-".to_string(), |r| format!("{r:.0}")),
                speedup
            )?;
        }
        Ok(())
    }

    /// One JSON document with a `schema_version`, for programs.
    pub fn write_json(&self, out: &mut dyn Write) -> Result<(), serde_json::Error> {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|Row { device, precision, batch_size, measurement: m, peak_rss_mb }| {
                serde_json::json!({
                    "device": device, "precision": precision.to_string(), "batch_size": batch_size,
                    "sentences_per_s": m.sentences_per_s, "tokens_per_s": m.tokens_per_s,
                    "batch_ms_median": m.batch_ms_median, "batches": m.batches, "repeats": m.repeats,
                    "peak_rss_mb": peak_rss_mb,
                    "speedup_vs_cpu_f32": self.baseline(*batch_size).map(|b| m.sentences_per_s / b),
                })
            })
            .collect();
        let whole = serde_json::json!({"schema_version": 1, "texts": self.texts, "model": self.model, "results": rows});
        serde_json::to_writer_pretty(&mut *out, &whole)?;
        writeln!(out).map_err(serde_json::Error::io)
    }
}

/// Peak resident memory of this process so far, in MB (Linux `VmHWM`; `None` elsewhere).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
