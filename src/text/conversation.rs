//! Conversation-level model: turns per-message lexicon matches into a grooming risk (with the
//! stages that drove it) and a self-harm level with support routing, per conversation.
//!
//! # Grooming risk
//! Each message is read by the lexicon and, if the conversation set has one, the learned
//! classifier ([`crate::text::model`]); both add evidence to grooming stages:
//! a lexicon match adds `effective_weight × direction factor`, the classifier adds
//! `MODEL_GAIN × (p − MODEL_MIN_PROB)/(1 − MODEL_MIN_PROB) × direction factor` to its top
//! stage, for a grooming probability `p` of at least `MODEL_MIN_PROB`. At most
//! [`ConversationConfig::max_stage_gain_per_message`] per stage per message, at most
//! [`MAX_STAGE_EVIDENCE`] in total. Sexual words (the `sexual` category, not grooming) feed
//! `sexual_content` at a third of their weight unless the local user is a minor, an age gap
//! was seen or a child's age (at most [`CHILD_AGE`]) was stated; between, the share grows with
//! the minor involvement `m` (`(1 + 2m)/3`): adult consensual sexting does not make a grooming
//! conversation, sexual talk with someone who talks of school and mum does. Direction factors,
//! from the local user's point of view:
//!
//! | direction | local user's age band | factor |
//! |-----------|----------------------|--------|
//! | received  | under 13 / 13-15 / 16-17 | 1.0 |
//! | received  | unknown               | 0.7 |
//! | received  | adult                 | 0.3 |
//! | sent      | adult                 | 0.7 (an adult user writing grooming language) |
//! | sent      | minor / unknown, a **disclosure** ("he said not to tell my mom") | 1.0 |
//! | sent      | minor / unknown, otherwise | 0.3 |
//!
//! **Age gap**: a received message stating an adult age ("im 24") at least [`AGE_GAP_YEARS`]
//! older than the youngest age seen (a minor age stated on the user's side, or the local
//! user's minor band: 12, 14 or 16), or a disclosure naming an adult's age ("a 24 year old guy
//! wants to meet me"), sets the conversation's age-gap flag. Near-peers ("17" and "19") are no
//! age gap. The gap weighs in proportion to the concerning stages beside it
//! ([`age_gap_term`]): an adult and a teenager who only exchanged ages are not yet grooming.
//! **Stated peers and adults** ([`stated_peers`]): when the local user's band is not a minor
//! band, no gap was seen, and two ages were stated ("15 f" and "17 m", or "22 f" and "25 m"),
//! peers' raw risk is scaled by [`STATED_PEERS_FACTOR`] and two adults' minor involvement by
//! [`STATED_ADULTS_MINOR`]. Open chats of teenagers and of adults who give their ages beside
//! sexual talk ranked above offenders' chats without (PAN-2012); ages can be lies, so these
//! lower the risk and clear nothing. Ages are read in digits, words ("im thirteen") and
//! slash-joined answers ("f/13/ca"); minutes and money are counts ("im 10 mins away").
//!
//! **A minor must be involved**, and the evidence that one is comes in degrees. The minor
//! involvement `m` ([`minor_involvement`]) is 1 when the local user's band is a minor band or
//! an age gap was seen; otherwise it grows with the decayed count of messages carrying a
//! **child cue**: child-life words (school, mum, homework, grounded ...), a caregiver's
//! whereabouts ("my mom is at work", "r ur parents home": checking that a child is
//! unsupervised, or the child telling it), talk of the age difference ("mature for your age",
//! "this older guy", "too young", the adult's worry about "the age thing"), checking that the
//! child is alone ("r u alone", "can u sneak out": the risk assessment of
//! [`crate::text::conversation_contact`]) or a stated age of at most
//! [`CHILD_AGE`] (a stated 16 or 17 alone is not one: older teens state their age to peers in
//! every open chat). Caregivers include the grandparents who look after children. The raw risk is then [`gate_by_minor`]: held under `NO_MINOR_CAP` and
//! [`NO_MINOR_PENALTY`] lower without any sign of a minor (so adults' chats, however sexual,
//! stay below the alert and rank under chats with a child in them), the full risk with a minor
//! known to be involved, and between in proportion to `m`. A message that reads as sexual talk
//! (a sexual lexicon match or the classifier's sexual signal) adds its grooming evidence at the
//! sexual factor as well, whichever stage its words resemble.

//!
//! **The classifier backs or doubts lexicon matches**: a lexicon grooming match in a message
//! the classifier reads as benign (grooming probability below `LEXICON_BACKING_PROB`) adds only
//! a share of its weight ([`lexicon_backing`]), so a parent's "i'll pick you up after school"
//! stays below the report while repeated or combined cues still add up.
//!
//! **Contact moves** ([`crate::text::conversation_contact`]): checking for supervision,
//! meeting plans, talk of touch and attachment add evidence to their stages (where the
//! message's lexicon has not already matched that stage; a move to the phone adds none), and
//! each distinct kind beyond the first adds to the raw risk before the minor-involvement gate.
//!
//! **Decay is by message count**: before each message is applied, every stage's evidence is
//! multiplied by `0.5^(1 / half_life_messages)`. The library counts messages itself.
//!
//! The risk is a **calibrated probability**: `raw = Σ stage_weight × (1 − e^(−evidence)) +
//! age_gap_term × age_gap + BREADTH_WEIGHT × (driving stages − 1) + contact breadth`, gated by the minor
//! involvement as above (it can be negative), then
//! `risk = 1 / (1 + e^(−(PLATT_A × raw + PLATT_B)))`; breadth counts only stages of weight
//! ≥ 0.7, and a single driving stage other than isolation/secrecy is capped at
//! `SINGLE_STAGE_CAP` (one repeated phrase is not grooming), with `PLATT_A`/`PLATT_B` fitted on the
//! train split of `text-corpus/conversations.jsonl` (`preflight text-model calibrate`; the
//! reliability plot of the test split is `docs/text-conversation-reliability.svg`).
//!
//! **The risk and the alert are separate**: the risk is the calibrated probability, and the
//! alert is an operating point on it, [`DEFAULT_ALERT_RISK`] (the probability of the raw risk
//! [`ALERT_RAW`], more than one capped stage), so refitting the calibration changes the
//! probabilities reported but not when the product alerts. Apps that set their own threshold
//! compare it with the probability. Stage
//! weights put isolation/secrecy and the age gap first, then image requests, sexual content
//! and meeting, then gifts and private channels; trust building and personal questions
//! ("asl", "how old are you") weigh least, so they never alert alone.
//!
//! # Self-harm
//! A self-harm signal is reported **on the message that carries it** and fades: the
//! assessment's `self_harm_level` / `peer_self_harm_level` / `support_suggested` describe the
//! message just observed ("lol fine" and "bye" after a disclosure carry none), while
//! `recent_self_harm_level` keeps the highest own level of the last
//! [`ConversationConfig::self_harm_window_messages`] messages for context and report bundles.
//! A first-person level in a message the local user SENT is the user's own; one in a RECEIVED
//! message, or with a third-person or help-seeking cue, is a peer's (a friend in crisis).
//!
//! # Memory
//! At most [`ConversationConfig::max_conversations`] conversations are kept (least recently
//! used are evicted) and at most [`ConversationConfig::max_evidence`] evidence items per
//! conversation (oldest dropped). State can be exported and re-imported as a small TOML
//! document.

