//! Bring-your-own text classifier: an ONNX sequence-classification model, its Hugging Face
//! `tokenizer.json` and a label map from the model's classes to our categories.
//!
//! The configuration types are always available; running a model needs the cargo feature
//! `onnx-text` (it pulls the pure-Rust `tokenizers` crate). The model must take int64
//! `input_ids` and optionally `attention_mask` / `token_type_ids`, each `[batch, seq]`, and give
//! float32 `[batch, classes]` as its first output (logits, or probabilities if
//! [`TextModelConfig::outputs_probabilities`]). A batch is padded to its longest text with the
//! tokenizer's pad id (0 if it names none) and attention mask 0.

use super::{Category, ClassifierSignal};
use serde::Serialize;
use std::path::PathBuf;

/// One class of a text model, in output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLabel {
    /// The model's name for the class (evidence), e.g. `grooming`.
    pub name: String,
    /// The category a high score counts towards; `None` for neutral classes.
    pub category: Option<Category>,
}

/// Where a bring-your-own text classifier is and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextModelConfig {
    /// A name for evidence and errors, e.g. `acme-grooming-v3`.
    pub name: String,
    /// The ONNX model.
    pub model: PathBuf,
    /// The Hugging Face `tokenizer.json`.
    pub tokenizer: PathBuf,
    /// The classes in output order; must match the model's class count.
    pub labels: Vec<TextLabel>,
    /// Truncate each text to this many tokens (including special tokens), at least 8.
    pub max_length: usize,
    /// `true` if the model already outputs probabilities; `false` (logits) applies a softmax.
    pub outputs_probabilities: bool,
}

/// The probability of one class for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScore {
    /// The class name.
    pub label: String,
    /// Its category, if any.
    pub category: Option<Category>,
    /// Probability, 0..=1.
    pub score: f32,
}

/// A text model's verdict on one text: every class with its probability, in model order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextScores {
    /// The model name (evidence).
    pub model: String,
    /// One entry per class.
    pub scores: Vec<LabelScore>,
}

impl TextScores {
    /// The class with the highest probability.
    pub fn top(&self) -> Option<&LabelScore> {
        self.scores
            .iter()
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }

    /// One signal per class that maps to a category.
    pub fn signals(&self) -> Vec<ClassifierSignal> {
        self.scores
            .iter()
            .filter_map(|s| {
                s.category.map(|category| ClassifierSignal {
                    category,
                    score: s.score,
                    model: self.model.clone(),
                    label: s.label.clone(),
                })
            })
            .collect()
    }
}

/// Numerically stable softmax of one row.
#[cfg_attr(not(feature = "onnx-text"), allow(dead_code))]
pub(crate) fn softmax(row: &[f32]) -> Vec<f32> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

#[cfg(feature = "onnx-text")]
pub(crate) use imp::TextClassifier;

#[cfg(feature = "onnx-text")]
mod imp {
    use super::super::error::ClassifyError;
    use super::super::runtime::{tensor_i64, Model, Runtime};
    use super::{softmax, LabelScore, TextModelConfig, TextScores};
    use ort::value::TensorElementType;
    use tokenizers::{Tokenizer, TruncationParams};

    /// Which tokenizer field feeds a model input.
    #[derive(Clone, Copy)]
    enum Feed {
        Ids,
        Mask,
        TypeIds,
    }

    /// A loaded text classifier.
    pub(crate) struct TextClassifier {
        model: Model,
        tokenizer: Tokenizer,
        feeds: Vec<(String, Feed)>,
        config: TextModelConfig,
        pad_id: i64,
    }

