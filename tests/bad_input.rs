//! Bad input: every case exits non-zero with one `error:` line on stderr, never panics, and
//! leaves no output file behind.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::{copy_dir, model_dir, precis, run};

/// Runs `cmd` (which writes to `output` when it succeeds) and checks the failure contract.
fn fails(cmd: &mut Command, output: &Path, expect: &str) {
    fails_with(1, cmd, output, expect);
}

/// A bad option value: exit 2 and clap's (or a one-line) message naming it; nothing written.
fn usage_fails(cmd: &mut Command, output: &Path, expect: &str) {
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{cmd:?}: {stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains(expect), "{cmd:?}: expected {expect:?} in: {stderr}");
    assert!(!stderr.contains("panicked"), "{cmd:?} panicked: {stderr}");
    assert!(!output.exists(), "{cmd:?} left {}", output.display());
}

fn fails_with(code: i32, cmd: &mut Command, output: &Path, expect: &str) {
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{cmd:?} succeeded");
    assert_eq!(out.status.code(), Some(code), "{cmd:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{cmd:?} panicked: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{cmd:?}: not one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{cmd:?}: {stderr}");
    assert!(lines[0].contains(expect), "{cmd:?}: expected {expect:?} in: {stderr}");
    assert!(!output.exists(), "{cmd:?} left {}", output.display());
    let leftovers: Vec<_> = std::fs::read_dir(output.parent().unwrap())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.starts_with(".precis-"))
        .collect();
    assert!(leftovers.is_empty(), "{cmd:?} left temporary files {leftovers:?}");
}

struct Case {
    dir: tempfile::TempDir,
    input: PathBuf,
    output: PathBuf,
}

fn case() -> Case {
    // Fetch the model first: on a fresh machine its one-time notice would be a second stderr line.
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    std::fs::write(&input, "A sentence to embed.\n").unwrap();
    let output = dir.path().join("out.jsonl");
    Case { dir, input, output }
}

impl Case {
    fn embed(&self) -> Command {
        let mut cmd = precis();
        cmd.arg("embed").arg(&self.input).arg("-o").arg(&self.output);
        cmd
    }

    /// A copy of the real model folder under `<case>/<name>`, changed by `spoil`.
    fn spoiled_model(&self, name: &str, spoil: impl FnOnce(&Path)) -> PathBuf {
        let target = self.dir.path().join(name);
        copy_dir(model_dir(), &target);
        spoil(&target);
        target
    }
}

#[test]
fn missing_model_folder() {
    let c = case();
    fails(c.embed().args(["--model", "./no/such/model"]), &c.output, "no such model folder");
}

#[test]
fn unknown_model_name() {
    let c = case();
    fails(c.embed().args(["--model", "gpt-17"]), &c.output, "unknown model \"gpt-17\"");
}

#[test]
fn truncated_weights() {
    let c = case();
    let model = c.spoiled_model("truncated", |dir| {
        let weights = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights).unwrap();
        std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    });
    fails(c.embed().arg("--model").arg(&model), &c.output, "truncated or corrupt");
}

#[test]
fn missing_tokenizer() {
    let c = case();
    let model = c.spoiled_model("no-tokenizer", |dir| std::fs::remove_file(dir.join("tokenizer.json")).unwrap());
    fails(c.embed().arg("--model").arg(&model), &c.output, "has no tokenizer.json");
}

#[test]
fn wrong_checksum_of_a_named_model() {
    let c = case();
    let store = c.dir.path().join("store");
    c.spoiled_model("store/minilm", |dir| {
        let weights = dir.join("model.safetensors");
        let mut bytes = std::fs::read(&weights).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        std::fs::write(&weights, bytes).unwrap();
    });
    fails(c.embed().arg("--models-dir").arg(&store), &c.output, "checksum mismatch");
}

#[test]
fn empty_input() {
    let c = case();
    std::fs::write(&c.input, "\n  \n").unwrap();
    fails(&mut c.embed(), &c.output, "is empty");
}

