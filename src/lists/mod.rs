//! Signed, versioned hash lists that policy teams own: binary format, importers, deltas,
//! the on-device store with atomic live swap, and the radius index used for matching.
//!
//! Typical use on the device:
//! ```no_run
//! use preflight::lists::{LiveList, TrustedKeys, HashKind};
//! # fn demo(keys: TrustedKeys, variants: &[[u8; 32]]) -> Result<(), preflight::lists::ListError> {
//! let live = LiveList::open("/data/app/lists".as_ref(), keys)?;
//! let list = live.current();                       // Arc<HashList>, cheap, lock-free
//! let hits = list.match_pdq(variants, 31);          // all dihedral variants at once
//! let exact = list.match_exact(HashKind::Md5, &[0u8; 16]);
//! # let _ = (hits, exact); Ok(()) }
//! ```
//!
//! Folders: `format/` (the bytes: layout, builder, list view, deltas, importers), `trust/`
//! (issuer keys), `store/` (the device store), `index/` (the PDQ multi-index and matching).
//! The modules keep their flat paths (`lists::builder`, `lists::keys`, ...) as re-exports.
//!
//! Module map:
//! - [`format`](mod@format): the binary layout (spec in its module docs) and low-level parsing/writing.
//! - [`kinds`]: hash kinds and hex parsing.
//! - [`keys`]: ed25519 issuer keys, key ids, trusted key sets.
//! - [`builder`]: canonical, deterministic list builder (also used to apply deltas).
//! - [`list`]: [`HashList`], the verified zero-copy view of a list file, and [`ListInfo`].
//! - `index` (private): the PDQ multi-index slot schemes and probe enumeration.
//! - [`matching`]: PDQ multi-index radius search, pHash radius search, exact lookups, source policy.
//! - [`import`]: HMA/ThreatExchange and CSV/TSV importers with per-line error reports.
//! - [`delta`]: signed deltas (adds + tombstones) between consecutive versions.
//! - [`store`]: [`LiveList`], the on-disk store (cross-process lock, rollback floor, expiry,
//!   fallback to the last known-good list, updates from files) and [`ListSet`], lists from
//!   several issuers with corroboration by independent signatures.
//! - [`log`]: the issuers' transparency logs (RFC 6962 Merkle trees, signed tree heads).
//! - [`detached`]: the device-built PDQ index of a distributable list.
//! - [`video`]: the video section (listed videos as bags of frame hashes, sharing the PDQ index).

pub mod error;
pub mod format;
mod index;
/// A small deterministic generator (SplitMix64): public for tests and benches (`testing`),
/// crate-private otherwise (the text-model trainer seeds its shuffles with it).
#[doc(hidden)]
#[cfg(any(test, feature = "testing"))]
pub mod random;
#[cfg(not(any(test, feature = "testing")))]
#[allow(dead_code)]
pub(crate) mod random;
pub mod store;
pub mod trust;
// video (issue 13): the video section (listed videos as bags of frame hashes).
pub mod video;

pub(crate) use format::packed;
pub use format::{builder, delta, import, kinds, list};
pub use index::{detached, matching};
pub use trust::{keys, log};

pub use builder::{ListBuilder, PdqIndexScheme};
pub use delta::{apply_delta, make_delta, parse_delta, Delta, DeltaSummary};
pub use error::ListError;
pub use import::{import_csv, import_hma, CsvOptions, ImportIssue, ImportReport};
pub use keys::{IssuerPublicKey, IssuerSecretKey, KeyId, TrustedKeys};
pub use kinds::HashKind;
pub use list::{HashList, ListCounts, ListEntry, ListInfo, Verification};
pub use matching::{ListMatch, SourcePolicy};
pub use store::set::{
    Corroboration, IssuerConfig, IssuerHit, IssuerPolicy, IssuerSnapshot, ListSet,
};
pub use store::{
    ForcedInstall, ListHealth, ListStatus, LiveList, StoreOptions, UpdateControl, UpdateProgress,
    UpdateStage,
};
