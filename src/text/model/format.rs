//! The `.pftm` model file: a small versioned binary format, read as untrusted input.
//!
//! All integers and floats little-endian:
//!
//! | bytes | field |
//! |-------|-------|
//! | 4 | magic `PFTM` |
//! | 2 | format version (1, or [`FORMAT_VERSION`] with embeddings) |
//! | 2 | number of classes (must be [`super::Label::COUNT`]) |
//! | 1 | `bucket_bits` (10..=[`MAX_BUCKET_BITS`]) |
//! | 1 | `char_min`, 1 | `char_max` (0..=8, `char_min <= char_max`), 1 | `words` (0 or 1) |
//! | 32 | sha256 of the training corpus (provenance, not checked) |
//! | 4 × classes | bias per class (f32) |
//! | 4 × classes | weight scale per class (f32): weight = `i8 × scale` |
//! | 4 × 3 | decision thresholds: grooming, self-harm, sexual family probability (f32) |
//! | 2^bucket_bits × classes | weights (i8), bucket-major |
//! | (version 2 only) | the embedding section, below |
//! | 32 | sha256 of every byte before it |
//!
//! Version 2 adds the embedding section ([`super::embed`]); a model without embeddings is still
//! written as version 1, byte for byte as before, and both versions are read:
//!
//! | bytes | field |
//! |-------|-------|
//! | 2 | `dim` (1..=[`MAX_DIM`]), 2 | reserved (0) |
//! | 4 | `tokens`: vocabulary size (1..=[`MAX_TOKENS`]) |
//! | 4 | `rows` (1..=`tokens`, at most 65,534) |
//! | 4 | feature scale (f32, finite, in (0, 100]) |
//! | 4 | `vocab_bytes` (at most [`MAX_VOCAB_BYTES`]) |
//! | vocab_bytes | the vocabulary: `tokens` UTF-8 strings, each ended by `\n`, in id order |
//! | 2 × tokens | row of each token (u16; 65,535 = no vector) |
//! | 4 × rows | row scale (f32, finite, ≥ 0) |
//! | rows × dim | the embedding matrix (i8), row-major |
//! | 4 × dim × classes | dense weights (f32, finite), `dim`-major |
//!
//! Decoding checks the length first (nothing is allocated beyond what the header announces
//! and the input holds), then the checksum, then every field; each failure is a typed
//! [`ModelError`].

use super::embed::{Embeddings, NO_ROW};
use super::features::FeatureConfig;
use super::wordpiece::WordPiece;
use super::Label;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Magic bytes at the start of a model file.
pub const MAGIC: [u8; 4] = *b"PFTM";
/// The newest format version this build reads and writes (version 2: with embeddings).
pub const FORMAT_VERSION: u16 = 2;
/// The version of files without an embedding section (still read and written).
pub const FORMAT_VERSION_NGRAMS: u16 = 1;
/// Widest embedding row accepted.
pub const MAX_DIM: u16 = 1024;
/// Largest vocabulary accepted.
pub const MAX_TOKENS: u32 = 1 << 20;
/// Largest vocabulary text accepted (bytes).
pub const MAX_VOCAB_BYTES: u32 = 8 << 20;
const EMB_HEADER: usize = 20;
/// Largest `bucket_bits` accepted: 2^20 buckets × 16 classes = 16 MiB of weights.
pub const MAX_BUCKET_BITS: u8 = 20;
const HEADER: usize = 4 + 2 + 2 + 4 + 32;
const CHECKSUM: usize = 32;

/// A model file could not be read or is malformed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read text model {path}: {source}")]
    Io {
        /// The path given.
        path: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Fewer bytes than the header or than the header announces.
    #[error("text model truncated: {found} bytes, need {needed}")]
    Truncated {
        /// Bytes present.
        found: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// More bytes than the header announces.
    #[error("text model has {extra} trailing bytes")]
    TrailingBytes {
        /// Bytes beyond the announced end.
        extra: usize,
    },
    /// Not a Preflight text model.
    #[error("not a Preflight text model (bad magic)")]
    BadMagic,
    /// Written by another format version.
    #[error("text model format version {found}, this build reads versions 1 to {expected}")]
    Version {
        /// Version in the file.
        found: u16,
        /// Newest version this build reads.
        expected: u16,
    },
    /// The trailing sha256 does not match the content.
    #[error("text model checksum mismatch (corrupted or altered file)")]
    Checksum,
    /// A header field is out of range.
    #[error("text model field `{field}`: {message}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The decoded parameters of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    /// Feature extraction settings.
    pub features: FeatureConfig,
    /// sha256 of the training corpus.
    pub corpus_sha256: [u8; 32],
    /// Bias per class.
    pub bias: [f32; Label::COUNT],
    /// Weight scale per class.
    pub scale: [f32; Label::COUNT],
    /// Decision thresholds on the grooming, self-harm and sexual family probabilities.
    pub thresholds: [f32; 3],
    /// Quantized weights, bucket-major (`weights[bucket * COUNT + class]`).
    pub weights: Vec<i8>,
    /// Dense embedding features (format version 2), if the model has them.
    pub embeddings: Option<Embeddings>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(src) = self.bytes.get(self.at..self.at + N) {
            out.copy_from_slice(src);
        }
        self.at += N;
        out
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn f32s<const N: usize>(&mut self) -> [f32; N] {
        let mut out = [0f32; N];
        for v in out.iter_mut() {
            *v = f32::from_le_bytes(self.take());
        }
        out
    }
}

fn field(field: &'static str, message: impl Into<String>) -> ModelError {
    ModelError::Field {
        field,
        message: message.into(),
    }
}

fn finite<const N: usize>(name: &'static str, v: &[f32; N]) -> Result<(), ModelError> {
    if v.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(field(name, "not a finite number"))
    }
}