#[test]
fn empty_stdin() {
    let c = case();
    fails(precis().args(["embed", "-", "-o"]).arg(&c.output), &c.output, "is empty");
}

#[test]
fn non_utf8_input() {
    let c = case();
    std::fs::write(&c.input, b"caf\xE9 au lait\n").unwrap();
    fails(&mut c.embed(), &c.output, "offset 3");
}

#[test]
fn unreadable_input() {
    let c = case();
    std::fs::remove_file(&c.input).unwrap();
    fails(&mut c.embed(), &c.output, "cannot read");
}

#[test]
fn cuda_without_the_feature() {
    if cfg!(feature = "cuda") {
        return; // with the feature the same flag is a real device request
    }
    let c = case();
    fails(c.embed().args(["--device", "cuda"]), &c.output, "no CUDA support");
}

#[test]
fn unknown_device() {
    let c = case();
    usage_fails(c.embed().args(["--device", "tpu"]), &c.output, "unknown device \"tpu\"");
}

#[test]
fn zero_batch_size() {
    let c = case();
    usage_fails(c.embed().args(["--batch-size", "0"]), &c.output, "--batch-size");
}

#[test]
fn output_into_a_missing_folder() {
    let c = case();
    let output = c.dir.path().join("no/such/dir/out.jsonl");
    fails(precis().arg("embed").arg(&c.input).arg("-o").arg(&output), &output, "cannot write output");
}

#[test]
fn usage_errors_exit_with_two() {
    let out = run(precis().args(["embed", "x.txt", "--format", "xml"]));
    assert_eq!(out.status.code(), Some(2));
}

// `precis text`

fn text_fails(args: &[&std::ffi::OsStr], c: &Case, expect: &str) {
    let mut cmd = precis();
    cmd.arg("text").args(args).arg("-o").arg(&c.output);
    fails(&mut cmd, &c.output, expect);
}

#[test]
fn text_empty_folder() {
    let c = case();
    let empty = c.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    text_fails(&[empty.as_os_str()], &c, "holds no .txt");
}

#[test]
fn text_empty_file() {
    let c = case();
    std::fs::write(&c.input, "  \n\n").unwrap();
    text_fails(&[c.input.as_os_str()], &c, "is empty");
}

#[test]
fn text_binary_file() {
    let c = case();
    let png = c.dir.path().join("image.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10").unwrap();
    text_fails(&[png.as_os_str()], &c, "looks binary");
}

#[test]
fn text_invalid_utf8() {
    let c = case();
    std::fs::write(&c.input, b"Fine first line.\nBad \xC3\x28 byte.\n").unwrap();
    text_fails(&[c.input.as_os_str()], &c, "offset 21");
}

#[test]
fn text_huge_file_is_refused_with_its_limit() {
    let c = case();
    let huge = c.dir.path().join("huge.txt");
    std::fs::File::create(&huge).unwrap().set_len(200 << 20).unwrap();
    text_fails(&[huge.as_os_str()], &c, "over the limit of 67108864 bytes");
}

#[test]
fn text_malformed_jsonl_names_the_line() {
    let c = case();
    let jsonl = c.dir.path().join("docs.jsonl");
    std::fs::write(&jsonl, "{\"id\": \"a\", \"text\": \"Good one.\"}\n{\"id\": \"b\", \"text\": \"Cut\n{\"id\": \"c\", \"text\": \"Good too.\"}\n").unwrap();
    text_fails(&[jsonl.as_os_str()], &c, "docs.jsonl:2: malformed JSON");
}

#[test]
fn text_skip_bad_reports_bad_records_and_keeps_the_rest() {
    let c = case();
    let jsonl = c.dir.path().join("docs.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": \"a\", \"text\": \"Good one.\"}\n[]\n{\"id\": \"c\", \"text\": \"Good too.\"}\n{\"id\": \"d\"}\n",
    )
    .unwrap();
    let out = run(precis().arg("text").arg(&jsonl).arg("--skip-bad"));
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, "a:0: Good one.\nc:0: Good too.\n");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let warnings: Vec<&str> = stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    assert!(warnings[0].contains("docs.jsonl:2:") && warnings[1].contains("docs.jsonl:4:"), "{stderr}");
}

