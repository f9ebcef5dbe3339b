//! [`LiveList`]: the device's list store. It holds the current [`HashList`] behind an
//! `ArcSwap` so scans read it lock-free while an update is verified, written and swapped in.
//!
//! Store layout: one file, `<store_dir>/current.pflist`. An update is verified completely in
//! memory first (signature, digest, structure; deltas are rebuilt and checked against the
//! issuer's target digest), then written to `current.pflist.tmp`, fsynced, renamed over
//! `current.pflist` (atomic on POSIX file systems), the directory is fsynced, and only then
//! the new list is swapped in. On any error the previous list stays live and on disk.
//! Updates that are not newer than the live list are refused unless forced.

use crate::lists::delta::{apply_delta, parse_delta};
use crate::lists::format::{parse_container, FileKind};
use crate::lists::{HashList, ListError, ListInfo, TrustedKeys, Verification};
use arc_swap::ArcSwap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Name of the installed list inside the store directory.
pub const LIST_FILE: &str = "current.pflist";
const TEMP_FILE: &str = "current.pflist.tmp";

/// The live, atomically swappable list a `Scanner` matches against.
pub struct LiveList {
    dir: PathBuf,
    keys: TrustedKeys,
    current: ArcSwap<HashList>,
    update_lock: Mutex<()>,
}

impl std::fmt::Debug for LiveList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveList")
            .field("dir", &self.dir)
            .field("info", &self.info())
            .finish()
    }
}

impl LiveList {
    /// Opens (creating if needed) the store in `store_dir` and loads the installed list with
    /// full verification. With no installed list, starts from [`HashList::empty`] (version 0).
    pub fn open(store_dir: &Path, trusted_keys: TrustedKeys) -> Result<LiveList, ListError> {
        LiveList::open_with(store_dir, trusted_keys, Verification::Full)
    }

    /// Like [`LiveList::open`] with a chosen verification level for the installed list
    /// ([`Verification::Fast`] skips rehashing a list this store already verified on install).
    pub fn open_with(
        store_dir: &Path,
        trusted_keys: TrustedKeys,
        mode: Verification,
    ) -> Result<LiveList, ListError> {
        std::fs::create_dir_all(store_dir)
            .map_err(|e| ListError::io(format!("creating store {}", store_dir.display()), e))?;
        let temp = store_dir.join(TEMP_FILE);
        if temp.exists() {
            std::fs::remove_file(&temp)
                .map_err(|e| ListError::io(format!("removing stale {}", temp.display()), e))?;
        }
        let path = store_dir.join(LIST_FILE);
        let list = if path.exists() {
            HashList::open_with(&path, Some(&trusted_keys), mode)?
        } else {
            HashList::empty()
        };
        Ok(LiveList {
            dir: store_dir.to_path_buf(),
            keys: trusted_keys,
            current: ArcSwap::from_pointee(list),
            update_lock: Mutex::new(()),
        })
    }

    /// The live list. Cheap (an atomic load); hold the `Arc` for the duration of one scan.
    pub fn current(&self) -> Arc<HashList> {
        self.current.load_full()
    }

    /// Audit summary of the live list.
    pub fn info(&self) -> ListInfo {
        self.current.load().info()
    }

    /// Path of the installed list file.
    pub fn list_path(&self) -> PathBuf {
        self.dir.join(LIST_FILE)
    }

    /// Applies a full list or a delta. Verifies it against the trusted keys, refuses
    /// versions not newer than the live one unless `force`, installs it atomically and swaps
    /// it in. Returns the new list's info. On error the previous list stays live.
    pub fn apply_update(&self, bytes: &[u8], force: bool) -> Result<ListInfo, ListError> {
        let _guard = self.update_lock.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.current();
        let container = parse_container(bytes)?;
        let offered = container.header.list_version;
        if offered <= current.version() && !force {
            return Err(ListError::Rollback {
                offered,
                current: current.version(),
            });
        }
        let new_bytes = match container.header.file_kind {
            FileKind::Full => {
                let list = HashList::from_bytes_with(
                    bytes.to_vec(),
                    Some(&self.keys),
                    Verification::Full,
                )?;
                drop(list);
                bytes.to_vec()
            }
            FileKind::Delta => {
                let delta = parse_delta(bytes, &self.keys)?;
                let rebuilt = apply_delta(&current, &delta)?;
                // The rebuilt list carries the issuer's target signature: verify it fully.
                HashList::from_bytes_with(rebuilt, Some(&self.keys), Verification::Full)?
                    .as_bytes()
                    .to_vec()
            }
        };
        self.install(&new_bytes)?;
        let installed =
            HashList::open_with(&self.list_path(), Some(&self.keys), Verification::Fast)?;
        let info = installed.info();
        self.current.store(Arc::new(installed));
        Ok(info)
    }

    /// Writes `bytes` to the temp file, fsyncs, renames over the list file, fsyncs the dir.
    fn install(&self, bytes: &[u8]) -> Result<(), ListError> {
        let temp = self.dir.join(TEMP_FILE);
        let result = (|| {
            let mut f = std::fs::File::create(&temp)
                .map_err(|e| ListError::io(format!("creating {}", temp.display()), e))?;
            f.write_all(bytes)
                .map_err(|e| ListError::io(format!("writing {}", temp.display()), e))?;
            f.sync_all()
                .map_err(|e| ListError::io(format!("syncing {}", temp.display()), e))?;
            drop(f);
            std::fs::rename(&temp, self.list_path()).map_err(|e| {
                ListError::io(format!("installing {}", self.list_path().display()), e)
            })?;
            #[cfg(unix)]
            if let Ok(dir) = std::fs::File::open(&self.dir) {
                dir.sync_all()
                    .map_err(|e| ListError::io(format!("syncing {}", self.dir.display()), e))?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }
}
