//! Installing one update into a [`LiveList`], in named steps (see the store module docs for
//! the protocol): check freshness, lock, read what is on disk, decide against the rollback
//! floor, materialise the list (rebuilding a delta on the on-disk list), check the
//! transparency proof, write the index, keep the previous list, write the list, record the
//! state, swap in.

use super::files::{self, FileId};
use super::lock::StoreLock;
use super::state::{ForcedInstall, StoreState};
use super::stream::{UpdateControl, UpdateStage};
use super::{now_secs, open_list, LiveList, Seen, LIST_FILE, PREVIOUS_FILE};
use crate::lists::delta::{apply_delta, parse_delta, Delta};
use crate::lists::format::{parse_container, FileKind};
use crate::lists::kinds::hex_encode;
use crate::lists::log::{verify_update, LogProof, SignedTreeHead};
use crate::lists::{detached, HashList, ListError, ListInfo, TrustedKeys, Verification};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;

/// An update whose signature and digest verified, not yet checked against the store.
pub(crate) enum Verified {
    /// A full list (in memory or memory-mapped), fully verified.
    Full(Box<HashList>),
    /// A delta, signature-verified; rebuilt under the lock on the on-disk list.
    Delta(Box<Delta>),
}

impl Verified {
    /// Verifies update bytes (full list or delta) against `keys`.
    pub(crate) fn from_bytes(bytes: &[u8], keys: &TrustedKeys) -> Result<Verified, ListError> {
        let container = parse_container(bytes)?;
        match container.header.file_kind {
            FileKind::Full => Ok(Verified::Full(Box::new(HashList::from_bytes_with(
                bytes.to_vec(),
                Some(keys),
                Verification::Full,
            )?))),
            FileKind::Delta => Ok(Verified::Delta(Box::new(parse_delta(bytes, keys)?))),
        }
    }

    fn version(&self) -> u64 {
        match self {
            Verified::Full(l) => l.version(),
            Verified::Delta(d) => d.target_version,
        }
    }

    fn digest(&self) -> [u8; 32] {
        match self {
            Verified::Full(l) => l.digest(),
            Verified::Delta(d) => d.target_digest,
        }
    }

    fn expires_at(&self) -> u64 {
        match self {
            Verified::Full(l) => l.header().expires_at,
            Verified::Delta(d) => d.target_expires_at,
        }
    }
}

/// What the floor check decided: install; `overrode` when `force` overrode a refusal (then
/// it is recorded).
#[derive(Debug, PartialEq, Eq)]
struct Decision {
    overrode: bool,
}

/// One install (see the module docs).
pub(crate) struct Install<'a> {
    store: &'a LiveList,
    force: bool,
    proof: Option<LogProof>,
    control: UpdateControl<'a>,
    token: String,
}

