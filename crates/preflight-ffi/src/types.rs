//! Records and enums that cross the FFI. They mirror the core types one to one (converted with
//! `From`/`TryFrom`), so the core stays free of uniffi and the bindings stay plain data:
//! Kotlin data classes and enums, Swift structs and enums.

use super::error::PreflightError;
use preflight::lists::SourcePolicy;
use preflight::media::DecodeLimits as CoreDecodeLimits;
use preflight::policy::Policy;
use preflight::text::{AgeBand as CoreAgeBand, Direction as CoreDirection};
use preflight::verdict as core;

/// Recommended handling, strictest last. The app decides the UX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Action {
    /// Nothing found that the policy acts on.
    Allow,
    /// Show a warning, blur or help resources; let the user decide.
    Warn,
    /// Do not send/show (known abuse imagery).
    Block,
}

impl From<core::Action> for Action {
    fn from(a: core::Action) -> Self {
        match a {
            core::Action::Allow => Action::Allow,
            core::Action::Warn => Action::Warn,
            core::Action::Block => Action::Block,
        }
    }
}

/// What a signal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Category {
    /// Matches a list of known child sexual abuse imagery.
    KnownCsam,
    /// Nudity detected by an image classifier.
    Nudity,
    /// A grooming pattern across a conversation.
    Grooming,
    /// Self-harm or suicide risk (the user's own, or someone they talk to or about).
    SelfHarm,
    /// Sexual content in text.
    Sexual,
}

impl From<core::Category> for Category {
    fn from(c: core::Category) -> Self {
        match c {
            core::Category::KnownCsam => Category::KnownCsam,
            core::Category::Nudity => Category::Nudity,
            core::Category::Grooming => Category::Grooming,
            core::Category::SelfHarm => Category::SelfHarm,
            core::Category::Sexual => Category::Sexual,
        }
    }
}

/// Who wrote a message, from the local user's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Direction {
    /// Written by the local user.
    Sent,
    /// Written by the other party.
    Received,
}

impl From<Direction> for CoreDirection {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Sent => CoreDirection::Sent,
            Direction::Received => CoreDirection::Received,
        }
    }
}

/// The local user's age band, if the app knows it (`Unknown` otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AgeBand {
    /// Under 13.
    Under13,
    /// 13 to 15.
    Age13To15,
    /// 16 or 17.
    Age16To17,
    /// 18 or over.
    Adult,
    /// Not known.
    Unknown,
}

impl From<AgeBand> for CoreAgeBand {
    fn from(a: AgeBand) -> Self {
        match a {
            AgeBand::Under13 => CoreAgeBand::Under13,
            AgeBand::Age13To15 => CoreAgeBand::Age13To15,
            AgeBand::Age16To17 => CoreAgeBand::Age16To17,
            AgeBand::Adult => CoreAgeBand::Adult,
            AgeBand::Unknown => CoreAgeBand::Unknown,
        }
    }
}

