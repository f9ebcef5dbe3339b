//! The list APIs of the bindings beyond `applyListUpdate`/`listInfo`:
//!
//! - `listStatus()`: whether the scanner runs on its installed list and why not (a damaged
//!   list leaves it on the previous one or none), staleness, rollback floor, a forced install,
//!   the stored transparency tree head.
//! - `listTreeHead()`: the stored signed tree head (hex), for auditors to compare devices.
//! - `applyListFile` / `applyListFileAsync`: an update from a file the app downloaded,
//!   memory-mapped (never copied onto the JVM/Swift heap), verified while streaming, with a
//!   progress listener and an [`UpdateCancel`] flag.
//! - Several issuers: the `Scanner.withIssuers` constructor ([`IssuerSetup`] per issuer and
//!   the core's `IssuerPolicy`, "k of n"), `applyIssuerUpdate`, `applyIssuerFile(Async)`,
//!   `issuerStatus`, `issuerTreeHead`. Issuer hits arrive as `Evidence.IssuerMatch`.

use crate::background;
use crate::error::PreflightError;
use crate::mobile::ListenerSlot;
use crate::scanner::Scanner;
use crate::types::ScannerConfig;
use preflight::lists::{
    IssuerConfig, IssuerPolicy, IssuerPublicKey, ListInfo, ListStatus, StoreOptions, TrustedKeys,
    UpdateControl, UpdateProgress,
};
use preflight::IssuerStatus;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Receives the progress of a file update (called on the updating thread; keep it short).
#[uniffi::export(with_foreign)]
pub trait UpdateProgressListener: Send + Sync {
    /// `done` of `total` units (bytes, or index steps) of `stage` are done.
    fn on_progress(&self, progress: UpdateProgress);
}

/// A cancellation flag for a file update: call `cancel()` from any thread; the update stops
/// at its next check (every MiB, and before the final rename) with `ListRejected`
/// ("cancelled") and the store is left unchanged. Once the rename happened it completes.
#[derive(Debug, Default, uniffi::Object)]
pub struct UpdateCancel {
    flag: AtomicBool,
}

#[uniffi::export]
impl UpdateCancel {
    /// A flag that is not set.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(UpdateCancel::default())
    }

    /// Asks the update to stop.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// True once `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// One issuer of a scanner built with `Scanner.withIssuers`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct IssuerSetup {
    /// Name used in evidence, policies and updates ("ncmec", "app-own", ...).
    pub name: String,
    /// This issuer's store directory (absolute, one per issuer, not the scanner's own).
    pub store_dir: String,
    /// The issuer's public keys (64 hex digits each).
    pub trusted_keys: Vec<String>,
    /// What this issuer's list is about (reported with every hit).
    pub category: String,
    /// Largest version step an update may take; `null`/`nil` for the default (1,000,000).
    #[uniffi(default)]
    pub max_version_jump: Option<u64>,
    /// Refuse this issuer's updates that carry no transparency-log proof.
    #[uniffi(default)]
    pub require_log_proof: bool,
}

impl TryFrom<IssuerSetup> for IssuerConfig {
    type Error = PreflightError;

