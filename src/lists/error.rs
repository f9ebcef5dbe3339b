//! The typed error for everything in [`crate::lists`]. Messages are written for the policy
//! team or the integrating engineer: they say what was wrong and, where useful, what to do.

use thiserror::Error;

/// Every failure of list parsing, verification, building, importing, delta application and storage.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ListError {
    /// An I/O failure, with the path or operation that failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes do not start with the list magic.
    #[error("not a Preflight hash list or delta (bad magic bytes)")]
    BadMagic,
    /// The file uses a format version this build cannot read.
    #[error("unsupported list format version {found} (this build reads version {supported})")]
    UnsupportedFormat {
        /// Version in the file.
        found: u32,
        /// Version this build understands.
        supported: u32,
    },
    /// The file is truncated or its structure is inconsistent (offsets, lengths, counts).
    #[error("list file is truncated or malformed: {0}")]
    Malformed(String),
    /// The SHA-256 over the file does not match the signed digest: the bytes were changed.
    #[error("list digest mismatch: the file was modified after signing (signed digest {signed}, computed {computed})")]
    DigestMismatch {
        /// Digest stored (and signed) in the trailer.
        signed: String,
        /// Digest computed over the bytes.
        computed: String,
    },
    /// The ed25519 signature does not verify with the issuer's key.
    #[error("signature check failed for issuer key {key_id}: the list was tampered with or not signed by this key")]
    BadSignature {
        /// Key id named in the header.
        key_id: String,
    },
    /// The issuer key named in the header is not among the trusted keys.
    #[error("list is signed by key {key_id}, which is not among the trusted keys")]
    UntrustedKey {
        /// Key id named in the header.
        key_id: String,
    },
    /// The offered update is not newer than the live list.
    #[error("refusing rollback: update version {offered} is not newer than the live version {current} (force to override)")]
    Rollback {
        /// Version offered by the update.
        offered: u64,
        /// Version currently live.
        current: u64,
    },
    /// The delta was made against a different base version.
    #[error("delta applies to version {base} but the live list is version {current}")]
    DeltaBaseMismatch {
        /// Base version named in the delta.
        base: u64,
        /// Version currently live.
        current: u64,
    },
    /// Rebuilding the list from base + delta did not reproduce the issuer's target list.
    #[error("delta result does not match the issuer's target list (target digest {expected}, rebuilt {rebuilt})")]
    DeltaTargetMismatch {
        /// Target digest named in the delta.
        expected: String,
        /// Digest of the rebuilt list.
        rebuilt: String,
    },
    /// The file is a delta where a full list was expected, or the reverse.
    #[error("wrong file kind: expected {expected}, found {found}")]
    WrongFileKind {
        /// What the operation needs.
        expected: &'static str,
        /// What the file is.
        found: &'static str,
    },
    /// A hash value could not be parsed or has the wrong length.
    #[error("invalid hash: {0}")]
    InvalidHash(String),
    /// A key file or key bytes are invalid.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// More than 64 source organisations (the bitmap is 64 bits).
    #[error("too many source organisations: a list holds at most 64 (adding {0:?})")]
    TooManyOrgs(String),
    /// A source organisation bit was used that the org table does not name.
    #[error("unknown source organisation: {0}")]
    UnknownOrg(String),
    /// The input has more entries than the format supports.
    #[error("list too large: {0}")]
    TooLarge(String),
    /// An import had invalid rows; nothing was built. Each issue names its line.
    #[error("{} invalid row(s) in import; first at line {}: {}", .issues.len(), .issues.first().map(|i| i.line).unwrap_or(0), .issues.first().map(|i| i.message.as_str()).unwrap_or(""))]
    Import {
        /// Every invalid row, by line number.
        issues: Vec<crate::lists::ImportIssue>,
    },
    /// The same version as the installed (or highest seen) list, but a different list: the
    /// issuer published two lists under one version, or someone replays a forged one.
    #[error("list conflict: version {version} is already installed with digest {installed}, the update has digest {offered}")]
    ListConflict {
        /// The version both lists claim.
        version: u64,
        /// Digest of the list this store holds for that version.
        installed: String,
        /// Digest of the offered list.
        offered: String,
    },
    /// The update jumps further ahead than the store allows in one step.
    #[error("refusing version jump: update version {offered} is more than {max_jump} ahead of version {current} (raise StoreOptions::max_version_jump or force)")]
    VersionJump {
        /// Version offered.
        offered: u64,
        /// Highest version this store has seen.
        current: u64,
        /// The configured bound.
        max_jump: u64,
    },
    /// The offered list had already expired when it arrived (a replayed or frozen update).
    #[error("refusing expired list: it expired at {expires_at} (unix seconds), now is {now}")]
    Expired {
        /// Expiry in the list header.
        expires_at: u64,
        /// The device clock.
        now: u64,
    },
    /// A device-built index does not belong to, or does not fit, its list.
    #[error("list index mismatch: {0}")]
    IndexMismatch(String),
    /// A transparency-log tree head, proof or log file is malformed or does not verify.
    #[error("transparency log proof invalid: {0}")]
    LogProof(String),
    /// The issuer's log is not an extension of the tree head this device stored: the log
    /// forked or rewrote history (or the device is shown a different log than others).
    #[error("transparency log inconsistency: {0}")]
    LogFork(String),
    /// No issuer with this name is configured in the list set.
    #[error("unknown list issuer {0:?}")]
    UnknownIssuer(String),
    /// The operation was cancelled through its cancellation flag.
    #[error("cancelled")]
    Cancelled,
    /// The random number generator failed while generating a key.
    #[error("random number generator failed: {0}")]
    Random(#[source] crate::BoxError),
}

impl ListError {
    /// Builds an [`ListError::Io`] with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ListError::Io {
            context: context.into(),
            source,
        }
    }
}
