//! The learned message classifier: pure Rust inference (no ONNX Runtime), so it runs in the
//! mobile builds. A multinomial logistic regression over hashed word unigrams, word bigrams and
//! character 3–5-grams of the normalized skeleton ([`features`]), with 16 classes ([`Label`]):
//! the eight grooming stages, sexual, the six self-harm levels and benign. Every score comes
//! with the words that drove it ([`ModelEvidence`]), as spans of the original text.
//!
//! A model may also carry static token embeddings (all-MiniLM-L6-v2's input embeddings, int8)
//! with a WordPiece vocabulary ([`embed`], [`wordpiece`]): their pooled vector is appended to
//! the n-grams as dense features of the same regression, and the tokens that drove a class
//! join the evidence.
//!
//! The model file ([`format`]) is built reproducibly by `scripts/train-text-model.sh` from the
//! team-written corpus in `text-corpus/` ([`train`]); it is loaded from a path or from bytes
//! (apps ship it as an asset). With the cargo feature `text-model-embedded` the library carries
//! the committed model ([`TextModel::embedded`]); the core library does not by default.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # #[cfg(feature = "text-model-embedded")] {
//! use preflight::text::model::{Label, TextModel};
//! let model = TextModel::embedded()?;
//! let scores = model.classify("dont tell ur mom we talk ok");
//! assert_eq!(scores.top(), Label::Grooming(preflight::text::GroomingStage::IsolationSecrecy));
//! assert!(!scores.evidence(&model, scores.top(), 3).is_empty());
//! # }
//! # Ok(()) }
//! ```

pub mod embed;
pub mod embed_train;
pub mod features;
pub mod format;
pub mod fusion;
pub mod pca;
pub mod train;
pub mod wordpiece;

use super::types::{GroomingStage, SelfHarmLevel};
pub use format::ModelError;
use format::ModelParams;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The model committed to the repository (`models/text-model.pftm`).
#[cfg(feature = "text-model-embedded")]
pub static EMBEDDED_MODEL: &[u8] = include_bytes!("../../../models/text-model.pftm");

/// One output class of the classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// A grooming stage.
    Grooming(GroomingStage),
    /// Sexual content (adult or unattributed).
    Sexual,
    /// A self-harm level.
    SelfHarm(SelfHarmLevel),
    /// Nothing of concern.
    Benign,
}

const LEVELS: [SelfHarmLevel; 6] = [
    SelfHarmLevel::WishToBeDead,
    SelfHarmLevel::Ideation,
    SelfHarmLevel::Method,
    SelfHarmLevel::Intent,
    SelfHarmLevel::Plan,
    SelfHarmLevel::Behaviour,
];

impl Label {
    /// Number of classes.
    pub const COUNT: usize = 16;
    /// Index of the benign class.
    pub const BENIGN: usize = 15;

    /// The class with index `i` (the order of the model file).
    pub fn from_index(i: usize) -> Option<Label> {
        match i {
            0..=7 => GroomingStage::ALL.get(i).map(|s| Label::Grooming(*s)),
            8 => Some(Label::Sexual),
            9..=14 => LEVELS.get(i - 9).map(|l| Label::SelfHarm(*l)),
            15 => Some(Label::Benign),
            _ => None,
        }
    }

    /// Index of this class in the model file.
    pub fn index(self) -> usize {
        match self {
            Label::Grooming(s) => s.index(),
            Label::Sexual => 8,
            Label::SelfHarm(l) => 9 + l as usize,
            Label::Benign => Self::BENIGN,
        }
    }

    /// The corpus spelling: `grooming:<stage>`, `sexual`, `self_harm:<level>`, `benign`.
    pub fn name(self) -> String {
        match self {
            Label::Grooming(s) => format!("grooming:{}", s.as_str()),
            Label::Sexual => "sexual".to_string(),
            Label::SelfHarm(l) => format!("self_harm:{}", l.as_str()),
            Label::Benign => "benign".to_string(),
        }
    }

    /// Parses the corpus spelling.
    pub fn parse(name: &str) -> Option<Label> {
        (0..Self::COUNT)
            .filter_map(Label::from_index)
            .find(|l| l.name() == name)
    }
}

/// A loaded classifier. Cheap to share (`Send + Sync`, read-only).
#[derive(Debug, Clone)]
pub struct TextModel {
    params: ModelParams,
}

/// One phrase that drove a class, as a span of the original text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEvidence {
    /// The original text of the span.
    pub phrase: String,
    /// Byte offset in the original text.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// How much the span's features raised the class's logit over benign.
    pub contribution: f32,
}

