//! The store's state file, `<store>/state.toml`, kept apart from the list file: the rollback
//! floor (highest version and its digest this store has seen from its issuer), the record of
//! a forced install, and the last transparency-log tree head. Deleting or damaging the list
//! file therefore does not reset rollback protection.
//!
//! Written only under the store lock, by write-temp + fsync + rename. A missing file is the
//! empty state; a damaged one is reported (`ListStatus::state_error`) and treated as empty,
//! with the installed list's own version as the floor (the floor is always at least the
//! version of the list on disk).

use crate::lists::ListError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Name of the state file inside the store directory.
pub const STATE_FILE: &str = "state.toml";

/// A forced install, as recorded in the state file and reported by `list_info`/`status`.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForcedInstall {
    /// Version installed by force.
    pub version: u64,
    /// Its digest (hex).
    pub digest_hex: String,
    /// Version that was installed (or the floor) before it.
    pub replaced_version: u64,
    /// Unix seconds when it was forced.
    pub at: u64,
}

/// Persistent store state (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreState {
    /// Highest list version this store accepted (lowered only by a forced install).
    #[serde(default)]
    pub floor_version: u64,
    /// Digest (hex) of the list at `floor_version` ("" if not known).
    #[serde(default)]
    pub floor_digest_hex: String,
    /// The last forced install, until the next normal install clears it.
    #[serde(default)]
    pub forced: Option<ForcedInstall>,
    /// The last verified signed tree head of the issuer's transparency log (hex).
    #[serde(default)]
    pub tree_head_hex: Option<String>,
}

/// Longest state file read (it holds a few short lines).
const MAX_STATE_BYTES: u64 = 64 * 1024;

impl StoreState {
    /// Reads the state of the store in `dir`: `Ok(default)` when there is none, an error
    /// when the file is unreadable, too large or not valid state.
    pub(crate) fn read(dir: &Path) -> Result<StoreState, ListError> {
        let path = dir.join(STATE_FILE);
        let len = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoreState::default()),
            Err(e) => return Err(ListError::io(format!("reading {}", path.display()), e)),
        };
        if len > MAX_STATE_BYTES {
            return Err(ListError::Malformed(format!(
                "store state {} is {len} bytes (at most {MAX_STATE_BYTES})",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ListError::io(format!("reading {}", path.display()), e))?;
        toml::from_str(&text).map_err(|e| {
            ListError::Malformed(format!("store state {} is damaged: {e}", path.display()))
        })
    }

    /// Writes the state atomically (temp file named by `unique`, fsync, rename). Callers hold
    /// the store lock.
    pub(crate) fn write(&self, dir: &Path, unique: &str) -> Result<(), ListError> {
        let text = toml::to_string(self)
            .map_err(|e| ListError::Malformed(format!("cannot encode store state: {e}")))?;
        crate::lists::store::files::write_atomically(dir, STATE_FILE, unique, |f| {
            std::io::Write::write_all(f, text.as_bytes())
        })
    }
}
