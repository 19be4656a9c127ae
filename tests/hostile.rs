//! Hostile and careless input, one test per class of failure: precis never destroys user data,
//! and big or malformed input ends in bounded time and memory with a one-line error (or an error
//! line in `batch`) instead of an abort, a hang or a damaged file.

mod util;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use util::{copy_dir, json_lines, model_dir, ok, precis, run};

/// Runs `cmd`, which must fail with `code` and one `error:` line containing `expect`.
fn fails(code: i32, cmd: &mut Command, expect: &str) -> String {
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{cmd:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{cmd:?} panicked: {stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains(expect), "{cmd:?}: expected {expect:?} in: {stderr}");
    stderr
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// A small document set: two outlets, one event.
fn tiny_set(id: &str) -> String {
    serde_json::json!({"id": id, "docs": [
        {"id": "a", "text": "The council approved the new river bridge on Monday. Work begins in March and ends next year."},
        {"id": "b", "text": "On Monday the city council voted for the river bridge. Construction starts in March, officials said."},
    ]})
    .to_string()
}

/// `precis args...` with its virtual memory capped at `megabytes` (`ulimit -v`), on 2 threads: a
/// run that holds a whole oversized input aborts under it.
#[cfg(unix)]
fn precis_within(megabytes: u64, args: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!("ulimit -v {} && exec \"$0\" --threads 2 \"$@\"", megabytes * 1024));
    cmd.arg(env!("CARGO_BIN_EXE_precis")).args(args);
    cmd.env_remove("PRECIS_MODEL").env_remove("PRECIS_MODELS_DIR").env_remove("PRECIS_LOG").stdin(Stdio::null());
    cmd
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.starts_with(".precis-"))
        .collect()
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&std::fs::symlink_metadata(path).unwrap().file_type())
}

// 1. `-o` writes through links, into FIFOs and devices, and never over a read-only file.
#[cfg(unix)]
#[test]
fn outputs_follow_links_write_fifos_in_place_and_refuse_read_only_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir.path().join("in.txt"), "The bridge opens in May. It cost two million.\n");
    let expected = ok(precis().arg("text").arg(&input));

    let real = write(&dir.path().join("real.txt"), "old");
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink("real.txt", &link).unwrap();
    ok(precis().arg("text").arg(&input).arg("-o").arg(&link));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert_eq!(std::fs::read_to_string(&real).unwrap(), expected);

    let dangling = dir.path().join("dangling.txt");
    std::os::unix::fs::symlink("made-by-precis.txt", &dangling).unwrap();
    ok(precis().arg("text").arg(&input).arg("-o").arg(&dangling));
    assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(dir.path().join("made-by-precis.txt")).unwrap(), expected);

    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    ok(precis().arg("text").arg(&input).arg("-o").arg(&fifo));
    assert_eq!(reader.join().unwrap(), expected, "the FIFO's reader got the result");
    assert!(is_fifo(&fifo), "the FIFO was replaced by a regular file");

    let read_only = write(&dir.path().join("keep.txt"), "precious");
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    fails(1, precis().arg("text").arg(&input).arg("-o").arg(&read_only), "is read-only");
    assert_eq!(std::fs::read_to_string(&read_only).unwrap(), "precious");
    assert_eq!(std::fs::metadata(&read_only).unwrap().permissions().mode() & 0o777, 0o444);
    assert!(temporaries(dir.path()).is_empty());
}

// 2. No output (or npy sidecar) may be one of the inputs, under any name.
#[test]
fn an_output_that_is_an_input_is_a_usage_error_and_the_input_survives() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir.path().join("in.txt"), "The bridge opens in May. It cost two million.\n");
    fails(2, precis().arg("text").arg(&input).arg("-o").arg(&input), "is also an input");
    let folder = dir.path().join("articles");
    std::fs::create_dir(&folder).unwrap();
    let article = write(&folder.join("a.txt"), "The bridge opens in May.\n");
    fails(2, precis().arg("text").arg(&folder).arg("-o").arg(&article), "is also an input");
    assert_eq!(std::fs::read_to_string(&article).unwrap(), "The bridge opens in May.\n");

    let sets = write(&dir.path().join("sets.jsonl"), &format!("{}\n", tiny_set("s1")));
    let hard_link = dir.path().join("other-name.jsonl");
    std::fs::hard_link(&sets, &hard_link).unwrap();
    for resume in [false, true] {
        for output in [&sets, &hard_link] {
            let mut cmd = precis();
            cmd.arg("batch").arg(&sets).arg("-o").arg(output);
            if resume {
                cmd.arg("--resume");
            }
            fails(2, &mut cmd, "is also an input");
        }
    }
    assert_eq!(std::fs::read_to_string(&sets).unwrap(), format!("{}\n", tiny_set("s1")));

    // The sidecar of `-o docs.npy` is docs.jsonl: here, the input.
    let docs = write(&dir.path().join("docs.jsonl"), "{\"id\": \"a\", \"text\": \"The bridge opens in May.\"}\n");
    let npy = dir.path().join("docs.npy");
    fails(2, precis().arg("summarize").arg(&docs).args(["--format", "npy", "-o"]).arg(&npy), "is also an input");
    assert!(std::fs::read_to_string(&docs).unwrap().contains("bridge"));
    assert!(!npy.exists());
}