use super::conversation_contact::{
    contact_breadth, ContactCues, ContactKind, CONTACT_GAIN, CONTACT_KINDS, MAX_CONTACT_COUNT,
};
use super::error::StateError;
use super::matcher::{MessageAnalysis, TextEngine};
use super::model::fusion::{fuse, MessageSignals};
use super::model::TextModel;
use super::person::{own_reading, Person};
use super::types::{AgeBand, Category, Direction, GroomingStage, ModifierKind, SelfHarmLevel};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// Upper bound of one stage's accumulated evidence.
pub const MAX_STAGE_EVIDENCE: f32 = 6.0;
/// Version of the exported state document. Version 1 documents (before the age-gap flags)
/// are still imported: the new fields start unset.
pub const STATE_VERSION: u32 = 2;
/// Oldest state version [`Conversations::import_state`] migrates from.
pub const OLDEST_STATE_VERSION: u32 = 1;
/// Evidence the classifier adds per message at grooming probability 1 (before the direction
/// factor).
pub const MODEL_GAIN: f32 = 1.5;
/// Grooming probability below which the classifier adds no evidence.
pub const MODEL_MIN_PROB: f32 = 0.5;
/// Weight of a seen age gap in the raw risk.
pub const AGE_GAP_WEIGHT: f32 = 1.2;
/// Weighted stage score (personal questions aside) at which an age gap adds `1 − 1/e` of
/// [`AGE_GAP_WEIGHT`] ([`age_gap_term`]): about one secrecy or meeting cue.
pub const AGE_GAP_CONCERN: f32 = 0.3;
/// Weight of each driving stage beyond the first (only stages of weight ≥ 0.7 count).
pub const BREADTH_WEIGHT: f32 = 0.35;
/// Stage weight from which a stage counts towards breadth.
const CONCERNING_WEIGHT: f32 = 0.7;
/// Most raw risk one stage alone can give (isolation/secrecy excepted; an age gap adds to
/// it): one repeated phrase is not grooming.
pub const SINGLE_STAGE_CAP: f32 = 0.4;
/// Most raw risk of a conversation with no sign that a minor is involved (local user's age
/// unknown, no minor age stated, no child-life words, no age gap): adults' chats, however
/// sexual or flirtatious, stay below the alert.
pub const NO_MINOR_CAP: f32 = 0.4;
/// How far below [`NO_MINOR_CAP`] the raw risk of a conversation with no sign of a minor
/// is pushed: `raw = soft_cap(raw, NO_MINOR_CAP) × (1 − m) + raw × m − NO_MINOR_PENALTY × (1 − m)`
/// for a minor involvement `m` in 0..1 ([`minor_involvement`]). The raw risk can be negative.
pub const NO_MINOR_PENALTY: f32 = 0.5;
/// Factor on the minor involvement when every age stated in the conversation is an adult's
/// ([`stated_peers`]): child-life words between two adults ("my mom", "class") are weaker
/// signs of a child.
pub const STATED_ADULTS_MINOR: f32 = 0.5;
/// Factor on the raw risk when the stated ages are peers' ([`stated_peers`]): sexual talk
/// between a 15- and a 17-year-old is not an adult grooming a child (the sexual-content signal
/// still reports it; ages can be lies, so the risk is lowered, not cleared).
pub const STATED_PEERS_FACTOR: f32 = 0.5;
/// Child cues (decayed message count, see [`minor_involvement`]) at which the minor
/// involvement reaches `1 − 1/e`.
pub const CHILD_CUE_SCALE: f32 = 2.0;
/// Upper bound of the decayed child-cue count kept in the state.
pub const MAX_CHILD_CUES: f32 = 16.0;
/// Years between a stated adult age and the youngest age seen (stated, or the local user's
/// band) from which the two make an age gap: near-peers ("17" and "19", close-in-age as the
/// law treats them) are not one.
pub const AGE_GAP_YEARS: u8 = 4;
/// Oldest stated age that counts as a child on its own (below the common age of consent of
/// 16): "im 14" is a child cue and gives sexual words their full weight; a stated 16 or 17 needs
/// an age gap, since older teens state their age to peers in every open chat ("17 m").
pub const CHILD_AGE: u8 = 15;
/// Platt scaling of the raw risk: `risk = σ(PLATT_A × raw + PLATT_B)`, fitted by
/// `preflight text-model calibrate` on the prefixes of the train conversations of
/// `text-corpus/conversations.jsonl` (a prefix from the first concerning message of a grooming
/// conversation on is a positive, every prefix of another conversation a negative). The risk
/// is that probability; the alert is an operating point on it ([`DEFAULT_ALERT_RISK`]).
/// Refitted with the contact moves and the session-7 corpus: on the test prefixes, Brier 0.136
/// (the constants in use before the refit gave 0.141; the earlier A 4.678, B −2.662, kept while
/// the alert was the probability 0.5, gave 0.143 on the previous corpus).
pub const PLATT_A: f32 = 6.555;
/// Platt intercept (see [`PLATT_A`]).
pub const PLATT_B: f32 = -1.967;
/// Raw risk of the default alert: above what one capped stage gives ([`SINGLE_STAGE_CAP`]) by
/// about half a breadth step, so one repeated phrase never alerts and two concerning stages
/// (or one beside an age gap or a child's disclosure) do. The alert decision is kept on the
/// raw scale, where its meaning does not move when the calibration is refitted;
/// [`DEFAULT_ALERT_RISK`] is the same point on the probability.
pub const ALERT_RAW: f32 = 0.569;
/// Raw risk from which a message without a grooming cue of its own still carries the
/// conversation's grooming signal by default: just under one capped stage.
pub const REPORT_RAW: f32 = 0.334;
/// Default alert threshold on the calibrated risk: [`calibrate`]`(`[`ALERT_RAW`]`)`, printed by
/// `preflight text-model calibrate` with each refit. The probability is the share of
/// concerning prefixes among the team's synthetic conversations (half of them grooming), far
/// more than real chats hold, so the operating point sits where the raw evidence is strong
/// enough, not at 0.5. Used by [`ConversationConfig::grooming_alert_threshold`] and
/// `Policy::grooming_warn`.
pub const DEFAULT_ALERT_RISK: f32 = 0.8536;
/// Default report threshold on the calibrated risk: [`calibrate`]`(`[`REPORT_RAW`]`)`, used by
/// `Policy::grooming_report`.
pub const DEFAULT_REPORT_RISK: f32 = 0.5553;
/// Grooming probability from which the classifier fully backs a lexicon grooming match in the
/// conversation risk; below it the match's evidence is scaled down towards
/// [`LEXICON_DOUBT_FLOOR`] ("i'll pick you up after school" from a parent reads as benign to
/// the classifier: alone it stays below the report, repeated or beside other stages it counts).
pub const LEXICON_BACKING_PROB: f32 = 0.3;
/// Smallest share of a lexicon grooming match's evidence kept when the classifier reads the
/// message as benign.
pub const LEXICON_DOUBT_FLOOR: f32 = 0.15;
/// Longest original-text excerpt kept in evidence, in bytes.
const MAX_EXCERPT: usize = 80;
/// Stage score from which a stage counts towards breadth and is reported as a driver.
const DRIVER_SCORE: f32 = 0.3;

/// Tuning of the conversation model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConversationConfig {
    /// Conversations kept in memory (least recently used evicted first).
    pub max_conversations: usize,
    /// Evidence items kept per conversation.
    pub max_evidence: usize,
    /// Messages after which stage evidence has halved.
    pub half_life_messages: f32,
    /// Messages for which a self-harm level stays reported.
    pub self_harm_window_messages: u64,
    /// Calibrated grooming risk (a probability, see [`ConversationAssessment::grooming_risk`])
    /// from which [`ConversationAssessment::grooming_alert`] is set. Default
    /// [`DEFAULT_ALERT_RISK`], the operating point of [`ALERT_RAW`]: lower it to alert earlier
    /// and more often, raise it for fewer alerts.
    pub grooming_alert_threshold: f32,
    /// Most evidence one message can add to one stage.
    pub max_stage_gain_per_message: f32,
    /// Keep the original text of each evidence span (`Evidence::excerpt`, at most 80 bytes).
    /// `false` keeps only the spans (message index, byte offsets) and lexicon ids: evidence
    /// kept in memory, exported state ([`Conversations::export_state`]) and the report hold no
    /// message text, and excerpts in imported documents are dropped. Default `true`.
    pub keep_excerpts: bool,
}

impl Default for ConversationConfig {
    fn default() -> Self {
        Self {
            max_conversations: 1024,
            max_evidence: 32,
            half_life_messages: 60.0,
            self_harm_window_messages: 30,
            grooming_alert_threshold: DEFAULT_ALERT_RISK,
            max_stage_gain_per_message: 2.0,
            keep_excerpts: true,
        }
    }
}

/// One piece of evidence kept for a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// 0-based index of the message in the conversation.
    pub message_index: u64,
    /// Direction of that message.
    pub direction: Direction,
    /// Lexicon entry id.
    pub lexicon_id: String,
    /// Category.
    pub category: Category,
    /// Grooming stage, if any.
    pub stage: Option<GroomingStage>,
    /// Self-harm level, if any.
    pub level: Option<SelfHarmLevel>,
    /// What the match contributed to its stage (grooming) or its effective weight (self-harm).
    pub contribution: f32,
    /// Byte span in that message's original text.
    pub start: usize,
    /// End of the byte span (exclusive).
    pub end: usize,
    /// Original text of the span (at most 80 bytes); empty when
    /// [`ConversationConfig::keep_excerpts`] is off.
    pub excerpt: String,
    /// Modifiers that applied.
    pub modifiers: Vec<ModifierKind>,
}

/// One grooming stage's contribution to the risk.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageScore {
    /// The stage.
    pub stage: GroomingStage,
    /// `1 − e^(−evidence)`, in 0..1.
    pub score: f32,
    /// Accumulated, decayed evidence.
    pub evidence: f32,
}

