//! One function per command: settings in, library calls, results out.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use precis::{ParamGuard, Pipeline};
use precis_embed::{BatchParams, Embedder, ModelStore, Precision};
use precis_summarize::{Budget, SummaryParams, SummaryValidParams};

use super::flags::{
    BatchArgs, BenchArgs, ClusterArgs, ClusterFormat, ClusteringArgs, EmbedArgs, EmbedFormat, EvalArgs, GlobalArgs,
    InputArgs, ModelArgs, Rows, SummarizeArgs, SummarizeFormat, SummaryArgs, SummaryFormat, TextArgs, TextFormat,
};
use super::output::{Output, Target, open_in_place, refuse_inputs_as_outputs};
use super::usage::UsageError;
use precis::report::{ClusterReport, SummaryReport};

/// Settings every command shares, resolved once.
pub struct Global {
    store: ModelStore,
    progress: bool,
}

impl Global {
    pub fn new(args: &GlobalArgs) -> Self {
        let progress = !args.quiet && std::io::stderr().is_terminal();
        let root = args.models_dir.clone().unwrap_or_else(default_models_dir);
        let store = ModelStore::new(root).progress(!args.quiet).notices(|message| eprintln!("precis: {message}"));
        Self { store, progress }
    }

    fn embedder(&self, args: &ModelArgs) -> anyhow::Result<Embedder> {
        // Cheap checks first, so a bad flag never waits on a model download. Zero sizes are refused
        // by the flags; the token budget is checked against max_seq_length once the model is read.
        let device = args.device.open()?;
        let batch = BatchParams::default()
            .max_batch_size(args.batch_size as usize)
            .max_batch_tokens(args.max_batch_tokens as usize);
        let model = self.store.resolve(&args.model)?;
        match Embedder::builder(&model.dir).device(device).batch(batch).precision(args.precision).build() {
            Err(precis_embed::Error::Params(e)) => Err(UsageError::new(format!("--max-batch-tokens: {e}")).into()),
            built => built.with_context(|| format!("cannot load model {}", args.model)),
        }
    }

    fn bar(&self, len: usize, what: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let style =
            ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} [{elapsed} < {eta}]").expect("static template");
        ProgressBar::new(len as u64).with_style(style).with_message(what.to_string())
    }
}

/// `models/` of the checkout precis was built from, when it is still there (so `cargo run` and the
/// tests share one fetched copy); else the user's data folder.
fn default_models_dir() -> PathBuf {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    if checkout.join("README.md").is_file() {
        return checkout;
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("precis/models")
}

/// `precis embed`
pub fn embed(global: &Global, args: &EmbedArgs) -> anyhow::Result<()> {
    refuse_inputs_as_outputs(std::slice::from_ref(&args.input), &[args.output.as_deref().unwrap_or(Path::new("-"))])?;
    if args.tokens && args.format != EmbedFormat::Jsonl {
        return Err(UsageError::new("--tokens needs --format jsonl").into());
    }
    let options = precis_text::ReadOptions { lossy: args.lossy, ..precis_text::ReadOptions::default() };
    let text = precis_text::read_text(&args.input, &options)?;
    let lines = precis_text::lines(&text);
    if lines.is_empty() {
        return Err(precis_text::Error::Empty { path: args.input.clone() }.into());
    }
    let mut output = Output::open(args.output.as_deref(), args.format == EmbedFormat::Npy)?;
    let embedder = global.embedder(&args.model)?;
    let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
    let bar = global.bar(texts.len(), "embedding");
    let vectors = embedder.embed_with_progress(&texts, |n| bar.inc(n as u64))?;
    bar.finish_and_clear();
    match args.format {
        EmbedFormat::Jsonl => {
            let token_ids = if args.tokens { embedder.token_ids(&texts)? } else { Vec::new() };
            for (i, (line, vector)) in lines.iter().zip(vectors.rows()).enumerate() {
                let mut row = serde_json::json!({"line": line.number, "text": line.text, "embedding": vector.to_vec()});
                if let Some(ids) = token_ids.get(i) {
                    row["token_ids"] = serde_json::json!(ids);
                }
                serde_json::to_writer(&mut output, &row)?;
                output.write_all(b"\n")?;
            }
        }
        EmbedFormat::Npy => ndarray_npy::WriteNpyExt::write_npy(&vectors, &mut output)?,
        EmbedFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut output);
            let header =
                ["line", "text"].map(String::from).into_iter().chain((0..embedder.dim()).map(|i| format!("e{i}")));
            csv.write_record(header)?;
            for (line, vector) in lines.iter().zip(vectors.rows()) {
                let fields = [line.number.to_string(), line.text.to_string()]
                    .into_iter()
                    .chain(vector.iter().map(f32::to_string));
                csv.write_record(fields)?;
            }
            csv.flush()?;
        }
    }
    output.finish()
}