/// Why a signal was raised. Strings rather than nested enums so every binding can show them.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Evidence {
    /// A hash-list entry matched.
    ListMatch {
        /// `pdq`, `phash`, `md5`, `sha1` or `sha256`.
        kind: String,
        /// Entry index in its section (stable for a given list digest).
        entry: u32,
        /// The listed hash (hex).
        hash: String,
        /// Hamming distance (0 for exact kinds).
        distance: u32,
        /// Which rotation/flip of the scanned image matched (`original` for exact kinds).
        variant: String,
        /// The entry's label.
        label: String,
        /// The entry's category as the list states it.
        list_category: String,
        /// Organisations that listed the entry.
        sources: Vec<String>,
        /// Version of the list that matched.
        list_version: u64,
        /// SHA-256 digest of that list (auditable across devices).
        list_digest: String,
    },
    /// A hash-list entry matched one frame of an animated image or a video.
    FrameMatch {
        /// 0-based frame index.
        frame_index: u32,
        /// When the frame is shown, in milliseconds.
        timestamp_ms: u64,
        /// `pdq`.
        kind: String,
        /// Entry index in its section.
        entry: u32,
        /// The listed hash (hex).
        hash: String,
        /// Hamming distance.
        distance: u32,
        /// Which rotation/flip of the frame matched.
        variant: String,
        /// The entry's label.
        label: String,
        /// The entry's category as the list states it.
        list_category: String,
        /// Organisations that listed the entry.
        sources: Vec<String>,
        /// Version of the list that matched.
        list_version: u64,
        /// SHA-256 digest of that list.
        list_digest: String,
    },
    /// A listed video matched (vPDQ query/target percentages).
    VideoMatch {
        /// Index of the video in the list's video section.
        entry: u32,
        /// The video's label.
        label: String,
        /// The video's category as the list states it.
        list_category: String,
        /// Organisations that listed the video.
        sources: Vec<String>,
        /// Which rotation/flip of the scanned frames matched.
        variant: String,
        /// Percentage of the scanned video's distinct frames that matched.
        query_match_pct: f32,
        /// Percentage of the listed video's distinct frames that were matched.
        target_match_pct: f32,
        /// The scanned frames that matched.
        matched_frames: Vec<MatchedFrame>,
        /// Version of the list that matched.
        list_version: u64,
        /// SHA-256 digest of that list.
        list_digest: String,
    },
    /// A lexicon term matched in the message.
    Lexicon {
        /// Lexicon entry id.
        lexicon_id: String,
        /// UTF-8 byte offset of the span in the original message.
        start: u64,
        /// End of the span (exclusive, UTF-8 bytes).
        end: u64,
        /// The original text of the span.
        excerpt: String,
        /// Grooming stage of the term, if any.
        stage: Option<String>,
        /// Self-harm level of the term, if any.
        level: Option<String>,
        /// Context modifiers that applied (negation, hyperbole, third person, help-seeking).
        modifiers: Vec<String>,
        /// Weight after modifiers.
        weight: f32,
    },
    /// The conversation-level grooming model.
    ConversationRisk {
        /// Risk 0..1.
        grooming_risk: f32,
        /// Stages that drove it, strongest first.
        stages: Vec<String>,
        /// Messages observed in the conversation.
        messages: u64,
    },
    /// The conversation-level self-harm model.
    SelfHarmLevel {
        /// The local user's own level, if recently expressed.
        own: Option<String>,
        /// Someone else's level (the other party, or a third person the user wrote about).
        peer: Option<String>,
    },
    /// An on-device classifier's output.
    Classifier {
        /// Model name.
        model: String,
        /// Output label.
        label: String,
        /// Score 0..1.
        score: f32,
    },
}

/// One scanned frame that matched a frame of a listed video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct MatchedFrame {
    /// 0-based index of the scanned frame.
    pub frame_index: u32,
    /// Its time in milliseconds.
    pub timestamp_ms: u64,
    /// Index of the closest frame in the listed video's frame list.
    pub listed_frame: u32,
    /// Hamming distance to it.
    pub distance: u32,
}

impl From<preflight::verdict::MatchedFrame> for MatchedFrame {
    fn from(m: preflight::verdict::MatchedFrame) -> Self {
        MatchedFrame {
            frame_index: m.frame_index,
            timestamp_ms: m.timestamp_ms,
            listed_frame: m.listed_frame,
            distance: m.distance,
        }
    }
}

