//! Text signals: evasion-resistant normalization, lexicons, matching and conversation risk.
//!
//! - [`normalize`]: folds evasions (HTML, invisibles, NFKC/accents, confusables, leetspeak,
//!   spacing, repeats) into a skeleton with an offset map back to the original text.
//! - [`canonical`]: token-level rewrites after normalization (chat abbreviations, emoji
//!   between words, symbol censoring, inflections, misspellings, removed spaces).
//! - [`lexicon`]: the TOML lexicon format, parsing and validation ([`LexiconSet`]).
//! - [`matcher`]: [`TextEngine`], the compiled Aho-Corasick matcher with word boundaries,
//!   token gaps, safelists and self-harm modifiers; returns a [`MessageAnalysis`].
//! - [`model`]: the learned message classifier (pure Rust, hashed character/word n-grams; 16
//!   classes with readable evidence), its file format and deterministic trainer, and the
//!   fusion of lexicon and classifier ([`model::fusion`]).
//! - [`conversation`]: [`Conversations`], bounded per-conversation state that turns message
//!   matches into a grooming risk and a self-harm level with support routing.
//! - [`person`]: whose self-harm a message is about (first, second or third person).
//! - [`eval`]: evaluation metrics (precision/recall/F1, ROC AUC, recall at a false-positive
//!   budget, latency-weighted F1) used by `preflight eval text`.
//!
//! ```
//! use preflight::text::TextEngine;
//! let engine = TextEngine::default_english().unwrap();
//! let text = "pls d0n't t3ll ur m0m";
//! let a = engine.analyze(text);
//! assert_eq!(a.matches[0].lexicon_id, "groom.secrecy.dont_tell_parents");
//! assert_eq!(&text[a.matches[0].start..a.matches[0].end], "d0n't t3ll ur m0m");
//! ```

pub mod canonical;
pub mod conversation;
pub mod conversation_contact;
pub mod error;
pub mod eval;
pub mod lexicon;
pub mod matcher;
pub mod model;
pub mod normalize;
pub mod person;
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