impl InputArgs {
    /// Reads every input; skipped records are reported on stderr as warnings.
    fn load(&self) -> anyhow::Result<Vec<precis_text::Document>> {
        let options = precis_text::ReadOptions { lossy: self.lossy, max_bytes: self.max_bytes };
        let loaded = precis_text::read_documents(&self.inputs, self.input_format, &options, self.skip_bad)?;
        for skipped in &loaded.skipped {
            eprintln!("warning: skipped {skipped}");
        }
        if loaded.documents.is_empty() {
            anyhow::bail!("no documents to read: every record was bad");
        }
        Ok(loaded.documents)
    }
}

/// `precis text`
pub fn text(args: &TextArgs) -> anyhow::Result<()> {
    refuse_inputs_as_outputs(&args.input.inputs, &[args.output.as_deref().unwrap_or(Path::new("-"))])?;
    let documents = args.input.load()?;
    let mut output = Output::open(args.output.as_deref(), false)?;
    if args.explain {
        let cleaned = precis_text::clean(&documents);
        for (doc, cleaned) in documents.iter().zip(&cleaned) {
            for dropped in &cleaned.dropped {
                let line = &doc.text[dropped.span.range()];
                match args.format {
                    TextFormat::Text => writeln!(output, "{}:{}: {}: {line}", doc.id, dropped.line, dropped.rule)?,
                    TextFormat::Jsonl => writeln!(
                        output,
                        "{}",
                        serde_json::json!({"doc": doc.id, "line": dropped.line, "rule": dropped.rule.name(), "text": line})
                    )?,
                }
            }
        }
        return output.finish();
    }
    for sentence in precis_text::sentences(&documents) {
        let doc = &documents[sentence.doc];
        match args.format {
            TextFormat::Text => writeln!(output, "{}:{}: {}", doc.id, sentence.index, sentence.text)?,
            TextFormat::Jsonl => {
                let dateline = sentence.dateline.map(|span| &doc.text[span.range()]);
                let row = serde_json::json!({
                    "doc": doc.id, "index": sentence.index,
                    "span": [sentence.char_span.start, sentence.char_span.end],
                    "byte_span": [sentence.span.start, sentence.span.end],
                    "line": sentence.line, "text": sentence.text, "dateline": dateline,
                });
                writeln!(output, "{row}")?;
            }
        }
    }
    output.finish()
}

impl ClusteringArgs {
    /// The checked method; a parameter out of range is a usage error.
    fn method(&self) -> anyhow::Result<precis_cluster::Method> {
        self.checked_method().map_err(|e| UsageError::new(e.to_string()).into())
    }

    fn checked_method(&self) -> Result<precis_cluster::Method, precis_cluster::ParamsError> {
        use precis_cluster::{AgglomerativeParams, DbscanParams, KMeansParams, Method, MethodKind};
        Ok(match self.method {
            MethodKind::Agglomerative => {
                Method::Agglomerative(AgglomerativeParams::new().threshold(self.threshold).check()?)
            }
            MethodKind::KMeans => {
                let params = match self.k {
                    Some(k) => KMeansParams::new().k(k),
                    None => KMeansParams::new(),
                };
                Method::KMeans(params.check()?)
            }
            MethodKind::Dbscan => {
                Method::Dbscan(DbscanParams::new().eps(self.eps).min_points(self.min_points).check()?)
            }
        })
    }
}

/// `precis cluster`
pub fn cluster(global: &Global, args: &ClusterArgs) -> anyhow::Result<()> {
    let method = args.clustering.method()?;
    refuse_inputs_as_outputs(&args.input.inputs, &[args.output.as_deref().unwrap_or(Path::new("-"))])?;
    let documents = args.input.load()?;
    let mut output = Output::open(args.output.as_deref(), false)?;
    // The same pipeline as `summarize`, stopped after clustering (its summary settings go unused).
    let pipeline = Pipeline::new(global.embedder(&args.model)?, method, SummaryParams::new().check()?);
    let bar = global.bar(0, "embedding");
    let precis::Clustered { documents, sentences, clustering, .. } =
        pipeline.cluster_with_progress(documents, |done, total| {
            bar.set_length(total as u64);
            bar.inc(done as u64);
        })?;
    bar.finish_and_clear();
    let report = ClusterReport::new(&documents, &sentences, &clustering);
    match (args.format, args.rows) {
        (ClusterFormat::Json, _) => report.write_json(&mut output)?,
        (ClusterFormat::Jsonl, Rows::Sentences) => report.write_sentence_jsonl(&mut output)?,
        (ClusterFormat::Jsonl, Rows::Clusters) => report.write_cluster_jsonl(&mut output)?,
        (ClusterFormat::Csv, Rows::Sentences) => report.write_sentence_csv(&mut output)?,
        (ClusterFormat::Csv, Rows::Clusters) => report.write_cluster_csv(&mut output)?,
    }
    output.finish()
}

