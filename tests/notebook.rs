//! Notebook compatibility: pandas and numpy load every tabular and array output of
//! `precis summarize`, and agree with its JSON output (tests/notebook/check.py).
//!
//! Needs python3 with numpy and pandas. Where they are missing, the test installs them into a
//! virtual environment under target/ on first use, so `cargo test` needs no set-up step.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::{model_dir, ok, precis, shared};

/// A python3 that can import numpy and pandas.
fn python() -> PathBuf {
    let imports = |python: &Path| {
        Command::new(python).args(["-c", "import numpy, pandas"]).output().is_ok_and(|o| o.status.success())
    };
    let system = PathBuf::from("python3");
    if imports(&system) {
        return system;
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/notebook-venv");
    let python = venv.join("bin/python");
    if !imports(&python) {
        let status = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("python3 runs");
        assert!(status.success(), "python3 -m venv failed: install python3-venv, or numpy and pandas for python3");
        let status = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "numpy", "pandas"])
            .status()
            .expect("pip runs");
        assert!(status.success(), "pip could not install numpy and pandas into {}", venv.display());
    }
    python
}

#[test]
fn pandas_and_numpy_load_every_output() {
    model_dir();
    let corpus = shared().join("corpus/istanbul-talks");
    let dir = tempfile::tempdir().unwrap();
    for (format, file) in
        [("json", "summary.json"), ("jsonl", "rows.jsonl"), ("csv", "rows.csv"), ("npy", "vectors.npy")]
    {
        ok(precis().arg("summarize").arg(&corpus).args(["--format", format, "-o"]).arg(dir.path().join(file)));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notebook/check.py");
    let out = Command::new(python()).arg(script).arg(dir.path()).output().expect("python runs");
    assert!(
        out.status.success(),
        "notebook check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
