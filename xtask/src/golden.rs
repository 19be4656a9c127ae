//! `cargo xtask golden record|check DIR`: every user-visible output of the release binary on
//! fixed inputs, recorded once and compared byte for byte later, so a refactor can prove it changed
//! no behaviour.
//!
//! Each case runs from the workspace root with relative paths (so messages that name files are the
//! same on every run), writes its files under `target/golden-run/`, and records its stdout, stderr
//! and exit code beside them.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// One invocation: a name, the arguments, and the output files it writes (relative to the run dir).
struct Case {
    name: &'static str,
    args: Vec<String>,
    files: Vec<&'static str>,
}

const RUN: &str = "target/golden-run";

fn cases(quick: bool) -> Vec<Case> {
    let istanbul = "../shared/corpus/istanbul-talks";
    let dev = "../shared/data/duc2003_task2.jsonl";
    let case = |name, args: &[&str], files: Vec<&'static str>| Case {
        name,
        args: args.iter().map(|a| a.replace("{run}", RUN)).collect(),
        files,
    };
    let mut all = vec![
        case("summarize-text", &["summarize", istanbul, "-o", "{run}/summary.txt"], vec!["summary.txt"]),
        case(
            "summarize-json",
            &["summarize", istanbul, "--format", "json", "-o", "{run}/summary.json"],
            vec!["summary.json"],
        ),
        case(
            "summarize-jsonl",
            &["summarize", istanbul, "--format", "jsonl", "-o", "{run}/rows.jsonl"],
            vec!["rows.jsonl"],
        ),
        case("summarize-csv", &["summarize", istanbul, "--format", "csv", "-o", "{run}/rows.csv"], vec!["rows.csv"]),
        case(
            "summarize-html",
            &["summarize", istanbul, "--format", "html", "-o", "{run}/report.html"],
            vec!["report.html"],
        ),
        case(
            "summarize-npy",
            &["summarize", istanbul, "--format", "npy", "-o", "{run}/vectors.npy"],
            vec!["vectors.npy", "vectors.jsonl"],
        ),
        case(
            "summarize-words-120-lexrank",
            &["summarize", istanbul, "--words", "120", "--strategy", "lexrank"],
            vec![],
        ),
        case("summarize-council", &["summarize", "examples/council-vote"], vec![]),
        case("cluster-json", &["cluster", istanbul], vec![]),
        case("cluster-csv-clusters", &["cluster", istanbul, "--format", "csv", "--rows", "clusters"], vec![]),
        case("cluster-kmeans", &["cluster", istanbul, "--method", "kmeans", "--format", "jsonl"], vec![]),
        case(
            "embed-npy",
            &["embed", "examples/sentences.txt", "--format", "npy", "-o", "{run}/embed.npy"],
            vec!["embed.npy"],
        ),
        case("embed-jsonl-tokens", &["embed", "examples/sentences.txt", "--tokens"], vec![]),
        case("text-jsonl", &["text", istanbul, "--format", "jsonl"], vec![]),
        case("text-explain", &["text", istanbul, "--explain"], vec![]),
        // Messages of bad input and bad options.
        case("bad-missing-input", &["embed", "no/such/file.txt"], vec![]),
        case("bad-threshold", &["cluster", istanbul, "--threshold", "0"], vec![]),
        case("bad-words", &["summarize", istanbul, "--words", "0"], vec![]),
        case("bad-device", &["embed", "examples/sentences.txt", "--device", "tpu"], vec![]),
        case("bad-precision", &["embed", "examples/sentences.txt", "--precision", "f64"], vec![]),
        case("bad-batch-size", &["embed", "examples/sentences.txt", "--batch-size", "0"], vec![]),
        case("bad-k", &["cluster", istanbul, "--method", "kmeans", "--k", "0"], vec![]),
        case("bad-npy-stdout", &["summarize", istanbul, "--format", "npy"], vec![]),
        case("bad-budget-conflict", &["summarize", istanbul, "--words", "50", "--sentences", "2"], vec![]),
        case("bad-eval-refs", &["eval", "examples/sentences.txt", "--refs", dev], vec![]),
        case("bad-model", &["embed", "examples/sentences.txt", "--model", "gpt-17"], vec![]),
    ];
    let sets = if quick { "{run}/dev-5.jsonl" } else { dev };
    all.push(case("batch-dev", &["batch", sets, "-o", "{run}/batch.jsonl"], vec!["batch.jsonl"]));
    all.push(case("eval-dev", &["eval", "{run}/batch.jsonl", "--refs", dev, "--limit-words", "100"], vec![]));
    all.push(case("eval-dev-json", &["eval", "{run}/batch.jsonl", "--refs", dev, "--format", "json"], vec![]));
    all
}

