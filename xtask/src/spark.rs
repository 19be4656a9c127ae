//! `cargo xtask bench-spark`: `precis batch` in one process against the Spark job in local mode, on
//! the shared dev set replicated to N sets, with wall time, sets/s and peak memory of each whole
//! process tree; then what that rate means for 1,000,000 sets on a cluster.

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::load_average;

const USAGE: &str = "cargo xtask bench-spark [--sets N] [--partitions N] [--master local[2]] [--precision f32|bf16] [--runs single,spark]";

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let (mut sets, mut partitions, mut master) = (10_000usize, 8usize, "local[2]".to_string());
    let mut precision = "f32".to_string();
    let mut runs = "single,spark".to_string();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--sets" => sets = value.parse().context("--sets")?,
            "--partitions" => partitions = value.parse().context("--partitions")?,
            "--master" => master = value.clone(),
            "--precision" => precision = value.clone(),
            "--runs" => runs = value.clone(),
            _ => bail!("unknown flag {flag}\n{USAGE}"),
        }
    }
    if sets == 0 || partitions == 0 {
        bail!("--sets and --partitions must be at least 1");
    }
    let runs: Vec<&str> = runs.split(',').collect();
    if runs.iter().any(|r| !matches!(*r, "single" | "spark")) {
        bail!("--runs takes single, spark or both (comma-separated)\n{USAGE}");
    }
    crate::cargo(root, &["run", "--quiet", "--release", "--bin", "precis", "--", "model", "fetch", "minilm"])?;
    crate::cargo(root, &["build", "--quiet", "--release", "--bin", "precis"])?;
    let precis = root.join("target/release/precis");
    let work = root.join("target/bench-spark");
    std::fs::create_dir_all(&work)?;
    let data = work.join(format!("dev-x{sets}.jsonl"));
    replicate(&root.join("../shared/data/duc2003_task2.jsonl"), sets, &data)?;
    let python = spark_python(root)?;

    // Outputs are named by what they hold, so `--runs` with one side only ever compares with the
    // other side's output for the same sets and precision.
    let single_out = work.join(format!("single-x{sets}-{precision}.jsonl"));
    let single = if runs.contains(&"single") {
        eprintln!("single process: precis batch over {sets} sets ({precision})");
        Some(measure(Command::new(&precis).arg("batch").arg(&data).arg("-o").arg(&single_out).args([
            "--quiet",
            "--precision",
            &precision,
        ]))?)
    } else {
        None
    };

    let spark_out = work.join(format!("spark-x{sets}-{precision}"));
    let spark = if runs.contains(&"spark") {
        let _ = std::fs::remove_dir_all(&spark_out);
        eprintln!("Spark {master}, {partitions} partitions, 1 thread per task");
        Some(measure(
            Command::new(&python)
                .arg(root.join("examples/spark/precis_spark.py"))
                .arg(&data)
                .arg(&spark_out)
                .args(["--master", &master, "--partitions", &partitions.to_string(), "--threads", "1"])
                .arg("--precis")
                .arg(&precis)
                .arg("--model")
                .arg(root.join("models/minilm"))
                .args(["--", "--precision", &precision]),
        )?)
    } else {
        None
    };
    // With one run, its output is compared with the other's from an earlier run, if there is one.
    let same = match (std::fs::read(&single_out), std::fs::read(spark_out.join("jsonl/part-00000"))) {
        (Ok(a), Ok(b)) => Some(a == b),
        _ => None,
    };

    println!(
        "\n{sets} sets (the 30 dev sets replicated), {precision}, 2 cores, load average after: {}",
        load_average()
    );
    println!("| run | wall s | sets/s | peak RSS of the process tree |");
    println!("|---|---:|---:|---:|");
    let spark_name = format!("Spark {master}, 1 thread per task");
    for (name, m) in [("precis batch, 1 process x 2 threads", &single), (spark_name.as_str(), &spark)] {
        if let Some(m) = m {
            println!("| {name} | {:.1} | {:.2} | {:.0} MB |", m.wall, sets as f64 / m.wall, m.peak_rss_mb);
        }
    }
    match same {
        Some(same) => println!("Spark results identical to the single process, line for line: {same}"),
        None => println!("(no output of the other run to compare with)"),
    }
    let (rate_of, m) = match (&single, &spark) {
        (Some(m), _) => ("single-process", m),
        (None, Some(m)) => ("Spark", m),
        (None, None) => unreachable!("at least one run"),
    };
    let per_core = sets as f64 / m.wall / 2.0;
    println!("\n1,000,000 sets at {per_core:.2} sets/s per core (this machine's {rate_of} rate):");
    for (executors, cores) in [(10, 4), (50, 4), (100, 8)] {
        let hours = 1e6 / (per_core * (executors * cores) as f64) / 3600.0;
        println!("  {executors} executors x {cores} cores: {hours:.1} h");
    }
    if same == Some(false) {
        bail!("the Spark output differs from the single-process output");
    }
    Ok(())
}

