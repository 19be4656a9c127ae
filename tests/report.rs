//! The HTML report in real headless Chromium: it loads without console errors, draws one map
//! point per sentence, and its screenshot is saved to target/report/report.png for a look.
//!
//! Needs Debian's `chromium`. If it is missing and this runs as root with apt-get (as on CI and
//! the project's machine image), the test installs it; otherwise it fails saying how to.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::{model_dir, ok, precis, shared};

fn chromium() -> PathBuf {
    let found = |name: &str| Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    for name in ["chromium", "chromium-browser"] {
        if found(name) {
            return PathBuf::from(name);
        }
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    assert!(root, "the report test needs Chromium: install Debian's `chromium` package");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        assert!(install(), "apt-get could not install chromium; install Debian's `chromium` package");
    }
    PathBuf::from("chromium")
}

/// Runs headless Chromium on `page` with the flags that keep it off the network, returning
/// stdout and stderr.
fn headless(page: &Path, profile: &Path, extra: &[&str]) -> (String, String) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn report_renders_in_chromium_with_one_point_per_sentence() {
    model_dir();
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report");
    std::fs::create_dir_all(&target).unwrap();
    let page = target.join("report.html");
    let corpus = shared().join("corpus/istanbul-talks");
    ok(precis().arg("summarize").arg(&corpus).args(["--format", "html", "-o"]).arg(&page));
    let json: serde_json::Value =
        serde_json::from_str(&ok(precis().arg("cluster").arg(&corpus).args(["--format", "json"]))).unwrap();
    let sentences = json["sentences"].as_array().unwrap().len();

    let profile = tempfile::tempdir().unwrap();
    let (dom, log) = headless(&page, profile.path(), &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert_eq!(dom.matches("<circle class=\"pt").count(), sentences);
    assert!(dom.contains("<pre id=\"errors\"></pre>"), "the page reported script errors");
    // The script ran: the first summary sentence is active and its evidence is shown.
    assert!(dom.contains("class=\"active\"") && dom.contains("Reported by "), "the script did not run");

    let screenshot = target.join("report.png");
    let _ = std::fs::remove_file(&screenshot);
    headless(&page, profile.path(), &["--window-size=1300,1500", &format!("--screenshot={}", screenshot.display())]);
    let png = std::fs::read(&screenshot).expect("a screenshot was written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "screenshot is not a real PNG");
}