    impl TextClassifier {
        /// Load the tokenizer and model of `config` and check they fit together.
        pub(crate) fn load(
            runtime: &Runtime,
            config: &TextModelConfig,
        ) -> Result<Self, ClassifyError> {
            if config.labels.is_empty() {
                return Err(ClassifyError::LabelMap {
                    model: config.name.clone(),
                    reason: "no labels".into(),
                });
            }
            if config.max_length < 8 {
                return Err(ClassifyError::InvalidConfig {
                    reason: format!("max_length {} is below 8", config.max_length),
                });
            }
            let tok_err = |e: tokenizers::Error| ClassifyError::Tokenizer {
                path: config.tokenizer.clone(),
                reason: e.to_string(),
                cause: Some(e),
            };
            let mut tokenizer = Tokenizer::from_file(&config.tokenizer).map_err(tok_err)?;
            tokenizer
                .with_truncation(Some(TruncationParams {
                    max_length: config.max_length,
                    ..Default::default()
                }))
                .map_err(tok_err)?;
            // Padding is done here, per batch, so a tokenizer.json padding section does not matter.
            let pad_id = tokenizer.get_padding().map_or(0, |p| i64::from(p.pad_id));
            tokenizer.with_padding(None);
            let model = Model::load(runtime, &config.name, &config.model)?;
            let mut feeds = Vec::new();
            for (name, _) in model.inputs() {
                let feed = match name.as_str() {
                    "input_ids" => Feed::Ids,
                    "attention_mask" => Feed::Mask,
                    "token_type_ids" => Feed::TypeIds,
                    other => {
                        return Err(model.shape_error(format!(
                            "unsupported input {other} (expected input_ids, attention_mask, token_type_ids)"
                        )))
                    }
                };
                feeds.push((name.clone(), feed));
            }
            if !feeds.iter().any(|(_, f)| matches!(f, Feed::Ids)) {
                return Err(model.shape_error("the model has no input_ids input"));
            }
            if model
                .input_types()
                .iter()
                .any(|t| *t != Some(TensorElementType::Int64))
            {
                return Err(model.shape_error("every input must be an int64 tensor"));
            }
            Ok(Self {
                model,
                tokenizer,
                feeds,
                config: config.clone(),
                pad_id,
            })
        }

        /// Classify a batch of texts.
        pub(crate) fn classify(&self, texts: &[&str]) -> Result<Vec<TextScores>, ClassifyError> {
            if texts.is_empty() {
                return Ok(Vec::new());
            }
            // One text at a time: `encode_batch` would start a rayon thread pool, which a phone
            // app does not want for a handful of messages.
            let encodings = texts
                .iter()
                .map(|t| self.tokenizer.encode(*t, true))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ClassifyError::Tokenizer {
                    path: self.config.tokenizer.clone(),
                    reason: e.to_string(),
                    cause: Some(e),
                })?;
            let n = encodings.len();
            let seq = encodings
                .iter()
                .map(|e| e.get_ids().len())
                .max()
                .unwrap_or(0)
                .max(1);
            let mut ids = vec![self.pad_id; n * seq];
            let mut mask = vec![0i64; n * seq];
            let mut types = vec![0i64; n * seq];
            for (row, enc) in encodings.iter().enumerate() {
                let base = row * seq;
                for (j, ((id, m), t)) in enc
                    .get_ids()
                    .iter()
                    .zip(enc.get_attention_mask())
                    .zip(enc.get_type_ids())
                    .enumerate()
                {
                    ids[base + j] = i64::from(*id);
                    mask[base + j] = i64::from(*m);
                    types[base + j] = i64::from(*t);
                }
            }
            let shape = [n, seq];
            let mut inputs = Vec::with_capacity(self.feeds.len());
            for (name, feed) in &self.feeds {
                let data = match feed {
                    Feed::Ids => &ids,
                    Feed::Mask => &mask,
                    Feed::TypeIds => &types,
                };
                inputs.push((name.clone(), tensor_i64(&self.model, &shape, data)?));
            }
            let out = self.model.run(inputs)?;
            let classes = self.config.labels.len();
            if out.shape != [n as i64, classes as i64] || out.data.len() != n * classes {
                return Err(ClassifyError::LabelMap {
                    model: self.config.name.clone(),
                    reason: format!(
                        "model output has shape {:?}; the label map has {classes} classes",
                        out.shape
                    ),
                });
            }
            Ok(out
                .data
                .chunks_exact(classes)
                .map(|row| {
                    let probs = if self.config.outputs_probabilities {
                        row.to_vec()
                    } else {
                        softmax(row)
                    };
                    TextScores {
                        model: self.config.name.clone(),
                        scores: self
                            .config
                            .labels
                            .iter()
                            .zip(probs)
                            .map(|(l, score)| LabelScore {
                                label: l.name.clone(),
                                category: l.category,
                                score,
                            })
                            .collect(),
                    }
                })
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_orders() {
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[2] > p[1] && p[1] > p[0]);
        assert!((p[0] - 0.090_030_57).abs() < 1e-6);
    }

    #[test]
    fn signals_only_for_mapped_labels() {
        let s = TextScores {
            model: "m".into(),
            scores: vec![
                LabelScore {
                    label: "neutral".into(),
                    category: None,
                    score: 0.7,
                },
                LabelScore {
                    label: "grooming".into(),
                    category: Some(Category::Grooming),
                    score: 0.3,
                },
            ],
        };
        assert_eq!(s.top().map(|t| t.label.as_str()), Some("neutral"));
        let sig = s.signals();
        assert_eq!(sig.len(), 1);
        assert_eq!(sig[0].category, Category::Grooming);
        assert_eq!(sig[0].label, "grooming");
    }
}
