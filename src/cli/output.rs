//! Where results go: stdout, or a file that appears only once it is complete.
//!
//! A regular file (or a path that does not exist yet) is replaced atomically: the result is kept
//! in memory, spilling to a temporary file beside the target only past [`SPILL_BYTES`], and renamed
//! over the target when it is complete. Anything else that already exists at the path (a FIFO, a
//! terminal, `/dev/null`) is written directly: renaming over it would replace the device itself.
//! Symlinks are followed, so the file they point to is written and the link stays. Temporary files
//! are removed on Ctrl-C, SIGTERM and SIGHUP (see [`remove_temporaries_on_signals`]).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;

use super::usage::UsageError;

/// Results up to this size stay in memory until they are complete, so an interrupted run leaves no
/// temporary file behind in the common case.
pub const SPILL_BYTES: usize = 64 << 20;

/// Temporary files in flight, removed by the signal handler.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A destination for one command's result.
pub enum Output {
    /// Standard output, buffered.
    Stdout(BufWriter<io::Stdout>),
    /// A FIFO, character device or socket, written in place (and the lines `precis batch` appends).
    Direct(BufWriter<File>, PathBuf),
    /// A regular file or a new path, replaced by [`Output::finish`]; dropped unfinished (on error),
    /// nothing is written and any temporary file is deleted.
    Replace(Replace),
}

/// The state of an atomically replaced file.
pub struct Replace {
    target: PathBuf,
    buffer: Vec<u8>,
    temp: Option<BufWriter<tempfile::NamedTempFile>>,
    /// Permission bits the result gets: the replaced file's, or 0644 for a new one.
    mode: u32,
}

impl Output {
    /// Opens `path`, or stdout when `None` or `-`. `binary` outputs refuse a terminal.
    pub fn open(path: Option<&Path>, binary: bool) -> anyhow::Result<Self> {
        match path {
            None => Self::stdout(binary),
            Some(p) if p == Path::new("-") => Self::stdout(binary),
            Some(path) => match Target::of(path)? {
                Target::InPlace(target) => {
                    Ok(Output::Direct(BufWriter::new(open_in_place(&target, path)?), path.into()))
                }
                Target::File(target, existing) => {
                    let mode = existing.as_ref().map_or(0o644, permission_bits);
                    let dir = parent_dir(&target);
                    if !dir.is_dir() {
                        anyhow::bail!(
                            "cannot write output {}: folder {} does not exist",
                            path.display(),
                            dir.display()
                        );
                    }
                    Ok(Output::Replace(Replace { target, buffer: Vec::new(), temp: None, mode }))
                }
            },
        }
    }

    fn stdout(binary: bool) -> anyhow::Result<Self> {
        if binary && io::stdout().is_terminal() {
            return Err(UsageError::new(
                "this format is binary and stdout is a terminal: use -o FILE or redirect stdout",
            )
            .into());
        }
        Ok(Output::Stdout(BufWriter::new(io::stdout())))
    }

    /// Flushes and, for a replaced file, moves the complete result into place.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut out) => Ok(out.flush()?),
            Output::Direct(mut out, path) => out.flush().map_err(|e| named(e, &path).into()),
            Output::Replace(mut replace) => {
                let target = replace.target.clone();
                let context = || format!("cannot write output {}", target.display());
                replace.spill().with_context(context)?;
                let temp = replace.temp.take().expect("spilled");
                let temp = temp.into_inner().map_err(|e| e.into_error()).with_context(context)?;
                temp.as_file().sync_all().with_context(context)?;
                let temp_path = temp.path().to_path_buf();
                let persisted = temp.persist(&target).map(drop).map_err(|e| e.error).with_context(context);
                forget_temporary(&temp_path);
                persisted
            }
        }
    }
}

