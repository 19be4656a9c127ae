//! `cargo xtask eval-stories`: event grouping on the shuffled DUC 2003 feed, precis against
//! BERTopic and scikit-learn's agglomerative clustering on the same vectors, one table.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

use crate::status;

/// The anchors' packages. BERTopic goes in without its dependencies: they would pull
/// sentence-transformers and torch, which the anchors do not need since they get the vectors.
const PACKAGES: &[&str] = &["numpy", "scikit-learn", "umap-learn", "hdbscan", "pandas", "tqdm", "plotly", "pyyaml"];
const BERTOPIC: &str = "bertopic==0.17.4";
const ANCHORS: [&str; 3] = ["bertopic", "bertopic-min3", "agglomerative"];

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let scale = match args {
        [] => None,
        [flag, n] if flag == "--scale" => Some(n.clone()),
        _ => anyhow::bail!("usage: cargo xtask eval-stories [--scale N]"),
    };
    let out = root.join("target/eval-stories");
    crate::cargo(root, &["run", "--quiet", "--release", "--bin", "precis", "--", "model", "fetch", "minilm"])?;
    let mut example = vec!["run", "--quiet", "--release", "--example", "stories", "--"];
    example.extend(["../shared/data/duc2003_task2.jsonl", "target/eval-stories"]);
    example.extend(scale.as_deref());
    crate::cargo(root, &example)?;
    let python = venv()?;
    let report: Value = serde_json::from_str(&std::fs::read_to_string(out.join("precis.json"))?)?;
    let mut rows: Vec<Value> = report["rows"].as_array().context("rows")?.clone();
    for anchor in ANCHORS {
        eprintln!("anchor: {anchor}");
        let output = Command::new(&python)
            .arg(root.join("xtask/stories_anchors.py"))
            .arg(&out)
            .arg(anchor)
            .output()
            .with_context(|| format!("cannot run {}", python.display()))?;
        anyhow::ensure!(
            output.status.success(),
            "anchor {anchor} failed: {}",
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
        );
        let line = String::from_utf8_lossy(&output.stdout);
        rows.push(serde_json::from_str(line.lines().last().context("no row")?)?);
    }
    println!(
        "\n{} articles of {} sets, shuffled into one feed; B-cubed against the sets. Seconds: grouping on \
         vectors already computed; peak MiB: the whole process (precis: with the model loaded)",
        report["articles"], report["sets"]
    );
    println!(
        "{:<26} {:>6} {:>6} {:>6} {:>6} {:>7} {:>8} {:>9}  note",
        "method", "P", "R", "F1", "ARI", "stories", "seconds", "peak MiB"
    );
    let number = |v: &Value, digits: usize| v.as_f64().map_or("-".to_string(), |x| format!("{x:.digits$}"));
    for row in &rows {
        println!(
            "{:<26} {:>6} {:>6} {:>6} {:>6} {:>7} {:>8} {:>9}  {}",
            row["method"].as_str().unwrap_or("?"),
            number(&row["precision"], 3),
            number(&row["recall"], 3),
            number(&row["f1"], 3),
            number(&row["ari"], 3),
            number(&row["stories"], 0),
            number(&row["seconds"], 2),
            number(&row["peak_mib"], 0),
            row["note"].as_str().unwrap_or(""),
        );
    }
    Ok(())
}

/// The anchors' Python environment, outside the repository: `$PRECIS_STORIES_VENV`, else
/// `~/.cache/precis/stories`. Created and filled through pip on first use.
fn venv() -> anyhow::Result<std::path::PathBuf> {
    let venv = crate::cache_dir("PRECIS_STORIES_VENV", "stories")?;
    let python = venv.join("bin/python");
    let ready = python.is_file()
        && Command::new(&python).args(["-c", "import bertopic, umap, sklearn"]).status().is_ok_and(|s| s.success());
    if !ready {
        eprintln!("setting up the anchors' environment in {} (BERTopic, scikit-learn)", venv.display());
        status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        let pip = |args: &[&str]| status(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(args));
        pip(PACKAGES)?;
        pip(&["--no-deps", BERTOPIC])?;
    }
    Ok(python)
}
