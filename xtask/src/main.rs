//! Developer tasks: `cargo xtask <task>`. See `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const HELP: &str = "\
cargo xtask <task>

Tasks:
  fetch-model [NAME]   fetch a named model (default: minilm) into models/ and verify it;
                       the same code path as `precis model fetch` and first use
  ci                   what CI checks: rustfmt, clippy (warnings are errors), tests, docs
  bench                criterion benchmarks of batched inference (benches/embed.rs)
  help                 this text
";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_else(|| "help".into());
    let rest: Vec<String> = args.collect();
    let root = root();
    match task.as_str() {
        "fetch-model" => {
            let name = rest.first().map(String::as_str).unwrap_or("minilm");
            cargo(&root, &["run", "--quiet", "--release", "--bin", "precis", "--", "model", "fetch", name])
        }
        "ci" => {
            cargo(&root, &["fmt", "--all", "--", "--check"])?;
            cargo(&root, &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
            cargo(&root, &["test", "--workspace"])?;
            cargo(&root, &["doc", "--workspace", "--no-deps"])
        }
        "bench" => {
            let mut args = vec!["bench", "--bench", "embed", "--"];
            args.extend(rest.iter().map(String::as_str));
            cargo(&root, &args)
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n\n{HELP}"),
    }
}

/// The workspace root: xtask lives one level below it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo).args(args).current_dir(root).status().context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}