impl Replace {
    /// Moves the buffer into a temporary file beside the target (created on first use).
    fn spill(&mut self) -> io::Result<()> {
        if self.temp.is_none() {
            let mut builder = tempfile::Builder::new();
            builder.prefix(".precis-");
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(self.mode));
            let temp = builder.tempfile_in(parent_dir(&self.target))?;
            remember_temporary(temp.path());
            self.temp = Some(BufWriter::new(temp));
        }
        let temp = self.temp.as_mut().expect("created above");
        temp.write_all(&self.buffer)?;
        self.buffer = Vec::new();
        Ok(())
    }
}

impl Drop for Replace {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            forget_temporary(temp.get_ref().path());
        }
    }
}

/// Write errors of a file name it (a full disk, a closed FIFO): the command's error line would not.
impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::Direct(out, path) => out.write(buf).map_err(|e| named(e, path)),
            Output::Replace(replace) => {
                let written = match &mut replace.temp {
                    Some(temp) => temp.write_all(buf),
                    None => {
                        replace.buffer.extend_from_slice(buf);
                        if replace.buffer.len() > SPILL_BYTES { replace.spill() } else { Ok(()) }
                    }
                };
                written.map(|()| buf.len()).map_err(|e| named(e, &replace.target))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::Direct(out, path) => out.flush().map_err(|e| named(e, path)),
            Output::Replace(replace) => {
                replace.temp.as_mut().map_or(Ok(()), |temp| temp.flush()).map_err(|e| named(e, &replace.target))
            }
        }
    }
}

/// The same error, its message naming the output.
fn named(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("cannot write output {}: {e}", path.display()))
}

/// Where an output path leads, checked once for every command that writes files: symlinks
/// followed, a folder or a read-only file refused.
pub enum Target {
    /// A regular file (with its metadata) or a path that does not exist yet: replaced or created.
    File(PathBuf, Option<std::fs::Metadata>),
    /// A FIFO, character device or socket: written in place, never replaced.
    InPlace(PathBuf),
}

impl Target {
    /// Classifies `path` (as the user gave it; messages name it).
    pub fn of(path: &Path) -> anyhow::Result<Target> {
        let target = follow_links(path)?;
        match std::fs::metadata(&target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::File(target, None)),
            Err(e) => Err(e).with_context(|| format!("cannot write output {}", path.display())),
            Ok(meta) if meta.is_dir() => anyhow::bail!("output {} is a folder: give a file path", path.display()),
            Ok(meta) if meta.is_file() => {
                writable(&target, &meta).with_context(|| format!("cannot write output {}", path.display()))?;
                Ok(Target::File(target, Some(meta)))
            }
            Ok(_) => Ok(Target::InPlace(target)),
        }
    }
}

/// Opens a FIFO or device (`target`, reached from the user's `path`) for writing, without
/// truncating: it has nothing to truncate.
pub fn open_in_place(target: &Path, path: &Path) -> anyhow::Result<File> {
    OpenOptions::new().write(true).open(target).with_context(|| format!("cannot write output {}", path.display()))
}

/// The path a symlink chain ends at, even when its last target does not exist yet.
fn follow_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link =
                    std::fs::read_link(&current).with_context(|| format!("cannot read link {}", current.display()))?;
                current = if link.is_absolute() { link } else { parent_dir(&current).join(link) };
            }
            _ => return Ok(current),
        }
    }
    anyhow::bail!("output {} is a chain of more than 40 symlinks", path.display())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// A read-only file is refused even where the rename would succeed (root, or a writable folder):
/// read-only is how people protect a file.
fn writable(path: &Path, meta: &std::fs::Metadata) -> anyhow::Result<()> {
    if meta.permissions().readonly() {
        anyhow::bail!("it is read-only: choose another path, or make it writable first");
    }
    // Opening for writing without truncating changes nothing, and asks the system the real question.
    OpenOptions::new().write(true).open(path).map(drop).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => anyhow::anyhow!("it is not writable for this user: choose another path"),
        _ => e.into(),
    })
}