// 3. `--resume` reads its output back before changing it, locks it, and tells repeated ids apart.
#[test]
fn resume_validates_and_locks_its_output_and_duplicate_ids_are_error_lines() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let sets =
        write(&dir.path().join("sets.jsonl"), &format!("{}\n{}\n{}\n", tiny_set("s1"), tiny_set("s2"), tiny_set("s1")));

    for foreign in ["a line that is not precis output\n", "a cut line without its newline"] {
        let output = write(&dir.path().join("foreign.jsonl"), foreign);
        fails(1, precis().arg("batch").arg(&sets).arg("-o").arg(&output).arg("--resume"), "not a precis batch line");
        assert_eq!(std::fs::read_to_string(&output).unwrap(), foreign, "the file was changed");
    }

    let whole = dir.path().join("whole.jsonl");
    fails(1, precis().arg("batch").arg(&sets).arg("-o").arg(&whole), "1 of 3 document sets failed");
    let text = std::fs::read_to_string(&whole).unwrap();
    let lines = json_lines(&text);
    assert_eq!(lines.len(), 3);
    assert!(lines[0]["summary"].is_string() && lines[1]["summary"].is_string());
    assert_eq!(lines[2]["line"], 3);
    assert!(lines[2]["error"].as_str().unwrap().contains("duplicate set id \"s1\" (first on line 1)"));

    // Interrupted mid-way through the second line: resuming redoes it and the duplicate, once.
    let first_end = text.find('\n').unwrap() + 1;
    let resumed = write(&dir.path().join("resumed.jsonl"), &text[..first_end + 40]);
    fails(1, precis().arg("batch").arg(&sets).arg("-o").arg(&resumed).arg("--resume"), "1 of 2 document sets failed");
    assert_eq!(std::fs::read_to_string(&resumed).unwrap(), text);
    let again = run(precis().arg("batch").arg(&sets).arg("-o").arg(&resumed).arg("--resume"));
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(std::fs::read_to_string(&resumed).unwrap(), text, "a finished run resumed adds nothing");

    // A second run on the same output while one holds it.
    let held = std::fs::OpenOptions::new().read(true).write(true).open(&resumed).unwrap();
    held.lock().unwrap();
    for resume in [true, false] {
        let mut cmd = precis();
        cmd.arg("batch").arg(&sets).arg("-o").arg(&resumed);
        if resume {
            cmd.arg("--resume");
        }
        fails(1, &mut cmd, "another precis run is writing");
    }
    held.unlock().unwrap();
    assert_eq!(std::fs::read_to_string(&resumed).unwrap(), text);
}

// 4. Ctrl-C, SIGTERM and SIGHUP leave no temporary file (and no partial output) behind.
#[cfg(unix)]
#[test]
fn interrupted_runs_leave_no_temporary_files() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let bench = util::shared().join("reference/bench_sentences.txt");
    let sentences = std::fs::read_to_string(bench).unwrap();
    let many: String = (0..10).map(|round| sentences.replace('\n', &format!(" ({round})\n"))).collect();
    let input = write(&dir.path().join("many.txt"), &many);
    let output = dir.path().join("vectors.jsonl");
    for signal in ["INT", "TERM", "HUP"] {
        let mut child = precis().arg("embed").arg(&input).arg("-o").arg(&output).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let killed = Command::new("sh").arg("-c").arg(format!("kill -{signal} {}", child.id())).status().unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(!status.success(), "SIG{signal}: the run finished before the signal; give it more input");
        assert!(temporaries(dir.path()).is_empty(), "SIG{signal} left {:?}", temporaries(dir.path()));
        assert!(!output.exists(), "SIG{signal} left a partial output");
    }
}

