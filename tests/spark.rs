//! The Spark job (examples/spark/precis_spark.py) in local[2] mode gives exactly what one
//! `precis batch` process gives, line for line, and writes Parquet too.
//!
//! Needs Java 17+ and pyspark; pyspark is installed into target/test-venv on first use.

mod util;

use std::path::Path;
use std::process::Command;

use util::{model_dir, ok, precis, shared};

#[test]
fn spark_local_mode_equals_a_single_process_run() {
    let java = Command::new("java").arg("-version").output();
    assert!(java.is_ok_and(|o| o.status.success()), "the Spark test needs Java 17 or newer (`java` on PATH)");
    let model = model_dir();
    let python = util::python_with(&["pyspark"], &["pyspark"]);
    let data = shared().join("data/duc2003_task2.jsonl");
    let dir = tempfile::tempdir().unwrap();

    let single = dir.path().join("single.jsonl");
    ok(precis().arg("batch").arg(&data).arg("-o").arg(&single).arg("--quiet"));

    let out = dir.path().join("spark");
    let job = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/spark/precis_spark.py");
    let run = Command::new(python)
        .arg(job)
        .arg(&data)
        .arg(&out)
        .args(["--master", "local[2]", "--partitions", "2", "--threads", "1", "--precis", env!("CARGO_BIN_EXE_precis")])
        .arg("--model")
        .arg(model)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "spark job failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("precis: wrote 30 results"), "{stdout}");

    let expected = std::fs::read_to_string(&single).unwrap();
    let got = std::fs::read_to_string(out.join("jsonl/part-00000")).unwrap();
    assert_eq!(got.lines().count(), 30);
    for (i, (a, b)) in expected.lines().zip(got.lines()).enumerate() {
        assert_eq!(a, b, "line {} differs", i + 1);
    }
    let parquet = std::fs::read_dir(out.join("parquet"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".parquet"));
    assert!(parquet.count() >= 1, "no Parquet files written");
}