/// The classifier's output for one message.
#[derive(Debug, Clone)]
pub struct ModelScores {
    /// Softmax probability per class, in [`Label::from_index`] order.
    pub probs: [f32; Label::COUNT],
    features: Vec<features::Feature>,
    value: f32,
    spans: Vec<(usize, usize)>,
    text: String,
    pooled: Option<embed::Pooled>,
}

impl ModelScores {
    /// Probability of one class.
    pub fn prob(&self, label: Label) -> f32 {
        self.probs.get(label.index()).copied().unwrap_or(0.0)
    }

    /// Sum of the eight grooming stages.
    pub fn grooming(&self) -> f32 {
        self.probs.iter().take(8).sum()
    }

    /// Sexual content.
    pub fn sexual(&self) -> f32 {
        self.probs.get(8).copied().unwrap_or(0.0)
    }

    /// Sum of the six self-harm levels.
    pub fn self_harm(&self) -> f32 {
        self.probs.iter().skip(9).take(6).sum()
    }

    /// The most probable class.
    pub fn top(&self) -> Label {
        self.best_of(0..Label::COUNT)
    }

    /// The most probable class among the indices in `range`.
    pub fn best_of(&self, range: std::ops::Range<usize>) -> Label {
        let mut best = Label::BENIGN;
        let mut p = f32::MIN;
        for i in range {
            if let Some(&v) = self.probs.get(i) {
                if v > p {
                    p = v;
                    best = i;
                }
            }
        }
        Label::from_index(best).unwrap_or(Label::Benign)
    }

    /// The most probable grooming stage.
    pub fn top_stage(&self) -> GroomingStage {
        match self.best_of(0..8) {
            Label::Grooming(s) => s,
            _ => GroomingStage::TrustBuilding,
        }
    }

    /// The most probable self-harm level.
    pub fn top_level(&self) -> SelfHarmLevel {
        match self.best_of(9..15) {
            Label::SelfHarm(l) => l,
            _ => SelfHarmLevel::WishToBeDead,
        }
    }

    /// Up to `n` words (adjacent ones merged into a phrase) that raised `label` most over
    /// benign, largest first. Empty if nothing pushed towards `label`.
    /// `model` must be the model that produced these scores.
    pub fn evidence(&self, model: &TextModel, label: Label, n: usize) -> Vec<ModelEvidence> {
        let mut per: Vec<(usize, f32)> = model
            .word_contributions(self, label)
            .into_iter()
            .enumerate()
            .filter(|&(_, v)| v > 0.0)
            .collect();
        per.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        per.truncate(n.max(1) * 2);
        per.sort_by_key(|&(i, _)| i);
        let mut out: Vec<ModelEvidence> = Vec::new();
        let mut last: Option<usize> = None;
        for (i, v) in per {
            let Some(&(start, end)) = self.spans.get(i) else {
                continue;
            };
            match out.last_mut() {
                Some(prev) if last == Some(i.wrapping_sub(1)) && start >= prev.end => {
                    prev.end = end;
                    prev.contribution += v;
                }
                _ => out.push(ModelEvidence {
                    phrase: String::new(),
                    start,
                    end,
                    contribution: v,
                }),
            }
            last = Some(i);
        }
        for e in out.iter_mut() {
            e.phrase = self.text.get(e.start..e.end).unwrap_or("").to_string();
        }
        out.sort_by(|x, y| y.contribution.total_cmp(&x.contribution));
        out.truncate(n);
        out
    }

    /// Up to `n` WordPiece tokens whose embedding vectors raised `label` most over benign,
    /// largest first (empty for a model without embeddings). `phrase` is the original text the
    /// token covers (a `##` continuation covers part of a word).
    pub fn token_evidence(&self, model: &TextModel, label: Label, n: usize) -> Vec<ModelEvidence> {
        let (Some(e), Some(pooled)) = (&model.params.embeddings, &self.pooled) else {
            return Vec::new();
        };
        let mut out: Vec<ModelEvidence> = e
            .token_contributions(pooled, label.index())
            .into_iter()
            .zip(&pooled.tokens)
            .filter(|(v, _)| *v > 0.0)
            .map(|(v, (t, _))| ModelEvidence {
                phrase: self.text.get(t.start..t.end).unwrap_or("").to_string(),
                start: t.start,
                end: t.end,
                contribution: v,
            })
            .collect();
        out.sort_by(|x, y| y.contribution.total_cmp(&x.contribution));
        out.truncate(n);
        out
    }
}

