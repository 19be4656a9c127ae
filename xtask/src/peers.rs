//! `cargo xtask bench-peers`: precis against sentence-transformers and ONNX Runtime, same texts,
//! same model, same threads, runs interleaved round by round so machine noise hits all alike.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::{load_average, status};

/// Options of the task, from its command line.
struct Options {
    corpus: PathBuf,
    rounds: usize,
    batch_sizes: String,
    threads: usize,
}

const USAGE: &str = "cargo xtask bench-peers [--corpus FILE] [--rounds N] [--batch-sizes 16,32,64,128] [--threads N]";

/// Packages of the peers' environment. torch is installed first without its dependencies: its
/// Linux wheel would otherwise pull several GB of CUDA libraries a CPU benchmark never loads.
const TORCH_DEPS: &[&str] = &["filelock", "typing-extensions", "sympy", "networkx", "jinja2", "fsspec", "setuptools"];
const PEER_PACKAGES: &[&str] =
    &["numpy", "onnx", "onnxscript", "onnxruntime", "tokenizers", "transformers", "sentence-transformers"];

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let options = parse(root, args)?;
    let venv = peers_venv()?;
    let python = venv.join("bin/python");
    let model = root.join("models/minilm");
    crate::cargo(root, &["run", "--quiet", "--release", "--bin", "precis", "--", "model", "fetch", "minilm"])?;
    crate::cargo(root, &["build", "--quiet", "--release", "--bin", "precis"])?;
    let precis = root.join("target/release/precis");
    let reference = reference_texts(root, &venv)?;

    let load_before = load_average();
    let mut runs: BTreeMap<(String, usize), Vec<(f64, f64)>> = BTreeMap::new();
    let mut peak = None;
    let mut fidelity = Vec::new();
    for round in 0..options.rounds {
        eprintln!("round {} of {}", round + 1, options.rounds);
        let out = capture(
            Command::new(&precis)
                .args(["bench", "--format", "json", "--repeats", "1", "--precision", "f32,bf16", "--corpus"])
                .arg(&options.corpus)
                .args(["--batch-sizes", &options.batch_sizes])
                .env("RAYON_NUM_THREADS", options.threads.to_string()),
        )?;
        let report: Value = serde_json::from_str(&out).context("precis bench --format json")?;
        for r in report["results"].as_array().context("results")? {
            let engine = format!("precis {}", r["precision"].as_str().unwrap_or("?"));
            let batch = r["batch_size"].as_u64().unwrap_or(0) as usize;
            let rate = (r["sentences_per_s"].as_f64().unwrap_or(0.0), r["tokens_per_s"].as_f64().unwrap_or(0.0));
            runs.entry((engine, batch)).or_default().push(rate);
        }

        let mut peers = Command::new(&python);
        peers
            .arg(root.join("xtask/peers/peers.py"))
            .arg("--model")
            .arg(&model)
            .arg("--corpus")
            .arg(&options.corpus)
            .arg("--work")
            .arg(venv.join("work"))
            .args(["--batch-sizes", &options.batch_sizes, "--threads", &options.threads.to_string()]);
        if round == 0 {
            peers.arg("--peak").arg("--reference").arg(&reference);
        }
        for line in capture(&mut peers)?.lines().filter(|l| l.starts_with('{')) {
            let r: Value = serde_json::from_str(line).with_context(|| format!("peers.py printed {line}"))?;
            match r["kind"].as_str() {
                Some("peak") => peak = r["gflops"].as_f64(),
                Some("fidelity") => fidelity.push(format!(
                    "{}: min cosine to ONNX Runtime fp32 {:.6}",
                    r["engine"].as_str().unwrap_or("?"),
                    r["min_cosine_vs_ort_fp32"].as_f64().unwrap_or(f64::NAN)
                )),
                Some("run") => {
                    let engine = r["engine"].as_str().unwrap_or("?").to_string();
                    let batch = r["batch_size"].as_u64().unwrap_or(0) as usize;
                    let rate =
                        (r["sentences_per_s"].as_f64().unwrap_or(0.0), r["tokens_per_s"].as_f64().unwrap_or(0.0));
                    runs.entry((engine, batch)).or_default().push(rate);
                }
                _ => {}
            }
        }
    }
    fidelity.push(format!("precis bf16: min cosine to precis f32 {:.6}", bf16_fidelity(&precis, &reference)?));
    let load_after = load_average();

    let flops_per_token = flops_per_token(&model)?;
    print_table(&options, &runs, peak, flops_per_token, &fidelity, (&load_before, &load_after));
    Ok(())
}

