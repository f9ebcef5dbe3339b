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
//! - [`video`]: the video section (listed videos, sharing the PDQ index).
//! - [`store`]: [`LiveList`], the on-disk store with rollback protection and atomic swap.

pub mod builder;
pub mod delta;
pub mod error;
pub mod format;
pub mod import;
mod index;
pub mod keys;
pub mod kinds;
pub mod list;
pub mod matching;
mod packed;
#[doc(hidden)]
#[cfg(any(test, feature = "testing"))]
pub mod random;
pub mod store;
// video (issue 13): the video section (listed videos as bags of frame hashes).
pub mod video;

pub use builder::{ListBuilder, PdqIndexScheme};
pub use delta::{apply_delta, make_delta, parse_delta, Delta, DeltaSummary};
pub use error::ListError;
pub use import::{import_csv, import_hma, CsvOptions, ImportIssue, ImportReport};
pub use keys::{IssuerPublicKey, IssuerSecretKey, KeyId, TrustedKeys};
pub use kinds::HashKind;
pub use list::{HashList, ListCounts, ListEntry, ListInfo, Verification};
pub use matching::{ListMatch, SourcePolicy};
pub use store::LiveList;