impl SummaryArgs {
    fn params(&self) -> anyhow::Result<SummaryValidParams> {
        // No budget flag keeps the library's default budget.
        let budget = match (self.sentences, self.words, self.bytes) {
            (Some(n), _, _) => Some(Budget::Sentences(n)),
            (_, _, Some(n)) => Some(Budget::Bytes(n)),
            (_, Some(n), _) => Some(Budget::Words(n)),
            (None, None, None) => None,
        };
        let params = SummaryParams::new().strategy(self.strategy);
        let params = match budget {
            Some(budget) => params.budget(budget),
            None => params,
        };
        params.check().map_err(|e| UsageError::new(e.to_string()).into())
    }
}

impl Global {
    /// Checks every setting, then loads the model: a bad flag never waits on a model.
    fn pipeline(
        &self,
        model: &ModelArgs,
        clustering: &ClusteringArgs,
        summary: &SummaryArgs,
    ) -> anyhow::Result<Pipeline> {
        let method = clustering.method()?;
        let params = summary.params()?;
        Ok(Pipeline::new(self.embedder(model)?, method, params))
    }
}

/// `precis summarize`
pub fn summarize(global: &Global, args: &SummarizeArgs) -> anyhow::Result<()> {
    args.clustering.method()?;
    args.summary.params()?;
    let documents = args.input.load()?;
    let npy = args.format == SummarizeFormat::Npy;
    if npy && args.output.as_deref().is_none_or(|p| p == Path::new("-")) {
        return Err(UsageError::new("--format npy writes two files (FILE and its .jsonl sidecar): give -o FILE").into());
    }
    let sidecar_path = args.output.as_ref().filter(|_| npy).map(|path| path.with_extension("jsonl"));
    if sidecar_path.is_some() && sidecar_path.as_ref() == args.output.as_ref() {
        return Err(
            UsageError::new("--format npy needs -o FILE.npy: its .jsonl sidecar would replace FILE.jsonl").into()
        );
    }
    let outputs: Vec<&Path> = args.output.iter().chain(&sidecar_path).map(PathBuf::as_path).collect();
    refuse_inputs_as_outputs(&args.input.inputs, &outputs)?;
    let mut output = Output::open(args.output.as_deref(), npy)?;
    let mut sidecar = sidecar_path.as_deref().map(|path| Output::open(Some(path), false)).transpose()?;
    let pipeline = global.pipeline(&args.model, &args.clustering, &args.summary)?;
    let bar = global.bar(0, "embedding");
    let outcome = pipeline.run_with_progress(documents, |done, total| {
        bar.set_length(total as u64);
        bar.inc(done as u64);
    })?;
    bar.finish_and_clear();
    let report = SummaryReport::new(&outcome);
    match args.format {
        SummarizeFormat::Text => report.write_text(&mut output)?,
        SummarizeFormat::Json => report.write_json(&mut output)?,
        SummarizeFormat::Jsonl => report.write_rows_jsonl(&mut output)?,
        SummarizeFormat::Csv => report.write_rows_csv(&mut output)?,
        SummarizeFormat::Html => precis::report::write_html(&outcome, &mut output)?,
        SummarizeFormat::Npy => {
            ndarray_npy::WriteNpyExt::write_npy(&outcome.embeddings, &mut output)?;
            if let Some(sidecar) = sidecar.as_mut() {
                report.write_rows_jsonl(sidecar)?;
            }
        }
    }
    output.finish()?;
    sidecar.map_or(Ok(()), Output::finish)
}

