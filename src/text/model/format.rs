//! The `.pftm` model file: a small versioned binary format, read as untrusted input.
//!
//! All integers and floats little-endian:
//!
//! | bytes | field |
//! |-------|-------|
//! | 4 | magic `PFTM` |
//! | 2 | format version ([`FORMAT_VERSION`]) |
//! | 2 | number of classes (must be [`super::Label::COUNT`]) |
//! | 1 | `bucket_bits` (10..=[`MAX_BUCKET_BITS`]) |
//! | 1 | `char_min`, 1 | `char_max` (0..=8, `char_min <= char_max`), 1 | `words` (0 or 1) |
//! | 32 | sha256 of the training corpus (provenance, not checked) |
//! | 4 × classes | bias per class (f32) |
//! | 4 × classes | weight scale per class (f32): weight = `i8 × scale` |
//! | 4 × 3 | decision thresholds: grooming, self-harm, sexual family probability (f32) |
//! | 2^bucket_bits × classes | weights (i8), bucket-major |
//! | 32 | sha256 of every byte before it |
//!
//! Decoding checks the length first (nothing is allocated beyond what the header announces
//! and the input holds), then the checksum, then every field; each failure is a typed
//! [`ModelError`].

use super::features::FeatureConfig;
use super::Label;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Magic bytes at the start of a model file.
pub const MAGIC: [u8; 4] = *b"PFTM";
/// The format version this build reads and writes.
pub const FORMAT_VERSION: u16 = 1;
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
    #[error("text model format version {found}, this build reads {expected}")]
    Version {
        /// Version in the file.
        found: u16,
        /// Version this build reads.
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
    if version != FORMAT_VERSION {
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
    let needed = HEADER + body_len(bucket_bits) + CHECKSUM;
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
        .get(r.at..)
        .unwrap_or(&[])
        .iter()
        .map(|&b| b as i8)
        .collect();
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
    })
}

/// Encodes `params` (the trainer's output) as a model file.
pub fn encode(p: &ModelParams) -> Vec<u8> {
    let f = p.features;
    let mut out = Vec::with_capacity(HEADER + body_len(f.bucket_bits) + CHECKSUM);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(Label::COUNT as u16).to_le_bytes());
    out.extend_from_slice(&[f.bucket_bits, f.char_min, f.char_max, f.words]);
    out.extend_from_slice(&p.corpus_sha256);
    for v in p.bias.iter().chain(&p.scale).chain(&p.thresholds) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(p.weights.iter().map(|&w| w as u8));
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}