/// The state of one conversation after a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationAssessment {
    /// The app's conversation id.
    pub conversation_id: String,
    /// Messages observed so far.
    pub messages: u64,
    /// Grooming risk, a calibrated probability 0..1: of the team's synthetic conversation
    /// prefixes ([`PLATT_A`]) that reached this raw risk, the share that came from grooming
    /// conversations at or after their first concerning message. It ranks conversations and
    /// reads as "how sure"; it is not the chance that a real chat is grooming (real chats are
    /// grooming far more rarely than the corpus's half). Compare it with the alert threshold
    /// ([`ConversationConfig::grooming_alert_threshold`], default [`DEFAULT_ALERT_RISK`]).
    pub grooming_risk: f32,
    /// The uncalibrated risk the probability is computed from (see the module docs); negative
    /// when nothing suggests a minor is involved.
    pub grooming_raw: f32,
    /// `grooming_risk >= grooming_alert_threshold`.
    pub grooming_alert: bool,
    /// Stages that drove the risk (score ≥ 0.3), largest contribution first.
    pub stages: Vec<StageScore>,
    /// True once an adult/minor age gap was seen (see the module docs).
    pub age_gap: bool,
    /// The local user's own self-harm level in the message just observed.
    pub self_harm_level: Option<SelfHarmLevel>,
    /// A peer's self-harm level in the message just observed (the other party, or a third
    /// person the user wrote about).
    pub peer_self_harm_level: Option<SelfHarmLevel>,
    /// Highest own level of the last `self_harm_window_messages` messages (context only: it
    /// does not make later messages warn).
    pub recent_self_harm_level: Option<SelfHarmLevel>,
    /// Support resources should be offered for the message just observed (own or peer
    /// self-harm, or help-seeking).
    pub support_suggested: bool,
    /// The fused lexicon + classifier signals of the message just observed.
    pub signals: MessageSignals,
    /// Matches in the message just observed (empty for [`Conversations::assessment`]).
    pub message: MessageAnalysis,
    /// Recent evidence for the conversation, oldest first.
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct LevelSeen {
    level: SelfHarmLevel,
    at: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct ConversationState {
    messages: u64,
    stage_evidence: [f32; 8],
    own_self_harm: Option<LevelSeen>,
    peer_self_harm: Option<LevelSeen>,
    support_at: Option<u64>,
    evidence: VecDeque<Evidence>,
    /// Added in state version 2.
    #[serde(default)]
    adult_age_seen: bool,
    /// Added in state version 2.
    #[serde(default)]
    minor_age_seen: bool,
    /// Added in state version 2.
    #[serde(default)]
    age_gap: bool,
    /// Added in state version 2: the local user's age band is a minor band (documents written
    /// before the child-cue count also set it for stated ages and child-life words).
    #[serde(default)]
    minor_seen: bool,
    /// Added after version 2 (absent: 0): decayed count of messages with a child cue
    /// (child-life words, a caregiver's whereabouts, a stated age of at most [`CHILD_AGE`]).
    #[serde(default)]
    child_cues: f32,
    /// Added after version 2: the youngest age under 18 stated by a non-adult user's side.
    #[serde(default)]
    youngest_age: Option<u8>,
    /// Added after version 2: the oldest adult age the other party stated.
    #[serde(default)]
    oldest_adult_age: Option<u8>,
    /// Added after version 2 (absent: 0): decayed count of messages with each contact kind
    /// ([`ContactKind::ALL`] order, see [`crate::text::conversation_contact`]).
    #[serde(default)]
    contact_counts: [f32; CONTACT_KINDS],
    /// Added after version 2: the lowest and highest age stated in the conversation by either
    /// side (see [`stated_peers`]).
    #[serde(default)]
    age_range: Option<(u8, u8)>,
    /// Added after version 2: which sides stated an age (bit 0 sent, bit 1 received).
    #[serde(default)]
    age_sides: u8,
}

#[derive(Serialize, Deserialize)]
struct ExportDoc {
    version: u32,
    conversation_id: String,
    state: ConversationState,
}

#[derive(Debug, Default)]
struct Slot {
    state: ConversationState,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Table {
    slots: HashMap<String, Slot>,
    tick: u64,
}

/// Per-conversation state for every conversation the app is observing. `Send + Sync`; one
/// mutex guards the map (the work under the lock is a few arithmetic operations; message
/// analysis runs outside it).
pub struct Conversations {
    engine: Arc<TextEngine>,
    model: Option<Arc<TextModel>>,
    config: ConversationConfig,
    table: Mutex<Table>,
    on_evict: std::sync::RwLock<Option<EvictionHook>>,
}

impl std::fmt::Debug for Conversations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversations")
            .field("config", &self.config)
            .field("conversations", &self.len())
            .finish_non_exhaustive()
    }
}

/// Called with the id of each conversation evicted to stay within
/// [`ConversationConfig::max_conversations`] (after the table lock is released), so the app can
/// persist it first next time or know its state is gone.
pub type EvictionHook = Arc<dyn Fn(&str) + Send + Sync>;

fn stage_weight(stage: GroomingStage) -> f32 {
    match stage {
        GroomingStage::PersonalQuestions => 0.3,
        GroomingStage::TrustBuilding => 0.4,
        GroomingStage::PrivateChannel => 0.7,
        GroomingStage::GiftsOffers => 0.8,
        GroomingStage::Meeting | GroomingStage::SexualContent => 1.0,
        GroomingStage::ImageRequest => 1.1,
        GroomingStage::IsolationSecrecy => 1.3,
    }
}

/// Direction factor; see the module docs.
pub fn direction_factor(direction: Direction, age_band: AgeBand) -> f32 {
    match (direction, age_band) {
        (Direction::Received, b) if b.is_minor() => 1.0,
        (Direction::Received, AgeBand::Adult) => 0.3,
        (Direction::Received, _) => 0.7,
        (Direction::Sent, AgeBand::Adult) => 0.7,
        (Direction::Sent, _) => 0.3,
    }
}

/// The uncalibrated risk and the driving stages; see the module docs.
pub fn raw_grooming_risk(stage_evidence: &[f32; 8], age_gap: bool) -> (f32, Vec<StageScore>) {
    let mut raw = 0.0;
    let mut drivers = Vec::new();
    for (stage, &e) in GroomingStage::ALL.iter().zip(stage_evidence) {
        let score = 1.0 - (-e.max(0.0)).exp();
        raw += stage_weight(*stage) * score;
        if score >= DRIVER_SCORE {
            drivers.push(StageScore {
                stage: *stage,
                score,
                evidence: e,
            });
        }
    }
    let concerning = drivers
        .iter()
        .filter(|d| stage_weight(d.stage) >= CONCERNING_WEIGHT)
        .count();
    if drivers.len() >= 2 {
        raw += BREADTH_WEIGHT * concerning.min(drivers.len() - 1) as f32;
    }
    let isolation = drivers
        .iter()
        .any(|d| d.stage == GroomingStage::IsolationSecrecy);
    if drivers.len() < 2 && !isolation {
        raw = raw.min(SINGLE_STAGE_CAP);
    }
    if age_gap {
        raw += age_gap_term(stage_evidence);
    }
    drivers.sort_by(|a, b| {
        (stage_weight(b.stage) * b.score).total_cmp(&(stage_weight(a.stage) * a.score))
    });
    (raw, drivers)
}

/// What a seen age gap adds to the raw risk: [`AGE_GAP_WEIGHT`] × `(1 − e^(−c / AGE_GAP_CONCERN))`,
/// `c` the weighted stage scores other than personal questions. An age gap is the context that
/// turns secrecy, gifts, images, sexual talk or meeting into grooming; an adult and a teenager
/// who exchanged ages ("asl", "how old r u": the personal questions that reveal the gap) and
/// nothing else of concern are two people of different ages talking.
pub fn age_gap_term(stage_evidence: &[f32; 8]) -> f32 {
    let concern: f32 = GroomingStage::ALL
        .iter()
        .zip(stage_evidence)
        .filter(|(s, _)| **s != GroomingStage::PersonalQuestions)
        .map(|(s, e)| stage_weight(*s) * (1.0 - (-e.max(0.0)).exp()))
        .sum();
    AGE_GAP_WEIGHT * (1.0 - (-concern / AGE_GAP_CONCERN).exp())
}

/// The calibrated probability of a raw risk (Platt scaling).
pub fn calibrate(raw: f32) -> f32 {
    let p = 1.0 / (1.0 + (-(PLATT_A * raw + PLATT_B)).exp());
    p.clamp(0.0, 1.0)
}

/// Grooming risk (a calibrated probability) and driving stages of a conversation in which a
/// minor is known to be involved; see the module docs.
pub fn grooming_risk(stage_evidence: &[f32; 8], age_gap: bool) -> (f32, Vec<StageScore>) {
    let (raw, drivers) = raw_grooming_risk(stage_evidence, age_gap);
    (calibrate(raw), drivers)
}

/// Longest lexicon entry id accepted in an imported evidence item, in bytes (the embedded
/// lexicons' ids are under 50).
const MAX_IMPORTED_ID: usize = 256;
/// Number of [`ModifierKind`]s: an evidence item carries each at most once.
const MODIFIER_KINDS: usize = 5;

/// Evidence in an imported document must be what [`Conversations::observe`] could have
/// written: excerpts of at most [`MAX_EXCERPT`] bytes, bounded lexicon ids, each modifier at
/// most once and finite contributions. A tampered document could otherwise carry megabytes
/// into every later assessment and report bundle.
fn check_imported_evidence(evidence: &VecDeque<Evidence>) -> Result<(), StateError> {
    let bad = |what: String| {
        Err(StateError::Malformed {
            message: what,
            cause: None,
        })
    };
    for (i, e) in evidence.iter().enumerate() {
        if e.excerpt.len() > MAX_EXCERPT {
            return bad(format!("evidence {i}: excerpt over {MAX_EXCERPT} bytes"));
        }
        if e.lexicon_id.len() > MAX_IMPORTED_ID {
            return bad(format!(
                "evidence {i}: lexicon id over {MAX_IMPORTED_ID} bytes"
            ));
        }
        let m = &e.modifiers;
        if m.len() > MODIFIER_KINDS || (1..m.len()).any(|j| m[..j].contains(&m[j])) {
            return bad(format!("evidence {i}: a modifier is repeated"));
        }
        if !e.contribution.is_finite() {
            return bad(format!("evidence {i}: contribution is not a finite number"));
        }
    }
    Ok(())
}

fn excerpt(s: &str) -> String {
    if s.len() <= MAX_EXCERPT {
        return s.to_string();
    }
    let mut end = MAX_EXCERPT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("").to_string()
}

impl Conversations {
    /// A new, empty set of conversations using `engine` to analyze messages.
    pub fn new(engine: Arc<TextEngine>, config: ConversationConfig) -> Self {
        Self::with_model(engine, None, config)
    }

    /// A new set that also reads every message with the learned classifier `model`.
    pub fn with_model(
        engine: Arc<TextEngine>,
        model: Option<Arc<TextModel>>,
        config: ConversationConfig,
    ) -> Self {
        Self {
            engine,
            model,
            config,
            table: Mutex::new(Table::default()),
            on_evict: std::sync::RwLock::new(None),
        }
    }

