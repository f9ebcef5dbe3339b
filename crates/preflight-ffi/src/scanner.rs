//! The [`Scanner`] object the apps hold: a thin wrapper over [`preflight::Scanner`] that converts
//! records in and out and maps errors to [`PreflightError`].
//!
//! Strings arrive from Kotlin and Swift already validated as UTF-8 by uniffi (both languages'
//! strings are Unicode; uniffi encodes them as UTF-8), so invalid UTF-8 cannot reach the core
//! through this surface. Byte arrays are copied once into Rust-owned memory for the call.

use super::error::PreflightError;
use super::report::ReportMessage;
use super::types::{ReportBundle, ScannerConfig};
use preflight::text::{AgeBand, Direction};
use preflight::{lists::ListInfo, Policy, Verdict};
use std::sync::Arc;

/// The on-device scanner. Create one per app (it compiles the lexicons and opens the list
/// store) and share it: it is thread-safe, and every method may be called from any thread,
/// concurrently, including while a list update is being applied. Calls are blocking and
/// CPU-bound (an image scan takes milliseconds to tens of milliseconds): call them off the UI
/// thread.
#[derive(Debug, uniffi::Object)]
pub struct Scanner {
    pub(crate) inner: Arc<preflight::Scanner>,
    pub(crate) listener: crate::mobile::ListenerSlot,
    /// File names of the configured classifier models (for reports).
    models: Vec<String>,
}

impl Scanner {
    /// Wraps a core scanner (shared by the constructors): the listener slot, the eviction hook.
    pub(crate) fn wrap(core: preflight::Scanner, models: Vec<String>) -> Arc<Scanner> {
        let inner = Arc::new(core);
        let listener = crate::mobile::ListenerSlot::default();
        listener.watch_evictions(&inner);
        Arc::new(Scanner {
            inner,
            listener,
            models,
        })
    }
}

#[uniffi::export]
impl Scanner {
    /// Builds a scanner: opens (or creates) the list store and verifies the installed list,
    /// compiles the lexicons. Throws `InvalidConfig` for a bad key, policy value or lexicon
    /// file, `Storage` if the store directory cannot be used.
    #[uniffi::constructor]
    pub fn new(config: ScannerConfig) -> Result<Arc<Self>, PreflightError> {
        let models = crate::types::model_names(config.classifiers.as_ref());
        Ok(Scanner::wrap(
            preflight::Scanner::new(config.try_into()?)?,
            models,
        ))
    }

    /// Scans an image (the encoded file bytes: JPEG, PNG, WebP, GIF or BMP) against the live
    /// list: exact digests, PDQ over all eight rotations/flips, pHash. Throws `InvalidImage`
    /// when the bytes cannot be decoded and no exact digest matched them.
    pub fn scan_image(&self, image: Vec<u8>) -> Result<Verdict, PreflightError> {
        Ok(self.inner.scan_image(&image)?)
    }

    /// Scans one chat message and folds it into its conversation's state (grooming is a
    /// pattern across messages). `direction` is from the local user's point of view;
    /// `age_band` is the local user's, if known. Fails only when a configured text classifier
    /// cannot run (`Classifier`); the lexicons and conversation model never fail.
    pub fn scan_text(
        &self,
        conversation_id: String,
        direction: Direction,
        age_band: AgeBand,
        text: String,
    ) -> Result<Verdict, PreflightError> {
        Ok(self
            .inner
            .scan_text(&conversation_id, direction, age_band, &text)?)
    }

    /// Installs a signed full list or delta, verified against the trusted keys, atomically
    /// while scans continue; returns the new list's summary. Refused (`ListRejected`) if the
    /// signature or structure is bad or the version is not newer, unless `force` (which only
    /// lifts the rollback check). On any error the previous list stays live.
    pub fn apply_list_update(
        &self,
        update: Vec<u8>,
        force: bool,
    ) -> Result<ListInfo, PreflightError> {
        self.listener
            .list_result(self.inner.apply_list_update(&update, force))
    }

    /// Version, digest and counts of the live list (version 0 before any list is installed).
    pub fn list_info(&self) -> ListInfo {
        self.inner.list_info()
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        *self.inner.policy()
    }

    /// Exports one conversation's state (a versioned text document) for the app to persist
    /// alongside the conversation, or `null`/`nil` if the conversation is unknown.
    pub fn export_conversation(
        &self,
        conversation_id: String,
    ) -> Result<Option<String>, PreflightError> {
        Ok(self.inner.export_conversation(&conversation_id)?)
    }

    /// Restores a conversation exported by `exportConversation` (e.g. after an app restart);
    /// returns its id. Throws `InvalidState` for a malformed or unsupported document.
    pub fn import_conversation(&self, document: String) -> Result<String, PreflightError> {
        Ok(self.inner.import_conversation(&document)?)
    }

    /// Forgets a conversation (e.g. when the user deletes it); true if it was known.
    pub fn forget_conversation(&self, conversation_id: String) -> bool {
        self.inner.forget_conversation(&conversation_id)
    }

    /// The report for one conversation, built only when the user chose to report it, or
    /// `null`/`nil` if the conversation is unknown: its assessment and evidence, the list and
    /// models in force, the library version, and the last `maxMessages` (default 5, at most 100)
    /// of the `messages` the app passes (the ones the user is reporting, oldest first). Show
    /// `json` to the user before sending (the redaction preview); the library sends nothing.
    pub fn report_bundle(
        &self,
        conversation_id: String,
        messages: Vec<ReportMessage>,
        max_messages: Option<u32>,
    ) -> Result<Option<ReportBundle>, PreflightError> {
        let Some(bundle) = self.inner.report_bundle(&conversation_id) else {
            return Ok(None);
        };
        let messages = crate::report::last_messages(messages, max_messages);
        let json = crate::report::json(&bundle, &self.models, &messages)?;
        Ok(Some(ReportBundle {
            schema_version: crate::report::REPORT_SCHEMA_VERSION,
            library_version: bundle.library_version.to_string(),
            list: bundle.list,
            models: self.models.clone(),
            conversation: bundle.conversation.into(),
            messages,
            json,
        }))
    }
}

// Shared across Kotlin/Swift threads: must stay Send + Sync.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Scanner>();
};
