//! Conversation-level model: turns per-message lexicon matches into a grooming risk (with the
//! stages that drove it) and a self-harm level with support routing, per conversation.
//!
//! # Grooming risk
//! Each match with a grooming stage (grooming entries and sexual entries, which feed
//! `sexual_content`) adds `effective_weight × direction factor` to that stage's evidence
//! (at most [`ConversationConfig::max_stage_gain_per_message`] per stage per message, at most
//! [`MAX_STAGE_EVIDENCE`] in total). Direction factors, from the local user's point of view:
//!
//! | direction | local user's age band | factor |
//! |-----------|----------------------|--------|
//! | received  | under 13 / 13-15 / 16-17 | 1.0 |
//! | received  | unknown               | 0.7 |
//! | received  | adult                 | 0.3 |
//! | sent      | adult                 | 0.7 (an adult user writing grooming language) |
//! | sent      | minor / unknown       | 0.3 |
//!
//! **Decay is by message count**: before each message is applied, every stage's evidence is
//! multiplied by `0.5^(1 / half_life_messages)`. The library counts messages itself; the app
//! does not pass timestamps.
//!
//! The risk is `intensity × breadth`, where a stage's score is `1 − e^(−evidence)`,
//! `intensity = 1 − e^(−Σ stage_weight × score / 2)` and `breadth = min(stages with score ≥
//! 0.3, 3) / 3`. One stage alone can therefore never exceed a third of the scale: a single
//! phrase is not grooming. Stage weights: isolation/secrecy, image requests and sexual content
//! 1.0; meeting 0.8; private channel and gifts 0.7; trust building and personal questions 0.5.
//!
//! # Self-harm
//! A non-negated, non-hyperbolic self-harm match in a message the local user SENT sets the
//! user's own level; one in a RECEIVED message, or one with a third-person cue, sets the peer
//! level (a friend in crisis). Either suggests support, as does a help-seeking cue. Levels
//! are held for [`ConversationConfig::self_harm_window_messages`] messages.
//!
//! # Memory
//! At most [`ConversationConfig::max_conversations`] conversations are kept (least recently
//! used are evicted) and at most [`ConversationConfig::max_evidence`] evidence items per
//! conversation (oldest dropped). State can be exported and re-imported as a small TOML
//! document.

use super::error::StateError;
use super::matcher::{MessageAnalysis, TextEngine};
use super::types::{AgeBand, Category, Direction, GroomingStage, ModifierKind, SelfHarmLevel};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// Upper bound of one stage's accumulated evidence.
pub const MAX_STAGE_EVIDENCE: f32 = 6.0;
/// Version of the exported state document.
pub const STATE_VERSION: u32 = 1;
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
    /// Grooming risk from which [`ConversationAssessment::grooming_alert`] is set.
    pub grooming_alert_threshold: f32,
    /// Most evidence one message can add to one stage.
    pub max_stage_gain_per_message: f32,
}