    /// Sets (or with `None` clears) the hook told about every evicted conversation.
    pub fn set_eviction_hook(&self, hook: Option<EvictionHook>) {
        *self.on_evict.write().unwrap_or_else(|e| e.into_inner()) = hook;
    }

    fn report_evicted(&self, evicted: Vec<String>) {
        if evicted.is_empty() {
            return;
        }
        let hook = self
            .on_evict
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(hook) = hook {
            for id in &evicted {
                hook(id);
            }
        }
    }

    /// The engine used by [`Conversations::observe`].
    pub fn engine(&self) -> &Arc<TextEngine> {
        &self.engine
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A poisoned lock only means another thread panicked mid-update; the numbers are
        // still usable, so recover rather than propagate the panic.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Analyzes `text` and folds it into the conversation's state.
    pub fn observe(
        &self,
        conversation_id: &str,
        direction: Direction,
        age_band: AgeBand,
        text: &str,
    ) -> ConversationAssessment {
        let analysis = self.engine.analyze(text);
        let model = self.model.as_deref();
        let scores = model.map(|m| m.classify(text));
        let mut signals = fuse(&analysis, scores.as_ref(), model);
        attribute_by_person(&mut signals, &analysis, text);
        let cues = MessageCues::read(text);
        self.observe_signals(
            conversation_id,
            direction,
            age_band,
            analysis,
            signals,
            cues,
        )
    }

    /// The classifier, if the set has one.
    pub fn model(&self) -> Option<&Arc<TextModel>> {
        self.model.as_ref()
    }

    /// Folds an already computed [`MessageAnalysis`] into the conversation's state.
    pub fn observe_analysis(
        &self,
        conversation_id: &str,
        direction: Direction,
        age_band: AgeBand,
        analysis: MessageAnalysis,
    ) -> ConversationAssessment {
        let signals = fuse(&analysis, None, None);
        self.observe_signals(
            conversation_id,
            direction,
            age_band,
            analysis,
            signals,
            MessageCues::default(),
        )
    }

    fn observe_signals(
        &self,
        conversation_id: &str,
        direction: Direction,
        age_band: AgeBand,
        analysis: MessageAnalysis,
        signals: MessageSignals,
        cues: MessageCues,
    ) -> ConversationAssessment {
        let config = self.config;
        let mut table = self.lock();
        table.tick += 1;
        let tick = table.tick;
        let slot = table.slots.entry(conversation_id.to_string()).or_default();
        slot.last_used = tick;
        let message = Message {
            direction,
            age_band,
            analysis: &analysis,
            signals: &signals,
            cues,
        };
        let own = apply(&mut slot.state, &config, &message);
        let mut assessment = assess(conversation_id, &slot.state, &config, analysis);
        assessment.self_harm_level = own.own;
        assessment.peer_self_harm_level = own.peer;
        assessment.support_suggested = own.support;
        assessment.signals = signals;
        let evicted = evict(&mut table, config.max_conversations);
        drop(table);
        self.report_evicted(evicted);
        assessment
    }

    /// The current assessment of a conversation without a new message.
    pub fn assessment(&self, conversation_id: &str) -> Option<ConversationAssessment> {
        let table = self.lock();
        let slot = table.slots.get(conversation_id)?;
        Some(assess(
            conversation_id,
            &slot.state,
            &self.config,
            MessageAnalysis::default(),
        ))
    }

    /// Exports one conversation's state as a TOML document, or `None` if it is unknown.
    pub fn export_state(&self, conversation_id: &str) -> Result<Option<String>, StateError> {
        let table = self.lock();
        let Some(slot) = table.slots.get(conversation_id) else {
            return Ok(None);
        };
        let doc = ExportDoc {
            version: STATE_VERSION,
            conversation_id: conversation_id.to_string(),
            state: slot.state.clone(),
        };
        toml::to_string(&doc)
            .map(Some)
            .map_err(|e| StateError::Serialize {
                message: e.to_string(),
                cause: Some(Box::new(e)),
            })
    }

    /// Imports a document written by [`Conversations::export_state`], replacing any state
    /// for that conversation. Returns the conversation id.
    pub fn import_state(&self, document: &str) -> Result<String, StateError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let v: VersionOnly =
            toml::from_str::<VersionOnly>(document).map_err(|e| StateError::Malformed {
                message: e.message().to_string(),
                cause: Some(Box::new(e)),
            })?;
        if !(OLDEST_STATE_VERSION..=STATE_VERSION).contains(&v.version) {
            return Err(StateError::Version {
                found: v.version,
                expected: STATE_VERSION,
            });
        }
        let doc: ExportDoc = toml::from_str(document).map_err(|e| StateError::Malformed {
            message: e.message().to_string(),
            cause: Some(Box::new(e)),
        })?;
        let mut state = doc.state;
        if v.version == 1 {
            // Version 1 had no minor-involvement cap: keep such conversations uncapped.
            state.minor_seen = true;
        }
        if state
            .stage_evidence
            .iter()
            .any(|e| !e.is_finite() || *e < 0.0 || *e > MAX_STAGE_EVIDENCE)
        {
            return Err(StateError::Malformed {
                message: format!("stage evidence must be within 0..={MAX_STAGE_EVIDENCE}"),
                cause: None,
            });
        }
        if !state.child_cues.is_finite() || !(0.0..=MAX_CHILD_CUES).contains(&state.child_cues) {
            return Err(StateError::Malformed {
                message: format!("child cues must be within 0..={MAX_CHILD_CUES}"),
                cause: None,
            });
        }
        if state
            .contact_counts
            .iter()
            .any(|c| !c.is_finite() || !(0.0..=MAX_CONTACT_COUNT).contains(c))
        {
            return Err(StateError::Malformed {
                message: format!("contact counts must be within 0..={MAX_CONTACT_COUNT}"),
                cause: None,
            });
        }
        check_imported_evidence(&state.evidence)?;
        while state.evidence.len() > self.config.max_evidence {
            state.evidence.pop_front();
        }
        if !self.config.keep_excerpts {
            state.evidence.iter_mut().for_each(|e| e.excerpt.clear());
        }
        let mut table = self.lock();
        table.tick += 1;
        let last_used = table.tick;
        table
            .slots
            .insert(doc.conversation_id.clone(), Slot { state, last_used });
        let evicted = evict(&mut table, self.config.max_conversations);
        drop(table);
        self.report_evicted(evicted);
        Ok(doc.conversation_id)
    }

    /// Drops a conversation's state. Returns whether it existed.
    pub fn forget(&self, conversation_id: &str) -> bool {
        self.lock().slots.remove(conversation_id).is_some()
    }

    /// Number of conversations held.
    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// True if no conversation is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Drops least recently used conversations beyond `max`; returns their ids.
fn evict(table: &mut Table, max: usize) -> Vec<String> {
    let mut evicted = Vec::new();
    while table.slots.len() > max.max(1) {
        let Some(oldest) = table
            .slots
            .iter()
            .min_by_key(|(_, s)| s.last_used)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        table.slots.remove(&oldest);
        evicted.push(oldest);
    }
    evicted
}

fn keep_higher(slot: &mut Option<LevelSeen>, level: SelfHarmLevel, at: u64, window: u64) {
    let replace = match slot {
        Some(seen) => level >= seen.level || at.saturating_sub(seen.at) >= window,
        None => true,
    };
    if replace {
        *slot = Some(LevelSeen { level, at });
    }
}

/// What the cheap text cues of one message say: stated ages and whether it reports what
/// someone else said or wants (a disclosure, when the child writes it).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MessageCues {
    /// An age of 18 or more stated in the message ("im 24", "a 30 year old").
    pub adult_age: bool,
    /// An age under 18 stated in the message ("im 13", "i'm only 12").
    pub minor_age: bool,
    /// The message reports a third party ("he said", "this guy", "a man online").
    pub reports_other: bool,
    /// The message talks about a child's life (school, parents, homework, curfew).
    pub minor_context: bool,
    /// The youngest age under 18 stated in the message.
    pub youngest_age: Option<u8>,
    /// The oldest age of 18 or more stated in the message.
    pub oldest_adult_age: Option<u8>,
    /// The lowest and highest age (8 to 79) stated in the message, minor or adult.
    pub age_range: Option<(u8, u8)>,
    /// The message tells where a caregiver is ("my mom is at work", "r ur parents home",
    /// "dads asleep"): checking that a child is unsupervised is an isolation move, and the
    /// child's answer is a disclosure of it.
    pub caregiver_away: bool,
    /// The message talks about the age difference ("mature for your age", "this older guy",
    /// "too young"): flattery or worry that only makes sense towards a child.
    pub age_talk: bool,
    /// Contact moves: checking for supervision, meeting plans, touch, attachment
    /// ([`crate::text::conversation_contact`]).
    pub contact: ContactCues,
}

