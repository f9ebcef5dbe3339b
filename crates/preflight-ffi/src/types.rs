//! The records that cross the FFI in a shape of their own. Everything else (verdict, signals,
//! typed evidence, policy, list summary, direction, age band, grooming stages, self-harm levels)
//! is the core type itself, derived with the core's `uniffi` feature. What stays here changes
//! shape on the way: paths arrive as strings, `usize` limits as `u64`, the store directory is
//! required, and the conversation report leaves out the per-message internals.

use super::error::PreflightError;
use preflight::media::DecodeLimits as CoreDecodeLimits;
use preflight::text::{Direction, GroomingStage, ModifierKind, SelfHarmLevel, StageScore};
use preflight::{lists::ListInfo, Policy};

/// Limits applied before and during image decoding; start from `defaultDecodeLimits()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct DecodeLimits {
    /// Refuse encoded inputs larger than this many bytes (default 64 MiB).
    pub max_input_bytes: u64,
    /// Refuse images whose header claims more pixels than this (default 64 000 000).
    pub max_pixels: u64,
    /// Refuse images wider or taller than this (default 40 000).
    pub max_dimension: u32,
    /// Upper bound on the decoder's own allocations in bytes (default 512 MiB).
    pub max_alloc_bytes: u64,
}

impl From<CoreDecodeLimits> for DecodeLimits {
    fn from(l: CoreDecodeLimits) -> Self {
        DecodeLimits {
            max_input_bytes: l.max_input_bytes as u64,
            max_pixels: l.max_pixels,
            max_dimension: l.max_dimension,
            max_alloc_bytes: l.max_alloc_bytes,
        }
    }
}

impl TryFrom<DecodeLimits> for CoreDecodeLimits {
    type Error = PreflightError;

    fn try_from(l: DecodeLimits) -> Result<Self, PreflightError> {
        let max_input_bytes = usize::try_from(l.max_input_bytes).map_err(|_| {
            PreflightError::InvalidConfig(format!(
                "decode_limits.max_input_bytes: {} does not fit this platform's address space",
                l.max_input_bytes
            ))
        })?;
        Ok(CoreDecodeLimits {
            max_input_bytes,
            max_pixels: l.max_pixels,
            max_dimension: l.max_dimension,
            max_alloc_bytes: l.max_alloc_bytes,
        })
    }
}

/// How to build a `Scanner`. Every field but the store directory has a default, so
/// `ScannerConfig(listStoreDir = dir)` in Kotlin / Swift scans text with the embedded English
/// lexicons and matches images against an empty list until one is installed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScannerConfig {
    /// Directory of the on-device list store (created if missing): a subdirectory of the app's
    /// private files (Android `Context.filesDir`, iOS Application Support). Required: there is
    /// no temporary-directory fallback (on Android below 13 that is `/data/local/tmp`, which
    /// apps cannot write).
    pub list_store_dir: String,
    /// Issuer public keys (64 hex digits each) whose lists are accepted.
    #[uniffi(default)]
    pub trusted_list_keys: Vec<String>,
    /// Extra lexicon files (TOML paths) loaded on top of the embedded English lexicons.
    #[uniffi(default)]
    pub extra_lexicon_files: Vec<String>,
    /// Thresholds and rules; `null`/`nil` for the defaults.
    #[uniffi(default)]
    pub policy: Option<Policy>,
    /// Image decoding limits; `null`/`nil` for the defaults.
    #[uniffi(default)]
    pub decode_limits: Option<DecodeLimits>,
    /// On-device image classifiers; `null`/`nil` runs none. Needs a library built with the
    /// `onnx` feature (otherwise `InvalidConfig`).
    #[uniffi(default)]
    pub classifiers: Option<ClassifierPaths>,
    /// Most threads one scan may use; `null`/`nil` (the default) uses as many as help (up to 8
    /// for a large JPEG, one decoding thread beside the caller's for an animation, ONNX
    /// Runtime's own choice for the classifiers). `1` keeps each scan on the calling thread
    /// (and one ONNX Runtime intra-op thread). `0` is refused (`InvalidConfig`). Verdicts do
    /// not depend on it.
    #[uniffi(default)]
    pub threads_per_scan: Option<u32>,
    /// Keep the original text of conversation evidence (the excerpts, at most 80 bytes each).
    /// `false` keeps only spans (message index, byte offsets) and lexicon ids: exported state,
    /// the conversation report and the report bundle then hold no message text. Default `true`.
    #[uniffi(default = true)]
    pub keep_conversation_excerpts: bool,
    /// The learned message classifier read beside the lexicons (a `text-model.pftm` file the
    /// app ships as an asset); `null`/`nil` for the library's default (the embedded model if
    /// it was built with `text-model-embedded`, else lexicons only). A file that does not load
    /// is `InvalidConfig`.
    #[uniffi(default)]
    pub text_model: Option<TextModelSource>,
}

