//! One function per command: settings in, library calls, results out.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use precis::config::{Config, LoadError, ModelConfig};
use precis::{ParamGuard, Pipeline};
use precis_embed::{Embedder, ModelStore};
use precis_summarize::SummaryParams;

use super::flags::{
    BatchArgs, BenchArgs, ClusterArgs, ClusterFormat, EmbedArgs, EmbedFormat, EvalArgs, GlobalArgs, InputArgs, Rows,
    StoriesArgs, StoriesFormat, SummarizeArgs, SummarizeFormat, SummaryFormat, TextArgs, TextFormat, TrainArgs,
};
use super::output::{Output, open_batch_output, refuse_inputs_as_outputs};
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

    /// Loads the configured model; batch settings that do not fit it are a usage error.
    fn embedder(&self, config: &ModelConfig) -> anyhow::Result<Embedder> {
        config.load(&self.store).map_err(usage_if_batch)
    }

    /// Loads the model of `config` into a pipeline.
    fn pipeline(&self, config: Config) -> anyhow::Result<Pipeline> {
        config.pipeline(&self.store).map_err(usage_if_batch)
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

fn usage_if_batch(err: LoadError) -> anyhow::Error {
    match err {
        LoadError::Batch(e) => UsageError::new(format!("--max-batch-tokens: {e}")).into(),
        err => err.into(),
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
    let embedder = global.embedder(&args.model.config())?;
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
        let loaded = precis_text::read_documents(&self.inputs, self.input_format, &self.read_options(), self.skip_bad)?;
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

/// `precis cluster`
pub fn cluster(global: &Global, args: &ClusterArgs) -> anyhow::Result<()> {
    let method = args.clustering.method()?;
    refuse_inputs_as_outputs(&args.input.inputs, &[args.output.as_deref().unwrap_or(Path::new("-"))])?;
    let documents = args.input.load()?;
    let mut output = Output::open(args.output.as_deref(), false)?;
    // The same pipeline as `summarize`, stopped after clustering (its summary settings go unused).
    let config = Config { model: args.model.config(), clustering: method, summary: SummaryParams::new().check()? };
    let pipeline = global.pipeline(config)?;
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

/// `precis summarize`
pub fn summarize(global: &Global, args: &SummarizeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
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
    let pipeline = global.pipeline(config)?;
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

/// `precis stories`: the feed grouped into stories, each summarized unless `--no-summaries`.
pub fn stories(global: &Global, args: &StoriesArgs) -> anyhow::Result<()> {
    let (config, events) = args.config()?;
    refuse_inputs_as_outputs(&args.input.inputs, &[args.output.as_deref().unwrap_or(Path::new("-"))])?;
    if let Some(window_days) = args.window_days {
        return stories_stream(global, args, config, &events, window_days);
    }
    let documents = args.input.load()?;
    let mut output = Output::open(args.output.as_deref(), false)?;
    let pipeline = global.pipeline(config)?;
    let bar = global.bar(0, "embedding leads");
    let feed = precis::stories::Feed::embed(pipeline.embedder(), documents, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let mut stories = feed.into_stories(&events)?;
    if !args.no_summaries {
        let bar = global.bar(0, "summarizing stories");
        stories.summarize(&pipeline, |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        });
        bar.finish_and_clear();
    }
    let report = precis::report::StoriesReport::new(&stories);
    match args.format {
        StoriesFormat::Text => report.write_text(&mut output)?,
        StoriesFormat::Json => report.write_json(&mut output)?,
        StoriesFormat::Jsonl => report.write_jsonl(&mut output)?,
        StoriesFormat::Csv => report.write_csv(&mut output)?,
        StoriesFormat::Html => report.write_html(&mut output)?,
    }
    output.finish()
}

/// `precis stories --window-days N`: the feed read one article at a time, stories written as they
/// close.
fn stories_stream(
    global: &Global,
    args: &StoriesArgs,
    config: Config,
    events: &precis_cluster::EventValidParams,
    window_days: u32,
) -> anyhow::Result<()> {
    if matches!(args.format, StoriesFormat::Json | StoriesFormat::Html) {
        return Err(
            UsageError::new("--window-days writes stories as they close: use --format jsonl, csv or text").into()
        );
    }
    let mut output = Output::open(args.output.as_deref(), false)?;
    let pipeline = global.pipeline(config)?;
    let mut stream = precis::stories::StoryStream::new(pipeline.embedder(), events, window_days, args.open_days)?;
    let bar = global.bar(0, "articles");
    let mut first = true;
    let mut write = |mut stories: precis::stories::Stories, output: &mut Output| -> anyhow::Result<()> {
        if !args.no_summaries {
            stories.summarize(&pipeline, |_, _| {});
        }
        let report = precis::report::StoriesReport::new(&stories);
        match args.format {
            StoriesFormat::Jsonl => report.write_jsonl(output)?,
            StoriesFormat::Csv => report.write_csv_rows(output, first)?,
            _ => report.write_stories_text(output)?,
        }
        first = false;
        Ok(())
    };
    let options = args.input.read_options();
    for input in &args.input.inputs {
        let jsonl = args.input.input_format.resolve(input) == precis_text::InputFormat::Jsonl;
        let documents: Box<dyn Iterator<Item = Result<precis_text::Document, precis_text::Error>>> = if jsonl {
            Box::new(precis_text::read_numbered_documents(input, &options)?.map(|r| r.map(|(_, d)| d)))
        } else {
            let loaded =
                precis_text::read_documents(std::slice::from_ref(input), args.input.input_format, &options, false)?;
            Box::new(loaded.documents.into_iter().map(Ok))
        };
        for document in documents {
            let document = match document {
                Ok(document) => document,
                Err(e @ precis_text::Error::BadRecord { .. }) if args.input.skip_bad => {
                    eprintln!("warning: skipped {e}");
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let id = document.id.clone();
            let closed = match stream.push(document) {
                Ok(closed) => closed,
                Err(e @ (precis::stories::Error::NoDate { .. } | precis::stories::Error::Group(_)))
                    if args.input.skip_bad =>
                {
                    eprintln!("warning: skipped article {id}: {e}");
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            bar.inc(1);
            if !closed.stories.is_empty() {
                write(closed, &mut output)?;
            }
        }
    }
    bar.finish_and_clear();
    if stream.pushed() == 0 {
        return Err(precis::stories::Error::NoArticles.into());
    }
    let rest = stream.finish()?;
    write(rest, &mut output)?;
    output.finish()
}

/// `precis batch`: one result line per document set, flushed as each is done; a bad record
/// becomes an error line and the run goes on. With `--resume`, sets already in the output are
/// skipped and new lines appended, so an interrupted run neither redoes nor duplicates work.
pub fn batch(global: &Global, args: &BatchArgs) -> anyhow::Result<()> {
    let options = precis_text::ReadOptions { lossy: false, max_bytes: args.max_bytes };
    let config = args.config()?;
    refuse_inputs_as_outputs(std::slice::from_ref(&args.input), &[args.output.as_deref().unwrap_or(Path::new("-"))])?;
    let pipeline = global.pipeline(config)?;
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
    let limit = args.limit();
    let evaluation = precis::evaluate::evaluate(&args.system, &args.refs, limit)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Text => evaluation.write_text(&mut out, limit)?,
        SummaryFormat::Json => evaluation.write_json(&mut out)?,
    }
    Ok(())
}

/// `precis train`: embeds and clusters every set once, then trains and cross-validates.
pub fn train(global: &Global, args: &TrainArgs) -> anyhow::Result<()> {
    let options = precis::train::Options { folds: args.folds as usize, ..Default::default() };
    // Every file this run may write, checked against the input before anything runs.
    let summaries: Vec<PathBuf> = match &args.summaries_dir {
        Some(dir) => options
            .budgets
            .iter()
            .flat_map(|&budget| {
                let names = precis_summarize::Strategy::ALL.map(|s| precis::train::summaries_file(s.name(), budget));
                names.map(|name| dir.join(name))
            })
            .collect(),
        None => Vec::new(),
    };
    let outputs: Vec<&Path> =
        std::iter::once(args.output.as_path()).chain(summaries.iter().map(PathBuf::as_path)).collect();
    refuse_inputs_as_outputs(std::slice::from_ref(&args.input), &outputs)?;
    let config = Config {
        model: args.model.config(),
        clustering: precis_cluster::Method::Agglomerative(precis_cluster::AgglomerativeParams::new().check()?),
        summary: SummaryParams::new().check()?,
    };
    let sets = precis_text::read_document_sets(&args.input, &precis_text::ReadOptions::default())?
        .collect::<Result<Vec<_>, _>>()?;
    let mut output = Output::open(Some(&args.output), false)?;
    let pipeline = global.pipeline(config)?;
    let bar = global.bar(sets.len(), "embedding sets");
    let prepared = precis::train::prepare(&pipeline, sets, || bar.inc(1))?;
    bar.finish_and_clear();
    let checksum =
        precis::train::sha256(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?;
    let (model, report) = precis::train::train(&prepared, &options, &checksum)?;
    output.write_all(model.to_json().as_bytes())?;
    output.finish()?;
    if let Some(dir) = &args.summaries_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for scored in &report.table {
            let path = dir.join(precis::train::summaries_file(&scored.system, scored.budget));
            let mut file = Output::open(Some(&path), false)?;
            scored.write_summaries(&prepared, &mut file)?;
            file.finish()?;
        }
    }
    report.write_text(&mut std::io::stdout().lock())?;
    Ok(())
}

/// `precis bench`: every device × precision × batch size on one corpus, after a warm-up.
pub fn bench(global: &Global, args: &BenchArgs) -> anyhow::Result<()> {
    let plan = args.plan();
    // Every device is opened before any reading or measuring, so a missing one fails at once.
    for device in &plan.devices {
        device.open()?;
    }
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
    let results = precis::bench::run(&model.dir, &args.model, &texts, &plan)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Text => results.write_text(&mut out)?,
        SummaryFormat::Json => results.write_json(&mut out)?,
    }
    Ok(())
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
