//! Where results go: stdout, or a file that appears only once it is complete.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A destination for one command's result.
pub enum Output {
    /// Standard output, buffered.
    Stdout(BufWriter<io::Stdout>),
    /// A temporary file beside the target, renamed over it by [`Output::finish`]; dropped
    /// unfinished (on error), it is deleted, so no partial file is ever left behind.
    File { temp: BufWriter<tempfile::NamedTempFile>, target: PathBuf },
}

impl Output {
    /// Opens `path`, or stdout when `None` or `-`. `binary` outputs refuse a terminal.
    pub fn open(path: Option<&Path>, binary: bool) -> anyhow::Result<Self> {
        match path {
            None => Self::stdout(binary),
            Some(p) if p == Path::new("-") => Self::stdout(binary),
            Some(target) => {
                if target.is_dir() {
                    anyhow::bail!("output {} is a folder: give a file path", target.display());
                }
                let dir = match target.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                let mut builder = tempfile::Builder::new();
                builder.prefix(".precis-");
                // Temporary files are private (0600); a result file should read like any other.
                #[cfg(unix)]
                builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
                let temp =
                    builder.tempfile_in(dir).with_context(|| format!("cannot write output {}", target.display()))?;
                Ok(Output::File { temp: BufWriter::new(temp), target: target.to_path_buf() })
            }
        }
    }

    fn stdout(binary: bool) -> anyhow::Result<Self> {
        if binary && io::stdout().is_terminal() {
            anyhow::bail!("this format is binary and stdout is a terminal: use -o FILE or redirect stdout");
        }
        Ok(Output::Stdout(BufWriter::new(io::stdout())))
    }

    /// Flushes and, for a file, moves it into place.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut out) => Ok(out.flush()?),
            Output::File { temp, target } => {
                let temp = temp.into_inner().map_err(|e| e.into_error())?;
                temp.as_file().sync_all()?;
                temp.persist(&target).with_context(|| format!("cannot write output {}", target.display()))?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File { temp, .. } => temp.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File { temp, .. } => temp.flush(),
        }
    }
}
