//! What a scan returns: a recommended [`Action`] and the [`Signal`]s behind it, each with the
//! [`Evidence`] that explains it (which list entry and distance, which lexicon term and span,
//! which conversation stages, which model and label). The app decides the UX; the evidence lets
//! it show the user why, and lets an auditor check the library's reasoning.

use crate::hash::pdq::Dihedral;
use crate::lists::HashKind;
use crate::text::{GroomingStage, ModifierKind, SelfHarmLevel};
use serde::Serialize;

/// Recommended handling. Ordered: `Allow < Warn < Block`.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing found that the policy acts on.
    Allow,
    /// Show a warning, blur or help resources; let the user decide.
    Warn,
    /// Do not send/show (known abuse imagery).
    Block,
}

/// What a signal is about.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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

impl Category {
    /// Parses the snake_case name used in label maps and on the command line.
    pub fn from_name(name: &str) -> Option<Category> {
        [
            Category::KnownCsam,
            Category::Nudity,
            Category::Grooming,
            Category::SelfHarm,
            Category::Sexual,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }

    /// Its stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Category::KnownCsam => "known_csam",
            Category::Nudity => "nudity",
            Category::Grooming => "grooming",
            Category::SelfHarm => "self_harm",
            Category::Sexual => "sexual",
        }
    }
}

/// What corroborates a pHash hit (a pHash match alone never blocks). JSON shows each as its
/// snake_case name: `pdq`, `md5`, `sha1`, `sha256`, `second_source`.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Corroboration {
    /// A PDQ entry matched in the same scan.
    Pdq,
    /// The file's MD5 is listed.
    Md5,
    /// The file's SHA-1 is listed.
    Sha1,
    /// The file's SHA-256 is listed.
    Sha256,
    /// The pHash entry is listed by two or more independent organisations.
    SecondSource,
}

impl Corroboration {
    /// The corroboration a match of `kind` gives (`None` for pHash itself).
    pub fn from_kind(kind: HashKind) -> Option<Self> {
        match kind {
            HashKind::Pdq => Some(Corroboration::Pdq),
            HashKind::Md5 => Some(Corroboration::Md5),
            HashKind::Sha1 => Some(Corroboration::Sha1),
            HashKind::Sha256 => Some(Corroboration::Sha256),
            HashKind::PHash => None,
        }
    }

    /// Stable snake_case name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Corroboration::Pdq => "pdq",
            Corroboration::Md5 => "md5",
            Corroboration::Sha1 => "sha1",
            Corroboration::Sha256 => "sha256",
            Corroboration::SecondSource => "second_source",
        }
    }
}

