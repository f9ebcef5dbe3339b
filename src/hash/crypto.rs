//! Cryptographic digests (MD5, SHA-1, SHA-256) of the raw file bytes, for exact matching
//! against lists that carry them. They match only byte-identical files: any re-encode defeats
//! them, which is why PDQ runs beside them.

use serde::Serialize;
use sha1::Digest as _;

/// The three digests of one byte string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CryptoHashes {
    /// MD5 (still the most common format in shared industry lists).
    pub md5: [u8; 16],
    /// SHA-1.
    pub sha1: [u8; 20],
    /// SHA-256.
    pub sha256: [u8; 32],
}

impl CryptoHashes {
    /// Digests `bytes` with all three algorithms.
    pub fn of(bytes: &[u8]) -> CryptoHashes {
        CryptoHashes {
            md5: md5::Md5::digest(bytes).into(),
            sha1: sha1::Sha1::digest(bytes).into(),
            sha256: sha2::Sha256::digest(bytes).into(),
        }
    }
}

impl Serialize for CryptoHashes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CryptoHashes", 3)?;
        st.serialize_field("md5", &crate::hex::encode(&self.md5))?;
        st.serialize_field("sha1", &crate::hex::encode(&self.sha1))?;
        st.serialize_field("sha256", &crate::hex::encode(&self.sha256))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::encode as hex_string;

    #[test]
    fn known_answers() {
        // RFC 1321 / FIPS 180 test vectors for "abc".
        let h = CryptoHashes::of(b"abc");
        assert_eq!(hex_string(&h.md5), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex_string(&h.sha1),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex_string(&h.sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