// 5. Inputs too large for a method fail before any embedding, naming what to do; in `batch` the
//    set becomes its error line and the other sets are summarized.
#[test]
fn inputs_too_large_for_the_method_fail_before_embedding() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..20_001).map(|i| format!("Sentence number {i} reports the vote today.")).collect();
    let big = write(&dir.path().join("big.txt"), &lines.join("\n"));
    fails(1, precis().arg("summarize").arg(&big), "its limit is 20000 sentences: use --method kmeans");
    let mut lexrank = precis();
    lexrank.arg("summarize").arg(&big).args(["--method", "kmeans", "--strategy", "lexrank"]);
    fails(1, &mut lexrank, "over its limit of 10000: use --strategy learned, concepts or centroid");

    let big_set = serde_json::json!({"id": "big", "docs": [{"id": "d", "text": lines.join("\n")}]}).to_string();
    let sets = write(&dir.path().join("sets.jsonl"), &format!("{big_set}\n{}\n", tiny_set("small")));
    let output = dir.path().join("out.jsonl");
    fails(1, precis().arg("batch").arg(&sets).arg("-o").arg(&output), "1 of 2 document sets failed");
    let rows = json_lines(&std::fs::read_to_string(&output).unwrap());
    assert!(rows[0]["error"].as_str().unwrap().contains("use --method kmeans"), "{}", rows[0]);
    assert!(rows[1]["summary"].is_string());
}

// 6. A record over --max-bytes is never held whole: it becomes its error line, the rest survive.
#[test]
fn over_long_records_become_error_lines_and_the_records_around_them_survive() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let long = serde_json::json!({"id": "long", "docs": [{"id": "d", "text": "word ".repeat(400_000)}]}).to_string();
    let sets = write(&dir.path().join("sets.jsonl"), &format!("{}\n{long}\n{}\n", tiny_set("s1"), tiny_set("s3")));
    let output = dir.path().join("out.jsonl");
    let mut cmd = precis();
    cmd.arg("batch").arg(&sets).args(["--max-bytes", "100000", "-o"]).arg(&output);
    fails(1, &mut cmd, "1 of 3 document sets failed");
    let rows = json_lines(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["id"], "s1");
    assert_eq!(rows[1]["line"], 2);
    assert!(rows[1]["error"].as_str().unwrap().contains("over the limit of 100000 bytes"), "{}", rows[1]);
    assert_eq!(rows[2]["id"], "s3");

    // A 1.5 GB line between two good records, streamed through stdin to a run capped at 1 GB.
    #[cfg(unix)]
    {
        let args = [OsStr::new("batch"), OsStr::new("-"), OsStr::new("-o"), output.as_os_str()];
        let mut child = precis_within(1024, &args).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut pipe = std::io::BufWriter::new(child.stdin.take().unwrap());
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            writeln!(pipe, "{}", tiny_set("before"))?;
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..1536 {
                pipe.write_all(&chunk)?;
            }
            writeln!(pipe, "\n{}", tiny_set("after"))
        });
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("1 of 3 document sets failed"), "{stderr}");
        writer.join().unwrap().unwrap();
        let rows = json_lines(&std::fs::read_to_string(&output).unwrap());
        let ids: Vec<_> = rows.iter().map(|r| r["id"].as_str().unwrap_or("-")).collect();
        assert_eq!(ids, ["before", "-", "after"]);
        assert!(rows[1]["error"].as_str().unwrap().contains("record of 1610612736 bytes is over the limit"));
    }
}

// 7. Inputs that once took quadratic time: deep HTML is refused at once, text without sentence
//    punctuation is cut in one pass.
#[test]
fn deep_html_is_refused_and_unpunctuated_text_is_cut_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let deep = write(&dir.path().join("deep.html"), &format!("{}text", "<div>".repeat(200_000)));
    fails(1, precis().arg("text").arg(&deep), "nests HTML elements 200000 deep, over the limit of 512");

    let words: Vec<String> = (0..1_500_000).map(|i| format!("word{}", i % 997)).collect();
    let flat = write(&dir.path().join("flat.txt"), &words.join(" "));
    let sentences = ok(precis().arg("text").arg(&flat));
    let counts: Vec<usize> = sentences.lines().map(|l| l.split_whitespace().count() - 1).collect();
    assert_eq!(counts.iter().sum::<usize>(), 1_500_000);
    assert!(counts.iter().all(|&n| n <= 120), "a sentence over 120 words");
}

