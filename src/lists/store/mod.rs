//! [`LiveList`]: the device's store for one issuer's list. It holds the current [`HashList`]
//! behind an `ArcSwap` so scans read it lock-free while an update is verified, written and
//! swapped in, and it is safe to share between processes (an app and its extensions).
//!
//! Store layout (`<store_dir>/`):
//! - `current.pflist`: the installed list, as the issuer signed it.
//! - `index-<digest>.pfidx`: the device-built PDQ index of a distributable list, bound to the
//!   list's digest (`index::detached`); rebuilt whenever missing or bad.
//! - `previous.pflist`: the list installed before it (hard link), the last known-good list the
//!   store falls back to when `current.pflist` is damaged.
//! - `state.toml`: the rollback floor, a forced-install record and the last transparency-log
//!   tree head (`state` module), apart from the list file.
//! - `lock`: the advisory lock file (`lock` module).
//!
//! Installing: the update is verified completely first (signature, digest, structure); then,
//! holding the store lock (in-process mutex + cross-process file lock), the store re-reads
//! what is on disk (the installed list and the state), checks the version against the floor
//! (rollback, conflict, jump bound, expiry) and the transparency proof against the stored tree
//! head, rebuilds a delta on the on-disk list, builds the index if needed, writes a temp file
//! with a name unique to this writer, fsyncs, renames it over `current.pflist`, fsyncs the
//! directory, records the new floor, and only then swaps the list in. On any error the
//! previous list stays live and on disk. Temp files left by a killed writer are removed only
//! under the lock.
//!
//! Never down: [`LiveList::open`] does not fail because of the installed list. A damaged,
//! truncated or no longer trusted list is reported by [`LiveList::status`] and the store runs
//! on the previous list or, failing that, the empty list, and still accepts a valid update.
//!
//! Other processes: [`LiveList::current`] costs one `stat` of `current.pflist`; when its
//! identity (device, inode, size, mtime) changed, the new list is loaded (signature and
//! structure checks; it was fully verified by the process that installed it).
//!
//! ```no_run
//! use preflight::lists::{LiveList, StoreOptions, TrustedKeys};
//! # fn demo(keys: TrustedKeys, update: &[u8]) -> Result<(), preflight::lists::ListError> {
//! let store = LiveList::open_with_options("/data/app/lists".as_ref(), keys, StoreOptions::default())?;
//! println!("{:?}", store.status().health);      // Installed, FellBack { reason }, ...
//! let info = store.apply_update(update, false)?; // refused: rollback, conflict, jump, expired
//! # let _ = info; Ok(()) }
//! ```

mod files;
mod install;
mod lock;
pub mod set;
pub mod state;
pub mod stream;

use crate::lists::format::list::Backing;
use crate::lists::log::SignedTreeHead;
use crate::lists::{detached, HashList, ListError, ListInfo, TrustedKeys, Verification};
use arc_swap::ArcSwap;
use files::FileId;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use lock::LOCK_FILE;
pub use state::{ForcedInstall, StoreState, STATE_FILE};
pub use stream::{UpdateControl, UpdateProgress, UpdateStage};

/// Name of the installed list inside the store directory.
pub const LIST_FILE: &str = "current.pflist";
/// Name of the previous (last known-good) list inside the store directory.
pub const PREVIOUS_FILE: &str = "previous.pflist";

/// How a store checks what it loads and accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Verification of the installed list when the store opens (default
    /// [`Verification::Full`]). Lists installed by another process later are loaded with
    /// [`Verification::Fast`] (that process verified them fully).
    pub verification: Verification,
    /// Largest version step an update may take above the highest version seen (default
    /// 1,000,000). Stops a list with a huge version (up to 2^64 - 1) from blocking every later
    /// update. The first install into an empty store is not bounded.
    pub max_version_jump: u64,
    /// Refuse updates that carry no transparency-log proof (default false).
    pub require_log_proof: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            verification: Verification::Full,
            max_version_jump: 1_000_000,
            require_log_proof: false,
        }
    }
}

/// Whether the store runs on its installed list.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ListHealth {
    /// No list was ever installed: matching against the empty list.
    NoneInstalled,
    /// The installed list is live.
    Installed,
    /// The installed list could not be used (`reason`); the previous list is live.
    FellBack {
        /// Why the installed list was not used.
        reason: String,
    },
    /// The installed list could not be used (`reason`) and no previous list could: matching
    /// against the empty list until a valid update arrives.
    Unavailable {
        /// Why the installed list was not used.
        reason: String,
    },
}

/// What the store runs on and why (see [`LiveList::status`]).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListStatus {
    /// Installed, fallen back, or unavailable (with the reason).
    pub health: ListHealth,
    /// The live list (with `forced` set when it was installed by force).
    pub info: ListInfo,
    /// True when the live list has passed its expiry: it still matches, apps decide.
    pub stale: bool,
    /// Highest version this store has accepted (its rollback floor).
    pub floor_version: u64,
    /// The forced install behind the live list, if any.
    pub forced: Option<ForcedInstall>,
    /// Why the state file could not be read, if it could not (the floor then comes from the
    /// installed list alone).
    pub state_error: Option<String>,
    /// The last verified transparency-log tree head (hex of `SignedTreeHead::to_bytes`).
    pub tree_head_hex: Option<String>,
}

