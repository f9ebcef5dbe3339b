//! File mechanics of the store: unique temp files, write + fsync + rename + directory fsync,
//! stale temp removal (only ever called under the store lock), and the cheap identity of the
//! installed file that lets other processes notice a new list with one `stat`.

use crate::lists::ListError;
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Marker in every temp file name: `<final name>.tmp-<pid>-<random>`.
pub(crate) const TEMP_MARKER: &str = ".tmp";

/// A token unique to this writer: process id and 64 random bits.
pub(crate) fn unique_token() -> String {
    let mut nonce = [0u8; 8];
    // Without randomness the pid and a clock still separate writers.
    if getrandom::fill(&mut nonce).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        nonce = t.to_le_bytes();
    }
    format!("{}-{}", std::process::id(), crate::hex::encode(&nonce))
}

/// Fsyncs a directory so a rename inside it is durable (no-op where directories cannot be
/// opened as files).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), ListError> {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        d.sync_all()
            .map_err(|e| ListError::io(format!("syncing {}", dir.display()), e))?;
    }
    let _ = dir;
    Ok(())
}

/// Writes `<dir>/<name>` atomically: `fill` writes a unique temp file, which is fsynced and
/// renamed over the target; the directory is fsynced. On error the temp file is removed and
/// the old target is untouched.
pub(crate) fn write_atomically(
    dir: &Path,
    name: &str,
    unique: &str,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), ListError> {
    let temp = dir.join(format!("{name}{TEMP_MARKER}-{unique}"));
    let target = dir.join(name);
    let result = (|| {
        let mut f = File::create(&temp)
            .map_err(|e| ListError::io(format!("creating {}", temp.display()), e))?;
        fill(&mut f).map_err(|e| ListError::io(format!("writing {}", temp.display()), e))?;
        f.flush()
            .map_err(|e| ListError::io(format!("writing {}", temp.display()), e))?;
        f.sync_all()
            .map_err(|e| ListError::io(format!("syncing {}", temp.display()), e))?;
        drop(f);
        std::fs::rename(&temp, &target)
            .map_err(|e| ListError::io(format!("installing {}", target.display()), e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Removes every temp file in `dir`. Only call with the store lock held: then no writer is
/// active, so every temp file is the remains of a writer that died.
pub(crate) fn remove_stale_temps(dir: &Path) -> Result<usize, ListError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ListError::io(format!("listing {}", dir.display()), e))?;
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.contains(&format!("{TEMP_MARKER}-")) || name.ends_with(TEMP_MARKER) {
            std::fs::remove_file(entry.path()).map_err(|e| {
                ListError::io(format!("removing stale {}", entry.path().display()), e)
            })?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Identity of an installed file: changes whenever a new file is renamed into place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    modified_ns: i128,
}

/// The identity of `path` (one `stat`), or `None` when it does not exist.
pub(crate) fn file_id(path: &Path) -> Option<FileId> {
    let m = std::fs::metadata(path).ok()?;
    let modified_ns = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some(FileId {
        dev,
        ino,
        len: m.len(),
        modified_ns,
    })
}

/// Links (or, where hard links are not supported, copies) `from` to `<dir>/<name>`
/// atomically, so the previous list stays beside the new one.
pub(crate) fn keep_copy(
    from: &Path,
    dir: &Path,
    name: &str,
    unique: &str,
) -> Result<(), ListError> {
    let temp = dir.join(format!("{name}{TEMP_MARKER}-{unique}"));
    let made = std::fs::hard_link(from, &temp).or_else(|_| std::fs::copy(from, &temp).map(|_| ()));
    let result = made
        .map_err(|e| ListError::io(format!("keeping {}", from.display()), e))
        .and_then(|()| {
            std::fs::rename(&temp, dir.join(name))
                .map_err(|e| ListError::io(format!("keeping {}", from.display()), e))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
