//! Image and byte hashes: PDQ (Meta's perceptual hash, all eight rotations/flips), pHash and
//! dHash, and cryptographic digests, plus [`hash_image_bytes`] which runs them all on one file.

pub mod augment;
pub mod crypto;
pub mod pdq;
#[cfg(any(test, feature = "testing"))]
pub mod pdq_reference;
pub mod perceptual;
pub mod pil_resize;
pub mod variants;

use crate::media::{self, DecodeLimits, MediaError};
use serde::Serialize;

/// The smallest side PDQ's input is decoded at when a JPEG is large enough for a DCT-scaled
/// decode: four times PDQ's 64x64 grid, so the tent filter still averages several pixels per
/// cell. Measured on the reference vectors: every large image stays within 8 bits of Meta's
/// C++ hash (tests/it/pdq_conformance.rs), and a 12 MP photo decodes at 1/8 scale.
pub const PDQ_DECODE_MIN_SIDE: u32 = 256;

/// Every hash of one image file.
#[derive(Debug, Clone, Serialize)]
pub struct ImageHashes {
    /// PDQ of the displayed image and its seven rotations/flips, with quality.
    pub pdq: pdq::PdqDihedral,
    /// pHash / dHash of the displayed image.
    pub perceptual: perceptual::PerceptualHashes,
    /// Digests of the raw bytes.
    pub crypto: crypto::CryptoHashes,
    /// Width and height the hashes were computed from (after orientation and any scaled decode).
    pub decoded_size: (u32, u32),
    /// The image's own width and height as displayed (header size, EXIF orientation applied).
    pub image_size: (u32, u32),
    /// The file was truncated and only what it holds was hashed.
    pub partial: bool,
    /// 1, or 2/4/8 when a large JPEG was decoded at reduced scale (a large lossy WebP: the
    /// factor of its scaled decode, see [`media::DecodedImage::scale_denominator`]).
    pub scale_denominator: u8,
}

impl ImageHashes {
    /// MD5, SHA-1 and SHA-256 as lowercase hex.
    pub fn crypto_hex(&self) -> (String, String, String) {
        (
            crate::hex::encode(&self.crypto.md5),
            crate::hex::encode(&self.crypto.sha1),
            crate::hex::encode(&self.crypto.sha256),
        )
    }
}

/// Decodes (within `limits`, DCT-scaled for large JPEGs) and computes every hash.
pub fn hash_image_bytes(bytes: &[u8], limits: &DecodeLimits) -> Result<ImageHashes, MediaError> {
    let decoded = media::decode_for_hashing(bytes, limits, PDQ_DECODE_MIN_SIDE)?;
    let pdq = pdq::hash_pixels(decoded.pixels.as_pdq_input())
        .map_err(|e| MediaError::corrupt_from(decoded.format, e))?;
    Ok(ImageHashes {
        pdq,
        perceptual: perceptual::hash_pixels(&decoded.pixels),
        crypto: crypto::CryptoHashes::of(bytes),
        decoded_size: (decoded.pixels.width(), decoded.pixels.height()),
        image_size: if decoded.exif_orientation >= 5 {
            (decoded.source_height, decoded.source_width)
        } else {
            (decoded.source_width, decoded.source_height)
        },
        partial: decoded.partial,
        scale_denominator: decoded.scale_denominator,
    })
}