fn parse(root: &Path, args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options {
        corpus: root.join("../shared/reference/bench_sentences.txt"),
        rounds: 3,
        batch_sizes: "16,32,64,128".into(),
        threads: 2,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--corpus" => options.corpus = PathBuf::from(value),
            "--rounds" => options.rounds = value.parse().context("--rounds")?,
            "--batch-sizes" => options.batch_sizes = value.clone(),
            "--threads" => options.threads = value.parse().context("--threads")?,
            _ => bail!("unknown flag {flag}\n{USAGE}"),
        }
    }
    if options.rounds == 0 || options.threads == 0 {
        bail!("--rounds and --threads must be at least 1");
    }
    if !options.corpus.is_file() {
        bail!("{}: no such corpus file (one text per line)", options.corpus.display());
    }
    Ok(options)
}

/// The peers' Python environment, outside the repository: `$PRECIS_PEERS_VENV`, else
/// `~/.cache/precis/peers`. Created and filled through pip on first use.
fn peers_venv() -> anyhow::Result<PathBuf> {
    let venv = crate::cache_dir("PRECIS_PEERS_VENV", "peers")?;
    let python = venv.join("bin/python");
    let ready = python.is_file()
        && Command::new(&python)
            .args(["-c", "import torch, onnxruntime, sentence_transformers, onnxscript"])
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        eprintln!(
            "setting up the peers' environment in {} (torch, onnxruntime, sentence-transformers)",
            venv.display()
        );
        status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        let pip = |args: &[&str]| status(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(args));
        pip(&["--no-deps", "torch"])?;
        pip(TORCH_DEPS)?;
        pip(PEER_PACKAGES)?;
    }
    Ok(venv)
}

/// The 64 texts of the shared sentence-transformers reference, one per line, for fidelity checks.
fn reference_texts(root: &Path, venv: &Path) -> anyhow::Result<PathBuf> {
    let source = root.join("../shared/reference/minilm_reference.jsonl");
    let text = std::fs::read_to_string(&source).with_context(|| source.display().to_string())?;
    let mut lines = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).with_context(|| source.display().to_string())?;
        lines.push(record["text"].as_str().context("reference record without text")?.to_string());
    }
    let path = venv.join("reference_texts.txt");
    std::fs::write(&path, lines.join("\n") + "\n")?;
    Ok(path)
}

/// Smallest cosine between precis' bf16 and f32 embeddings of the reference texts.
fn bf16_fidelity(precis: &Path, reference: &Path) -> anyhow::Result<f64> {
    let embed = |precision: &str| -> anyhow::Result<Vec<Vec<f64>>> {
        let out = capture(Command::new(precis).args(["embed", "--precision", precision]).arg(reference))?;
        out.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l)?;
                Ok(v["embedding"].as_array().context("embedding")?.iter().filter_map(Value::as_f64).collect())
            })
            .collect()
    };
    let (exact, low) = (embed("f32")?, embed("bf16")?);
    let cosine = |a: &[f64], b: &[f64]| {
        let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        dot / (a.iter().map(|x| x * x).sum::<f64>().sqrt() * b.iter().map(|x| x * x).sum::<f64>().sqrt())
    };
    Ok(exact.iter().zip(&low).map(|(a, b)| cosine(a, b)).fold(1.0, f64::min))
}