#[test]
fn text_directory_as_output() {
    let c = case();
    let mut cmd = precis();
    cmd.arg("text").arg(&c.input).arg("-o").arg(c.dir.path());
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: output"));
}

// `precis cluster`

fn cluster_fails(c: &Case, args: &[&str], expect: &str) {
    let mut cmd = precis();
    cmd.arg("cluster").arg(&c.input).args(args).arg("-o").arg(&c.output);
    fails(&mut cmd, &c.output, expect);
}

fn cluster_usage_fails(c: &Case, args: &[&str], expect: &str) {
    let mut cmd = precis();
    cmd.arg("cluster").arg(&c.input).args(args).arg("-o").arg(&c.output);
    fails_with(2, &mut cmd, &c.output, expect);
}

#[test]
fn cluster_threshold_outside_zero_to_two() {
    let c = case();
    for bad in ["0", "2.5", "NaN", "inf"] {
        cluster_usage_fails(&c, &["--threshold", bad], "threshold must be in (0, 2]");
    }
}

#[test]
fn cluster_k_zero_and_k_above_n() {
    let c = case();
    cluster_usage_fails(&c, &["--method", "kmeans", "--k", "0"], "n_clusters cannot be 0");
    cluster_fails(&c, &["--method", "kmeans", "--k", "5"], "n_clusters (5) exceeds the number of points (1)");
}

#[test]
fn cluster_bad_dbscan_params() {
    let c = case();
    cluster_usage_fails(&c, &["--method", "dbscan", "--eps", "-1"], "eps must be in (0, 2]");
    cluster_usage_fails(&c, &["--method", "dbscan", "--eps", "NaN"], "eps must be in (0, 2]");
    cluster_usage_fails(&c, &["--method", "dbscan", "--min-points", "0"], "min_points must be at least 2");
    cluster_usage_fails(&c, &["--method", "dbscan", "--min-points", "1"], "min_points must be at least 2");
}

#[test]
fn cluster_input_with_no_sentences() {
    let c = case();
    std::fs::write(&c.input, "Log In\nLoading...\nMenu\n").unwrap();
    cluster_fails(&c, &[], "no sentences after cleaning");
}

// `precis summarize`, `batch`, `eval`

#[test]
fn summarize_budget_smaller_than_any_sentence() {
    let c = case();
    let mut cmd = precis();
    cmd.arg("summarize").arg(&c.input).args(["--words", "2", "-o"]).arg(&c.output);
    fails(&mut cmd, &c.output, "no sentence fits the budget of 2 words");
}

#[test]
fn content_model_missing_corrupt_or_of_another_version() {
    let c = case();
    let model = c.dir.path().join("model.json");
    let summarize = |c: &Case| {
        let mut cmd = precis();
        cmd.arg("summarize").arg(&c.input).arg("--content-model").arg(&model).arg("-o").arg(&c.output);
        cmd
    };
    fails(&mut summarize(&c), &c.output, "cannot read content model");
    let version = precis::summarize::content::FORMAT_VERSION;
    std::fs::write(&model, format!("{{\"format\": \"precis-content-model\", \"version\": {version}, \"coef\": [0.5,"))
        .unwrap();
    fails(&mut summarize(&c), &c.output, "not a precis content model");
    let shipped = std::fs::read_to_string("crates/summarize/model/content-model.json").unwrap();
    std::fs::write(&model, shipped.replacen(&format!("\"version\": {version},"), "\"version\": 99,", 1)).unwrap();
    fails(
        &mut summarize(&c),
        &c.output,
        &format!("content model format version 99, but this precis reads version {version}"),
    );
}