/// `precis batch`: one result line per document set, flushed as each is done; a bad record
/// becomes an error line and the run goes on. With `--resume`, sets already in the output are
/// skipped and new lines appended, so an interrupted run neither redoes nor duplicates work.
pub fn batch(global: &Global, args: &BatchArgs) -> anyhow::Result<()> {
    let options = precis_text::ReadOptions { lossy: false, max_bytes: args.max_bytes };
    refuse_inputs_as_outputs(std::slice::from_ref(&args.input), &[args.output.as_deref().unwrap_or(Path::new("-"))])?;
    let pipeline = global.pipeline(&args.model, &args.clustering, &args.summary)?;
    let sets = precis_text::read_numbered_document_sets(&args.input, &options)?;
    let (mut output, finished): (Box<dyn Write>, HashSet<String>) = match &args.output {
        Some(path) if path != Path::new("-") => {
            let (file, finished) = open_batch_output(path, args.resume)?;
            (Box::new(Output::Direct(std::io::BufWriter::new(file), path.clone())), finished)
        }
        _ => (Box::new(std::io::stdout().lock()), HashSet::new()),
    };
    let bar = global.bar(count_lines(&args.input), "document sets");
    let precis::batch::Counts { done, failed, skipped } =
        precis::batch::run(&pipeline, &args.input, sets, &finished, &mut output, || bar.inc(1))?;
    bar.finish_and_clear();
    if done + skipped == 0 {
        anyhow::bail!(
            "{} holds no document sets: give one JSON object {{\"id\", \"docs\"}} per line",
            args.input.display()
        );
    }
    if skipped > 0 {
        tracing::info!(skipped, "sets already in the output were skipped");
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {done} document sets failed; their lines in the output say why");
    }
    Ok(())
}

/// Opens the output of `precis batch` for appending (`resume`) or rewriting, locked against a
/// second run. Nothing in the file changes until it is locked and, for `resume`, read back as
/// precis batch output; then a last line cut short by an interruption is removed, to be redone.
/// A FIFO or device (`-o /dev/null`) is written as it is; it cannot be resumed.
fn open_batch_output(path: &Path, resume: bool) -> anyhow::Result<(std::fs::File, HashSet<String>)> {
    use std::io::{Read, Seek};
    let context = || format!("cannot write output {}", path.display());
    let target = match Target::of(path)? {
        Target::File(target, _) => target,
        Target::InPlace(_) if resume => {
            let message = format!("--resume needs a regular file, and {} is not one", path.display());
            return Err(UsageError::new(message).into());
        }
        Target::InPlace(target) => return Ok((open_in_place(&target, path)?, HashSet::new())),
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&target)
        .with_context(context)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another precis run is writing {}: wait for it to finish, or choose another output",
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => return Err(e).with_context(context),
    }
    if !resume {
        file.set_len(0).with_context(context)?;
        return Ok((file, HashSet::new()));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let finished = precis::batch::finished_keys(path, &bytes[..complete], &bytes[complete..])?;
    if complete < bytes.len() {
        file.set_len(complete as u64).with_context(|| format!("cannot repair {}", path.display()))?;
    }
    file.seek(std::io::SeekFrom::End(0)).with_context(context)?;
    Ok((file, finished))
}

/// Lines of a regular file, for a progress bar's length (0, unknown, for stdin, a pipe, a device or
/// on error: counting would consume a pipe, and a device may never end).
/// Streams the file in blocks: batch inputs can be far larger than memory.
fn count_lines(path: &Path) -> usize {
    use std::io::BufRead;
    if path == Path::new("-") || !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return 0;
    }
    let Ok(file) = std::fs::File::open(path) else { return 0 };
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut lines = 0;
    loop {
        let Ok(block) = reader.fill_buf() else { return 0 };
        if block.is_empty() {
            return lines;
        }
        lines += block.iter().filter(|&&b| b == b'\n').count();
        let n = block.len();
        reader.consume(n);
    }
}

/// `precis eval`
pub fn eval(args: &EvalArgs) -> anyhow::Result<()> {
    let limit = match (args.limit_words, args.limit_bytes) {
        (Some(n), _) => precis_summarize::Limit::Words(n as usize),
        (_, Some(n)) => precis_summarize::Limit::Bytes(n as usize),
        _ => precis_summarize::Limit::None,
    };
    let evaluation = precis::evaluate::evaluate(&args.system, &args.refs, limit)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Text => evaluation.write_text(&mut out, limit)?,
        SummaryFormat::Json => evaluation.write_json(&mut out)?,
    }
    Ok(())
}