#[cfg(unix)]
fn permission_bits(meta: &std::fs::Metadata) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777
}

#[cfg(not(unix))]
fn permission_bits(_: &std::fs::Metadata) -> u32 {
    0o644
}

fn remember_temporary(path: &Path) {
    TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner()).push(path.to_path_buf());
}

fn forget_temporary(path: &Path) {
    TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner()).retain(|p| p != path);
}

/// Installs a handler that, on SIGINT, SIGTERM or SIGHUP, deletes every temporary output file in
/// flight and then ends the process as the signal would have (so the shell sees 130, 143, ...).
pub fn remove_temporaries_on_signals() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                for path in TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
                    let _ = std::fs::remove_file(path);
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
    }
}

/// Identity of an existing file: device and inode, so links and other spellings of one path match.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Refuses (as a usage error) any output that is one of the inputs, or a file inside an input
/// folder that precis reads: writing it would destroy the input before, or while, it is read.
pub fn refuse_inputs_as_outputs(inputs: &[PathBuf], outputs: &[&Path]) -> anyhow::Result<()> {
    let mut read = HashSet::new();
    for input in inputs.iter().filter(|p| p.as_path() != Path::new("-")) {
        if input.is_dir() {
            for entry in std::fs::read_dir(input).into_iter().flatten().flatten() {
                read.extend(identity(&entry.path()));
            }
        }
        read.extend(identity(input));
    }
    for output in outputs.iter().filter(|p| **p != Path::new("-")) {
        if identity(output).is_some_and(|id| read.contains(&id)) {
            return Err(UsageError::new(format!(
                "output {} is also an input: writing it would destroy the input; choose another output path",
                output.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// Opens the output of `precis batch` for appending (`resume`) or rewriting, locked against a
/// second run. Nothing in the file changes until it is locked and, for `resume`, read back as
/// precis batch output; then a last line cut short by an interruption is removed, to be redone.
/// A FIFO or device (`-o /dev/null`) is written as it is; it cannot be resumed.
pub fn open_batch_output(path: &Path, resume: bool) -> anyhow::Result<(std::fs::File, HashSet<String>)> {
    use std::io::{Read, Seek};
    let context = || format!("cannot write output {}", path.display());
    let target = match Target::of(path)? {
        Target::File(target, _) => target,
        Target::InPlace(_) if resume => {
            let message = format!("--resume needs a regular file, and {} is not one", path.display());
            return Err(UsageError::new(message).into());
        }
        Target::InPlace(target) => return Ok((open_in_place(&target, path)?, HashSet::new())),
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&target)
        .with_context(context)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another precis run is writing {}: wait for it to finish, or choose another output",
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => return Err(e).with_context(context),
    }
    if !resume {
        file.set_len(0).with_context(context)?;
        return Ok((file, HashSet::new()));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let finished = precis::batch::finished_keys(path, &bytes[..complete], &bytes[complete..])?;
    if complete < bytes.len() {
        file.set_len(complete as u64).with_context(|| format!("cannot repair {}", path.display()))?;
    }
    file.seek(std::io::SeekFrom::End(0)).with_context(context)?;
    Ok((file, finished))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_keeps_its_permissions_and_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        std::fs::write(&target, "old").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
        let mut out = Output::open(Some(&target), false).unwrap();
        out.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file before finish");
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        #[cfg(unix)]
        assert_eq!(permission_bits(&std::fs::metadata(&target).unwrap()), 0o640);
    }

    #[test]
    fn large_results_spill_to_a_temporary_file_that_an_error_removes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("big.bin");
        let mut out = Output::open(Some(&target), false).unwrap();
        out.write_all(&vec![7u8; SPILL_BYTES + 1]).unwrap();
        let ours = || TEMPORARIES.lock().unwrap().iter().filter(|p| p.starts_with(dir.path())).count();
        assert_eq!(ours(), 1);
        drop(out);
        assert_eq!(ours(), 0);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
