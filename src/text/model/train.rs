//! Deterministic training of the message classifier from the corpus TSV
//! (`text-corpus/messages.tsv`: `label  kind  lang  split  text`, with a header line).
//!
//! Multinomial logistic regression by plain SGD, single-threaded, examples shuffled with a
//! fixed-seed SplitMix64, class-balanced example weights, then per-class int8 quantization.
//! Training in Rust (rather than a Python stack) keeps the build reproducible byte for byte
//! with nothing to install: the same corpus and code give the same file, which the test suite
//! checks by rebuilding and comparing sha256 (`tests/it/text_model_build.rs`).
//!
//! With an [`EmbeddingSource`] ([`train_joint`]) the pooled static token embeddings
//! ([`super::embed`]) are extra dense features of the same regression, trained jointly with
//! the n-gram weights (the embedding rows themselves stay fixed).

use super::embed::Embeddings;
pub use super::embed_train::{EmbedConfig, EmbedSourceError, EmbeddingSource};
use super::features::{extract, FeatureConfig};
use super::format::{self, ModelParams};
use super::{softmax, Label, TextModel};
use crate::lists::random::SplitMix64;
use sha2::{Digest, Sha256};

/// One labelled message of the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Its class.
    pub label: Label,
    /// Hard-negative type or positive kind (`offender`, `disclosure`, `idiom`, ...).
    pub kind: String,
    /// `en`, `es` or `pt`.
    pub lang: String,
    /// `train` or `test`.
    pub split: String,
    /// The message.
    pub text: String,
}

/// A line of the corpus could not be read.
#[derive(Debug, thiserror::Error)]
#[error("corpus line {line}: {message}")]
pub struct CorpusError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses the corpus TSV (first line is the header).
pub fn parse_corpus(tsv: &str) -> Result<Vec<Example>, CorpusError> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.splitn(5, '\t').collect();
        let [label, kind, lang, split, text] = cols[..] else {
            return Err(CorpusError {
                line: i + 1,
                message: format!("expected 5 tab-separated columns, found {}", cols.len()),
            });
        };
        let label = Label::parse(label).ok_or_else(|| CorpusError {
            line: i + 1,
            message: format!("unknown label `{label}`"),
        })?;
        out.push(Example {
            label,
            kind: kind.to_string(),
            lang: lang.to_string(),
            split: split.to_string(),
            text: text.to_string(),
        });
    }
    Ok(out)
}

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Feature extraction.
    pub features: FeatureConfig,
    /// Passes over the data.
    pub epochs: u32,
    /// Initial learning rate (decays linearly to a tenth).
    pub learning_rate: f32,
    /// L2 penalty applied to the touched weights.
    pub l2: f32,
    /// Extra weight of benign examples (hard negatives): raises precision.
    pub benign_weight: f32,
    /// Shuffle seed.
    pub seed: u64,
    /// Decision thresholds stored in the file (grooming, self-harm, sexual).
    pub thresholds: [f32; 3],
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            features: FeatureConfig::default(),
            epochs: 12,
            learning_rate: 0.8,
            l2: 1e-6,
            // 2.0 since session 6: with the social-post corpus it keeps the team's benign
            // look-alikes and the Reddit "supportive" users lower at equal tweet recall
            // (1.5, 2.0, 2.5 measured; text-corpus/README.md). 3.0 since session 13: the blind
            // seeds add more positives than hard negatives (2.0 and 3.0 measured, three corpus
            // draws each; text-corpus/README.md).
            benign_weight: 3.0,
            seed: 0x5052_4546_4c49_4748,
            // Self-harm 0.5 -> 0.6 in session 13, with the blind seeds: the Reddit "supportive"
            // users flagged 38.1% -> 34.0% at the same blind-probe recall (three corpus draws).
            thresholds: [0.6, 0.6, 0.6],
        }
    }
}

/// Trains a model on `examples` and returns its file bytes (see [`format`]).
pub fn train(examples: &[Example], corpus_sha256: [u8; 32], config: &TrainConfig) -> Vec<u8> {
    let params = fit(examples, corpus_sha256, config, None);
    format::encode(&params)
}

/// Trains a model whose features are the n-grams plus the pooled embeddings of `source`
/// (built as `embed` says), and returns its file bytes.
pub fn train_joint(
    examples: &[Example],
    corpus_sha256: [u8; 32],
    config: &TrainConfig,
    source: &EmbeddingSource,
    embed: &EmbedConfig,
) -> Result<Vec<u8>, EmbedSourceError> {
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let table = super::embed_train::build(source, embed, &texts, config.seed)?;
    Ok(format::encode(&fit(
        examples,
        corpus_sha256,
        config,
        Some(table),
    )))
}

/// One training example's features: class, n-gram buckets, n-gram value, dense vector.
type Row = (usize, Vec<u32>, f32, Vec<f32>);

fn class_weights(data: &[Row], benign_weight: f32) -> [f32; Label::COUNT] {
    let mut counts = [0usize; Label::COUNT];
    for (y, ..) in data {
        if let Some(c) = counts.get_mut(*y) {
            *c += 1;
        }
    }
    let present = counts.iter().filter(|&&c| c > 0).count().max(1);
    let mut out = [0f32; Label::COUNT];
    for (c, (o, n)) in out.iter_mut().zip(counts).enumerate() {
        let w = (data.len() as f32 / (present as f32 * n.max(1) as f32)).sqrt();
        *o = if c == Label::BENIGN {
            w * benign_weight
        } else {
            w
        };
    }
    out
}

