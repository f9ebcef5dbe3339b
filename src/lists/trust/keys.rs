//! ed25519 issuer keys: generation, key files, key ids, and the set of keys a device trusts.
//!
//! Key files are text: 64 lowercase hex characters and a newline. The secret key file holds
//! the 32-byte ed25519 seed, the public key file the 32-byte public key. Raw 32-byte binary
//! files are accepted on read too.
//!
//! The issuer key id is the first 8 bytes of SHA-256(public key), shown as 16 hex characters.
//! It is written into every list header so a device knows which trusted key must verify it.

use crate::lists::kinds::{hex_decode, hex_encode};
use crate::lists::ListError;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// Identifies an issuer key: the first 8 bytes of SHA-256 of its public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_encode(&self.0))
    }
}

impl Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// The issuer's secret signing key (held by the policy team, never shipped to devices).
pub struct IssuerSecretKey(SigningKey);

/// An issuer's public key, as shipped to devices inside [`TrustedKeys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerPublicKey(VerifyingKey);

fn read_key_bytes(path: &Path) -> Result<[u8; 32], ListError> {
    let raw = std::fs::read(path)
        .map_err(|e| ListError::io(format!("reading key file {}", path.display()), e))?;
    key_bytes_from_file_contents(&raw).ok_or_else(|| {
        ListError::InvalidKey(format!(
            "{}: expected 64 hex characters or 32 raw bytes",
            path.display()
        ))
    })
}

fn key_bytes_from_file_contents(raw: &[u8]) -> Option<[u8; 32]> {
    if let Some(bytes) = std::str::from_utf8(raw)
        .ok()
        .and_then(|text| hex_decode(text.trim()))
    {
        return bytes.try_into().ok();
    }
    raw.try_into().ok()
}

fn write_file(path: &Path, text: &str) -> Result<(), ListError> {
    std::fs::write(path, text)
        .map_err(|e| ListError::io(format!("writing key file {}", path.display()), e))
}

impl IssuerSecretKey {
    /// Generates a new key from the operating system's random number generator.
    pub fn generate() -> Result<IssuerSecretKey, ListError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| ListError::Random(Box::new(e)))?;
        Ok(IssuerSecretKey(SigningKey::from_bytes(&seed)))
    }

    /// Builds a key from its 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> IssuerSecretKey {
        IssuerSecretKey(SigningKey::from_bytes(seed))
    }

    /// Parses 64 hex characters.
    pub fn from_hex(text: &str) -> Result<IssuerSecretKey, ListError> {
        let bytes: [u8; 32] = hex_decode(text.trim())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ListError::InvalidKey("secret key must be 64 hex characters".into()))?;
        Ok(IssuerSecretKey::from_seed(&bytes))
    }

    /// The seed as 64 hex characters (secret!).
    pub fn to_hex(&self) -> String {
        hex_encode(&self.0.to_bytes())
    }

    /// Reads a secret key file (hex or raw).
    pub fn read(path: &Path) -> Result<IssuerSecretKey, ListError> {
        Ok(IssuerSecretKey::from_seed(&read_key_bytes(path)?))
    }

    /// Writes the secret key file (hex + newline); on Unix the file is made owner-only.
    pub fn write(&self, path: &Path) -> Result<(), ListError> {
        write_file(path, &format!("{}\n", self.to_hex()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| ListError::io(format!("restricting {}", path.display()), e))?;
        }
        Ok(())
    }

    /// The matching public key.
    pub fn public(&self) -> IssuerPublicKey {
        IssuerPublicKey(self.0.verifying_key())
    }

    /// Key id of the public key.
    pub fn key_id(&self) -> KeyId {
        self.public().key_id()
    }

    /// Signs a 32-byte digest.
    pub(crate) fn sign_digest(&self, digest: &[u8; 32]) -> [u8; 64] {
        self.0.sign(digest).to_bytes()
    }
}

impl IssuerPublicKey {
    /// Builds a public key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<IssuerPublicKey, ListError> {
        VerifyingKey::from_bytes(bytes)
            .map(IssuerPublicKey)
            .map_err(|e| ListError::InvalidKey(format!("not a valid ed25519 public key: {e}")))
    }

    /// Parses 64 hex characters.
    pub fn from_hex(text: &str) -> Result<IssuerPublicKey, ListError> {
        let bytes: [u8; 32] = hex_decode(text.trim())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ListError::InvalidKey("public key must be 64 hex characters".into()))?;
        IssuerPublicKey::from_bytes(&bytes)
    }

    /// The key as 64 hex characters.
    pub fn to_hex(&self) -> String {
        hex_encode(self.0.as_bytes())
    }

    /// Reads a public key file (hex or raw).
    pub fn read(path: &Path) -> Result<IssuerPublicKey, ListError> {
        IssuerPublicKey::from_bytes(&read_key_bytes(path)?)
    }

    /// Writes the public key file (hex + newline).
    pub fn write(&self, path: &Path) -> Result<(), ListError> {
        write_file(path, &format!("{}\n", self.to_hex()))
    }

    /// The key id: first 8 bytes of SHA-256 of the 32-byte public key.
    pub fn key_id(&self) -> KeyId {
        let digest = Sha256::digest(self.0.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        KeyId(id)
    }

    /// Verifies `signature` over `digest` (strict ed25519 verification).
    pub(crate) fn verify_digest(&self, digest: &[u8; 32], signature: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.0.verify_strict(digest, &sig).is_ok()
    }
}

/// The issuer keys a device accepts lists from (usually one, two during key rotation).
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<IssuerPublicKey>,
}

impl TrustedKeys {
    /// A set of trusted keys.
    pub fn new(keys: Vec<IssuerPublicKey>) -> TrustedKeys {
        TrustedKeys { keys }
    }

    /// Reads public key files.
    pub fn read_files(paths: &[&Path]) -> Result<TrustedKeys, ListError> {
        let keys = paths
            .iter()
            .map(|p| IssuerPublicKey::read(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedKeys { keys })
    }

    /// The key with this id, if trusted.
    pub fn find(&self, id: &KeyId) -> Option<&IssuerPublicKey> {
        self.keys.iter().find(|k| k.key_id() == *id)
    }

    /// True when no key is trusted (then nothing verifies).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Verifies the stored signature over `digest` by the key named `key_id`.
    pub(crate) fn verify(
        &self,
        key_id: &KeyId,
        digest: &[u8; 32],
        signature: &[u8; 64],
    ) -> Result<(), ListError> {
        let key = self.find(key_id).ok_or_else(|| ListError::UntrustedKey {
            key_id: key_id.to_string(),
        })?;
        if key.verify_digest(digest, signature) {
            Ok(())
        } else {
            Err(ListError::BadSignature {
                key_id: key_id.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hex_round_trip_and_id_is_stable() {
        let sk = IssuerSecretKey::from_seed(&[7u8; 32]);
        let again = IssuerSecretKey::from_hex(&sk.to_hex()).unwrap();
        assert_eq!(sk.public(), again.public());
        let pk = IssuerPublicKey::from_hex(&sk.public().to_hex()).unwrap();
        assert_eq!(pk.key_id(), sk.key_id());
        assert_eq!(sk.key_id().to_string().len(), 16);
        let digest = [3u8; 32];
        let sig = sk.sign_digest(&digest);
        assert!(pk.verify_digest(&digest, &sig));
        assert!(!pk.verify_digest(&[4u8; 32], &sig));
        assert!(IssuerPublicKey::from_hex("abcd").is_err());
    }
}