impl ScannerConfig {
    /// The configuration Kotlin's and Swift's `ScannerConfig(listStoreDir = dir)` gives (every
    /// other field at its default), for Rust callers: change fields with struct-update syntax.
    ///
    /// ```
    /// let config = preflight_ffi::ScannerConfig {
    ///     threads_per_scan: Some(1),
    ///     ..preflight_ffi::ScannerConfig::new("/data/app/lists")
    /// };
    /// assert!(config.keep_conversation_excerpts && config.trusted_list_keys.is_empty());
    /// ```
    pub fn new(list_store_dir: impl Into<String>) -> ScannerConfig {
        ScannerConfig {
            list_store_dir: list_store_dir.into(),
            trusted_list_keys: Vec::new(),
            extra_lexicon_files: Vec::new(),
            policy: None,
            decode_limits: None,
            classifiers: None,
            threads_per_scan: None,
            keep_conversation_excerpts: true,
            text_model: None,
        }
    }
}

/// Where the message classifier comes from.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum TextModelSource {
    /// A model file on the device (for example an unpacked asset).
    Path {
        /// Its path.
        path: String,
    },
    /// The model file's bytes (Android `AssetManager`, iOS `Data(contentsOf:)`).
    Bytes {
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Lexicons only, even if the library carries an embedded model.
    Off,
}

fn text_model(
    source: Option<TextModelSource>,
) -> Result<preflight::scanner::TextModelChoice, PreflightError> {
    use preflight::scanner::TextModelChoice;
    use preflight::text::model::TextModel;
    let loaded = match source {
        None => return Ok(TextModelChoice::Default),
        Some(TextModelSource::Off) => return Ok(TextModelChoice::Off),
        Some(TextModelSource::Path { path }) => TextModel::from_path(std::path::Path::new(&path)),
        Some(TextModelSource::Bytes { bytes }) => TextModel::from_bytes(&bytes),
    };
    loaded
        .map(|m| TextModelChoice::Model(std::sync::Arc::new(m)))
        .map_err(|e| PreflightError::InvalidConfig(format!("text model: {e}")))
}

/// Where the ONNX Runtime library and the classifier models are on the device. The library
/// loads them lazily, on the first image scan (or `preload`), and never downloads anything.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClassifierPaths {
    /// ONNX Runtime 1.31 or newer: a path (`/…/libonnxruntime.so`), or a library name without
    /// a directory, found by the platform's loader. On Android pass `"libonnxruntime.so"`: the
    /// onnxruntime-android AAR puts it in the app's `nativeLibraryDir`. On iOS the official
    /// packages are static: see bindings/README.md.
    pub runtime_path: String,
    /// The open_nsfw model (BSD-2); `null`/`nil` disables it.
    #[uniffi(default)]
    pub nsfw_model: Option<String>,
    /// The NudeNet `320n.onnx` detector (AGPL-3.0: the app opts in and ships it itself).
    #[uniffi(default)]
    pub nudenet_model: Option<String>,
    /// Where to run the models; `null`/`nil` is the CPU. A provider the loaded runtime lacks
    /// falls back to the CPU (see `Scanner.executionProvider()`).
    #[uniffi(default)]
    pub execution_provider: Option<crate::provider::ExecutionProvider>,
}