/// `golden record DIR [--quick]` or `golden check DIR [--quick]` (`--quick`: the first 5 dev sets).
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let (mode, dir) = match args {
        [mode, dir, ..] => (mode.as_str(), PathBuf::from(dir)),
        _ => bail!("usage: cargo xtask golden record|check DIR [--quick]"),
    };
    let quick = args.iter().any(|a| a == "--quick");
    crate::cargo(root, &["build", "--release", "--bin", "precis"])?;
    let run_dir = root.join(RUN);
    let _ = std::fs::remove_dir_all(&run_dir);
    std::fs::create_dir_all(&run_dir)?;
    if quick {
        let dev = std::fs::read_to_string(root.join("../shared/data/duc2003_task2.jsonl"))?;
        let first: Vec<&str> = dev.lines().take(5).collect();
        std::fs::write(run_dir.join("dev-5.jsonl"), first.join("\n") + "\n")?;
    }
    let produced = run_dir.join("produced");
    std::fs::create_dir_all(&produced)?;
    for case in cases(quick) {
        eprintln!("golden: {}", case.name);
        let out = Command::new(root.join("target/release/precis"))
            .args(&case.args)
            .current_dir(root)
            .env_remove("PRECIS_MODEL")
            .env_remove("PRECIS_LOG")
            .output()
            .with_context(|| format!("cannot run precis for {}", case.name))?;
        std::fs::write(produced.join(format!("{}.stdout", case.name)), &out.stdout)?;
        std::fs::write(produced.join(format!("{}.stderr", case.name)), &out.stderr)?;
        std::fs::write(produced.join(format!("{}.code", case.name)), format!("{:?}\n", out.status.code()))?;
        for file in &case.files {
            let from = run_dir.join(file);
            if from.exists() {
                std::fs::copy(&from, produced.join(format!("{}.{file}", case.name)))?;
            }
        }
    }
    match mode {
        "record" => {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            for entry in std::fs::read_dir(&produced)? {
                let entry = entry?;
                std::fs::copy(entry.path(), dir.join(entry.file_name()))?;
            }
            eprintln!("golden: recorded {} files in {}", std::fs::read_dir(&dir)?.count(), dir.display());
            Ok(())
        }
        "check" => compare(&dir, &produced),
        other => bail!("unknown golden mode {other:?}: record or check"),
    }
}

/// Every recorded file against the new run's, byte for byte; lists each that differs.
fn compare(golden: &Path, produced: &Path) -> anyhow::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(golden)
        .with_context(|| format!("no golden outputs in {}: record them first", golden.display()))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    let mut differ = Vec::new();
    for name in &names {
        let old = std::fs::read(golden.join(name))?;
        let new = std::fs::read(produced.join(name)).unwrap_or_default();
        if old != new {
            differ.push(name.to_string_lossy().into_owned());
        }
    }
    if differ.is_empty() {
        eprintln!("golden: all {} files identical", names.len());
        Ok(())
    } else {
        bail!("{} of {} golden files differ: {}", differ.len(), names.len(), differ.join(", "))
    }
}
