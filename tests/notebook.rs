//! Notebook compatibility: pandas and numpy load every tabular and array output of
//! `precis summarize`, and agree with its JSON output (tests/notebook/check.py).
//!
//! Needs python3 with numpy and pandas. Where they are missing, the test installs them into a
//! virtual environment under target/ on first use, so `cargo test` needs no set-up step.

mod util;

use std::path::Path;
use std::process::Command;

use util::{model_dir, ok, precis, shared};

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
    let out = Command::new(util::python_with(&["numpy", "pandas"], &["numpy", "pandas"]))
        .arg(script)
        .arg(dir.path())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "notebook check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