#[cfg(feature = "onnx")]
fn classifier_config(
    c: Option<ClassifierPaths>,
) -> Result<Option<preflight::classify::ClassifierConfig>, PreflightError> {
    Ok(c.map(|c| preflight::classify::ClassifierConfig {
        runtime_path: c.runtime_path.into(),
        nsfw_model: c.nsfw_model.map(Into::into),
        nudenet_model: c.nudenet_model.map(Into::into),
        execution_provider: crate::provider::to_core(c.execution_provider.unwrap_or_default()),
        ..Default::default()
    }))
}

#[cfg(not(feature = "onnx"))]
fn classifier_config(c: Option<ClassifierPaths>) -> Result<(), PreflightError> {
    match c {
        None => Ok(()),
        Some(_) => Err(PreflightError::InvalidConfig(
            "classifiers configured, but this library was built without the `onnx` feature".into(),
        )),
    }
}

/// `threads_per_scan`: `null` is the default, `0` is refused.
fn scan_threads(n: Option<u32>) -> Result<Option<std::num::NonZeroUsize>, PreflightError> {
    n.map(|n| {
        usize::try_from(n)
            .ok()
            .and_then(std::num::NonZeroUsize::new)
            .ok_or_else(|| {
                PreflightError::InvalidConfig(format!(
                    "threads_per_scan must be at least 1 (null for the default), got {n}"
                ))
            })
    })
    .transpose()
}

/// The store directory must be given and absolute (a relative path would depend on the process's
/// working directory, which apps do not control).
fn store_dir(dir: String) -> Result<std::path::PathBuf, PreflightError> {
    let path = std::path::PathBuf::from(dir);
    if path.as_os_str().is_empty() || !path.is_absolute() {
        return Err(PreflightError::InvalidConfig(format!(
            "list_store_dir must be an absolute directory path (the app's private files), got {:?}",
            path.display().to_string()
        )));
    }
    Ok(path)
}

impl TryFrom<ScannerConfig> for preflight::scanner::ScannerConfig {
    type Error = PreflightError;

    fn try_from(c: ScannerConfig) -> Result<Self, PreflightError> {
        #[cfg_attr(not(feature = "onnx"), allow(clippy::let_unit_value, unused_variables))]
        let classifiers = classifier_config(c.classifiers)?;
        Ok(preflight::scanner::ScannerConfig {
            list_store_dir: Some(store_dir(c.list_store_dir)?),
            trusted_list_keys: c.trusted_list_keys,
            decode_limits: c
                .decode_limits
                .map(TryInto::try_into)
                .transpose()?
                .unwrap_or_default(),
            // Validated by the core's Scanner::new (Policy::validate).
            policy: c.policy.unwrap_or_default(),
            extra_lexicon_files: c.extra_lexicon_files.into_iter().map(Into::into).collect(),
            conversation: preflight::text::ConversationConfig {
                keep_excerpts: c.keep_conversation_excerpts,
                ..Default::default()
            },
            text_model: text_model(c.text_model)?,
            video: Default::default(),
            scan_threads: scan_threads(c.threads_per_scan)?,
            #[cfg(feature = "onnx")]
            classifiers,
        })
    }
}

/// One piece of evidence kept for a conversation.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConversationEvidence {
    /// 0-based index of the message in the conversation.
    pub message_index: u64,
    /// Direction of that message.
    pub direction: Direction,
    /// Lexicon entry id.
    pub lexicon_id: String,
    /// Grooming stage, if any.
    pub stage: Option<GroomingStage>,
    /// Self-harm level, if any.
    pub level: Option<SelfHarmLevel>,
    /// Context modifiers that applied.
    pub modifiers: Vec<ModifierKind>,
    /// Original text of the span (at most 80 bytes); empty when the scanner keeps no excerpts
    /// (`keepConversationExcerpts = false`).
    pub excerpt: String,
}

