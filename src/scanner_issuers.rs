//! Several lists from several issuers in the [`Scanner`]: each issuer (a known-abuse list
//! from one organisation, a terrorist-content list from another, the app's own) has its own
//! trusted keys, category, store directory and store options, and is installed and updated
//! independently ([`Scanner::apply_issuer_update`], [`Scanner::apply_issuer_file`]). A scan
//! matches the image against every issuer's list and applies the "k of n issuers" policy
//! ([`IssuerPolicy`]): the image counts (a blocking signal) only when at least `k` lists,
//! signed by `k` distinct keys of counted issuers, hold a matching entry; fewer matching
//! issuers give a warning. The evidence ([`Evidence::IssuerMatch`]) names every issuer that
//! matched.
//!
//! The single list of [`ScannerConfig::list_store_dir`] and
//! [`ScannerConfig::trusted_list_keys`] keeps working beside the issuers, unchanged (its hits
//! decide alone, as before).
//!
//! ```
//! use preflight::lists::{IssuerConfig, IssuerPolicy, IssuerSecretKey, TrustedKeys};
//! use preflight::{Scanner, ScannerConfig};
//! let dir = tempfile::tempdir().unwrap();
//! let issuer = |name: &str, seed: u8, category: &str| {
//!     let keys = TrustedKeys::new(vec![IssuerSecretKey::from_seed(&[seed; 32]).public()]);
//!     IssuerConfig::new(name, dir.path().join(name), keys, category)
//! };
//! let scanner = Scanner::with_issuers(
//!     ScannerConfig::default(),
//!     vec![issuer("ncmec", 1, "known-abuse"), issuer("iwf", 2, "known-abuse")],
//!     IssuerPolicy::k_of_n(2),
//! )?;
//! assert_eq!(scanner.issuer_status().len(), 2);
//! # Ok::<(), preflight::Error>(())
//! ```

use crate::hash::pdq::Dihedral;
use crate::lists::store::set::{Corroboration, IssuerHit};
use crate::lists::{
    HashKind, IssuerConfig, IssuerPolicy, IssuerSnapshot, ListError, ListInfo, ListSet, ListStatus,
    SourcePolicy, UpdateControl,
};
use crate::verdict::{Category, Evidence, IssuerEvidence, ScannedFrame, Signal};
use crate::{ScanError, Scanner, ScannerConfig};
use std::path::Path;

/// The issuers a scanner holds and the corroboration policy across them.
#[derive(Debug)]
pub(crate) struct Issuers {
    set: ListSet,
    policy: IssuerPolicy,
}

/// One issuer's store status (see [`Scanner::issuer_status`]).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssuerStatus {
    /// The issuer's configured name.
    pub issuer: String,
    /// The issuer's configured category.
    pub category: String,
    /// Its store's status (installed, fallen back or unavailable; stale; floor; tree head).
    pub status: ListStatus,
}

impl Issuers {
    /// Opens every issuer's store; checks the policy names configured issuers and that `k`
    /// can be met.
    pub(crate) fn open(
        configs: Vec<IssuerConfig>,
        policy: IssuerPolicy,
    ) -> Result<Self, ScanError> {
        if let Some(unknown) = policy
            .counted
            .iter()
            .find(|c| !configs.iter().any(|i| &i.name == *c))
        {
            return Err(ScanError::Config(format!(
                "the issuer policy counts {unknown}, which is not a configured issuer"
            )));
        }
        let countable = if policy.counted.is_empty() {
            configs.len()
        } else {
            policy.counted.len()
        };
        if policy.min_issuers as usize > countable {
            return Err(ScanError::Config(format!(
                "the issuer policy needs {} issuers but only {countable} can count",
                policy.min_issuers
            )));
        }
        Ok(Issuers {
            set: ListSet::open(configs)?,
            policy,
        })
    }

    /// The lists in force now with the policy to judge them, for a scan over frames.
    pub(crate) fn snapshot(&self, radius: u32, sources: SourcePolicy) -> IssuerLists {
        IssuerLists {
            snapshot: self.set.snapshot(),
            policy: self.policy.clone(),
            radius,
            sources,
        }
    }
}

/// Every issuer's list at one moment, with the corroboration policy, the PDQ
/// radius and the source policy: what an animation or video scan matches each frame against
/// (owned, so a [`crate::VideoScan`] can move between threads).
#[derive(Debug, Clone)]
pub(crate) struct IssuerLists {
    snapshot: IssuerSnapshot,
    policy: IssuerPolicy,
    radius: u32,
    sources: SourcePolicy,
}

impl IssuerLists {
    /// The issuers' evidence for one image (`pdq`: one set of dihedral variants per region;
    /// `exact`: the file's digests) and whether the policy counts it, or `None` when no
    /// issuer's list matched.
    pub(crate) fn image_evidence(
        &self,
        pdq: &[Vec<[u8; 32]>],
        exact: &[(HashKind, &[u8])],
    ) -> Option<(bool, Evidence)> {
        let found = self
            .snapshot
            .match_image(pdq, self.radius, exact, &self.policy);
        self.evidence(found, None)
    }

    /// The same for one frame of an animation or video (see [`IssuerSnapshot::match_frame`]).
    pub(crate) fn frame_evidence(
        &self,
        variants: &[[u8; 32]],
        frame: ScannedFrame,
    ) -> Option<(bool, Evidence)> {
        let found = self
            .snapshot
            .match_frame(variants, self.radius, &self.policy);
        self.evidence(found, Some(frame))
    }