impl Default for ConversationConfig {
    fn default() -> Self {
        Self {
            max_conversations: 1024,
            max_evidence: 32,
            half_life_messages: 60.0,
            self_harm_window_messages: 30,
            grooming_alert_threshold: 0.5,
            max_stage_gain_per_message: 2.0,
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
    /// Original text of the span (at most 80 bytes).
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
    /// Grooming risk, 0..1.
    pub grooming_risk: f32,
    /// `grooming_risk >= grooming_alert_threshold`.
    pub grooming_alert: bool,
    /// Stages that drove the risk (score ≥ 0.3), largest contribution first.
    pub stages: Vec<StageScore>,
    /// The local user's own self-harm level, if recently expressed.
    pub self_harm_level: Option<SelfHarmLevel>,
    /// A peer's self-harm level (the other party, or a third person the user wrote about).
    pub peer_self_harm_level: Option<SelfHarmLevel>,
    /// Support resources should be offered (own or peer self-harm, or help-seeking).
    pub support_suggested: bool,
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
        GroomingStage::TrustBuilding | GroomingStage::PersonalQuestions => 0.5,
        GroomingStage::PrivateChannel | GroomingStage::GiftsOffers => 0.7,
        GroomingStage::Meeting => 0.8,
        GroomingStage::IsolationSecrecy
        | GroomingStage::ImageRequest
        | GroomingStage::SexualContent => 1.0,
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

/// Grooming risk and driving stages from per-stage evidence; see the module docs.
pub fn grooming_risk(stage_evidence: &[f32; 8]) -> (f32, Vec<StageScore>) {
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
    let breadth = drivers.len().min(3) as f32 / 3.0;
    let intensity = 1.0 - (-raw / 2.0).exp();
    drivers.sort_by(|a, b| {
        (stage_weight(b.stage) * b.score).total_cmp(&(stage_weight(a.stage) * a.score))
    });
    ((intensity * breadth).clamp(0.0, 1.0), drivers)
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
        Self {
            engine,
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
        self.observe_analysis(conversation_id, direction, age_band, analysis)
    }

    /// Folds an already computed [`MessageAnalysis`] into the conversation's state.
    pub fn observe_analysis(
        &self,
        conversation_id: &str,
        direction: Direction,
        age_band: AgeBand,
        analysis: MessageAnalysis,
    ) -> ConversationAssessment {
        let config = self.config;
        let mut table = self.lock();
        table.tick += 1;
        let tick = table.tick;
        let slot = table.slots.entry(conversation_id.to_string()).or_default();
        slot.last_used = tick;
        apply(&mut slot.state, &config, direction, age_band, &analysis);
        let assessment = assess(conversation_id, &slot.state, &config, analysis);
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
            })?;
        if v.version != STATE_VERSION {
            return Err(StateError::Version {
                found: v.version,
                expected: STATE_VERSION,
            });
        }
        let doc: ExportDoc = toml::from_str(document).map_err(|e| StateError::Malformed {
            message: e.message().to_string(),
        })?;
        let mut state = doc.state;
        if state
            .stage_evidence
            .iter()
            .any(|e| !e.is_finite() || *e < 0.0 || *e > MAX_STAGE_EVIDENCE)
        {
            return Err(StateError::Malformed {
                message: format!("stage evidence must be within 0..={MAX_STAGE_EVIDENCE}"),
            });
        }
        while state.evidence.len() > self.config.max_evidence {
            state.evidence.pop_front();
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

fn apply(
    state: &mut ConversationState,
    config: &ConversationConfig,
    direction: Direction,
    age_band: AgeBand,
    analysis: &MessageAnalysis,
) {
    let index = state.messages;
    state.messages += 1;
    let half_life = config.half_life_messages.max(1.0);
    let decay = 0.5f32.powf(1.0 / half_life);
    for e in state.stage_evidence.iter_mut() {
        *e *= decay;
    }
    let factor = direction_factor(direction, age_band);
    let mut gained = [0.0f32; 8];
    let help_seeking = analysis
        .message_modifiers
        .contains(&ModifierKind::HelpSeeking);
    let mut support = false;
    for m in &analysis.matches {
        let mut contribution = m.effective_weight;
        match m.category {
            Category::Grooming | Category::Sexual => {
                if let Some(stage) = m.stage {
                    let i = stage.index();
                    if let (Some(g), Some(e)) = (gained.get_mut(i), state.stage_evidence.get_mut(i))
                    {
                        let add = (m.effective_weight * factor)
                            .min(config.max_stage_gain_per_message - *g)
                            .max(0.0);
                        *g += add;
                        *e = (*e + add).min(MAX_STAGE_EVIDENCE);
                        contribution = add;
                    }
                }
            }
            Category::SelfHarm => {
                let negated = m.modifiers.contains(&ModifierKind::Negation);
                let hyperbole = m.modifiers.contains(&ModifierKind::Hyperbole);
                let third = m.modifiers.contains(&ModifierKind::ThirdPerson);
                if let Some(level) = m.level {
                    if !negated && !hyperbole {
                        let window = config.self_harm_window_messages;
                        if third || direction == Direction::Received {
                            keep_higher(&mut state.peer_self_harm, level, index, window);
                        } else {
                            keep_higher(&mut state.own_self_harm, level, index, window);
                        }
                        support = true;
                    }
                }
                if help_seeking && !negated {
                    support = true;
                }
            }
        }
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
            excerpt: excerpt(&m.matched),
            modifiers: m.modifiers.clone(),
        });
        while state.evidence.len() > config.max_evidence {
            state.evidence.pop_front();
        }
    }
    if support {
        state.support_at = Some(index);
    }
}

fn assess(
    conversation_id: &str,
    state: &ConversationState,
    config: &ConversationConfig,
    message: MessageAnalysis,
) -> ConversationAssessment {
    let (risk, stages) = grooming_risk(&state.stage_evidence);
    let last = state.messages.saturating_sub(1);
    let window = config.self_harm_window_messages;
    let recent = |at: u64| last.saturating_sub(at) < window;
    ConversationAssessment {
        conversation_id: conversation_id.to_string(),
        messages: state.messages,
        grooming_risk: risk,
        grooming_alert: risk >= config.grooming_alert_threshold,
        stages,
        self_harm_level: state
            .own_self_harm
            .filter(|s| recent(s.at))
            .map(|s| s.level),
        peer_self_harm_level: state
            .peer_self_harm
            .filter(|s| recent(s.at))
            .map(|s| s.level),
        support_suggested: state.support_at.is_some_and(recent),
        message,
        evidence: state.evidence.iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stage_alone_stays_low() {
        let mut e = [0.0; 8];
        e[GroomingStage::ImageRequest.index()] = MAX_STAGE_EVIDENCE;
        let (risk, stages) = grooming_risk(&e);
        assert!(risk < 0.34, "{risk}");
        assert_eq!(stages.len(), 1);
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
        let (risk, stages) = grooming_risk(&e);
        assert!(risk > 0.6, "{risk}");
        assert_eq!(stages.len(), 4);
        assert_eq!(stages.last().unwrap().stage, GroomingStage::TrustBuilding);
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