/// Multiply-add FLOPs per token in the encoder's linear layers (attention scores excluded).
fn flops_per_token(model: &Path) -> anyhow::Result<f64> {
    let config: Value = serde_json::from_str(&std::fs::read_to_string(model.join("config.json"))?)?;
    let get = |key: &str| config[key].as_f64().with_context(|| format!("config.json has no {key}"));
    let (h, i, layers) = (get("hidden_size")?, get("intermediate_size")?, get("num_hidden_layers")?);
    Ok(2.0 * layers * (4.0 * h * h + 2.0 * h * i))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) { (sorted[mid - 1] + sorted[mid]) / 2.0 } else { sorted[mid] }
}

fn print_table(
    options: &Options,
    runs: &BTreeMap<(String, usize), Vec<(f64, f64)>>,
    peak: Option<f64>,
    flops_per_token: f64,
    fidelity: &[String],
    load: (&str, &str),
) {
    let rate = |engine: &str, batch: usize| {
        runs.get(&(engine.to_string(), batch)).map(|r| {
            let s: Vec<f64> = r.iter().map(|x| x.0).collect();
            let t: Vec<f64> = r.iter().map(|x| x.1).collect();
            (median(&s), median(&t))
        })
    };
    let engines = ["precis f32", "precis bf16", "ort-fp32", "ort-int8", "sentence-transformers"];
    let batches: Vec<usize> = options.batch_sizes.split(',').filter_map(|b| b.trim().parse().ok()).collect();
    println!(
        "\n{} texts from {}, {} thread(s), median of {} interleaved round(s); load average before {} / after {}",
        std::fs::read_to_string(&options.corpus)
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
            .unwrap_or(0),
        options.corpus.display(),
        options.threads,
        options.rounds,
        load.0,
        load.1
    );
    match peak {
        Some(p) => println!("measured sgemm peak (PyTorch / NumPy, best of 3 shapes): {p:.0} GFLOP/s"),
        None => println!("sgemm peak not measured"),
    }
    println!();
    println!("| engine | batch | sentences/s | tokens/s | % of sgemm peak | precis f32 ÷ this | precis bf16 ÷ this |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for engine in engines {
        for &batch in &batches {
            let Some((s, t)) = rate(engine, batch) else { continue };
            let percent = peak.map_or("-".into(), |p| format!("{:.0}%", 100.0 * t * flops_per_token / 1e9 / p));
            let ratio = |ours: &str| rate(ours, batch).map_or("-".into(), |(o, _)| format!("{:.2}×", o / s));
            println!(
                "| {engine} | {batch} | {s:.0} | {t:.0} | {percent} | {} | {} |",
                ratio("precis f32"),
                ratio("precis bf16")
            );
        }
    }
    println!();
    println!("Best batch size of each engine:");
    let best = |engine: &str| {
        batches.iter().filter_map(|&b| rate(engine, b).map(|(s, _)| (b, s))).max_by(|a, b| a.1.total_cmp(&b.1))
    };
    for engine in engines {
        if let Some((b, s)) = best(engine) {
            let vs = |ours: &str| best(ours).map_or("-".into(), |(_, o)| format!("{:.2}×", o / s));
            println!(
                "  {engine:<22} {s:>7.0} sentences/s at batch {b:<4} precis f32 ÷ this {}, precis bf16 ÷ this {}",
                vs("precis f32"),
                vs("precis bf16")
            );
        }
    }
    println!();
    for line in fidelity {
        println!("{line}");
    }
}

/// Runs `cmd` and returns its standard output; its standard error (library warnings, progress
/// bars) is shown only if it fails.
fn capture(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.output().with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        bail!("{cmd:?} failed ({}):\n{}", out.status, tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    }
    Ok(String::from_utf8(out.stdout)?)
}