/// Words that, before a number, make it a stated age ("im 24", "i am 13", "age 15").
const AGE_BEFORE: [&str; 8] = ["im", "i'm", "am", "age", "aged", "tengo", "tenho", "only"];
/// Words that, after a number, make it a stated age ("24 yo", "13 years old", "14 f", "15/m",
/// "18 male": the age/sex answer to "asl", for a girl as for a boy).
const AGE_AFTER: [&str; 16] = [
    "yo", "y/o", "year", "years", "yr", "yrs", "años", "anos", "m", "f", "male", "female", "boy",
    "girl", "chica", "menina",
];
/// Words before a number that make a following "m" minutes, not male ("in 10m", "brb 15 m").
const DURATION_BEFORE: [&str; 8] = [
    "in", "for", "about", "like", "wait", "brb", "omw", "another",
];
/// Third-party words that mark a report of what someone else said or wants.
const REPORT_WORDS: [&str; 14] = [
    "he", "hes", "he's", "him", "his", "guy", "man", "dude", "someone", "ele", "el", "chico",
    "cara", "señor",
];
/// Words of a child's life: in a conversation whose local user's age is unknown, grooming
/// needs some sign that a minor is involved (these, a stated minor age, or an age gap).
/// The grandparents count too: a child mentions the grandma who looks after them ("gma wants me
/// to help clean") as a child mentions mum.
const MINOR_WORDS: [&str; 47] = [
    "school",
    "skool",
    "parents",
    "parent",
    "mom",
    "moms",
    "mom's",
    "momz",
    "mommy",
    "momma",
    "mum",
    "mums",
    "mum's",
    "dad",
    "dads",
    "dad's",
    "stepdad",
    "stepmom",
    "grounded",
    "homework",
    "grade",
    "teacher",
    "class",
    "curfew",
    "babysitter",
    "recess",
    "detention",
    "bedtime",
    "highschool",
    "freshman",
    "sophomore",
    "escuela",
    "colegio",
    "escola",
    "mamá",
    "mãe",
    "grandma",
    "grandmas",
    "grandma's",
    "grandpa",
    "grandpas",
    "gramma",
    "grampa",
    "gma",
    "gpa",
    "granny",
    "grandparents",
];
/// Caregivers whose whereabouts, told or asked, mark an unsupervised child: parents and the
/// grandparents, aunts and uncles who look after children ("my gma is asleep").
const CAREGIVERS: [&str; 42] = [
    "parents",
    "parent",
    "mom",
    "moms",
    "mom's",
    "momz",
    "mommy",
    "momma",
    "mum",
    "mums",
    "mum's",
    "dad",
    "dads",
    "dad's",
    "stepdad",
    "stepmom",
    "folks",
    "mamá",
    "mãe",
    "papá",
    "grandma",
    "grandmas",
    "grandma's",
    "grandpa",
    "grandpas",
    "grampa",
    "grampas",
    "gramma",
    "gma",
    "gpa",
    "granny",
    "nana",
    "grandparents",
    "aunt",
    "aunts",
    "aunt's",
    "auntie",
    "aunty",
    "aunti",
    "uncle",
    "uncles",
    "uncle's",
];
/// Whereabouts words that, within [`CAREGIVER_WINDOW`] words after a caregiver, tell whether
/// the child is supervised ("mom is at work", "dads asleep", "parents home?").
const WHEREABOUTS: [&str; 30] = [
    "home",
    "here",
    "bed",
    "out",
    "asleep",
    "sleeping",
    "work",
    "gone",
    "away",
    "back",
    "around",
    "left",
    "leave",
    "leaves",
    "comes",
    "coming",
    "downstairs",
    "upstairs",
    "shower",
    "store",
    "trabajo",
    "works",
    "working",
    "goes",
    "went",
    "leaving",
    "somewhere",
    "napping",
    "shopping",
    "awake",
];
/// Phrases (whole words) about an age difference; see [`MessageCues::age_talk`].
/// Padded with spaces: matched against the message's words joined by single spaces.
const AGE_TALK: [&str; 21] = [
    " your age ",
    " ur age ",
    " u age ",
    " older guy ",
    " older man ",
    " older dude ",
    " grown man ",
    " too young ",
    " underage ",
    " under age ",
    " jailbait ",
    " tu edad ",
    " sua idade ",
    // The adult's own worry about the age difference and the law: only an adult talking to a
    // child has it ("its just the age thing", "me being older than you").
    " older than you ",
    " older than u ",
    " younger than me ",
    " age difference ",
    " age gap ",
    " age thing ",
    " could go to jail ",
    " could get arrested ",
];
/// Words after a caregiver searched for a whereabouts word.
const CAREGIVER_WINDOW: usize = 4;
/// Longest message (bytes) scanned for cues.
const MAX_CUE_BYTES: usize = 4096;

impl MessageCues {
    /// Reads the cues of `text` (first 4 KiB).
    pub fn read(text: &str) -> Self {
        let mut end = text.len().min(MAX_CUE_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let lower = text.get(..end).unwrap_or("").to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | '?' | '(' | ')'))
            .filter(|w| !w.is_empty())
            .collect();
        let mut out = MessageCues::default();
        let joined = format!(" {} ", words.join(" "));
        out.age_talk = AGE_TALK.iter().any(|p| joined.contains(p));
        out.contact = ContactCues::read(&joined);
        for (i, w) in words.iter().enumerate() {
            if let Some(age) = slash_group_age(w) {
                out.note_age(age);
                continue;
            }
            let spelled = spelled_number(w);
            let digits = match spelled {
                Some(_) => "",
                None => w.trim_end_matches(|c: char| c.is_alphabetic() || c == '/'),
            };
            let Some(n) = spelled.or_else(|| digits.parse::<u32>().ok()) else {
                if REPORT_WORDS.contains(w) {
                    out.reports_other = true;
                }
                if MINOR_WORDS.contains(w) {
                    out.minor_context = true;
                }
                if CAREGIVERS.contains(w) {
                    let after = words.iter().skip(i + 1).take(CAREGIVER_WINDOW);
                    out.caregiver_away |= after.into_iter().any(|a| WHEREABOUTS.contains(a));
                }
                continue;
            };
            let suffix = if spelled.is_some() {
                ""
            } else {
                &w[digits.len()..]
            };
            let before = i.checked_sub(1).and_then(|j| words.get(j));
            let after = words.get(i + 1);
            let duration = before.is_some_and(|b| DURATION_BEFORE.contains(b));
            let unit_after = after.is_some_and(|a| AGE_AFTER.contains(a))
                || AGE_AFTER.contains(&suffix.trim_start_matches('/'));
            // "only" makes "only 13" an age, but a spelled number only after "im only" ("i'm
            // only twelve", not "only ten left"); a count of minutes, miles or money is never
            // one ("im 10 mins away", "i'm fifteen minutes out").
            let before_only = i.checked_sub(2).and_then(|j| words.get(j));
            let age_before = before.is_some_and(|b| {
                AGE_BEFORE.contains(b)
                    && (spelled.is_none()
                        || *b != "only"
                        || before_only.is_some_and(|b2| AGE_BEFORE.contains(b2)))
            });
            let counted =
                after.is_some_and(|a| NOT_AGE_AFTER.contains(a)) || NOT_AGE_AFTER.contains(&suffix);
            let is_age = !counted && (age_before || (unit_after && !duration));
            match u8::try_from(n) {
                Ok(age) if is_age => out.note_age(age),
                _ => {}
            }
        }
        out
    }

    /// Records a stated age: under 18 as a minor's, 18 to 79 as an adult's (others are not ages).
    fn note_age(&mut self, age: u8) {
        if (8..80).contains(&age) {
            self.age_range = Some(widen(self.age_range, (age, age)));
        }
        if (8..18).contains(&age) {
            self.minor_age = true;
            self.youngest_age = Some(self.youngest_age.map_or(age, |y| y.min(age)));
        } else if (18..80).contains(&age) {
            self.adult_age = true;
            self.oldest_adult_age = Some(self.oldest_adult_age.map_or(age, |o| o.max(age)));
        }
    }
}

/// `range` widened to cover `other`.
fn widen(range: Option<(u8, u8)>, other: (u8, u8)) -> (u8, u8) {
    range.map_or(other, |(lo, hi)| (lo.min(other.0), hi.max(other.1)))
}

/// Units after a number that make it a count, not an age ("im 10 mins away", "im 20 bucks
/// short").
const NOT_AGE_AFTER: [&str; 24] = [
    "min", "mins", "minute", "minutes", "sec", "secs", "hr", "hrs", "hour", "hours", "day", "days",
    "week", "weeks", "month", "months", "mile", "miles", "km", "dollars", "bucks", "pounds", "lbs",
    "percent",
];

/// Ages written as words, in English, Spanish and Portuguese: a child writes "im thirteen" or
/// "tengo trece años" as often as the digits. Only the numbers the age reading needs (the
/// childhood years, and round adult ages). Not Spanish "once" (11): it is an English word.
const SPELLED_AGES: [(&str, u32); 35] = [
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciséis", 16),
    ("dieciseis", 16),
    ("diecisiete", 17),
    ("veinte", 20),
    ("treinta", 30),
    ("cuarenta", 40),
    ("onze", 11),
    ("doze", 12),
    ("treze", 13),
    ("catorze", 14),
    ("quatorze", 14),
    ("quinze", 15),
    ("dezesseis", 16),
    ("dezessete", 17),
    ("vinte", 20),
    ("trinta", 30),
    ("quarenta", 40),
];

/// The number a spelled-out age word stands for ([`SPELLED_AGES`]).
fn spelled_number(word: &str) -> Option<u32> {
    SPELLED_AGES
        .iter()
        .find_map(|(w, n)| (*w == word).then_some(*n))
}

/// Sex words of an "asl" answer, which make a number beside them in a slash group an age.
const SEX_WORDS: [&str; 8] = ["m", "f", "male", "female", "boy", "girl", "guy", "chica"];

