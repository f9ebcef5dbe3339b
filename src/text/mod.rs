//! Text signals: evasion-resistant normalization, lexicons, matching and conversation risk.
//!
//! - [`normalize`]: folds evasions (HTML, invisibles, NFKC/accents, confusables, leetspeak,
//!   spacing, repeats) into a skeleton with an offset map back to the original text.
//! - [`lexicon`]: the TOML lexicon format, parsing and validation ([`LexiconSet`]).
//! - [`matcher`]: [`TextEngine`], the compiled Aho-Corasick matcher with word boundaries,
//!   token gaps, safelists and self-harm modifiers; returns a [`MessageAnalysis`].
//! - [`conversation`]: [`Conversations`], bounded per-conversation state that turns message
//!   matches into a grooming risk and a self-harm level with support routing.
//!
//! ```
//! use preflight::text::TextEngine;
//! let engine = TextEngine::default_english().unwrap();
//! let text = "pls d0n't t3ll ur m0m";
//! let a = engine.analyze(text);
//! assert_eq!(a.matches[0].lexicon_id, "groom.secrecy.dont_tell_parents");
//! assert_eq!(&text[a.matches[0].start..a.matches[0].end], "d0n't t3ll ur m0m");
//! ```

pub mod conversation;
pub mod error;
pub mod lexicon;
pub mod matcher;
pub mod normalize;
pub mod types;

pub use conversation::{
    ConversationAssessment, ConversationConfig, Conversations, EvictionHook, Evidence, StageScore,
};
pub use error::{LexiconError, StateError};
pub use lexicon::{LexiconEntry, LexiconSet, Modifier, ModifierScope};
pub use matcher::{ExampleFailure, MessageAnalysis, TextEngine, TextMatch};
pub use types::{
    AgeBand, Boundary, Category, ChatLine, Direction, GroomingStage, ModifierKind, SelfHarmLevel,
};