#[test]
fn train_refuses_to_write_its_summaries_over_its_input() {
    let c = case();
    let input = c.dir.path().join("concepts-100-words.jsonl");
    let record = "{\"id\": \"s\", \"docs\": [{\"id\": \"a\", \"text\": \"One.\"}], \"refs\": [\"One.\"]}\n";
    std::fs::write(&input, record).unwrap();
    let mut cmd = precis();
    cmd.arg("train").arg(&input).arg("-o").arg(&c.output).arg("--summaries-dir").arg(c.dir.path());
    fails_with(2, &mut cmd, &c.output, "concepts-100-words.jsonl");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), record, "the input is untouched");
}

#[test]
fn summarize_zero_budget() {
    let c = case();
    let mut cmd = precis();
    cmd.arg("summarize").arg(&c.input).args(["--sentences", "0", "-o"]).arg(&c.output);
    fails_with(2, &mut cmd, &c.output, "budget cannot be 0");
    for budget in ["--words", "--bytes"] {
        let mut cmd = precis();
        cmd.arg("summarize").arg(&c.input).args([budget, "0", "-o"]).arg(&c.output);
        fails_with(2, &mut cmd, &c.output, "budget cannot be 0");
    }
}

#[test]
fn summarize_conflicting_budgets_are_a_usage_error() {
    let c = case();
    let out = run(precis().arg("summarize").arg(&c.input).args(["--words", "50", "--sentences", "2"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn summarize_document_with_no_sentences() {
    let c = case();
    std::fs::write(&c.input, "Log In\nShare this article\n").unwrap();
    let mut cmd = precis();
    cmd.arg("summarize").arg(&c.input).arg("-o").arg(&c.output);
    fails(&mut cmd, &c.output, "no sentences after cleaning");
}

#[test]
fn eval_references_missing_for_an_id() {
    let c = case();
    let refs = c.dir.path().join("refs.jsonl");
    std::fs::write(&refs, "{\"id\": \"s1\", \"docs\": [], \"refs\": [\"A reference.\"]}\n").unwrap();
    let system = c.dir.path().join("system.jsonl");
    std::fs::write(
        &system,
        "{\"id\": \"s1\", \"summary\": \"A summary.\"}\n{\"id\": \"s9\", \"summary\": \"Another.\"}\n",
    )
    .unwrap();
    let mut cmd = precis();
    cmd.arg("eval").arg(&system).arg("--refs").arg(&refs).args(["--limit-words", "100"]);
    fails(&mut cmd, &c.output, "system.jsonl:2: references missing for id \"s9\"");
}

#[test]
fn batch_unreadable_input() {
    let c = case();
    let mut cmd = precis();
    cmd.arg("batch").arg(c.dir.path().join("missing.jsonl")).arg("-o").arg(&c.output);
    fails(&mut cmd, &c.output, "cannot read");
    // The reason once: the reporter skips a cause the message already carries.
    let stderr = String::from_utf8_lossy(&run(&mut cmd).stderr).into_owned();
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}

// `precis bench`

#[test]
fn unknown_precision_is_a_usage_error_naming_the_choices() {
    for args in [&["bench", "--precision", "f32,int4"][..], &["embed", "x.txt", "--precision", "f64"]] {
        let out = run(precis().args(args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("unknown precision") && stderr.contains("f32, bf16 or f16"), "{stderr}");
    }
}

#[test]
fn bench_zero_batch_size_and_cuda_without_the_feature() {
    let c = case();
    usage_fails(precis().args(["bench", "--batch-sizes", "0,8"]), &c.output, "--batch-sizes");
    usage_fails(precis().args(["bench", "--batch-sizes", "8,18446744073709551615"]), &c.output, "--batch-sizes");
    if !cfg!(feature = "cuda") {
        fails(precis().args(["bench", "--device", "cpu,cuda", "--limit", "4"]), &c.output, "no CUDA support");
    }
}

// `precis model`

#[test]
fn model_fetch_unknown_name() {
    let c = case();
    fails(precis().args(["model", "fetch", "gpt-17"]), &c.output, "unknown model \"gpt-17\"");
}