/// The age in a slash-joined "asl" answer, in any order: "f/13/riverside", "19m/chino",
/// "13/f/ca", "m/20". A number counts only beside a sex word (or with "m"/"f" attached), so
/// dates and fractions ("3/15", "24/7") are not ages.
fn slash_group_age(word: &str) -> Option<u8> {
    if !word.contains('/') {
        return None;
    }
    let parts: Vec<&str> = word.split('/').collect();
    parts.iter().enumerate().find_map(|(j, part)| {
        let digits = part.trim_end_matches(|c: char| c.is_alphabetic());
        let age = digits.parse::<u8>().ok()?;
        let attached = SEX_WORDS.contains(&&part[digits.len()..]);
        let beside = |k: Option<usize>| {
            k.and_then(|k| parts.get(k))
                .is_some_and(|p| SEX_WORDS.contains(p))
        };
        (attached || beside(j.checked_sub(1)) || beside(Some(j + 1))).then_some(age)
    })
}

/// One message as [`apply`] sees it.
struct Message<'a> {
    direction: Direction,
    age_band: AgeBand,
    analysis: &'a MessageAnalysis,
    signals: &'a MessageSignals,
    cues: MessageCues,
}

/// The self-harm reading of the message just applied.
struct MessageSelfHarm {
    own: Option<SelfHarmLevel>,
    peer: Option<SelfHarmLevel>,
    support: bool,
}

fn add_stage(
    state: &mut ConversationState,
    gained: &mut [f32; 8],
    config: &ConversationConfig,
    stage: GroomingStage,
    amount: f32,
) -> f32 {
    let i = stage.index();
    let (Some(g), Some(e)) = (gained.get_mut(i), state.stage_evidence.get_mut(i)) else {
        return 0.0;
    };
    let add = amount.min(config.max_stage_gain_per_message - *g).max(0.0);
    *g += add;
    *e = (*e + add).min(MAX_STAGE_EVIDENCE);
    add
}

/// Representative age of a minor age band, for the age gap when no age was stated.
fn band_age(band: AgeBand) -> Option<u8> {
    match band {
        AgeBand::Under13 => Some(12),
        AgeBand::Age13To15 => Some(14),
        AgeBand::Age16To17 => Some(16),
        AgeBand::Adult | AgeBand::Unknown => None,
    }
}