    fn try_from(s: IssuerSetup) -> Result<IssuerConfig, PreflightError> {
        let store_dir = PathBuf::from(&s.store_dir);
        if !store_dir.is_absolute() {
            return Err(PreflightError::InvalidConfig(format!(
                "issuer {}: store_dir must be an absolute directory path, got {:?}",
                s.name, s.store_dir
            )));
        }
        let keys = s
            .trusted_keys
            .iter()
            .map(|k| IssuerPublicKey::from_hex(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PreflightError::InvalidConfig(format!("issuer {}: {e}", s.name)))?;
        let mut config = IssuerConfig::new(&s.name, store_dir, TrustedKeys::new(keys), &s.category);
        config.options = StoreOptions {
            max_version_jump: s
                .max_version_jump
                .unwrap_or(StoreOptions::default().max_version_jump),
            require_log_proof: s.require_log_proof,
            ..StoreOptions::default()
        };
        Ok(config)
    }
}

/// The foreign progress listener and cancel flag of one file update, owned by the worker.
struct Control {
    progress: Option<Arc<dyn UpdateProgressListener>>,
    cancel: Option<Arc<UpdateCancel>>,
}

impl Control {
    /// Runs `f` with a core `UpdateControl` that forwards to the foreign objects.
    fn with<T>(&self, f: impl FnOnce(UpdateControl<'_>) -> T) -> T {
        let forward = |p: UpdateProgress| {
            if let Some(l) = &self.progress {
                l.on_progress(p);
            }
        };
        f(UpdateControl {
            progress: Some(&forward),
            cancel: self.cancel.as_ref().map(|c| &c.flag),
        })
    }
}

fn storage(message: String) -> Result<ListInfo, PreflightError> {
    Err(PreflightError::Storage(message))
}

/// One file update: `issuer` = `None` for the scanner's own list (reported to the listener).
struct FileUpdate {
    issuer: Option<String>,
    path: String,
    proof: Option<Vec<u8>>,
    force: bool,
    control: Control,
}

impl FileUpdate {
    fn new(
        issuer: Option<String>,
        (path, proof, force): (String, Option<Vec<u8>>, bool),
        progress: Option<Arc<dyn UpdateProgressListener>>,
        cancel: Option<Arc<UpdateCancel>>,
    ) -> FileUpdate {
        FileUpdate {
            issuer,
            path,
            proof,
            force,
            control: Control { progress, cancel },
        }
    }

    fn run(
        &self,
        scanner: &preflight::Scanner,
        listener: &ListenerSlot,
    ) -> Result<ListInfo, PreflightError> {
        let path = std::path::Path::new(&self.path);
        let (proof, force) = (self.proof.as_deref(), self.force);
        self.control.with(|c| match &self.issuer {
            None => listener.list_result(scanner.apply_list_file(path, proof, force, c)),
            Some(name) => Ok(scanner.apply_issuer_file(name, path, proof, force, c)?),
        })
    }