impl From<core::Evidence> for Evidence {
    fn from(e: core::Evidence) -> Self {
        match e {
            core::Evidence::FrameMatch {
                frame_index,
                timestamp_ms,
                kind,
                entry,
                hash,
                distance,
                variant,
                label,
                list_category,
                sources,
                list_version,
                list_digest,
            } => Evidence::FrameMatch {
                frame_index,
                timestamp_ms,
                kind,
                entry,
                hash,
                distance,
                variant,
                label,
                list_category,
                sources,
                list_version,
                list_digest,
            },
            core::Evidence::VideoMatch {
                entry,
                label,
                list_category,
                sources,
                variant,
                query_match_pct,
                target_match_pct,
                matched_frames,
                list_version,
                list_digest,
            } => Evidence::VideoMatch {
                entry,
                label,
                list_category,
                sources,
                variant,
                query_match_pct,
                target_match_pct,
                matched_frames: matched_frames.into_iter().map(Into::into).collect(),
                list_version,
                list_digest,
            },
            core::Evidence::ListMatch {
                kind,
                entry,
                hash,
                distance,
                variant,
                label,
                list_category,
                sources,
                list_version,
                list_digest,
                ..
            } => Evidence::ListMatch {
                kind,
                entry,
                hash,
                distance,
                variant,
                label,
                list_category,
                sources,
                list_version,
                list_digest,
            },
            core::Evidence::Lexicon {
                lexicon_id,
                start,
                end,
                excerpt,
                stage,
                level,
                modifiers,
                weight,
            } => Evidence::Lexicon {
                lexicon_id,
                start,
                end,
                excerpt,
                stage,
                level,
                modifiers,
                weight,
            },
            core::Evidence::ConversationRisk {
                grooming_risk,
                stages,
                messages,
            } => Evidence::ConversationRisk {
                grooming_risk,
                stages,
                messages,
            },
            core::Evidence::SelfHarmLevel { own, peer } => Evidence::SelfHarmLevel { own, peer },
            core::Evidence::Classifier {
                model,
                label,
                score,
            } => Evidence::Classifier {
                model,
                label,
                score,
            },
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Signal {
    /// What it is about.
    pub category: Category,
    /// Strength 0..1 (1 for an exact list match).
    pub score: f32,
    /// Why.
    pub evidence: Vec<Evidence>,
}

impl From<core::Signal> for Signal {
    fn from(s: core::Signal) -> Self {
        Signal {
            category: s.category.into(),
            score: s.score,
            evidence: s.evidence.into_iter().map(Evidence::from).collect(),
        }
    }
}

/// The result of one scan.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Verdict {
    /// Recommended handling (the strictest any signal calls for).
    pub action: Action,
    /// Offer support resources (self-harm, or someone asking for help).
    pub support_suggested: bool,
    /// Every finding, including ones the policy does not act on.
    pub signals: Vec<Signal>,
}

impl From<core::Verdict> for Verdict {
    fn from(v: core::Verdict) -> Self {
        Verdict {
            action: v.action.into(),
            support_suggested: v.support_suggested,
            signals: v.signals.into_iter().map(Signal::from).collect(),
        }
    }
}

/// Entry counts per hash kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ListCounts {
    /// PDQ entries.
    pub pdq: u64,
    /// pHash entries.
    pub phash: u64,
    /// MD5 entries.
    pub md5: u64,
    /// SHA-1 entries.
    pub sha1: u64,
    /// SHA-256 entries.
    pub sha256: u64,
}

/// The audit summary of the live hash list: the same list has the same summary on every device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListInfo {
    /// Binary format version.
    pub format_version: u32,
    /// Monotonic list version (0: no list installed yet).
    pub version: u64,
    /// Lowercase hex SHA-256 of the signed body (what the issuer signed).
    pub digest_hex: String,
    /// Unix seconds when the issuer built the list.
    pub created_at: u64,
    /// Issuer key id (16 hex chars).
    pub issuer_key_id: String,
    /// Entry counts per hash kind.
    pub counts: ListCounts,
    /// Source organisation names; name `i` is bit `i` of a source bitmap.
    pub orgs: Vec<String>,
    /// Size of the list file in bytes.
    pub file_bytes: u64,
}

impl From<preflight::lists::ListInfo> for ListInfo {
    fn from(i: preflight::lists::ListInfo) -> Self {
        ListInfo {
            format_version: i.format_version,
            version: i.version,
            digest_hex: i.digest_hex,
            created_at: i.created_at,
            issuer_key_id: i.issuer_key_id,
            counts: ListCounts {
                pdq: i.counts.pdq,
                phash: i.counts.phash,
                md5: i.counts.md5,
                sha1: i.counts.sha1,
                sha256: i.counts.sha256,
            },
            orgs: i.orgs,
            file_bytes: i.file_bytes,
        }
    }
}

/// Thresholds and rules; start from `defaultPolicy()` and change what you need.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct PolicyConfig {
    /// PDQ match radius in bits, 0..=256 (default 31, Meta's recommended threshold).
    pub pdq_radius: u32,
    /// PDQ hashes of lower quality (0..=100) are not matched (default 50).
    pub pdq_min_quality: u8,
    /// pHash match radius in bits, 0..=64, 0 disables pHash (default 4).
    pub phash_radius: u32,
    /// k-of-n corroboration: distinct source organisations a list match needs (default 1).
    pub min_sources: u32,
    /// Bitmap of the organisations whose listings count (default all bits set).
    pub counted_orgs: u64,
    /// Grooming risk from which a message without grooming terms still carries the
    /// conversation's grooming signal (default 0.25).
    pub grooming_report: f32,
    /// Grooming risk from which the verdict warns (default 0.5).
    pub grooming_warn: f32,
    /// Grooming risk from which the verdict blocks (default 1.1, i.e. never).
    pub grooming_block: f32,
    /// Nudity classifier score from which the verdict warns (default 0.8).
    pub nudity_warn: f32,
    /// Warn on sexual text when the local user is a minor (default true).
    pub warn_sexual_to_minors: bool,
    /// A bring-your-own text classifier's label counts from this score (default 0.5).
    pub text_model_min_score: f32,
}