impl<'a> Install<'a> {
    pub(crate) fn new(
        store: &'a LiveList,
        force: bool,
        proof: Option<LogProof>,
        control: UpdateControl<'a>,
    ) -> Install<'a> {
        Install {
            store,
            force,
            proof,
            control,
            token: files::unique_token(),
        }
    }

    /// Runs every step; on error nothing on disk or in memory changed (a killed process
    /// leaves at most a temp file, removed by the next writer under the lock).
    pub(crate) fn run(self, update: Verified) -> Result<ListInfo, ListError> {
        let store = self.store;
        let expiry_overridden = self.check_expiry(&update)?;
        let _in_process = store.update_lock.lock().unwrap_or_else(|p| p.into_inner());
        let _lock = StoreLock::acquire(&store.dir)?;
        let _ = files::remove_stale_temps(&store.dir);
        let mut seen = store.seen.lock().unwrap_or_else(|p| p.into_inner());
        // What is on disk now (another process may have installed since we loaded).
        let on_disk = files::file_id(&store.list_path());
        if seen.file != on_disk {
            store.reload(&mut seen, on_disk);
        } else {
            (seen.state, seen.state_error) = super::read_state(&store.dir);
        }
        let base = store.current.load_full();
        let Decision { overrode } = self.decide(&update, &base, &seen.state)?;
        let list = self.materialise(update, &base)?;
        let head = self.check_log(&list, &seen.state)?;
        self.cancel_point()?;
        self.write_index(&list)?;
        let state = self.next_state(
            &seen.state,
            &base,
            &list,
            overrode || expiry_overridden,
            head,
        );
        if state.forced.is_some() {
            // A forced install is recorded before the list moves, so it can never go unrecorded.
            state.write(&store.dir, &self.token)?;
        }
        self.keep_previous(&base)?;
        self.write_list(&list)?;
        if state.forced.is_none() {
            state.write(&store.dir, &self.token)?;
        }
        self.remove_unused_indexes(&list, &base);
        self.swap_in(&mut seen, state)
    }

    /// A list that expired before it arrived is refused (freeze/replay) unless forced;
    /// returns whether force overrode that.
    fn check_expiry(&self, update: &Verified) -> Result<bool, ListError> {
        let (expires_at, now) = (update.expires_at(), now_secs());
        if expires_at != 0 && now > expires_at {
            if !self.force {
                return Err(ListError::Expired { expires_at, now });
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// Checks the offered version against the floor: the highest of the state's floor and
    /// the on-disk list's version.
    fn decide(
        &self,
        update: &Verified,
        base: &HashList,
        state: &StoreState,
    ) -> Result<Decision, ListError> {
        let (offered, digest) = (update.version(), hex_encode(&update.digest()));
        let (floor, floor_digest) = if base.version() >= state.floor_version {
            (base.version(), hex_encode(&base.digest()))
        } else {
            (state.floor_version, state.floor_digest_hex.clone())
        };
        let installed = base.version() > 0 || !base.is_empty();
        let repair = offered == floor && digest == floor_digest && base.version() != offered;
        let refusal = if (floor == 0 && !installed) || repair {
            // First install, or the list at the floor re-sent while the store runs on a
            // fallback (its installed copy was damaged): accepted.
            None
        } else if offered == floor && !floor_digest.is_empty() && floor_digest != digest {
            Some(ListError::ListConflict {
                version: offered,
                installed: floor_digest,
                offered: digest,
            })
        } else if offered <= floor {
            Some(ListError::Rollback {
                offered,
                current: floor,
            })
        } else if offered - floor > self.store.options.max_version_jump {
            Some(ListError::VersionJump {
                offered,
                current: floor,
                max_jump: self.store.options.max_version_jump,
            })
        } else {
            None
        };
        match (refusal, self.force) {
            (None, _) => Ok(Decision { overrode: false }),
            (Some(_), true) => Ok(Decision { overrode: true }),
            (Some(e), false) => Err(e),
        }
    }

    /// The full list to install: the verified list, or the delta rebuilt on the on-disk list
    /// and verified fully against the issuer's target signature.
    fn materialise(&self, update: Verified, base: &HashList) -> Result<HashList, ListError> {
        match update {
            Verified::Full(list) => Ok(*list),
            Verified::Delta(delta) => {
                let rebuilt = apply_delta(base, &delta)?;
                HashList::from_bytes_with(rebuilt, Some(&self.store.keys), Verification::Full)
            }
        }
    }

    /// Verifies the transparency proof (when one came, or is required) against the stored
    /// tree head; returns the head to store.
    fn check_log(
        &self,
        list: &HashList,
        state: &StoreState,
    ) -> Result<Option<SignedTreeHead>, ListError> {
        let stored = state
            .tree_head_hex
            .as_deref()
            .map(SignedTreeHead::from_hex)
            .transpose()?;
        match &self.proof {
            Some(proof) => Ok(Some(verify_update(
                proof,
                &list.digest(),
                stored.as_ref(),
                &self.store.keys,
            )?)),
            None if self.store.options.require_log_proof => Err(ListError::LogProof(
                "this store requires a transparency-log proof with every update".into(),
            )),
            None => Ok(stored),
        }
    }

    fn cancel_point(&self) -> Result<(), ListError> {
        if self.control.cancelled() {
            return Err(ListError::Cancelled);
        }
        Ok(())
    }

    /// Builds and writes the device index of a distributable list (streamed to the file).
    fn write_index(&self, list: &HashList) -> Result<(), ListError> {
        if !list.pdq_index_missing() {
            return Ok(());
        }
        self.control.report(UpdateStage::Indexing, 0, 1);
        let name = detached::index_file_name(&list.digest());
        let mut result = Ok(());
        files::write_atomically(&self.store.dir, &name, &self.token, |f| {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, f);
            result = detached::write_index(list, &mut out);
            out.flush()
        })?;
        self.control.report(UpdateStage::Indexing, 1, 1);
        result
    }

    /// The state after this install: new floor, forced record (when force overrode a
    /// refusal), tree head.
    fn next_state(
        &self,
        old: &StoreState,
        base: &HashList,
        list: &HashList,
        overrode: bool,
        head: Option<SignedTreeHead>,
    ) -> StoreState {
        let digest_hex = hex_encode(&list.digest());
        let floor = old.floor_version.max(base.version());
        StoreState {
            floor_version: if overrode {
                list.version()
            } else {
                floor.max(list.version())
            },
            floor_digest_hex: digest_hex.clone(),
            forced: overrode.then(|| ForcedInstall {
                version: list.version(),
                digest_hex,
                replaced_version: floor,
                at: now_secs(),
            }),
            tree_head_hex: head.map(|h| h.to_hex()),
        }
    }

    /// Keeps the installed list as `previous.pflist` (the fallback if the new one is damaged).
    fn keep_previous(&self, base: &HashList) -> Result<(), ListError> {
        let path = self.store.list_path();
        if base.is_empty() || !path.exists() {
            return Ok(());
        }
        files::keep_copy(&path, &self.store.dir, PREVIOUS_FILE, &self.token)
    }

    /// Writes the list file: chunked with progress and cancellation. A memory-mapped source
    /// is hashed again as it is written and compared with the signed digest before the rename
    /// (so a file that changed under us can never be installed); bytes in memory were hashed
    /// when they were verified and cannot change, so they are not hashed twice.
    fn write_list(&self, list: &HashList) -> Result<(), ListError> {
        let bytes = list.as_bytes();
        let rehash = !list.is_in_memory();
        let body_len = bytes
            .len()
            .saturating_sub(crate::lists::format::TRAILER_LEN);
        let total = bytes.len() as u64;
        let mut outcome: Result<(), ListError> = Ok(());
        let written = files::write_atomically(&self.store.dir, LIST_FILE, &self.token, |f| {
            let mut sha = Sha256::new();
            let mut done = 0usize;
            for chunk in bytes.chunks(1 << 20) {
                if self.control.cancelled() {
                    outcome = Err(ListError::Cancelled);
                    return Err(std::io::Error::other("cancelled"));
                }
                if rehash {
                    let hashed = body_len.saturating_sub(done).min(chunk.len());
                    sha.update(chunk.get(..hashed).unwrap_or(&[]));
                }
                f.write_all(chunk)?;
                done += chunk.len();
                self.control
                    .report(UpdateStage::Writing, done as u64, total);
            }
            let digest: [u8; 32] = sha.finalize().into();
            if rehash && digest != list.digest() {
                outcome = Err(ListError::DigestMismatch {
                    signed: hex_encode(&list.digest()),
                    computed: hex_encode(&digest),
                });
                return Err(std::io::Error::other("digest mismatch"));
            }
            Ok(())
        });
        outcome?;
        written
    }

    /// Removes index files that belong to neither the new nor the previous list.
    fn remove_unused_indexes(&self, list: &HashList, base: &HashList) {
        let keep = [
            detached::index_file_name(&list.digest()),
            detached::index_file_name(&base.digest()),
        ];
        let Ok(entries) = std::fs::read_dir(&self.store.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("index-") && name.ends_with(".pfidx") && !keep.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Opens the installed file (mapped, with its index) and swaps it in.
    fn swap_in(&self, seen: &mut Seen, state: StoreState) -> Result<ListInfo, ListError> {
        let store = self.store;
        let installed = open_list(
            &store.dir,
            &store.list_path(),
            &store.keys,
            Verification::Fast,
        )?;
        let id: Option<FileId> = files::file_id(&store.list_path());
        let mut info = installed.info();
        info.forced = state.forced.is_some();
        store.current.store(Arc::new(installed));
        seen.file = id;
        seen.health = super::ListHealth::Installed;
        seen.state = state;
        seen.state_error = None;
        Ok(info)
    }
}