fn body_len(bucket_bits: u8) -> usize {
    let classes = Label::COUNT;
    4 * classes * 2 + 4 * 3 + (1usize << bucket_bits) * classes
}

/// Decodes and validates a model file.
pub fn decode(bytes: &[u8]) -> Result<ModelParams, ModelError> {
    if bytes.len() < HEADER + CHECKSUM {
        return Err(ModelError::Truncated {
            found: bytes.len(),
            needed: HEADER + CHECKSUM,
        });
    }
    let mut r = Reader { bytes, at: 0 };
    if r.take::<4>() != MAGIC {
        return Err(ModelError::BadMagic);
    }
    let version = r.u16();
    if version != FORMAT_VERSION && version != FORMAT_VERSION_NGRAMS {
        return Err(ModelError::Version {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let classes = r.u16();
    if usize::from(classes) != Label::COUNT {
        return Err(field(
            "classes",
            format!("{classes}, expected {}", Label::COUNT),
        ));
    }
    let [bucket_bits, char_min, char_max, words] = r.take::<4>();
    if !(10..=MAX_BUCKET_BITS).contains(&bucket_bits) {
        return Err(field(
            "bucket_bits",
            format!("{bucket_bits} not in 10..={MAX_BUCKET_BITS}"),
        ));
    }
    if char_max > 8 || char_min > char_max || words > 1 || (char_min == 0 && words == 0) {
        return Err(field("features", "char_min/char_max/words out of range"));
    }
    let ngrams_end = HEADER + body_len(bucket_bits);
    let section = if version == FORMAT_VERSION {
        Some(section_layout(bytes, ngrams_end)?)
    } else {
        None
    };
    let needed = ngrams_end + section.as_ref().map_or(0, |s| s.len) + CHECKSUM;
    if bytes.len() < needed {
        return Err(ModelError::Truncated {
            found: bytes.len(),
            needed,
        });
    }
    if bytes.len() > needed {
        return Err(ModelError::TrailingBytes {
            extra: bytes.len() - needed,
        });
    }
    let (content, sum) = bytes.split_at(needed - CHECKSUM);
    if Sha256::digest(content).as_slice() != sum {
        return Err(ModelError::Checksum);
    }
    let corpus_sha256 = r.take::<32>();
    let bias = r.f32s::<{ Label::COUNT }>();
    let scale = r.f32s::<{ Label::COUNT }>();
    let thresholds = r.f32s::<3>();
    finite("bias", &bias)?;
    finite("scale", &scale)?;
    finite("thresholds", &thresholds)?;
    if scale.iter().any(|s| *s < 0.0) {
        return Err(field("scale", "negative"));
    }
    if thresholds.iter().any(|t| !(0.0..=1.0).contains(t)) {
        return Err(field("thresholds", "not within 0..=1"));
    }
    let weights = content
        .get(r.at..ngrams_end)
        .unwrap_or(&[])
        .iter()
        .map(|&b| b as i8)
        .collect();
    let embeddings = match section {
        Some(s) => Some(decode_section(content, ngrams_end, &s)?),
        None => None,
    };
    Ok(ModelParams {
        features: FeatureConfig {
            bucket_bits,
            char_min,
            char_max,
            words,
        },
        corpus_sha256,
        bias,
        scale,
        thresholds,
        weights,
        embeddings,
    })
}

/// The sizes the embedding section's header announces.
struct Section {
    dim: usize,
    tokens: usize,
    rows: usize,
    feature_scale: f32,
    vocab_bytes: usize,
    /// Bytes of the whole section.
    len: usize,
}

/// Reads and range-checks the embedding section's header at `at`.
fn section_layout(bytes: &[u8], at: usize) -> Result<Section, ModelError> {
    let Some(h) = bytes.get(at..at + EMB_HEADER) else {
        return Err(ModelError::Truncated {
            found: bytes.len(),
            needed: at + EMB_HEADER + CHECKSUM,
        });
    };
    let u32_at = |i: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(h.get(i..i + 4).unwrap_or(&[0; 4]));
        u32::from_le_bytes(b)
    };
    let dim = u16::from_le_bytes([h[0], h[1]]);
    if dim == 0 || dim > MAX_DIM || h[2] != 0 || h[3] != 0 {
        return Err(field("dim", format!("{dim} not in 1..={MAX_DIM}")));
    }
    let (tokens, rows) = (u32_at(4), u32_at(8));
    if tokens == 0 || tokens > MAX_TOKENS {
        return Err(field("tokens", format!("{tokens} not in 1..={MAX_TOKENS}")));
    }
    if rows == 0 || rows > tokens || rows >= u32::from(NO_ROW) {
        return Err(field(
            "rows",
            format!("{rows} not in 1..={}", tokens.min(65_534)),
        ));
    }
    let feature_scale = f32::from_bits(u32_at(12));
    if !(feature_scale > 0.0 && feature_scale <= 100.0) {
        return Err(field("feature_scale", "not in (0, 100]"));
    }
    let vocab_bytes = u32_at(16);
    if vocab_bytes > MAX_VOCAB_BYTES {
        return Err(field(
            "vocab_bytes",
            format!("{vocab_bytes} over {MAX_VOCAB_BYTES}"),
        ));
    }
    let (dim, tokens, rows, vocab_bytes) = (
        usize::from(dim),
        tokens as usize,
        rows as usize,
        vocab_bytes as usize,
    );
    let len =
        EMB_HEADER + vocab_bytes + 2 * tokens + 4 * rows + rows * dim + 4 * dim * Label::COUNT;
    Ok(Section {
        dim,
        tokens,
        rows,
        feature_scale,
        vocab_bytes,
        len,
    })
}

/// Little-endian values of `width` bytes each from `bytes`.
fn chunks<T>(bytes: &[u8], width: usize, f: impl Fn(&[u8]) -> T) -> Vec<T> {
    bytes.chunks_exact(width).map(f).collect()
}

/// Decodes the embedding section (its length already checked against the input).
fn decode_section(content: &[u8], at: usize, s: &Section) -> Result<Embeddings, ModelError> {
    let mut at = at + EMB_HEADER;
    let mut next = |n: usize| {
        let part = content.get(at..at + n).unwrap_or(&[]);
        at += n;
        part
    };
    let vocab =
        std::str::from_utf8(next(s.vocab_bytes)).map_err(|_| field("vocab", "not UTF-8"))?;
    let Some(vocab) = vocab.strip_suffix('\n') else {
        return Err(field("vocab", "does not end with a newline"));
    };
    let tokens: Vec<String> = vocab.split('\n').map(String::from).collect();
    if tokens.len() != s.tokens {
        return Err(field(
            "vocab",
            format!("{} entries, header says {}", tokens.len(), s.tokens),
        ));
    }
    let vocab = WordPiece::new(tokens).map_err(|e| field("vocab", e.to_string()))?;
    let row_of = chunks(next(2 * s.tokens), 2, |b| u16::from_le_bytes([b[0], b[1]]));
    if row_of
        .iter()
        .any(|&r| r != NO_ROW && usize::from(r) >= s.rows)
    {
        return Err(field("row_of", "a token points past the last row"));
    }
    let f32s = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let row_scale = chunks(next(4 * s.rows), 4, f32s);
    if row_scale.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(field("row_scale", "not a finite number ≥ 0"));
    }
    let matrix = next(s.rows * s.dim).iter().map(|&b| b as i8).collect();
    let weights = chunks(next(4 * s.dim * Label::COUNT), 4, f32s);
    if weights.iter().any(|v| !v.is_finite()) {
        return Err(field("dense_weights", "not a finite number"));
    }
    Ok(Embeddings {
        vocab,
        row_of,
        dim: s.dim,
        row_scale,
        matrix,
        feature_scale: s.feature_scale,
        weights,
    })
}

/// Appends the embedding section of `e` to `out`.
fn encode_section(e: &Embeddings, out: &mut Vec<u8>) {
    let mut vocab = String::new();
    for t in e.vocab.tokens() {
        vocab.push_str(t);
        vocab.push('\n');
    }
    out.extend_from_slice(&(e.dim as u16).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(e.vocab.tokens().len() as u32).to_le_bytes());
    out.extend_from_slice(&(e.rows() as u32).to_le_bytes());
    out.extend_from_slice(&e.feature_scale.to_le_bytes());
    out.extend_from_slice(&(vocab.len() as u32).to_le_bytes());
    out.extend_from_slice(vocab.as_bytes());
    for r in &e.row_of {
        out.extend_from_slice(&r.to_le_bytes());
    }
    for v in &e.row_scale {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(e.matrix.iter().map(|&q| q as u8));
    for v in &e.weights {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Encodes `params` (the trainer's output) as a model file.
pub fn encode(p: &ModelParams) -> Vec<u8> {
    let f = p.features;
    let mut out = Vec::with_capacity(HEADER + body_len(f.bucket_bits) + CHECKSUM);
    out.extend_from_slice(&MAGIC);
    let version = match p.embeddings {
        Some(_) => FORMAT_VERSION,
        None => FORMAT_VERSION_NGRAMS,
    };
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(Label::COUNT as u16).to_le_bytes());
    out.extend_from_slice(&[f.bucket_bits, f.char_min, f.char_max, f.words]);
    out.extend_from_slice(&p.corpus_sha256);
    for v in p.bias.iter().chain(&p.scale).chain(&p.thresholds) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(p.weights.iter().map(|&w| w as u8));
    if let Some(e) = &p.embeddings {
        encode_section(e, &mut out);
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}