impl From<Policy> for PolicyConfig {
    fn from(p: Policy) -> Self {
        PolicyConfig {
            pdq_radius: p.pdq_radius,
            pdq_min_quality: p.pdq_min_quality,
            phash_radius: p.phash_radius,
            min_sources: p.sources.min_sources,
            counted_orgs: p.sources.counted_orgs,
            grooming_report: p.grooming_report,
            grooming_warn: p.grooming_warn,
            grooming_block: p.grooming_block,
            nudity_warn: p.nudity_warn,
            warn_sexual_to_minors: p.warn_sexual_to_minors,
            text_model_min_score: p.text_model_min_score,
        }
    }
}

impl TryFrom<PolicyConfig> for Policy {
    type Error = PreflightError;

    fn try_from(p: PolicyConfig) -> Result<Self, PreflightError> {
        let bad = |field: &str, detail: String| {
            Err(PreflightError::InvalidConfig(format!(
                "policy.{field}: {detail}"
            )))
        };
        if p.pdq_radius > 256 {
            return bad("pdq_radius", format!("{} exceeds 256 bits", p.pdq_radius));
        }
        if p.pdq_min_quality > 100 {
            return bad(
                "pdq_min_quality",
                format!("{} exceeds 100", p.pdq_min_quality),
            );
        }
        if p.phash_radius > 64 {
            return bad(
                "phash_radius",
                format!("{} exceeds 64 bits", p.phash_radius),
            );
        }
        for (field, value) in [
            ("grooming_report", p.grooming_report),
            ("grooming_warn", p.grooming_warn),
            ("grooming_block", p.grooming_block),
            ("nudity_warn", p.nudity_warn),
            ("text_model_min_score", p.text_model_min_score),
        ] {
            if !value.is_finite() || value < 0.0 {
                return bad(
                    field,
                    format!("{value} is not a finite, non-negative number"),
                );
            }
        }
        Ok(Policy {
            pdq_radius: p.pdq_radius,
            pdq_min_quality: p.pdq_min_quality,
            phash_radius: p.phash_radius,
            sources: SourcePolicy {
                min_sources: p.min_sources,
                counted_orgs: p.counted_orgs,
            },
            grooming_report: p.grooming_report,
            grooming_warn: p.grooming_warn,
            grooming_block: p.grooming_block,
            nudity_warn: p.nudity_warn,
            warn_sexual_to_minors: p.warn_sexual_to_minors,
            text_model_min_score: p.text_model_min_score,
            // video (issue 13): not mirrored in PolicyConfig yet; the core defaults apply.
            ..Policy::default()
        })
    }
}

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

/// How to build a `Scanner`. Every field has a default, so `ScannerConfig()` in
/// Kotlin / Swift scans text with the embedded English lexicons and matches images against an
/// empty list until one is installed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScannerConfig {
    /// Directory of the on-device list store (created if missing), e.g. a subdirectory of the
    /// app's private files. `null`/`nil` keeps lists in a private temporary directory that is
    /// removed with the scanner (tests, demos).
    #[uniffi(default)]
    pub list_store_dir: Option<String>,
    /// Issuer public keys (64 hex digits each) whose lists are accepted.
    #[uniffi(default)]
    pub trusted_list_keys: Vec<String>,
    /// Extra lexicon files (TOML paths) loaded on top of the embedded English lexicons.
    #[uniffi(default)]
    pub extra_lexicon_files: Vec<String>,
    /// Thresholds and rules; `null`/`nil` for the defaults.
    #[uniffi(default)]
    pub policy: Option<PolicyConfig>,
    /// Image decoding limits; `null`/`nil` for the defaults.
    #[uniffi(default)]
    pub decode_limits: Option<DecodeLimits>,
    /// On-device image classifiers; `null`/`nil` runs none. Needs a library built with the
    /// `onnx` feature (otherwise `InvalidConfig`).
    #[uniffi(default)]
    pub classifiers: Option<ClassifierPaths>,
}

/// Where the ONNX Runtime library and the classifier models are on the device. The library
/// loads them lazily, on the first image scan, and never downloads anything.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClassifierPaths {
    /// Path of the ONNX Runtime shared library (1.31 or newer).
    pub runtime_path: String,
    /// The open_nsfw model (BSD-2); `null`/`nil` disables it.
    #[uniffi(default)]
    pub nsfw_model: Option<String>,
    /// The NudeNet `320n.onnx` detector (AGPL-3.0: the app opts in and ships it itself).
    #[uniffi(default)]
    pub nudenet_model: Option<String>,
}