// 8. Pipes and devices as batch input: a FIFO is read once, not drained by the progress count;
//    an endless binary device ends with an error instead of a hang.
#[cfg(unix)]
#[test]
fn batch_reads_fifos_whole_and_stops_on_endless_binary_input() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("sets.fifo");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut pipe = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            writeln!(pipe, "{}\n{}", tiny_set("p1"), tiny_set("p2")).unwrap();
        })
    };
    let output = dir.path().join("out.jsonl");
    ok(precis().arg("batch").arg(&fifo).arg("-o").arg(&output));
    writer.join().unwrap();
    let ids: Vec<_> = json_lines(&std::fs::read_to_string(&output).unwrap()).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, ["p1", "p2"]);

    let mut zeros = precis();
    zeros.args(["batch", "/dev/zero", "--max-bytes", "1000", "-o"]).arg(&output);
    fails(1, &mut zeros, "1 of 1 document sets failed");
    let rows = json_lines(&std::fs::read_to_string(&output).unwrap());
    assert!(rows[0]["error"].as_str().unwrap().contains("/dev/zero looks binary"), "{}", rows[0]);
}

// 9. One enormous line is embedded from the prefix the model can see, to the same vector.
#[test]
fn an_enormous_line_embeds_as_its_visible_prefix() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let words: Vec<String> = (0..400_000).map(|i| format!("w{}", i % 53)).collect();
    let input = write(&dir.path().join("lines.txt"), &format!("{}\n{}\n", words.join(" "), words[..300].join(" ")));
    let rows = json_lines(&ok(precis().arg("embed").arg(&input).arg("--tokens")));
    assert_eq!(rows[0]["token_ids"], rows[1]["token_ids"]);
    assert_eq!(rows[0]["embedding"], rows[1]["embedding"]);

    // A 60 MB line, within --max-bytes, embedded by a run capped at 1 GB (tokenizing it whole took
    // 3.4 GB for 50 MB).
    #[cfg(unix)]
    {
        let mut huge = String::with_capacity(61_000_000);
        for i in 0..18_000_000 {
            huge.push_str(["w1 ", "w22 ", "w3 "][i % 3]);
        }
        let path = write(&dir.path().join("huge.txt"), &huge);
        let out = dir.path().join("huge.jsonl");
        let args = [OsStr::new("embed"), path.as_os_str(), OsStr::new("-o"), out.as_os_str()];
        let embedded = run(&mut precis_within(1024, &args));
        assert!(embedded.status.success(), "{}", String::from_utf8_lossy(&embedded.stderr));
        assert_eq!(json_lines(&std::fs::read_to_string(&out).unwrap()).len(), 1);
    }
}

// 10. Model folders with impossible shapes or NaN weights are named as such when loading.
#[test]
fn impossible_model_configs_and_nan_weights_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    copy_dir(model_dir(), &model);
    let input = write(&dir.path().join("in.txt"), "A sentence.\n");
    let config_path = model.join("config.json");
    let original = std::fs::read_to_string(&config_path).unwrap();
    let mut config: serde_json::Value = serde_json::from_str(&original).unwrap();
    for (heads, expect) in [(0, "num_attention_heads is 0"), (5, "num_attention_heads (5) does not divide hidden_size")]
    {
        config["num_attention_heads"] = heads.into();
        std::fs::write(&config_path, config.to_string()).unwrap();
        let err = fails(1, precis().arg("embed").arg(&input).arg("--model").arg(&model), expect);
        assert!(err.contains("config.json"), "{err}");
    }
    std::fs::write(&config_path, original).unwrap();

    let weights = model.join("model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    let (name, tensor) = header.as_object().unwrap().iter().find(|(_, t)| t["dtype"] == "F32").unwrap();
    let start = 8 + header_len + tensor["data_offsets"][0].as_u64().unwrap() as usize;
    bytes[start..start + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(&weights, bytes).unwrap();
    fails(1, precis().arg("embed").arg(&input).arg("--model").arg(&model), &format!("tensor {name} holds NaN"));
}

// 11. Every invalid option value is a usage error (exit 2).
#[test]
fn invalid_option_values_exit_with_two() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir.path().join("in.txt"), "The bridge opens in May. It cost two million.\n");
    fails(2, precis().arg("embed").arg(&input).args(["--max-batch-tokens", "0"]), "--max-batch-tokens");
    let err = fails(2, precis().arg("embed").arg(&input).args(["--max-batch-tokens", "100"]), "max_seq_length (256)");
    assert!(err.contains("--max-batch-tokens"), "{err}");
    fails(2, precis().arg("embed").arg(&input).args(["--tokens", "--format", "csv"]), "--tokens needs --format jsonl");
    fails(2, precis().arg("summarize").arg(&input).args(["--format", "npy"]), "give -o FILE");
    fails(2, precis().arg("summarize").arg(&input).args(["--format", "npy", "-o", "-"]), "give -o FILE");
    for device in ["tpu", "cuda:x"] {
        fails(2, precis().arg("embed").arg(&input).args(["--device", device]), "unknown device");
        fails(2, precis().args(["bench", "--device", device]), "unknown device");
    }
}