impl TextModel {
    /// Loads a model from its file bytes (see [`format`] for what is checked).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        format::decode(bytes).map(|params| Self { params })
    }

    /// Loads a model file.
    pub fn from_path(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Self::from_bytes(&bytes)
    }

    /// The model committed to the repository, carried in the binary.
    #[cfg(feature = "text-model-embedded")]
    pub fn embedded() -> Result<Self, ModelError> {
        Self::from_bytes(EMBEDDED_MODEL)
    }

    /// Builds a model from trained parameters.
    pub fn from_params(params: ModelParams) -> Self {
        Self { params }
    }

    /// Decision thresholds on the grooming, self-harm and sexual family probabilities.
    pub fn thresholds(&self) -> [f32; 3] {
        self.params.thresholds
    }

    /// Bytes of weights held in memory (n-gram weights, plus the embedding matrix, its row
    /// tables and the dense weights when the model has embeddings).
    pub fn weight_bytes(&self) -> usize {
        self.params.weights.len()
            + self
                .params
                .embeddings
                .as_ref()
                .map_or(0, embed::Embeddings::weight_bytes)
    }

    /// The embedding section, if this model has one.
    pub fn embeddings(&self) -> Option<&embed::Embeddings> {
        self.params.embeddings.as_ref()
    }

    /// Per word of a classified message: how much its features raised `label`'s logit over
    /// benign (bigrams split between their two words).
    fn word_contributions(&self, scores: &ModelScores, label: Label) -> Vec<f32> {
        let p = &self.params;
        let (c, b) = (label.index(), Label::BENIGN);
        let (sc, sb) = (
            p.scale.get(c).copied().unwrap_or(0.0),
            p.scale.get(b).copied().unwrap_or(0.0),
        );
        let mut out = vec![0f32; scores.spans.len()];
        for f in &scores.features {
            let base = f.bucket as usize * Label::COUNT;
            let (Some(&wc), Some(&wb)) = (p.weights.get(base + c), p.weights.get(base + b)) else {
                continue;
            };
            let d = (f32::from(wc) * sc - f32::from(wb) * sb) * scores.value;
            let w = f.word as usize;
            if f.bigram {
                for t in [w, w + 1] {
                    if let Some(x) = out.get_mut(t) {
                        *x += d / 2.0;
                    }
                }
            } else if let Some(x) = out.get_mut(w) {
                *x += d;
            }
        }
        if let (Some(e), Some(pooled)) = (&p.embeddings, &scores.pooled) {
            let shares = e.token_contributions(pooled, c);
            for ((t, _), v) in pooled.tokens.iter().zip(shares) {
                let word = scores
                    .spans
                    .iter()
                    .position(|&(s, e)| s <= t.start && t.start < e);
                if let Some(x) = word.and_then(|w| out.get_mut(w)) {
                    *x += v;
                }
            }
        }
        out
    }

    /// Classifies one message.
    pub fn classify(&self, text: &str) -> ModelScores {
        let p = &self.params;
        let ex = features::extract(text, p.features);
        let v = ex.value();
        let mut acc = [0i32; Label::COUNT];
        for f in &ex.features {
            let base = f.bucket as usize * Label::COUNT;
            if let Some(row) = p.weights.get(base..base + Label::COUNT) {
                for (a, &w) in acc.iter_mut().zip(row) {
                    *a += i32::from(w);
                }
            }
        }
        let mut logits = [0f32; Label::COUNT];
        for (((l, a), s), b) in logits.iter_mut().zip(&acc).zip(&p.scale).zip(&p.bias) {
            *l = *a as f32 * s * v + b;
        }
        let pooled = p.embeddings.as_ref().map(|e| {
            let pooled = e.pool(text);
            e.add_logits(&pooled, &mut logits);
            pooled
        });
        let spans = ex
            .words
            .iter()
            .map(|w| {
                ex.normalized
                    .original_span(w.start..w.end)
                    .map_or((0, 0), |r| (r.start, r.end))
            })
            .collect();
        ModelScores {
            probs: softmax(&logits),
            features: ex.features,
            value: v,
            spans,
            text: text.to_string(),
            pooled,
        }
    }
}

/// Softmax of `logits`.
pub fn softmax(logits: &[f32; Label::COUNT]) -> [f32; Label::COUNT] {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let mut out = [0f32; Label::COUNT];
    let mut sum = 0.0;
    for (o, l) in out.iter_mut().zip(logits) {
        *o = (l - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum.max(f32::MIN_POSITIVE);
    }
    out
}