/// `precis bench`: every device × precision × batch size on one corpus, after a warm-up.
pub fn bench(global: &Global, args: &BenchArgs) -> anyhow::Result<()> {
    // Every device is opened before any measuring, so a missing one fails at once.
    let devices = args.device.iter().map(|d| Ok((d.open()?, d.to_string()))).collect::<anyhow::Result<Vec<_>>>()?;
    let mut texts = match &args.corpus {
        Some(path) => {
            let options = precis_text::ReadOptions { lossy: args.lossy, ..precis_text::ReadOptions::default() };
            let text = precis_text::read_text(path, &options)?;
            precis_text::lines(&text).iter().map(|l| l.text.to_string()).collect()
        }
        None => precis_embed::synthetic_corpus(2000),
    };
    texts.truncate(args.limit.map_or(usize::MAX, |n| n as usize));
    if texts.is_empty() {
        anyhow::bail!("the bench corpus has no texts");
    }
    let model = global.store.resolve(&args.model)?;
    let mut rows = Vec::new();
    for (device, name) in devices {
        for &precision in &args.precision {
            for batch_size in args.batch_sizes.iter().map(|&n| n as usize) {
                let embedder = Embedder::builder(&model.dir)
                    .device(device.clone())
                    .precision(precision)
                    .batch(BatchParams::default().max_batch_size(batch_size).max_batch_tokens(batch_size * 512))
                    .build()
                    .with_context(|| format!("cannot load model {}", args.model))?;
                let m = precis_embed::measure(&embedder, &texts, args.repeats as usize)?;
                tracing::info!(device = %name, %precision, batch_size, sentences_per_s = m.sentences_per_s, "measured");
                rows.push(BenchRow { device: name.clone(), precision, batch_size, m, peak_rss_mb: peak_rss_mb() });
            }
        }
    }
    let baseline = |batch: usize| {
        rows.iter()
            .find(|r| r.device == "cpu" && r.precision == Precision::F32 && r.batch_size == batch)
            .map(|r| r.m.sentences_per_s)
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Text => {
            writeln!(
                out,
                "{} texts, model {}, {} timed passes after a warm-up",
                texts.len(),
                args.model,
                args.repeats
            )?;
            writeln!(
                out,
                "device   precision  batch  sentences/s   tokens/s  ms/batch(median)  peak RSS MB  vs cpu f32"
            )?;
            for BenchRow { device, precision, batch_size, m, peak_rss_mb } in &rows {
                let speedup =
                    baseline(*batch_size).map_or("-".to_string(), |b| format!("{:.2}x", m.sentences_per_s / b));
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
        }
        SummaryFormat::Json => {
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(|BenchRow { device, precision, batch_size, m, peak_rss_mb }| {
                    serde_json::json!({
                        "device": device, "precision": precision.to_string(), "batch_size": batch_size,
                        "sentences_per_s": m.sentences_per_s, "tokens_per_s": m.tokens_per_s,
                        "batch_ms_median": m.batch_ms_median, "batches": m.batches, "repeats": m.repeats,
                        "peak_rss_mb": peak_rss_mb,
                        "speedup_vs_cpu_f32": baseline(*batch_size).map(|b| m.sentences_per_s / b),
                    })
                })
                .collect();
            let whole =
                serde_json::json!({"schema_version": 1, "texts": texts.len(), "model": args.model, "results": rows});
            serde_json::to_writer_pretty(&mut out, &whole)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// One measured configuration of `precis bench`.
struct BenchRow {
    device: String,
    precision: Precision,
    batch_size: usize,
    m: precis_embed::Measurement,
    peak_rss_mb: Option<f64>,
}

/// Peak resident memory of this process so far, in MB (Linux `VmHWM`; `None` elsewhere).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// `precis model fetch`
pub fn model_fetch(global: &Global, name: &str) -> anyhow::Result<()> {
    let model = global.store.fetch(name)?;
    println!("{name}\t{}\t{}", model.source, model.dir.display());
    Ok(())
}

/// `precis model list`
pub fn model_list(global: &Global) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "name\twhere\tpath\tsize\tchecksum\trepo")?;
    for status in global.store.list() {
        let (place, path) = match &status.found {
            Some(found) => (found.source.to_string(), found.dir.display().to_string()),
            None => ("missing".to_string(), global.store.root().join(&status.model.name).display().to_string()),
        };
        let size = status.weights_bytes.map_or("-".to_string(), |b| format!("{:.1} MB", b as f64 / 1e6));
        let checksum = match status.checksum_ok {
            Some(true) => "ok",
            Some(false) => "MISMATCH",
            None => "-",
        };
        writeln!(
            out,
            "{}\t{place}\t{path}\t{size}\t{checksum}\t{}@{}",
            status.model.name,
            status.model.repo,
            &status.model.revision[..12]
        )?;
    }
    Ok(())
}