    /// Runs the update on a worker thread (see [`background::run`]).
    async fn run_in_background(
        self,
        scanner: Arc<preflight::Scanner>,
        listener: ListenerSlot,
    ) -> Result<ListInfo, PreflightError> {
        background::run(move || self.run(&scanner, &listener), storage).await
    }
}

#[uniffi::export]
impl Scanner {
    /// Builds a scanner (as the main constructor) that also holds lists from several issuers,
    /// each with its own keys, category and store, corroborated by `policy`: an image counts
    /// (blocks) only when at least `policy.minIssuers` lists signed by distinct keys match;
    /// fewer give a warning. Throws `InvalidConfig` for a bad key or store path, a policy that
    /// names an unknown issuer or needs more issuers than can count; `ListRejected` for
    /// duplicate issuer names or a shared store directory.
    #[uniffi::constructor]
    pub fn with_issuers(
        config: ScannerConfig,
        issuers: Vec<IssuerSetup>,
        policy: IssuerPolicy,
    ) -> Result<Arc<Self>, PreflightError> {
        let models = crate::types::model_names(config.classifiers.as_ref());
        let issuers = issuers
            .into_iter()
            .map(IssuerConfig::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let core = preflight::Scanner::with_issuers(config.try_into()?, issuers, policy)?;
        Ok(Scanner::wrap(core, models))
    }

    /// Whether the scanner runs on its installed list and why not (`health`: installed,
    /// none installed, fell back to the previous list, unavailable, with the reason), whether
    /// the list is past its expiry (`stale`: it still matches; the app decides), the rollback
    /// floor, a forced install, and the stored transparency tree head.
    pub fn list_status(&self) -> ListStatus {
        self.inner.list_status()
    }

    /// The last verified transparency-log signed tree head (hex), or `null`/`nil` before any
    /// update came with a proof. Auditors compare it across devices.
    pub fn list_tree_head(&self) -> Option<String> {
        self.inner.list_tree_head()
    }

    /// Installs an update (full list or delta) from a file, memory-mapped and verified while
    /// streaming; `proof` is its encoded transparency-log proof, if any. Reports progress to
    /// `progress` and stops when `cancel` is set (`ListRejected`, store unchanged). Blocking:
    /// prefer `applyListFileAsync` off the UI thread.
    pub fn apply_list_file(
        &self,
        path: String,
        proof: Option<Vec<u8>>,
        force: bool,
        progress: Option<Arc<dyn UpdateProgressListener>>,
        cancel: Option<Arc<UpdateCancel>>,
    ) -> Result<ListInfo, PreflightError> {
        FileUpdate::new(None, (path, proof, force), progress, cancel)
            .run(&self.inner, &self.listener)
    }

    /// `applyListFile` off the caller's thread (Kotlin `suspend`, Swift `async`). Cancelling
    /// the coroutine/task before the worker starts skips the update; to stop a running one,
    /// set `cancel`.
    pub async fn apply_list_file_async(
        &self,
        path: String,
        proof: Option<Vec<u8>>,
        force: bool,
        progress: Option<Arc<dyn UpdateProgressListener>>,
        cancel: Option<Arc<UpdateCancel>>,
    ) -> Result<ListInfo, PreflightError> {
        FileUpdate::new(None, (path, proof, force), progress, cancel)
            .run_in_background(Arc::clone(&self.inner), self.listener.clone())
            .await
    }

    /// Installs a signed full list or delta into one issuer's store (verified against that
    /// issuer's keys only; the other issuers' lists stay). Throws `ListRejected` for an
    /// unknown issuer or a refused update.
    pub fn apply_issuer_update(
        &self,
        issuer: String,
        update: Vec<u8>,
        force: bool,
    ) -> Result<ListInfo, PreflightError> {
        Ok(self.inner.apply_issuer_update(&issuer, &update, force)?)
    }

    /// `applyListFile` for one issuer's store.
    pub fn apply_issuer_file(
        &self,
        issuer: String,
        path: String,
        proof: Option<Vec<u8>>,
        force: bool,
        progress: Option<Arc<dyn UpdateProgressListener>>,
        cancel: Option<Arc<UpdateCancel>>,
    ) -> Result<ListInfo, PreflightError> {
        FileUpdate::new(Some(issuer), (path, proof, force), progress, cancel)
            .run(&self.inner, &self.listener)
    }

    /// `applyIssuerFile` off the caller's thread; cancellable like `applyListFileAsync`.
    pub async fn apply_issuer_file_async(
        &self,
        issuer: String,
        path: String,
        proof: Option<Vec<u8>>,
        force: bool,
        progress: Option<Arc<dyn UpdateProgressListener>>,
        cancel: Option<Arc<UpdateCancel>>,
    ) -> Result<ListInfo, PreflightError> {
        FileUpdate::new(Some(issuer), (path, proof, force), progress, cancel)
            .run_in_background(Arc::clone(&self.inner), self.listener.clone())
            .await
    }

    /// Every issuer's store status, in configuration order (empty without issuers).
    pub fn issuer_status(&self) -> Vec<IssuerStatus> {
        self.inner.issuer_status()
    }

    /// One issuer's stored transparency tree head (hex), for auditors. Throws `ListRejected`
    /// for an unknown issuer.
    pub fn issuer_tree_head(&self, issuer: String) -> Result<Option<String>, PreflightError> {
        Ok(self.inner.issuer_tree_head(&issuer)?)
    }

    /// The corroboration policy across issuers (`null`/`nil` without issuers).
    pub fn issuer_policy(&self) -> Option<IssuerPolicy> {
        self.inner.issuer_policy().cloned()
    }
}