/// What this process last saw on disk.
#[derive(Debug)]
struct Seen {
    file: Option<FileId>,
    health: ListHealth,
    state: StoreState,
    state_error: Option<String>,
}

/// The live, atomically swappable list a `Scanner` matches against.
pub struct LiveList {
    dir: PathBuf,
    keys: TrustedKeys,
    options: StoreOptions,
    current: ArcSwap<HashList>,
    seen: Mutex<Seen>,
    update_lock: Mutex<()>,
}

impl std::fmt::Debug for LiveList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveList")
            .field("dir", &self.dir)
            .field("info", &self.current.load().info())
            .finish()
    }
}

/// Unix seconds now (0 if the clock is before 1970).
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Opens a list file of the store with its index (built in memory if missing or bad).
fn open_list(
    dir: &Path,
    path: &Path,
    keys: &TrustedKeys,
    mode: Verification,
) -> Result<HashList, ListError> {
    let mut list = HashList::open_with(path, Some(keys), mode)?;
    if list.pdq_index_missing() {
        let index = dir.join(detached::index_file_name(&list.digest()));
        if detached::attach_file(&mut list, &index, mode).is_err() {
            let bytes = detached::build_index(&list)?;
            detached::attach(&mut list, bytes, Verification::Fast)?;
        }
    }
    Ok(list)
}

/// The installed list, falling back to the previous one, then to the empty list.
fn load_installed(
    dir: &Path,
    keys: &TrustedKeys,
    mode: Verification,
) -> (HashList, ListHealth, Option<FileId>) {
    let path = dir.join(LIST_FILE);
    let id = files::file_id(&path);
    if id.is_none() {
        return (HashList::empty(), ListHealth::NoneInstalled, None);
    }
    match open_list(dir, &path, keys, mode) {
        Ok(list) => (list, ListHealth::Installed, id),
        Err(e) => {
            let reason = e.to_string();
            match open_list(dir, &dir.join(PREVIOUS_FILE), keys, Verification::Full) {
                Ok(prev) => (prev, ListHealth::FellBack { reason }, id),
                Err(_) => (HashList::empty(), ListHealth::Unavailable { reason }, id),
            }
        }
    }
}

fn read_state(dir: &Path) -> (StoreState, Option<String>) {
    match StoreState::read(dir) {
        Ok(s) => (s, None),
        Err(e) => (StoreState::default(), Some(e.to_string())),
    }
}

impl LiveList {
    /// Opens (creating if needed) the store in `store_dir` and loads the installed list with
    /// full verification. Fails only when the directory cannot be created; a bad installed
    /// list is reported by [`LiveList::status`] instead (see the module docs).
    pub fn open(store_dir: &Path, trusted_keys: TrustedKeys) -> Result<LiveList, ListError> {
        LiveList::open_with_options(store_dir, trusted_keys, StoreOptions::default())
    }

    /// Like [`LiveList::open`] with a chosen verification level for the installed list
    /// ([`Verification::Fast`] skips rehashing a list this store already verified on install).
    pub fn open_with(
        store_dir: &Path,
        trusted_keys: TrustedKeys,
        mode: Verification,
    ) -> Result<LiveList, ListError> {
        let options = StoreOptions {
            verification: mode,
            ..StoreOptions::default()
        };
        LiveList::open_with_options(store_dir, trusted_keys, options)
    }

    /// Opens the store with explicit [`StoreOptions`].
    pub fn open_with_options(
        store_dir: &Path,
        trusted_keys: TrustedKeys,
        options: StoreOptions,
    ) -> Result<LiveList, ListError> {
        std::fs::create_dir_all(store_dir)
            .map_err(|e| ListError::io(format!("creating store {}", store_dir.display()), e))?;
        // Stale temp files only under the lock: if another writer holds it, its temp file is
        // live and is left alone.
        if let Ok(Some(_lock)) = lock::StoreLock::try_acquire(store_dir) {
            let _ = files::remove_stale_temps(store_dir);
        }
        let (list, health, file) = load_installed(store_dir, &trusted_keys, options.verification);
        let (state, state_error) = read_state(store_dir);
        Ok(LiveList {
            dir: store_dir.to_path_buf(),
            keys: trusted_keys,
            options,
            current: ArcSwap::from_pointee(list),
            seen: Mutex::new(Seen {
                file,
                health,
                state,
                state_error,
            }),
            update_lock: Mutex::new(()),
        })
    }

    /// The live list, after the generation check: one `stat` of the list file, and a reload
    /// when another process installed a new list. Hold the `Arc` for one scan.
    pub fn current(&self) -> Arc<HashList> {
        self.refresh();
        self.current.load_full()
    }

    /// The live list without the generation check (no system call).
    pub fn current_cached(&self) -> Arc<HashList> {
        self.current.load_full()
    }