/// A conversation's current assessment.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConversationReport {
    /// The app's conversation id.
    pub conversation_id: String,
    /// Messages observed so far.
    pub messages: u64,
    /// Grooming risk, a calibrated probability 0..1: of the team's synthetic conversations that
    /// reached the same evidence, the share that were grooming at that point. It ranks
    /// conversations; it is not the chance that a real chat is grooming (real chats are far more
    /// rarely grooming than that corpus). The alert is an operating point on it: by default the
    /// policy warns from `Policy.groomingWarn` (default 0.8536, the point where more than one
    /// capped grooming stage has been seen) and reports from `Policy.groomingReport` (default
    /// 0.5553).
    pub grooming_risk: f32,
    /// The risk is at or above the conversation model's alert threshold (default 0.8536, the
    /// same operating point as `Policy.groomingWarn`).
    pub grooming_alert: bool,
    /// Stages that drove the risk, largest contribution first.
    pub stages: Vec<StageScore>,
    /// The local user's own self-harm level, if recently expressed.
    pub self_harm_level: Option<SelfHarmLevel>,
    /// A peer's self-harm level, if recently expressed.
    pub peer_self_harm_level: Option<SelfHarmLevel>,
    /// Support resources should be offered (own or peer self-harm, or help-seeking).
    pub support_suggested: bool,
    /// Recent evidence, oldest first.
    pub evidence: Vec<ConversationEvidence>,
}

impl From<preflight::text::ConversationAssessment> for ConversationReport {
    fn from(a: preflight::text::ConversationAssessment) -> Self {
        ConversationReport {
            conversation_id: a.conversation_id,
            messages: a.messages,
            grooming_risk: a.grooming_risk,
            grooming_alert: a.grooming_alert,
            stages: a.stages,
            self_harm_level: a.self_harm_level,
            peer_self_harm_level: a.peer_self_harm_level,
            support_suggested: a.support_suggested,
            evidence: a
                .evidence
                .into_iter()
                .map(|e| ConversationEvidence {
                    message_index: e.message_index,
                    direction: e.direction,
                    lexicon_id: e.lexicon_id,
                    stage: e.stage,
                    level: e.level,
                    modifiers: e.modifiers,
                    excerpt: e.excerpt,
                })
                .collect(),
        }
    }
}

/// The evidence for one conversation, for a report the user chose to send. The library sends
/// nothing; the app attaches `json` (or the fields) to the report.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportBundle {
    /// Version of the JSON schema (`json`; docs/report-schema.md).
    pub schema_version: u32,
    /// Library version that produced it.
    pub library_version: String,
    /// The list in force.
    pub list: ListInfo,
    /// File names of the classifier models configured (empty without classifiers).
    pub models: Vec<String>,
    /// The conversation's assessment and recent evidence.
    pub conversation: ConversationReport,
    /// The messages the user reports (the last N the app passed).
    pub messages: Vec<crate::report::ReportMessage>,
    /// The whole report as JSON (schema `preflight.report`, `schema_version`): what the app
    /// shows the user before sending and attaches to the report.
    pub json: String,
}

/// File names of the configured models, for the report.
pub(crate) fn model_names(c: Option<&ClassifierPaths>) -> Vec<String> {
    let Some(c) = c else { return Vec::new() };
    [&c.nsfw_model, &c.nudenet_model]
        .into_iter()
        .flatten()
        .map(|p| {
            std::path::Path::new(p)
                .file_name()
                .map_or_else(|| p.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_limits_round_trip() {
        let l = CoreDecodeLimits::default();
        assert_eq!(
            CoreDecodeLimits::try_from(DecodeLimits::from(l)).unwrap(),
            l
        );
    }
}