/// Folds a message's age and child cues into the state: stated ages, the child-cue count and
/// the age-gap flag (see the module docs).
fn update_minor_evidence(state: &mut ConversationState, m: &Message<'_>) {
    let adult_user = m.age_band == AgeBand::Adult;
    // A minor age in any message of a conversation whose local user is not an adult (the
    // child's own "im 13", or a transcript without directions); an adult age only from the
    // other party.
    if let (Some(age), false) = (m.cues.youngest_age, adult_user) {
        state.minor_age_seen = true;
        state.youngest_age = Some(state.youngest_age.map_or(age, |y| y.min(age)));
    }
    if let (Some(age), Direction::Received) = (m.cues.oldest_adult_age, m.direction) {
        state.adult_age_seen = true;
        state.oldest_adult_age = Some(state.oldest_adult_age.map_or(age, |o| o.max(age)));
    }
    if let Some(range) = m.cues.age_range {
        state.age_range = Some(widen(state.age_range, range));
        state.age_sides |= match m.direction {
            Direction::Sent => 1,
            Direction::Received => 2,
        };
    }
    if m.age_band.is_minor() {
        state.minor_seen = true;
    }
    let child_age = m.cues.youngest_age.is_some_and(|a| a <= CHILD_AGE);
    let unsupervised = m.cues.contact.has(ContactKind::RiskAssessment);
    let cue = m.cues.minor_context
        || m.cues.caregiver_away
        || m.cues.age_talk
        || unsupervised
        || child_age;
    if !adult_user && cue {
        state.child_cues = (state.child_cues + 1.0).min(MAX_CHILD_CUES);
    }
    let disclosed =
        m.direction == Direction::Sent && m.cues.adult_age && m.cues.reports_other && !adult_user;
    let youngest = match (state.youngest_age, band_age(m.age_band)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let gap = state
        .oldest_adult_age
        .zip(youngest)
        .is_some_and(|(old, young)| old >= young.saturating_add(AGE_GAP_YEARS));
    if disclosed || gap {
        state.age_gap = true;
    }
}

/// Who the stated ages say the two sides are, when the local user's band is not known to be a
/// minor one and no age gap was seen: `Some(true)` when every stated age is 18 or more (adults
/// talking), `Some(false)` when they all lie within [`AGE_GAP_YEARS`] of each other with a
/// minor among them (peers: "15 f" and "17 m"), `None` otherwise. It needs two ages: two
/// different numbers, or one from each side ("15 f", "15 m too"); one side saying its age
/// tells nothing about the other.
pub fn stated_peers(
    range: Option<(u8, u8)>,
    sides: u8,
    minor_band: bool,
    age_gap: bool,
) -> Option<bool> {
    let (lo, hi) = range?;
    if minor_band || age_gap || (lo == hi && sides != 3) {
        return None;
    }
    if lo >= 18 {
        Some(true)
    } else {
        (hi < lo.saturating_add(AGE_GAP_YEARS)).then_some(false)
    }
}

/// How sure the conversation is that a minor is involved, 0..1: 1 when the local user's band
/// is a minor band or an age gap was seen, else `1 − e^(−child_cues / CHILD_CUE_SCALE)` (one
/// mention of school is weak evidence, a child talking about mum, homework and being grounded
/// is strong).
pub fn minor_involvement(minor_band: bool, age_gap: bool, child_cues: f32) -> f32 {
    if minor_band || age_gap {
        1.0
    } else {
        1.0 - (-child_cues.max(0.0) / CHILD_CUE_SCALE).exp()
    }
}

fn apply(
    state: &mut ConversationState,
    config: &ConversationConfig,
    m: &Message<'_>,
) -> MessageSelfHarm {
    let index = state.messages;
    state.messages += 1;
    let half_life = config.half_life_messages.max(1.0);
    let decay = 0.5f32.powf(1.0 / half_life);
    for e in state.stage_evidence.iter_mut() {
        *e *= decay;
    }
    state.child_cues *= decay;
    for c in state.contact_counts.iter_mut() {
        *c *= decay;
    }
    update_minor_evidence(state, m);
    let disclosure = m.direction == Direction::Sent
        && m.age_band != AgeBand::Adult
        && m.cues.reports_other
        && m.signals.grooming.is_some();
    let factor = if disclosure {
        1.0
    } else {
        direction_factor(m.direction, m.age_band)
    };
    let child_age = state.youngest_age.is_some_and(|a| a <= CHILD_AGE);
    let sexual_factor = if m.age_band.is_minor() || state.age_gap || child_age {
        1.0
    } else {
        // Sexual talk counts more as the signs of a child add up.
        let minor = minor_involvement(state.minor_seen, false, state.child_cues);
        (1.0 + 2.0 * minor) / 3.0
    };
    let backing = m
        .signals
        .probs
        .map_or(1.0, |p| lexicon_backing(p.iter().take(8).sum()));
    // A message that reads as sexual talk (a sexual lexicon match or the classifier's sexual
    // signal) adds grooming evidence at the sexual factor too: without a minor, sexual chat is
    // adults' business, whichever stage its words resemble.
    let sexual_message = m.signals.sexual.is_some();
    let factor = if sexual_message {
        factor * sexual_factor
    } else {
        factor
    };
    let mut gained = [0.0f32; 8];
    for t in &m.analysis.matches {
        let mut contribution = t.effective_weight;
        if let (Category::Grooming | Category::Sexual, Some(stage)) = (t.category, t.stage) {
            let f = match (t.category, sexual_message) {
                (Category::Sexual, false) => factor * sexual_factor,
                (Category::Sexual, true) => factor,
                _ => factor * backing,
            };
            contribution = add_stage(state, &mut gained, config, stage, t.effective_weight * f);
        }
        push_evidence(state, config, index, m.direction, t, contribution);
    }
    if let Some(probs) = m.signals.probs {
        let g: f32 = probs.iter().take(8).sum();
        if g >= MODEL_MIN_PROB {
            let stage = top_stage(&probs);
            let f = if stage == GroomingStage::SexualContent && !sexual_message {
                factor * sexual_factor
            } else {
                factor
            };
            let strength = (g - MODEL_MIN_PROB) / (1.0 - MODEL_MIN_PROB);
            add_stage(state, &mut gained, config, stage, MODEL_GAIN * strength * f);
        }
    }
    if m.age_band != AgeBand::Adult {
        add_contact(
            state,
            &mut gained,
            config,
            m,
            [factor, sexual_factor, backing],
        );
    }
    self_harm_of_message(state, config, m, index)
}

/// Folds the message's contact cues into the state: each kind's decayed count, and
/// [`CONTACT_GAIN`] evidence to its stage at the message's direction factor (touch at the
/// sexual factor too, like sexual words; meeting plans and touch at the classifier's backing).
/// A stage the message's lexicon matches already gained from those words (doubted by the
/// classifier or not, [`lexicon_backing`]: a parent's "i'll pick you up at 3"), so the cue adds
/// nothing there.
fn add_contact(
    state: &mut ConversationState,
    gained: &mut [f32; 8],
    config: &ConversationConfig,
    m: &Message<'_>,
    [factor, sexual_factor, backing]: [f32; 3],
) {
    for (kind, count) in ContactKind::ALL.iter().zip(state.contact_counts.iter_mut()) {
        if m.cues.contact.has(*kind) {
            *count = (*count + 1.0).min(MAX_CONTACT_COUNT);
        }
    }
    for kind in ContactKind::ALL {
        let Some(stage) = kind.stage() else {
            continue;
        };
        // The lexicon's match on the same stage has already counted these words.
        let counted = m.analysis.matches.iter().any(|t| t.stage == Some(stage));
        if !m.cues.contact.has(kind) || counted {
            continue;
        }
        // Checking for supervision counts whatever the classifier says; a meeting plan, touch,
        // attachment or a move to the phone in a message the classifier reads as benign
        // ("grandma will pick you up after school", "text me if you can't make it") is doubted
        // like a lexicon match.
        let f = match kind {
            ContactKind::RiskAssessment => factor,
            ContactKind::Physical => factor * sexual_factor * backing,
            _ => factor * backing,
        };
        add_stage(state, gained, config, stage, CONTACT_GAIN * f);
    }
}

/// `raw` squeezed below `cap` without ties: `cap × (1 − e^(−raw/cap))` keeps the order of
/// conversations that all stay under the cap (a chat with meeting and secrecy cues still ranks
/// above one with sexual words only), where `min` would make them equal.
pub fn soft_cap(raw: f32, cap: f32) -> f32 {
    if cap <= 0.0 {
        return raw.min(cap);
    }
    cap * (1.0 - (-raw.max(0.0) / cap).exp())
}

/// The raw risk weighed by the minor involvement `minor` (0..1, [`minor_involvement`]):
/// without any sign of a minor it is held under [`NO_MINOR_CAP`] and pushed
/// [`NO_MINOR_PENALTY`] lower; with a minor known to be involved it is `raw` itself.
pub fn gate_by_minor(raw: f32, minor: f32) -> f32 {
    let m = minor.clamp(0.0, 1.0);
    soft_cap(raw, NO_MINOR_CAP) * (1.0 - m) + raw * m - NO_MINOR_PENALTY * (1.0 - m)
}

/// Share of a lexicon grooming match's evidence the classifier backs at grooming probability
/// `g` (see [`LEXICON_BACKING_PROB`]).
pub fn lexicon_backing(g: f32) -> f32 {
    if g >= LEXICON_BACKING_PROB {
        1.0
    } else {
        let t = (g / LEXICON_BACKING_PROB).clamp(0.0, 1.0);
        LEXICON_DOUBT_FLOOR + (0.5 - LEXICON_DOUBT_FLOOR) * t
    }
}

/// A self-harm signal the lexicon did not attribute to the writer in first-person words (the
/// classifier's alone, or a level read from a word that names no one, such as "suicide":
/// [`lexicon_level_is_writers`](super::person::lexicon_level_is_writers)) is a peer's when the
/// message, or the sentence holding the classifier's evidence, is about or addressed to someone
/// else ([`own_reading`]); any own signal (the
/// lexicon's too) is dropped when the message tells only of the writer's recovered past
/// ([`read_person`]: "years ago i was suicidal too, therapy helped me"), except a disclosed act
/// of the writer's own that the message does not tell as over ("two years ago i tried to kill
/// myself": [`own_reading`]).
fn attribute_by_person(signals: &mut MessageSignals, analysis: &MessageAnalysis, text: &str) {
    if signals.self_harm.is_none() {
        return;
    }
    match own_reading(text, analysis, signals) {
        Person::Past => signals.self_harm = None,
        Person::Other => {
            let own = signals.self_harm.take();
            signals.peer_self_harm = signals.peer_self_harm.or(own);
        }
        Person::Writer => {}
    }
}

fn top_stage(probs: &[f32; 16]) -> GroomingStage {
    let mut best = 0;
    for i in 1..8 {
        if probs.get(i) > probs.get(best) {
            best = i;
        }
    }
    GroomingStage::ALL
        .get(best)
        .copied()
        .unwrap_or(GroomingStage::TrustBuilding)
}

fn push_evidence(
    state: &mut ConversationState,
    config: &ConversationConfig,
    index: u64,
    direction: Direction,
    m: &super::matcher::TextMatch,
    contribution: f32,
) {
    state.evidence.push_back(Evidence {
        message_index: index,
        direction,
        lexicon_id: m.lexicon_id.clone(),
        category: m.category,
        stage: m.stage,
        level: m.level,
        contribution,
        start: m.start,
        end: m.end,
        excerpt: if config.keep_excerpts {
            excerpt(&m.matched)
        } else {
            String::new()
        },
        modifiers: m.modifiers.clone(),
    });
    while state.evidence.len() > config.max_evidence {
        state.evidence.pop_front();
    }
}

fn self_harm_of_message(
    state: &mut ConversationState,
    config: &ConversationConfig,
    m: &Message<'_>,
    index: u64,
) -> MessageSelfHarm {
    let window = config.self_harm_window_messages;
    let mut own = m.signals.self_harm.map(|x| x.0);
    let mut peer = m.signals.peer_self_harm.map(|x| x.0);
    if m.direction == Direction::Received {
        peer = peer.max(own.take());
    }
    if let Some(level) = own {
        keep_higher(&mut state.own_self_harm, level, index, window);
    }
    if let Some(level) = peer {
        keep_higher(&mut state.peer_self_harm, level, index, window);
    }
    let help_seeking = m
        .analysis
        .message_modifiers
        .contains(&ModifierKind::HelpSeeking)
        && m.analysis.by_category(Category::SelfHarm).next().is_some();
    let support = own.is_some() || peer.is_some() || help_seeking;
    if support {
        state.support_at = Some(index);
    }
    MessageSelfHarm { own, peer, support }
}

fn assess(
    conversation_id: &str,
    state: &ConversationState,
    config: &ConversationConfig,
    message: MessageAnalysis,
) -> ConversationAssessment {
    let (raw, stages) = raw_grooming_risk(&state.stage_evidence, state.age_gap);
    let raw = raw + contact_breadth(&state.contact_counts);
    let mut minor = minor_involvement(state.minor_seen, state.age_gap, state.child_cues);
    let peers = stated_peers(
        state.age_range,
        state.age_sides,
        state.minor_seen,
        state.age_gap,
    );
    let mut raw = raw;
    match peers {
        Some(true) => minor *= STATED_ADULTS_MINOR,
        Some(false) => raw *= STATED_PEERS_FACTOR,
        None => {}
    }
    let raw = gate_by_minor(raw, minor);
    let risk = calibrate(raw);
    let last = state.messages.saturating_sub(1);
    let window = config.self_harm_window_messages;
    let recent = |at: u64| last.saturating_sub(at) < window;
    let recent_own = state
        .own_self_harm
        .filter(|s| recent(s.at))
        .map(|s| s.level);
    ConversationAssessment {
        conversation_id: conversation_id.to_string(),
        messages: state.messages,
        grooming_risk: risk,
        grooming_raw: raw,
        grooming_alert: risk >= config.grooming_alert_threshold,
        stages,
        age_gap: state.age_gap,
        self_harm_level: None,
        peer_self_harm_level: None,
        recent_self_harm_level: recent_own,
        support_suggested: false,
        signals: MessageSignals::default(),
        message,
        evidence: state.evidence.iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_stages_alone_stay_below_the_alert() {
        for stage in [
            GroomingStage::PersonalQuestions,
            GroomingStage::TrustBuilding,
        ] {
            let mut e = [0.0; 8];
            e[stage.index()] = MAX_STAGE_EVIDENCE;
            let (risk, stages) = grooming_risk(&e, false);
            assert!(risk < DEFAULT_ALERT_RISK, "{stage}: {risk}");
            assert_eq!(stages.len(), 1);
        }
        let mut e = [0.0; 8];
        e[GroomingStage::IsolationSecrecy.index()] = MAX_STAGE_EVIDENCE;
        assert!(grooming_risk(&e, false).0 > grooming_risk(&[0.0; 8], true).0);
    }

    #[test]
    fn many_stages_drive_risk_up_and_are_reported() {
        let mut e = [0.0; 8];
        for s in [
            GroomingStage::TrustBuilding,
            GroomingStage::IsolationSecrecy,
            GroomingStage::ImageRequest,
            GroomingStage::Meeting,
        ] {
            e[s.index()] = 1.5;
        }
        let (risk, stages) = grooming_risk(&e, false);
        assert!(risk > DEFAULT_ALERT_RISK, "{risk}");
        assert_eq!(stages.len(), 4);
        assert_eq!(stages.last().unwrap().stage, GroomingStage::TrustBuilding);
    }

    #[test]
    fn age_cues_and_reports_are_read() {
        let c = MessageCues::read("a 24 year old guy wants to meet me");
        assert!(c.adult_age && c.reports_other && !c.minor_age);
        let c = MessageCues::read("im 13 lol");
        assert!(c.minor_age && !c.adult_age && !c.reports_other);
        assert_eq!(
            MessageCues::read("i have 24 pencils"),
            MessageCues::default()
        );
        assert!(MessageCues::read("i'm 25 btw").adult_age);
        assert!(MessageCues::read("he's 19yo").adult_age);
    }

    #[test]
    fn an_asl_answer_states_the_age_for_a_girl_as_for_a_boy() {
        for t in [
            "14 f",
            "13 m",
            "15/f here",
            "asl? 12f",
            "14m u?",
            "14 female rio",
            "13 girl",
        ] {
            assert!(MessageCues::read(t).minor_age, "{t}");
        }
        assert!(MessageCues::read("32 f, looking to chat").adult_age);
        // Ages in words, in the three languages.
        for t in [
            "im thirteen",
            "i'm only twelve",
            "fourteen years old",
            "tengo trece años",
            "tenho doze anos",
        ] {
            let c = MessageCues::read(t);
            assert!(c.minor_age && !c.adult_age, "{t}");
        }
        assert_eq!(MessageCues::read("im thirty").oldest_adult_age, Some(30));
        for t in [
            "ten more minutes",
            "only ten left",
            "i only did it once",
            "im 10 mins away",
            "i'm fifteen minutes out",
            "im 12 bucks short",
            "once upon a time",
            "i have twelve cats",
            "at twelve thirty",
        ] {
            let c = MessageCues::read(t);
            assert!(!c.minor_age && !c.adult_age, "{t}");
        }
        // Slash-joined answers, sex first or attached.
        for t in ["asl f/13/riverside, and u", "13/f/ca", "hi girl/12"] {
            let c = MessageCues::read(t);
            assert!(c.minor_age && !c.adult_age, "{t}");
        }
        let c = MessageCues::read("and u 19m/chino. m/24 here");
        assert_eq!((c.adult_age, c.oldest_adult_age), (true, Some(24)));
        // Dates, fractions and rates are not ages.
        for t in ["see u 3/15", "open 24/7", "rated 9/10", "12/16 or 16/12"] {
            let c = MessageCues::read(t);
            assert!(!c.minor_age && !c.adult_age, "{t}");
        }
        // Minutes are not an age.
        for t in ["be there in 15m", "brb 10 m", "omw 12m", "wait 14 m pls"] {
            assert!(!MessageCues::read(t).minor_age, "{t}");
        }
    }

    #[test]
    fn caregiver_whereabouts_are_read() {
        for t in [
            "my mom is at work till 9",
            "r ur parents home?",
            "dads asleep lol",
            "my gma is asleep finally",
            "hopin gma goes somewhere 2 day",
            "my mom works till 6",
            "my aunt is at work all day",
            "aunti is home rn",
            "r ur parents still awake?",
        ] {
            assert!(MessageCues::read(t).caregiver_away, "{t}");
        }
        for t in [
            "my mom makes the best lasagna",
            "i work from home",
            "home with my dog",
            "my mom said hi to everyone at the party last night",
            "my gma makes the best pie",
            "my aunt makes the best tamales",
        ] {
            assert!(!MessageCues::read(t).caregiver_away, "{t}");
        }
        assert!(MessageCues::read("ur so mature for ur age").age_talk);
        assert!(MessageCues::read("this older guy keeps asking").age_talk);
        assert!(!MessageCues::read("whats on your agenda").age_talk);
        assert!(!MessageCues::read("the older guys team won").age_talk);
        assert!(MessageCues::read("im grounded lol").minor_context);
        // A grandparent who looks after the child is a child-life word like mum.
        assert!(MessageCues::read("gma wanted me 2 help her clean").minor_context);
        assert!(!MessageCues::read("grand opening today").minor_context);
        assert!(!MessageCues::read("im bored lol").minor_context);
    }

    #[test]
    fn stated_ages_keep_the_youngest_and_oldest() {
        let c = MessageCues::read("im 14 and he's 25 yo, his friend is 31 yo");
        assert_eq!((c.youngest_age, c.oldest_adult_age), (Some(14), Some(31)));
        let c = MessageCues::read("i have 300 cards");
        assert_eq!((c.youngest_age, c.oldest_adult_age), (None, None));
    }

    #[test]
    fn minor_involvement_grows_with_child_cues() {
        assert_eq!(minor_involvement(false, false, 0.0), 0.0);
        let one = minor_involvement(false, false, 1.0);
        let three = minor_involvement(false, false, 3.0);
        assert!(0.0 < one && one < three && three < 1.0, "{one} {three}");
        assert_eq!(minor_involvement(true, false, 0.0), 1.0);
        assert_eq!(minor_involvement(false, true, 0.0), 1.0);
    }

    #[test]
    fn no_sign_of_a_minor_pushes_the_raw_risk_down() {
        let raw = 2.0;
        assert!(gate_by_minor(raw, 0.0) <= NO_MINOR_CAP - NO_MINOR_PENALTY);
        assert_eq!(gate_by_minor(raw, 1.0), raw);
        let mut last = f32::MIN;
        for i in 0..=10 {
            let g = gate_by_minor(raw, i as f32 / 10.0);
            assert!(g > last, "not increasing at {i}: {g} <= {last}");
            last = g;
        }
        // Without a minor, a stronger chat still ranks above a weaker one.
        assert!(gate_by_minor(2.0, 0.0) > gate_by_minor(0.5, 0.0));
    }

    #[test]
    fn the_alert_is_an_operating_point_on_the_calibrated_risk() {
        // The defaults are the raw operating points on the calibration in use: a refit of
        // PLATT_A/PLATT_B without them (printed by `preflight text-model calibrate`) fails here.
        assert!((calibrate(ALERT_RAW) - DEFAULT_ALERT_RISK).abs() < 1e-3);
        assert!((calibrate(REPORT_RAW) - DEFAULT_REPORT_RISK).abs() < 1e-3);
        assert_eq!(
            ConversationConfig::default().grooming_alert_threshold,
            DEFAULT_ALERT_RISK
        );
        // One capped stage, a minor known to be involved: reported, not alerted.
        let mut e = [0.0; 8];
        e[GroomingStage::Meeting.index()] = MAX_STAGE_EVIDENCE;
        let one = grooming_risk(&e, false).0;
        assert!(
            (DEFAULT_REPORT_RISK..DEFAULT_ALERT_RISK).contains(&one),
            "{one}"
        );
        // A second concerning stage alerts.
        e[GroomingStage::ImageRequest.index()] = 1.0;
        let two = grooming_risk(&e, false).0;
        assert!(two >= DEFAULT_ALERT_RISK, "{two}");
    }

    #[test]
    fn an_age_gap_weighs_with_the_concerning_stages() {
        let mut e = [0.0; 8];
        e[GroomingStage::PersonalQuestions.index()] = MAX_STAGE_EVIDENCE;
        // "asl" and "how old r u" reveal the gap: they are not what makes it concerning.
        assert_eq!(age_gap_term(&e), 0.0);
        e[GroomingStage::IsolationSecrecy.index()] = 0.3;
        let one = age_gap_term(&e);
        e[GroomingStage::IsolationSecrecy.index()] = 2.0;
        let more = age_gap_term(&e);
        assert!(
            0.0 < one && one < more && more <= AGE_GAP_WEIGHT,
            "{one} {more}"
        );
    }

    #[test]
    fn stated_ages_tell_peers_and_adults() {
        // Two different ages, or one from each side.
        assert_eq!(stated_peers(Some((15, 17)), 2, false, false), Some(false));
        assert_eq!(stated_peers(Some((15, 15)), 3, false, false), Some(false));
        assert_eq!(stated_peers(Some((18, 21)), 2, false, false), Some(true));
        // One side's age alone, a gap, or a local user known to be a child: nothing.
        assert_eq!(stated_peers(Some((15, 15)), 2, false, false), None);
        assert_eq!(stated_peers(Some((14, 19)), 2, false, false), None);
        assert_eq!(stated_peers(Some((15, 17)), 2, true, false), None);
        assert_eq!(stated_peers(Some((15, 17)), 2, false, true), None);
        assert_eq!(stated_peers(None, 0, false, false), None);
    }

    #[test]
    fn peers_and_adults_rank_below_a_child_with_an_adult() {
        let engine = Arc::new(TextEngine::default_english().unwrap());
        let chat = |id: &str, me: &str, other: &str| {
            let c = Conversations::new(Arc::clone(&engine), ConversationConfig::default());
            c.observe(id, Direction::Received, AgeBand::Unknown, "asl?");
            c.observe(id, Direction::Sent, AgeBand::Unknown, me);
            c.observe(id, Direction::Received, AgeBand::Unknown, other);
            for t in [
                "are u a virgin",
                "send me a pic of u",
                "my mom is at work so im alone",
            ] {
                c.observe(id, Direction::Received, AgeBand::Unknown, t);
            }
            c.assessment(id).unwrap().grooming_raw
        };
        let gap = chat("gap", "14 f", "29 m");
        let one_side = chat("one", "15 f", "hi there");
        let peers = chat("peers", "15 f", "17 m");
        let adults = chat("adults", "22 f", "25 m");
        assert!(
            gap > one_side && one_side > peers,
            "{gap} {one_side} {peers}"
        );
        // Two adults' ages make the child-life words weaker signs of a child.
        let no_ages = chat("none", "hey", "hi there");
        assert!(no_ages > adults, "{no_ages} {adults}");
    }

    #[test]
    fn lru_eviction_and_evidence_cap() {
        let engine = Arc::new(TextEngine::default_english().unwrap());
        let config = ConversationConfig {
            max_conversations: 2,
            max_evidence: 3,
            ..Default::default()
        };
        let c = Conversations::new(engine, config);
        for _ in 0..5 {
            c.observe(
                "a",
                Direction::Received,
                AgeBand::Unknown,
                "send me a pic, where do u live, r u alone",
            );
        }
        assert_eq!(c.assessment("a").unwrap().evidence.len(), 3);
        c.observe("b", Direction::Received, AgeBand::Unknown, "hi");
        c.observe("a", Direction::Received, AgeBand::Unknown, "hi");
        c.observe("c", Direction::Received, AgeBand::Unknown, "hi");
        assert_eq!(c.len(), 2);
        assert!(
            c.assessment("b").is_none(),
            "least recently used is evicted"
        );
        assert!(c.assessment("a").is_some());
    }
}
