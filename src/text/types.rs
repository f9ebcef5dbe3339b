//! Vocabulary shared by lexicons, matches and the conversation model: categories, grooming
//! stages, self-harm levels, context modifiers, message direction and age bands.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The signal category of a lexicon entry (names match the crate-wide verdict).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Language typical of grooming; entries carry a [`GroomingStage`].
    Grooming,
    /// Self-harm or suicide language; entries carry a [`SelfHarmLevel`].
    SelfHarm,
    /// Sexual content; feeds the [`GroomingStage::SexualContent`] stage of the conversation model.
    Sexual,
}

/// Grooming stages (after Lorenzo-Dus et al. and O'Connell), in the order they usually appear.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroomingStage {
    /// Flattery, "you're so mature", special-friend framing.
    TrustBuilding,
    /// Age, location, school, being alone, parents' whereabouts.
    PersonalQuestions,
    /// Secrecy requests and isolating the child from parents and friends.
    IsolationSecrecy,
    /// Moving the conversation to another, less moderated channel.
    PrivateChannel,
    /// Gifts, money, game currency, favours.
    GiftsOffers,
    /// Requests for photos or video.
    ImageRequest,
    /// Sexualised talk.
    SexualContent,
    /// Arranging to meet in person.
    Meeting,
}

impl GroomingStage {
    /// All stages, in order.
    pub const ALL: [GroomingStage; 8] = [
        GroomingStage::TrustBuilding,
        GroomingStage::PersonalQuestions,
        GroomingStage::IsolationSecrecy,
        GroomingStage::PrivateChannel,
        GroomingStage::GiftsOffers,
        GroomingStage::ImageRequest,
        GroomingStage::SexualContent,
        GroomingStage::Meeting,
    ];

    /// Position in [`GroomingStage::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name used in lexicon files.
    pub fn as_str(self) -> &'static str {
        match self {
            GroomingStage::TrustBuilding => "trust_building",
            GroomingStage::PersonalQuestions => "personal_questions",
            GroomingStage::IsolationSecrecy => "isolation_secrecy",
            GroomingStage::PrivateChannel => "private_channel",
            GroomingStage::GiftsOffers => "gifts_offers",
            GroomingStage::ImageRequest => "image_request",
            GroomingStage::SexualContent => "sexual_content",
            GroomingStage::Meeting => "meeting",
        }
    }
}

impl fmt::Display for GroomingStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Self-harm severity levels, ordered, inspired by the Columbia Suicide Severity Rating Scale.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfHarmLevel {
    /// Wish to be dead or not wake up.
    WishToBeDead,
    /// Non-specific active thoughts of suicide or self-harm.
    Ideation,
    /// Thinking about a method.
    Method,
    /// Stated intent to act.
    Intent,
    /// A plan or preparation (date, means acquired, goodbye notes).
    Plan,
    /// Past or ongoing self-harm or attempt.
    Behaviour,
}

impl SelfHarmLevel {
    /// The snake_case name used in lexicon files.
    pub fn as_str(self) -> &'static str {
        match self {
            SelfHarmLevel::WishToBeDead => "wish_to_be_dead",
            SelfHarmLevel::Ideation => "ideation",
            SelfHarmLevel::Method => "method",
            SelfHarmLevel::Intent => "intent",
            SelfHarmLevel::Plan => "plan",
            SelfHarmLevel::Behaviour => "behaviour",
        }
    }
}

impl fmt::Display for SelfHarmLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Context that changes how a self-harm match is read.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModifierKind {
    /// "I would never kill myself": the match is discounted to zero.
    Negation,
    /// "this exam makes me want to die lol": weight reduced, level not attributed.
    Hyperbole,
    /// "my friend says she wants to die": rerouted to peer concern, support suggested.
    ThirdPerson,
    /// "what do I do", "I need help": support suggested; the level still counts.
    HelpSeeking,
    /// "we learned about suicide prevention in health class", news, research, fiction: the
    /// topic is discussed, it is not the writer's own risk. Weight reduced, level not
    /// attributed, no support routing of its own.
    Discussion,
}

/// Which way a message travelled, seen from the local user of the app.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Written by the local user.
    Sent,
    /// Written by the other party.
    Received,
}

/// The local user's age band, if the app knows it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum AgeBand {
    /// Under 13.
    #[serde(rename = "under13")]
    Under13,
    /// 13 to 15.
    #[serde(rename = "13-15")]
    Age13To15,
    /// 16 or 17.
    #[serde(rename = "16-17")]
    Age16To17,
    /// 18 or over.
    #[serde(rename = "adult")]
    Adult,
    /// Not known.
    #[default]
    #[serde(rename = "unknown")]
    Unknown,
}

impl AgeBand {
    /// True for the minor bands.
    pub fn is_minor(self) -> bool {
        matches!(
            self,
            AgeBand::Under13 | AgeBand::Age13To15 | AgeBand::Age16To17
        )
    }
}

/// How lexicon patterns must sit relative to word boundaries in the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// Whole words only (default): `kill` matches "kill" but not "skill".
    #[default]
    Word,
    /// Must start a word: `suicid` matches "suicidal".
    Start,
    /// Must end a word: `nude` matches "sendnude".
    End,
    /// Anywhere, even inside words (use with a safelist).
    None,
}

/// One line of a chat transcript in JSON Lines form, as read by `preflight scan chat`:
/// `{"conversation":"c1","direction":"received","text":"...","age_band":"13-15"}`.
/// `direction` is `sent` or `received`; `age_band` (optional) is `under13`, `13-15`, `16-17`,
/// `adult` or `unknown`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatLine {
    /// The app's conversation id.
    pub conversation: String,
    /// Direction from the local user's point of view.
    pub direction: Direction,
    /// Message text.
    pub text: String,
    /// The local user's age band, if known.
    #[serde(default)]
    pub age_band: AgeBand,
}

impl Category {
    /// The snake_case name used in lexicon files.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Grooming => "grooming",
            Category::SelfHarm => "self_harm",
            Category::Sexual => "sexual",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ModifierKind {
    /// The snake_case name used in lexicon files.
    pub fn as_str(self) -> &'static str {
        match self {
            ModifierKind::Negation => "negation",
            ModifierKind::Hyperbole => "hyperbole",
            ModifierKind::ThirdPerson => "third_person",
            ModifierKind::HelpSeeking => "help_seeking",
            ModifierKind::Discussion => "discussion",
        }
    }
}

impl fmt::Display for ModifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