/// SGD over the n-gram weights, the biases and (with `table`) the dense weights.
fn fit(
    examples: &[Example],
    corpus_sha256: [u8; 32],
    config: &TrainConfig,
    mut table: Option<Embeddings>,
) -> ModelParams {
    let k = Label::COUNT;
    let buckets = 1usize << config.features.bucket_bits;
    let data: Vec<Row> = examples
        .iter()
        .map(|e| {
            let ex = extract(&e.text, config.features);
            let dense = table.as_ref().map_or_else(Vec::new, |t| t.pool(&e.text).x);
            let v = ex.value();
            let buckets = ex.features.iter().map(|f| f.bucket).collect();
            (e.label.index(), buckets, v, dense)
        })
        .collect();
    let class_weight = class_weights(&data, config.benign_weight);
    let mut w = vec![0f32; buckets * k];
    let mut dense_w = vec![0f32; table.as_ref().map_or(0, |t| t.dim * k)];
    let mut bias = [0f32; Label::COUNT];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = SplitMix64(config.seed);
    let total = (config.epochs as usize * data.len()).max(1);
    let mut step = 0usize;
    for _ in 0..config.epochs {
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &idx in &order {
            let Some((y, feats, v, dense)) = data.get(idx) else {
                continue;
            };
            let lr = config.learning_rate * (1.0 - 0.9 * step as f32 / total as f32);
            step += 1;
            let mut logits = bias;
            for &f in feats {
                let row = f as usize * k;
                if let Some(r) = w.get(row..row + k) {
                    for (l, x) in logits.iter_mut().zip(r) {
                        *l += x * v;
                    }
                }
            }
            for (&x, r) in dense.iter().zip(dense_w.chunks_exact(k)) {
                for (l, wc) in logits.iter_mut().zip(r) {
                    *l += x * wc;
                }
            }
            let p = softmax(&logits);
            let cw = class_weight.get(*y).copied().unwrap_or(1.0);
            let mut grad = [0f32; Label::COUNT];
            for (c, g) in grad.iter_mut().enumerate() {
                let target = if c == *y { 1.0 } else { 0.0 };
                *g = (p.get(c).copied().unwrap_or(0.0) - target) * cw;
            }
            for (b, g) in bias.iter_mut().zip(&grad) {
                *b -= lr * g * 0.1;
            }
            for &f in feats {
                let row = f as usize * k;
                if let Some(r) = w.get_mut(row..row + k) {
                    for (x, g) in r.iter_mut().zip(&grad) {
                        *x -= lr * (g * v + config.l2 * *x);
                    }
                }
            }
            for (&x, r) in dense.iter().zip(dense_w.chunks_exact_mut(k)) {
                for (wc, g) in r.iter_mut().zip(&grad) {
                    *wc -= lr * (g * x + config.l2 * *wc);
                }
            }
        }
    }
    if let Some(t) = table.as_mut() {
        t.weights = dense_w;
    }
    let mut params = quantize(&w, bias, corpus_sha256, config);
    params.embeddings = table;
    params
}

fn quantize(
    w: &[f32],
    bias: [f32; Label::COUNT],
    corpus: [u8; 32],
    c: &TrainConfig,
) -> ModelParams {
    let k = Label::COUNT;
    let mut scale = [0f32; Label::COUNT];
    for (class, s) in scale.iter_mut().enumerate() {
        let max = w
            .iter()
            .skip(class)
            .step_by(k)
            .fold(0f32, |m, x| m.max(x.abs()));
        *s = if max > 0.0 { max / 127.0 } else { 1.0 };
    }
    let weights = w
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let s = scale.get(i % k).copied().unwrap_or(1.0);
            (x / s).round().clamp(-127.0, 127.0) as i8
        })
        .collect();
    ModelParams {
        features: c.features,
        corpus_sha256: corpus,
        bias,
        scale,
        thresholds: c.thresholds,
        weights,
        embeddings: None,
    }
}

/// sha256 of the corpus text (stored in the model for provenance).
pub fn corpus_digest(tsv: &str) -> [u8; 32] {
    Sha256::digest(tsv.as_bytes()).into()
}

/// Trains on the examples whose split is in `splits` and loads the result.
pub fn train_model(
    examples: &[Example],
    splits: &[&str],
    corpus_sha256: [u8; 32],
    config: &TrainConfig,
) -> Result<(TextModel, Vec<u8>), super::ModelError> {
    let chosen: Vec<Example> = examples
        .iter()
        .filter(|e| splits.contains(&e.split.as_str()))
        .cloned()
        .collect();
    let bytes = train(&chosen, corpus_sha256, config);
    TextModel::from_bytes(&bytes).map(|m| (m, bytes))
}

/// [`train_model`] with the embeddings of `source` as joint features (`None`: n-grams only).
pub fn train_model_with(
    examples: &[Example],
    splits: &[&str],
    corpus_sha256: [u8; 32],
    config: &TrainConfig,
    embeddings: Option<(&EmbeddingSource, &EmbedConfig)>,
) -> Result<(TextModel, Vec<u8>), JointTrainError> {
    let Some((source, embed)) = embeddings else {
        return Ok(train_model(examples, splits, corpus_sha256, config)?);
    };
    let chosen: Vec<Example> = examples
        .iter()
        .filter(|e| splits.contains(&e.split.as_str()))
        .cloned()
        .collect();
    let bytes = train_joint(&chosen, corpus_sha256, config, source, embed)?;
    Ok((TextModel::from_bytes(&bytes)?, bytes))
}

/// Joint training failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JointTrainError {
    /// The embedding source is unusable.
    #[error(transparent)]
    Source(#[from] EmbedSourceError),
    /// The trained file did not load (a bug).
    #[error(transparent)]
    Model(#[from] super::ModelError),
}