/// Why a signal was raised. Typed: hash kinds, dihedral variants, grooming stages, self-harm
/// levels and modifiers are enums (Kotlin/Swift enums in the bindings); JSON shows each as its
/// stable snake_case name (`pdq`, `rotate90`, `trust_building`, `ideation`, `negation`).
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// A hash-list entry matched.
    ListMatch {
        /// The hash family that matched.
        kind: HashKind,
        /// Entry index in its section (stable for a given list digest).
        entry: u32,
        /// The listed hash (hex).
        hash: String,
        /// Hamming distance (0 for exact kinds).
        distance: u32,
        /// Which transform of the scanned image matched the entry (`Original` for exact kinds):
        /// a copy rotated 90° anticlockwise matches through `Rotate270`.
        variant: Dihedral,
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
        /// Which region of the scanned image matched: `whole`, `trim_border` (uniform borders
        /// removed), `content_block` (the picture inside a screenshot, above a caption, ...) or
        /// `inset` (thin margins cut off: a cropped copy).
        reframe: String,
        /// The file was truncated and the match is on the part that was there.
        partial: bool,
        /// For a pHash hit, what corroborates it: other kinds that matched in the same scan
        /// and/or [`Corroboration::SecondSource`] (listed by two or more organisations). Empty
        /// for a pHash hit means it only warns; always empty for the kinds that decide alone.
        corroborated_by: Vec<Corroboration>,
    },
    /// A hash-list entry matched one frame of an animated image or a video (issue 13).
    FrameMatch {
        /// 0-based index of the frame in the animation or in the frames pushed to the video scan.
        frame_index: u32,
        /// When the frame is shown, in milliseconds from the start.
        timestamp_ms: u64,
        /// The hash family (`Pdq`: frames are matched by PDQ).
        kind: HashKind,
        /// Entry index in its section.
        entry: u32,
        /// The listed hash (hex).
        hash: String,
        /// Hamming distance.
        distance: u32,
        /// Which transform of the frame matched (see `ListMatch`).
        variant: Dihedral,
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
    /// Known-image hits on the lists of several issuers ([`crate::Scanner::with_issuers`]),
    /// with the outcome of the "k of n issuers" corroboration policy. One evidence item names
    /// every issuer whose list matched the image.
    IssuerMatch {
        /// True when the policy is met: at least `required` lists signed by distinct keys of
        /// counted issuers hold a matching entry (the signal then blocks; otherwise it warns).
        corroborated: bool,
        /// Distinct issuer keys among the counted issuers that matched.
        independent_issuers: u32,
        /// The policy's k.
        required: u32,
        /// Every issuer whose list matched, in configuration order.
        issuers: Vec<IssuerEvidence>,
        /// The frame that matched, for an animated image or a video (`None` for a still).
        /// Issuers are corroborated frame by frame: `k` lists must hold that same frame.
        frame: Option<ScannedFrame>,
    },
    /// A listed video matched as vPDQ decides: the share of the scanned video's sampled frames
    /// that match some frame of the listed video (query) and the share of the listed video's
    /// frames matched by some scanned frame (target), each against the policy's threshold.
    VideoMatch {
        /// Index of the video in the list's video section.
        entry: u32,
        /// The video's label.
        label: String,
        /// The video's category as the list states it.
        list_category: String,
        /// Organisations that listed the video.
        sources: Vec<String>,
        /// Which transform of the scanned frames matched (`Original` as vPDQ does; a rotated copy
        /// matches through its variant).
        variant: Dihedral,
        /// Percentage (0..=100) of the scanned video's distinct good-quality frames that matched.
        query_match_pct: f32,
        /// Percentage (0..=100) of the listed video's distinct frames that were matched.
        target_match_pct: f32,
        /// The scanned frames that matched, in scan order (at most 64 are listed).
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
        /// Byte offset of the span in the original message.
        start: u64,
        /// End of the span (exclusive).
        end: u64,
        /// The original text of the span.
        excerpt: String,
        /// Grooming stage of the term, if any.
        stage: Option<GroomingStage>,
        /// Self-harm level of the term, if any.
        level: Option<SelfHarmLevel>,
        /// Context modifiers that applied (negation, hyperbole, third person, help-seeking).
        modifiers: Vec<ModifierKind>,
        /// Weight after modifiers.
        weight: f32,
    },
    /// The conversation-level grooming model.
    ConversationRisk {
        /// Risk 0..1.
        grooming_risk: f32,
        /// Stages that drove it, strongest first.
        stages: Vec<GroomingStage>,
        /// Messages observed in the conversation.
        messages: u64,
    },
    /// The conversation-level self-harm model.
    SelfHarmLevel {
        /// The local user's own level, if recently expressed.
        own: Option<SelfHarmLevel>,
        /// Someone else's level (the other party, or a third person the user wrote about).
        peer: Option<SelfHarmLevel>,
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

/// One issuer's closest matching entry, in [`Evidence::IssuerMatch`].
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerEvidence {
    /// The issuer's configured name.
    pub issuer: String,
    /// The issuer's configured category ("known-abuse", "terrorist-content", ...).
    pub issuer_category: String,
    /// Key id that signed the matching list.
    pub issuer_key_id: String,
    /// Whether this issuer counts under the policy.
    pub counted: bool,
    /// Version of the matching list.
    pub list_version: u64,
    /// SHA-256 digest of the matching list.
    pub list_digest: String,
    /// The hash family that matched.
    pub kind: HashKind,
    /// Entry index in its section.
    pub entry: u32,
    /// The listed hash (hex).
    pub hash: String,
    /// Hamming distance (0 for exact kinds).
    pub distance: u32,
    /// Which transform of the scanned image matched.
    pub variant: Dihedral,
    /// The entry's label.
    pub label: String,
    /// How many entries of this issuer's list matched (the closest is described here).
    pub matches: u32,
}

/// A frame of a scanned animation or video, by its place in it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScannedFrame {
    /// 0-based index of the frame in the animation or in the frames pushed to the video scan.
    pub frame_index: u32,
    /// When the frame is shown, in milliseconds from the start.
    pub timestamp_ms: u64,
}

/// One scanned frame that matched a frame of a listed video.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// One finding.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    /// What it is about.
    pub category: Category,
    /// Strength 0..1 (1 for an exact list match). A self-harm signal with score 0 is a
    /// third-person telling (the writer speaks of a friend in crisis): its evidence names the
    /// peer's level, support is suggested and the policy does not warn.
    pub score: f32,
    /// Why.
    pub evidence: Vec<Evidence>,
}

/// The result of one scan.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Recommended handling (the strictest any signal calls for).
    pub action: Action,
    /// Offer support resources (self-harm, or someone asking for help).
    pub support_suggested: bool,
    /// Every finding, including ones the policy does not act on.
    pub signals: Vec<Signal>,
}

impl Verdict {
    /// A verdict with no findings.
    pub fn allow() -> Verdict {
        Verdict {
            action: Action::Allow,
            support_suggested: false,
            signals: Vec::new(),
        }
    }

    /// The signals of one category.
    pub fn signals_of(&self, category: Category) -> impl Iterator<Item = &Signal> {
        self.signals.iter().filter(move |s| s.category == category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_ordered() {
        assert!(Action::Allow < Action::Warn && Action::Warn < Action::Block);
        assert_eq!(Category::KnownCsam.name(), "known_csam");
        assert_eq!(Category::from_name("self_harm"), Some(Category::SelfHarm));
        assert_eq!(Category::from_name("nope"), None);
    }
}
