//! The store's advisory lock across processes: `<store>/lock`, locked exclusively with
//! `std::fs::File::lock` (`flock(2)` on Linux, Android and Apple platforms, `LockFileEx` on
//! Windows) while an update is installed. An app and its extensions (share, notification)
//! that open one store therefore install one at a time, each against what is on disk.
//!
//! The kernel drops the lock when its holder dies (even by SIGKILL), so a crashed writer never
//! blocks the store. The lock is advisory: only Preflight's own code takes it, which is all
//! the writers a store has. std's lock was chosen over `fs4`/`fd-lock`: same system calls, no
//! dependency, maintained with the standard library (needs Rust 1.89).

use crate::lists::ListError;
use std::fs::{File, OpenOptions};
use std::path::Path;

/// Name of the lock file inside the store directory.
pub const LOCK_FILE: &str = "lock";

/// A held exclusive store lock; released on drop (or by the kernel if the process dies).
#[derive(Debug)]
pub(crate) struct StoreLock {
    file: File,
}

fn open_lock_file(dir: &Path) -> Result<File, ListError> {
    let path = dir.join(LOCK_FILE);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| ListError::io(format!("opening store lock {}", path.display()), e))
}

impl StoreLock {
    /// Blocks until the store's lock is held.
    pub(crate) fn acquire(dir: &Path) -> Result<StoreLock, ListError> {
        let file = open_lock_file(dir)?;
        file.lock()
            .map_err(|e| ListError::io(format!("locking store {}", dir.display()), e))?;
        Ok(StoreLock { file })
    }

    /// Takes the lock only if no other writer holds it (`Ok(None)` when busy).
    pub(crate) fn try_acquire(dir: &Path) -> Result<Option<StoreLock>, ListError> {
        let file = open_lock_file(dir)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(StoreLock { file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(ListError::io(format!("locking store {}", dir.display()), e))
            }
        }
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