// 12. Messages say what is wrong and name the file.
#[cfg(unix)]
#[test]
fn messages_name_the_file_and_the_real_problem() {
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain("The bridge opens.\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let utf16_path = dir.path().join("windows.txt");
    std::fs::write(&utf16_path, utf16).unwrap();
    fails(
        1,
        precis().arg("text").arg(&utf16_path),
        "is UTF-16 text, not UTF-8: convert it first, e.g. iconv -f UTF-16",
    );

    model_dir();
    let latin1 = dir.path().join("latin1.txt");
    std::fs::write(&latin1, b"caf\xE9 au lait\n").unwrap();
    let rows = json_lines(&ok(precis().arg("embed").arg(&latin1).arg("--lossy")));
    assert_eq!(rows[0]["text"], "caf\u{FFFD} au lait");

    let input = write(&dir.path().join("in.txt"), "The bridge opens in May.\n");
    fails(
        1,
        precis().arg("embed").arg(&input).args(["-o", "/dev/full"]),
        "cannot write output /dev/full: No space left",
    );
    let not_a_folder = write(&dir.path().join("models-file"), "");
    let err = fails(1, precis().arg("embed").arg(&input).arg("--models-dir").arg(&not_a_folder), "models-file");
    assert!(err.contains("give a writable folder with --models-dir"), "{err}");

    let with_nul =
        write(&dir.path().join("docs.jsonl"), "{\"id\": \"a\", \"text\": \"Fine.\"}\n{\"id\": \"b\u{0}\"}\n");
    let out = run(precis().arg("text").arg(&with_nul).arg("--skip-bad"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("docs.jsonl:2: holds a NUL byte (file offset 38): not text"), "{stderr}");
    assert_eq!(stderr.matches("docs.jsonl").count(), 1, "{stderr}");
}

// 13. A closed pipe is the reader's choice; empty and mismatched inputs are errors; repeated
//     document ids stay distinct.
#[test]
fn closed_pipes_empty_inputs_and_repeated_ids() {
    model_dir();
    let dir = tempfile::tempdir().unwrap();
    let sets: String = (0..6).map(|i| tiny_set(&format!("s{i}")) + "\n").collect();
    let sets = write(&dir.path().join("sets.jsonl"), &sets);
    let mut child = precis().arg("batch").arg(&sets).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let empty = write(&dir.path().join("empty.jsonl"), "\n");
    fails(1, precis().arg("batch").arg(&empty), "holds no document sets");

    let refs = write(&dir.path().join("refs.jsonl"), "{\"id\": \"s1\", \"docs\": [], \"refs\": [\"A reference.\"]}\n");
    let no_summaries = write(&dir.path().join("none.jsonl"), "{\"id\": \"s1\", \"error\": \"failed\"}\n");
    fails(1, precis().arg("eval").arg(&no_summaries).arg("--refs").arg(&refs), "holds no summaries to score");
    let empty_system = write(&dir.path().join("empty-system.jsonl"), "");
    fails(1, precis().arg("eval").arg(&empty_system).arg("--refs").arg(&refs), "holds no summaries to score");
    let typed = write(&dir.path().join("typed.jsonl"), "{\"id\": \"s1\", \"summary\": [\"A.\"]}\n");
    fails(1, precis().arg("eval").arg(&typed).arg("--refs").arg(&refs), "typed.jsonl:1: \"summary\" must be a string");

    for folder in ["a", "b"] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        write(&dir.path().join(folder).join("x.txt"), &format!("Story from folder {folder} is here."));
    }
    write(&dir.path().join("a/x#2.txt"), "Story from the third file is here.");
    let mut text = precis();
    text.arg("text").arg(dir.path().join("a/x.txt")).arg(dir.path().join("b/x.txt")).arg(dir.path().join("a/x#2.txt"));
    let ids: Vec<String> = ok(&mut text).lines().map(|l| l.split(':').next().unwrap().to_string()).collect();
    assert_eq!(ids, ["x", "x#3", "x#2"]);
}
