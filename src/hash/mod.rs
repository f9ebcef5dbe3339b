//! Image and byte hashes: PDQ (Meta's perceptual hash), pHash/dHash, and cryptographic digests.

pub mod crypto;
pub mod pdq;
pub mod perceptual;
