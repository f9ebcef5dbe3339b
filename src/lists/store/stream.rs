//! Updates from a file: the update is memory-mapped (never read into a buffer), its digest is
//! computed while streaming over the mapped bytes in 1 MiB steps with progress reports and a
//! cancellation check between steps, then the signature and the structure are checked in
//! place. Installing copies the mapped bytes to the store's temp file in 1 MiB steps (again
//! with progress, cancellation and a second digest over what is written). Peak memory is the
//! mapped file's resident pages plus the small buffers; a distributable list's device index
//! is streamed to its file too (see `index::detached`).
//!
//! The control API is plain Rust so the FFI can wrap it (an async function that runs the
//! install on a worker and forwards progress to a foreign callback, with a cancel flag):
//!
//! ```no_run
//! use preflight::lists::{LiveList, UpdateControl, UpdateProgress};
//! use std::sync::atomic::AtomicBool;
//! # fn demo(store: &LiveList) -> Result<(), preflight::lists::ListError> {
//! let cancel = AtomicBool::new(false);
//! let progress = |p: UpdateProgress| eprintln!("{:?} {}/{}", p.stage, p.done, p.total);
//! let control = UpdateControl { progress: Some(&progress), cancel: Some(&cancel) };
//! store.apply_file("/tmp/list-v7.pflist".as_ref(), None, false, control)?;
//! # Ok(()) }
//! ```

use super::install::Verified;
use super::map_file;
use crate::lists::delta::parse_delta;
use crate::lists::format::{parse_container, FileKind};
use crate::lists::keys::KeyId;
use crate::lists::kinds::hex_encode;
use crate::lists::{HashList, ListError, TrustedKeys};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which step of an update is running.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStage {
    /// Hashing the update file to check its digest and signature.
    Verifying,
    /// Building the device index of a distributable list.
    Indexing,
    /// Writing the list into the store.
    Writing,
}

/// One progress report: `done` of `total` bytes (or steps) of `stage`.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateProgress {
    /// The running step.
    pub stage: UpdateStage,
    /// Units done.
    pub done: u64,
    /// Units in the step.
    pub total: u64,
}

/// Progress callback and cancellation flag for an update. Both optional; `Default` is
/// neither. Setting the flag makes the update stop at its next check with
/// [`ListError::Cancelled`], leaving the store unchanged (checks run every 1 MiB and before
/// the final rename; once the rename happened the update completes).
#[derive(Clone, Copy, Default)]
pub struct UpdateControl<'a> {
    /// Called from the updating thread after each step of work.
    pub progress: Option<&'a (dyn Fn(UpdateProgress) + Sync)>,
    /// Set to cancel.
    pub cancel: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for UpdateControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateControl")
            .field("progress", &self.progress.is_some())
            .field("cancelled", &self.cancelled())
            .finish()
    }
}

impl UpdateControl<'_> {
    /// True once the cancel flag is set.
    pub fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    pub(crate) fn report(&self, stage: UpdateStage, done: u64, total: u64) {
        if let Some(p) = self.progress {
            p(UpdateProgress { stage, done, total });
        }
    }
}

/// Step between progress reports and cancellation checks.
const STEP: usize = 1 << 20;

/// Maps and verifies an update file (see the module docs).
pub(crate) fn verify_file(
    path: &Path,
    keys: &TrustedKeys,
    control: &UpdateControl<'_>,
) -> Result<Verified, ListError> {
    let backing = map_file(path)?;
    let bytes = backing.bytes();
    let c = parse_container(bytes)?;
    let body = bytes.get(..c.body_len).unwrap_or(&[]);
    let mut sha = Sha256::new();
    let total = body.len() as u64;
    for (i, chunk) in body.chunks(STEP).enumerate() {
        if control.cancelled() {
            return Err(ListError::Cancelled);
        }
        sha.update(chunk);
        let done = ((i + 1) * STEP).min(body.len()) as u64;
        control.report(UpdateStage::Verifying, done, total);
    }
    let computed: [u8; 32] = sha.finalize().into();
    if computed != c.signed_digest {
        return Err(ListError::DigestMismatch {
            signed: hex_encode(&c.signed_digest),
            computed: hex_encode(&computed),
        });
    }
    keys.verify(
        &KeyId(c.header.issuer_key_id),
        &c.signed_digest,
        &c.signature,
    )?;
    match c.header.file_kind {
        FileKind::Full => Ok(Verified::Full(Box::new(HashList::from_backing_prehashed(
            backing, keys,
        )?))),
        // Deltas are small (proportional to the change) and rebuilt in memory anyway.
        FileKind::Delta => Ok(Verified::Delta(Box::new(parse_delta(bytes, keys)?))),
    }
}
