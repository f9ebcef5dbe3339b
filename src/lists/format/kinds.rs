//! Hash kinds a list can hold, their byte widths and hex encodings.
//!
//! All hashes are stored as the bytes of their usual lowercase hex string, in order:
//! PDQ is `[u8; 32]` with byte 0 = the first two hex characters of Meta's 64-char hex;
//! pHash is a `u64` stored big-endian (its 16-char hex); MD5/SHA-1/SHA-256 are the raw digests.

use crate::lists::ListError;
use serde::Serialize;

/// The hash families a list can hold. Each has its own section in the file.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashKind {
    /// Meta's PDQ, 256 bits; matched by Hamming radius over all dihedral variants.
    Pdq,
    /// 64-bit perceptual hash (pHash); matched by Hamming radius.
    PHash,
    /// MD5 of the file bytes; exact match.
    Md5,
    /// SHA-1 of the file bytes; exact match.
    Sha1,
    /// SHA-256 of the file bytes; exact match.
    Sha256,
}

impl std::fmt::Display for HashKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl HashKind {
    /// Every kind, in file section order.
    pub const ALL: [HashKind; 5] = [
        HashKind::Pdq,
        HashKind::PHash,
        HashKind::Md5,
        HashKind::Sha1,
        HashKind::Sha256,
    ];

    /// Width of one hash in bytes.
    pub const fn width(self) -> usize {
        match self {
            HashKind::Pdq => 32,
            HashKind::PHash => 8,
            HashKind::Md5 => 16,
            HashKind::Sha1 => 20,
            HashKind::Sha256 => 32,
        }
    }

    /// Numeric code used in section kinds (0..=4).
    pub const fn code(self) -> u32 {
        match self {
            HashKind::Pdq => 0,
            HashKind::PHash => 1,
            HashKind::Md5 => 2,
            HashKind::Sha1 => 3,
            HashKind::Sha256 => 4,
        }
    }

    /// Inverse of [`HashKind::code`].
    pub fn from_code(code: u32) -> Option<HashKind> {
        HashKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// Lowercase name used in files and on the command line (`pdq`, `phash`, `md5`, `sha1`, `sha256`).
    pub const fn name(self) -> &'static str {
        match self {
            HashKind::Pdq => "pdq",
            HashKind::PHash => "phash",
            HashKind::Md5 => "md5",
            HashKind::Sha1 => "sha1",
            HashKind::Sha256 => "sha256",
        }
    }

    /// Parses a kind name (case-insensitive; `sha-1`, `sha-256` and `pdqhash` accepted too).
    pub fn from_name(name: &str) -> Option<HashKind> {
        match name.trim().to_ascii_lowercase().as_str() {
            "pdq" | "pdqhash" => Some(HashKind::Pdq),
            "phash" => Some(HashKind::PHash),
            "md5" => Some(HashKind::Md5),
            "sha1" | "sha-1" => Some(HashKind::Sha1),
            "sha256" | "sha-256" => Some(HashKind::Sha256),
            _ => None,
        }
    }

    /// Index into per-kind arrays (same as the code).
    pub(crate) const fn index(self) -> usize {
        self.code() as usize
    }

    /// Parses a hex string of this kind's width into bytes.
    pub fn parse_hex(self, text: &str) -> Result<Vec<u8>, ListError> {
        let text = text.trim();
        if text.len() != self.width() * 2 {
            return Err(ListError::InvalidHash(format!(
                "{}: expected {} hex characters, found {}",
                self.name(),
                self.width() * 2,
                text.chars().count()
            )));
        }
        hex_decode(text).ok_or_else(|| {
            ListError::InvalidHash(format!("{}: {:?} is not valid hex", self.name(), text))
        })
    }
}

pub use crate::hex::{decode as hex_decode, encode as hex_encode};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex_encode(&bytes), "0001abff");
        assert_eq!(hex_decode("0001ABff"), Some(bytes.to_vec()));
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
        assert!(HashKind::Md5.parse_hex("00").is_err());
        assert_eq!(
            HashKind::PHash
                .parse_hex("0102030405060708")
                .map(|v| v.len())
                .ok(),
            Some(8)
        );
    }

    #[test]
    fn kind_codes_round_trip() {
        for k in HashKind::ALL {
            assert_eq!(HashKind::from_code(k.code()), Some(k));
            assert_eq!(HashKind::from_name(k.name()), Some(k));
        }
    }
}