    fn evidence(
        &self,
        found: Corroboration,
        frame: Option<ScannedFrame>,
    ) -> Option<(bool, Evidence)> {
        let Corroboration {
            counted,
            independent_issuers,
            issuers,
        } = found;
        let issuers: Vec<IssuerEvidence> = issuers
            .into_iter()
            .filter_map(|hit| issuer_evidence(hit, &self.sources))
            .collect();
        if issuers.is_empty() {
            return None;
        }
        let evidence = Evidence::IssuerMatch {
            corroborated: counted,
            independent_issuers,
            required: self.policy.min_issuers.max(1),
            issuers,
            frame,
        };
        Some((counted, evidence))
    }

    /// The same as a signal: score 1 (blocks) when counted, else the uncorroborated score.
    pub(crate) fn signal(
        &self,
        pdq: &[Vec<[u8; 32]>],
        exact: &[(HashKind, &[u8])],
    ) -> Option<Signal> {
        let (counted, evidence) = self.image_evidence(pdq, exact)?;
        Some(known_image_signal(counted, vec![evidence]))
    }
}

/// A known-image signal from issuer evidence: score 1 (blocks) when counted under the policy,
/// otherwise the uncorroborated score (warns).
pub(crate) fn known_image_signal(counted: bool, evidence: Vec<Evidence>) -> Signal {
    Signal {
        category: Category::KnownCsam,
        score: if counted {
            1.0
        } else {
            crate::policy::UNCORROBORATED_SCORE
        },
        evidence,
    }
}

/// One issuer's closest accepted match, or `None` when the source policy drops them all.
fn issuer_evidence(hit: IssuerHit, sources: &SourcePolicy) -> Option<IssuerEvidence> {
    let accepted: Vec<_> = hit
        .matches
        .into_iter()
        .filter(|m| sources.accepts(m))
        .collect();
    let count = accepted.len() as u32;
    let best = accepted.into_iter().min_by_key(|m| m.distance)?;
    Some(IssuerEvidence {
        issuer: hit.issuer,
        issuer_category: hit.category,
        issuer_key_id: hit.issuer_key_id,
        counted: hit.counted,
        list_version: hit.list_version,
        list_digest: hit.list_digest_hex,
        kind: best.kind,
        entry: best.entry,
        hash: best.hash_hex,
        distance: best.distance,
        variant: Dihedral::from_index(usize::from(best.variant)).unwrap_or(Dihedral::Original),
        label: best.label,
        matches: count,
    })
}

impl Scanner {
    /// Builds a scanner (as [`Scanner::new`]) that also holds lists from several `issuers`,
    /// corroborated by `policy` (see the module docs). Fails with [`ScanError::Config`] when
    /// the policy counts an unknown issuer or needs more issuers than can count, and with a
    /// list error for duplicate issuer names or a shared store directory.
    pub fn with_issuers(
        config: ScannerConfig,
        issuers: Vec<IssuerConfig>,
        policy: IssuerPolicy,
    ) -> Result<Scanner, ScanError> {
        let issuers = Issuers::open(issuers, policy)?;
        let mut scanner = Scanner::new(config)?;
        scanner.issuers = Some(issuers);
        Ok(scanner)
    }

    fn issuer_store(&self, issuer: &str) -> Result<&crate::lists::LiveList, ScanError> {
        let set = &self
            .issuers
            .as_ref()
            .ok_or_else(|| ListError::UnknownIssuer(issuer.to_owned()))?
            .set;
        Ok(set.store(issuer)?)
    }

    /// Installs a signed full list or delta into one issuer's store (verified against that
    /// issuer's keys only; the other issuers' lists stay as they are).
    pub fn apply_issuer_update(
        &self,
        issuer: &str,
        bytes: &[u8],
        force: bool,
    ) -> Result<ListInfo, ScanError> {
        Ok(self.issuer_store(issuer)?.apply_update(bytes, force)?)
    }

    /// Installs an update file into one issuer's store (memory-mapped, verified while
    /// streaming, with progress and cancellation; `proof` is the encoded transparency-log
    /// proof; see [`crate::lists::LiveList::apply_file`]).
    pub fn apply_issuer_file(
        &self,
        issuer: &str,
        path: &Path,
        proof: Option<&[u8]>,
        force: bool,
        control: UpdateControl<'_>,
    ) -> Result<ListInfo, ScanError> {
        Ok(self
            .issuer_store(issuer)?
            .apply_file(path, proof, force, control)?)
    }

    /// Every issuer's store status, in configuration order (empty without issuers).
    pub fn issuer_status(&self) -> Vec<IssuerStatus> {
        let Some(issuers) = &self.issuers else {
            return Vec::new();
        };
        issuers
            .set
            .configs()
            .zip(issuers.set.status())
            .map(|(c, (_, status))| IssuerStatus {
                issuer: c.name.clone(),
                category: c.category.clone(),
                status,
            })
            .collect()
    }

    /// One issuer's last verified transparency-log tree head (hex), for auditors.
    pub fn issuer_tree_head(&self, issuer: &str) -> Result<Option<String>, ScanError> {
        Ok(self.issuer_store(issuer)?.tree_head().map(|h| h.to_hex()))
    }

    /// The corroboration policy across issuers (`None` without issuers).
    pub fn issuer_policy(&self) -> Option<&IssuerPolicy> {
        self.issuers.as_ref().map(|i| &i.policy)
    }

    /// The issuers' signal for one image (see [`IssuerLists::signal`]).
    pub(crate) fn issuer_signal(
        &self,
        pdq: &[Vec<[u8; 32]>],
        exact: &[(HashKind, &[u8])],
    ) -> Option<Signal> {
        self.issuer_lists()?.signal(pdq, exact)
    }

    /// The issuers' lists in force now, for a scan over frames (`None` without issuers).
    pub(crate) fn issuer_lists(&self) -> Option<IssuerLists> {
        let policy = self.policy();
        Some(
            self.issuers
                .as_ref()?
                .snapshot(policy.pdq_radius, policy.sources),
        )
    }
}