#[cfg(feature = "onnx")]
fn classifier_config(
    c: Option<ClassifierPaths>,
) -> Result<Option<preflight::classify::ClassifierConfig>, PreflightError> {
    Ok(c.map(|c| preflight::classify::ClassifierConfig {
        runtime_path: c.runtime_path.into(),
        nsfw_model: c.nsfw_model.map(Into::into),
        nudenet_model: c.nudenet_model.map(Into::into),
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

impl TryFrom<ScannerConfig> for preflight::scanner::ScannerConfig {
    type Error = PreflightError;

    fn try_from(c: ScannerConfig) -> Result<Self, PreflightError> {
        #[cfg_attr(not(feature = "onnx"), allow(clippy::let_unit_value, unused_variables))]
        let classifiers = classifier_config(c.classifiers)?;
        Ok(preflight::scanner::ScannerConfig {
            list_store_dir: c.list_store_dir.map(Into::into),
            trusted_list_keys: c.trusted_list_keys,
            decode_limits: c
                .decode_limits
                .map(TryInto::try_into)
                .transpose()?
                .unwrap_or_default(),
            policy: c
                .policy
                .map(TryInto::try_into)
                .transpose()?
                .unwrap_or_default(),
            extra_lexicon_files: c.extra_lexicon_files.into_iter().map(Into::into).collect(),
            conversation: Default::default(),
            text_model: Default::default(),
            video: Default::default(),
            #[cfg(feature = "onnx")]
            classifiers,
        })
    }
}

/// One grooming stage's contribution to a conversation's risk.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StageScore {
    /// Stage name (`trust_building`, `isolation`, ...).
    pub stage: String,
    /// 0..1.
    pub score: f32,
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
    pub stage: Option<String>,
    /// Self-harm level, if any.
    pub level: Option<String>,
    /// Original text of the span (at most 80 bytes).
    pub excerpt: String,
}

/// A conversation's current assessment.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConversationReport {
    /// The app's conversation id.
    pub conversation_id: String,
    /// Messages observed so far.
    pub messages: u64,
    /// Grooming risk 0..1.
    pub grooming_risk: f32,
    /// The risk is at or above the alert threshold.
    pub grooming_alert: bool,
    /// Stages that drove the risk, largest contribution first.
    pub stages: Vec<StageScore>,
    /// The local user's own self-harm level, if recently expressed.
    pub self_harm_level: Option<String>,
    /// A peer's self-harm level, if recently expressed.
    pub peer_self_harm_level: Option<String>,
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
            stages: a
                .stages
                .iter()
                .map(|s| StageScore {
                    stage: s.stage.as_str().to_string(),
                    score: s.score,
                })
                .collect(),
            self_harm_level: a.self_harm_level.map(|l| l.as_str().to_string()),
            peer_self_harm_level: a.peer_self_harm_level.map(|l| l.as_str().to_string()),
            evidence: a
                .evidence
                .into_iter()
                .map(|e| ConversationEvidence {
                    message_index: e.message_index,
                    direction: match e.direction {
                        CoreDirection::Sent => Direction::Sent,
                        CoreDirection::Received => Direction::Received,
                    },
                    lexicon_id: e.lexicon_id,
                    stage: e.stage.map(|s| s.as_str().to_string()),
                    level: e.level.map(|l| l.as_str().to_string()),
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
    /// Library version that produced it.
    pub library_version: String,
    /// The list in force.
    pub list: ListInfo,
    /// The conversation's assessment and recent evidence.
    pub conversation: ConversationReport,
    /// The whole bundle as canonical JSON (the same document the Rust API serializes).
    pub json: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_round_trips_and_rejects_out_of_range_values() {
        let p = Policy::default();
        let c = PolicyConfig::from(p);
        assert_eq!(Policy::try_from(c).unwrap(), p);

        let bad = PolicyConfig {
            grooming_warn: f32::NAN,
            ..c
        };
        let err = Policy::try_from(bad).unwrap_err().to_string();
        assert!(err.contains("policy.grooming_warn"), "{err}");
        let err = Policy::try_from(PolicyConfig {
            phash_radius: 65,
            ..c
        })
        .unwrap_err();
        assert!(matches!(err, PreflightError::InvalidConfig(_)));
        assert!(Policy::try_from(PolicyConfig {
            pdq_radius: 257,
            ..c
        })
        .is_err());
    }

    #[test]
    fn decode_limits_round_trip() {
        let l = CoreDecodeLimits::default();
        assert_eq!(
            CoreDecodeLimits::try_from(DecodeLimits::from(l)).unwrap(),
            l
        );
    }
}