    /// Picks up a list another process installed (one `stat`; a reload only on change).
    /// Returns true when a new list was swapped in.
    pub fn refresh(&self) -> bool {
        let id = files::file_id(&self.list_path());
        let Ok(mut seen) = self.seen.try_lock() else {
            return false; // another thread is reloading or installing right now
        };
        if seen.file == id {
            return false;
        }
        self.reload(&mut seen, id)
    }

    /// Reloads the on-disk list and state into `seen` (the list file's identity is `id`).
    fn reload(&self, seen: &mut Seen, id: Option<FileId>) -> bool {
        seen.file = id;
        (seen.state, seen.state_error) = read_state(&self.dir);
        if id.is_none() {
            // The list file was deleted: keep matching against what is loaded.
            return false;
        }
        match open_list(&self.dir, &self.list_path(), &self.keys, Verification::Fast) {
            Ok(list) => {
                self.current.store(Arc::new(list));
                seen.health = ListHealth::Installed;
                true
            }
            Err(e) => {
                seen.health = ListHealth::FellBack {
                    reason: e.to_string(),
                };
                false
            }
        }
    }

    /// Audit summary of the live list; `forced` is set when it was installed by force.
    pub fn info(&self) -> ListInfo {
        self.status().info
    }

    /// What the store runs on and why: health (with the reason when the installed list is
    /// not used), staleness, rollback floor, forced install and the last tree head.
    pub fn status(&self) -> ListStatus {
        let list = self.current.load_full();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut info = list.info();
        let forced = seen
            .state
            .forced
            .clone()
            .filter(|f| f.digest_hex == info.digest_hex && f.version == info.version);
        info.forced = forced.is_some();
        let stale = info.expires_at != 0 && now_secs() > info.expires_at;
        ListStatus {
            health: seen.health.clone(),
            stale,
            floor_version: seen.state.floor_version.max(list.version()),
            forced,
            state_error: seen.state_error.clone(),
            tree_head_hex: seen.state.tree_head_hex.clone(),
            info,
        }
    }

    /// The last transparency-log tree head this store verified (to export to auditors).
    pub fn tree_head(&self) -> Option<SignedTreeHead> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.state
            .tree_head_hex
            .as_deref()
            .and_then(|h| SignedTreeHead::from_hex(h).ok())
    }

    /// Path of the installed list file.
    pub fn list_path(&self) -> PathBuf {
        self.dir.join(LIST_FILE)
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Applies a full list or a delta. Verifies it against the trusted keys, refuses
    /// rollbacks ([`ListError::Rollback`]), a different list under an installed version
    /// ([`ListError::ListConflict`]), jumps beyond [`StoreOptions::max_version_jump`]
    /// ([`ListError::VersionJump`]) and lists already expired ([`ListError::Expired`]) unless
    /// `force` (which is then recorded and reported). Re-applying the installed list is a
    /// `Rollback` (nothing newer). Installs atomically and swaps it in; returns the new list's info. On error the
    /// previous list stays live.
    pub fn apply_update(&self, bytes: &[u8], force: bool) -> Result<ListInfo, ListError> {
        let verified = install::Verified::from_bytes(bytes, &self.keys)?;
        install::Install::new(self, force, None, UpdateControl::default()).run(verified)
    }

    /// Like [`LiveList::apply_update`], with the transparency-log proof the update carries
    /// (`LogProof` bytes): the list must be in the issuer's log and the log must extend the
    /// tree head this store holds ([`ListError::LogFork`] otherwise). The new head is stored.
    pub fn apply_update_with_proof(
        &self,
        bytes: &[u8],
        proof: &[u8],
        force: bool,
    ) -> Result<ListInfo, ListError> {
        let proof = crate::lists::log::LogProof::from_bytes(proof)?;
        let verified = install::Verified::from_bytes(bytes, &self.keys)?;
        install::Install::new(self, force, Some(proof), UpdateControl::default()).run(verified)
    }

    /// Applies an update from a file: memory-mapped, digest computed while streaming, with
    /// progress reports and cancellation (see [`UpdateControl`]); peak memory is the mapped
    /// file plus small buffers. `proof`: optional `LogProof` bytes.
    pub fn apply_file(
        &self,
        path: &Path,
        proof: Option<&[u8]>,
        force: bool,
        control: UpdateControl<'_>,
    ) -> Result<ListInfo, ListError> {
        let proof = proof
            .map(crate::lists::log::LogProof::from_bytes)
            .transpose()?;
        let verified = stream::verify_file(path, &self.keys, &control)?;
        install::Install::new(self, force, proof, control).run(verified)
    }
}

/// The backing of a memory-mapped file (shared with `stream`).
pub(crate) fn map_file(path: &Path) -> Result<Backing, ListError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ListError::io(format!("opening {}", path.display()), e))?;
    // SAFETY: read-only map of an update file the caller handed over for installing; every
    // offset read from it is bounds-checked, and the bytes are verified (digest computed over
    // the mapped bytes, then copied out) before anything trusts them. A file modified while
    // mapped can only fail verification or the final digest check of the installed copy.
    let map = unsafe { memmap2::Mmap::map(&file) }
        .map_err(|e| ListError::io(format!("memory-mapping {}", path.display()), e))?;
    Ok(Backing::Mapped(map))
}