/// Writes `sets` lines cycling through the dev set, ids made unique with a `~copy` suffix.
fn replicate(source: &Path, sets: usize, out: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::open(source).with_context(|| source.display().to_string())?;
    let lines: Vec<String> = std::io::BufReader::new(file).lines().collect::<Result<_, _>>()?;
    let lines: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
    let mut writer = BufWriter::new(std::fs::File::create(out)?);
    for i in 0..sets {
        let mut record: serde_json::Value = serde_json::from_str(lines[i % lines.len()])?;
        let id = record["id"].as_str().context("a set without an id")?.to_string();
        record["id"] = format!("{id}~{}", i / lines.len()).into();
        serde_json::to_writer(&mut writer, &record)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(())
}

/// A python3 with pyspark: the tests' environment when it has it, else one made for this task.
fn spark_python(root: &Path) -> anyhow::Result<PathBuf> {
    let has_pyspark =
        |python: &Path| Command::new(python).args(["-c", "import pyspark"]).output().is_ok_and(|o| o.status.success());
    for candidate in [root.join("target/test-venv/bin/python"), PathBuf::from("python3")] {
        if has_pyspark(&candidate) {
            return Ok(candidate);
        }
    }
    let venv = root.join("target/test-venv");
    crate::status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    let python = venv.join("bin/python");
    crate::status(Command::new(&python).args(["-m", "pip", "install", "--quiet", "pyspark"]))?;
    Ok(python)
}

struct Measurement {
    wall: f64,
    peak_rss_mb: f64,
}

/// Runs `cmd` to completion, sampling the summed resident memory of it and all its descendants
/// every 100 ms.
fn measure(cmd: &mut Command) -> anyhow::Result<Measurement> {
    let started = Instant::now();
    let mut child: Child = cmd.spawn().with_context(|| format!("cannot run {cmd:?}"))?;
    let root = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(tree_rss_bytes(root), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let status = child.wait()?;
    done.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler thread");
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(Measurement { wall: started.elapsed().as_secs_f64(), peak_rss_mb: peak.load(Ordering::Relaxed) as f64 / 1e6 })
}

/// Resident bytes of `root` and every process descended from it (Linux /proc).
fn tree_rss_bytes(root: u32) -> u64 {
    let mut parent = HashMap::new();
    let mut rss = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // The command name is in parentheses and may hold spaces: fields start after the last ')'.
        let Some(after) = stat.rfind(')').map(|at| &stat[at + 2..]) else { continue };
        let fields: Vec<&str> = after.split_whitespace().collect();
        let (Some(ppid), Some(pages)) = (fields.get(1), fields.get(21)) else { continue };
        parent.insert(pid, ppid.parse::<u32>().unwrap_or(0));
        rss.insert(pid, pages.parse::<u64>().unwrap_or(0) * 4096);
    }
    let descends = |mut pid: u32| {
        while pid > 1 {
            if pid == root {
                return true;
            }
            pid = parent.get(&pid).copied().unwrap_or(0);
        }
        false
    };
    rss.iter().filter(|(pid, _)| descends(**pid)).map(|(_, bytes)| bytes).sum()
}
