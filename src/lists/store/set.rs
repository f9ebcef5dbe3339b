//! Several lists from several issuers at once: a [`ListSet`] holds one [`LiveList`] per
//! issuer (each in its own store directory, with its own trusted keys, category and rollback
//! floor), installed and updated independently, and answers queries with corroboration by
//! independent signatures.
//!
//! Corroboration ([`IssuerPolicy`]): "k of n issuers" counts an image only when at least `k`
//! lists, signed by `k` distinct issuer keys, hold a matching entry. This replaces trusting
//! the source-organisation bits one issuer asserts: one issuer alone can set any bits, but it
//! cannot produce another issuer's signature. Evidence names every issuer that matched.
//!
//! ```no_run
//! use preflight::lists::{IssuerConfig, IssuerPolicy, ListSet, TrustedKeys};
//! # fn demo(ncmec: TrustedKeys, gifct: TrustedKeys, variants: &[[u8; 32]]) -> Result<(), preflight::lists::ListError> {
//! let set = ListSet::open(vec![
//!     IssuerConfig::new("ncmec", "/data/lists/ncmec".into(), ncmec, "known-abuse"),
//!     IssuerConfig::new("gifct", "/data/lists/gifct".into(), gifct, "terrorist-content"),
//! ])?;
//! let hit = set.match_pdq(variants, 31, &IssuerPolicy::k_of_n(2));
//! if hit.counted { println!("{:?}", hit.issuers.iter().map(|i| &i.issuer).collect::<Vec<_>>()); }
//! # Ok(()) }
//! ```

use super::{ListStatus, LiveList, StoreOptions};
use crate::lists::{HashKind, ListError, ListInfo, ListMatch, TrustedKeys};
use serde::Serialize;
use std::path::PathBuf;

/// One issuer of a [`ListSet`].
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// Name used in evidence, policies and updates ("ncmec", "app-own", ...).
    pub name: String,
    /// This issuer's store directory (one per issuer).
    pub store_dir: PathBuf,
    /// The keys this issuer's lists must be signed with.
    pub trusted_keys: TrustedKeys,
    /// What this issuer's list is about (reported with every hit).
    pub category: String,
    /// Store options (jump bound, transparency requirement, ...).
    pub options: StoreOptions,
}

impl IssuerConfig {
    /// An issuer with default store options.
    pub fn new(
        name: &str,
        store_dir: PathBuf,
        trusted_keys: TrustedKeys,
        category: &str,
    ) -> IssuerConfig {
        IssuerConfig {
            name: name.to_owned(),
            store_dir,
            trusted_keys,
            category: category.to_owned(),
            options: StoreOptions::default(),
        }
    }
}

/// The corroboration rule across issuers.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IssuerPolicy {
    /// Minimum number of independently signed lists (distinct issuer keys) that must match
    /// (k). 0 or 1: any one issuer suffices.
    pub min_issuers: u32,
    /// Issuers whose lists count (n); empty = all configured issuers.
    pub counted: Vec<String>,
}

impl IssuerPolicy {
    /// Requires `k` independent issuers, counting all of them.
    pub fn k_of_n(k: u32) -> IssuerPolicy {
        IssuerPolicy {
            min_issuers: k,
            counted: Vec::new(),
        }
    }

    fn counts(&self, issuer: &str) -> bool {
        self.counted.is_empty() || self.counted.iter().any(|c| c == issuer)
    }
}

/// One issuer's matches for a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerHit {
    /// Issuer name.
    pub issuer: String,
    /// The issuer's category.
    pub category: String,
    /// Key id that signed the matching list.
    pub issuer_key_id: String,
    /// Version of the matching list.
    pub list_version: u64,
    /// Digest of the matching list.
    pub list_digest_hex: String,
    /// Whether this issuer counts under the policy.
    pub counted: bool,
    /// The matching entries.
    pub matches: Vec<ListMatch>,
}

/// The answer for one image across all issuers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Corroboration {
    /// True when the policy is met: at least `min_issuers` distinct counted issuer keys hold a
    /// matching entry.
    pub counted: bool,
    /// Distinct counted issuer keys that matched.
    pub independent_issuers: u32,
    /// Every issuer that matched (counted or not), in configuration order.
    pub issuers: Vec<IssuerHit>,
}

struct Member {
    config: IssuerConfig,
    list: LiveList,
}

/// Lists from several issuers (see the module docs).
pub struct ListSet {
    members: Vec<Member>,
}

impl std::fmt::Debug for ListSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.members.iter().map(|m| &m.config.name))
            .finish()
    }
}

impl ListSet {
    /// Opens every issuer's store (never failing on a bad installed list, see
    /// [`LiveList::open`]). Fails on duplicate names, a shared store directory, or a store
    /// directory that cannot be created.
    pub fn open(issuers: Vec<IssuerConfig>) -> Result<ListSet, ListError> {
        let mut members: Vec<Member> = Vec::with_capacity(issuers.len());
        for config in issuers {
            if members.iter().any(|m| m.config.name == config.name) {
                return Err(ListError::UnknownIssuer(format!(
                    "{} is configured twice",
                    config.name
                )));
            }
            if members
                .iter()
                .any(|m| m.config.store_dir == config.store_dir)
            {
                return Err(ListError::UnknownIssuer(format!(
                    "{} shares a store directory with another issuer",
                    config.name
                )));
            }
            let list = LiveList::open_with_options(
                &config.store_dir,
                config.trusted_keys.clone(),
                config.options.clone(),
            )?;
            members.push(Member { config, list });
        }
        Ok(ListSet { members })
    }

    fn member(&self, issuer: &str) -> Result<&Member, ListError> {
        self.members
            .iter()
            .find(|m| m.config.name == issuer)
            .ok_or_else(|| ListError::UnknownIssuer(issuer.to_owned()))
    }

    /// The store of one issuer (for proofs, file updates, tree heads).
    pub fn store(&self, issuer: &str) -> Result<&LiveList, ListError> {
        Ok(&self.member(issuer)?.list)
    }

    /// Applies an update to one issuer's store (verified against that issuer's keys only).
    pub fn apply_update(
        &self,
        issuer: &str,
        bytes: &[u8],
        force: bool,
    ) -> Result<ListInfo, ListError> {
        self.member(issuer)?.list.apply_update(bytes, force)
    }

    /// Every issuer's status, in configuration order.
    pub fn status(&self) -> Vec<(String, ListStatus)> {
        self.members
            .iter()
            .map(|m| (m.config.name.clone(), m.list.status()))
            .collect()
    }

    /// PDQ query across all issuers (see [`crate::lists::HashList::match_pdq`]).
    pub fn match_pdq(
        &self,
        variants: &[[u8; 32]],
        radius: u32,
        policy: &IssuerPolicy,
    ) -> Corroboration {
        self.corroborate(policy, |list| list.match_pdq(variants, radius))
    }

    /// Exact query across all issuers.
    pub fn match_exact(&self, kind: HashKind, hash: &[u8], policy: &IssuerPolicy) -> Corroboration {
        self.corroborate(policy, |list| list.match_exact(kind, hash))
    }

    /// One image across all issuers: every PDQ query (one set of dihedral variants per image
    /// region) and every exact digest, so an issuer counts once however many of its entries
    /// matched.
    pub fn match_image(
        &self,
        pdq: &[Vec<[u8; 32]>],
        radius: u32,
        exact: &[(HashKind, &[u8])],
        policy: &IssuerPolicy,
    ) -> Corroboration {
        self.snapshot().match_image(pdq, radius, exact, policy)
    }

    /// Issuer names, in configuration order.
    pub fn issuers(&self) -> Vec<&str> {
        self.members
            .iter()
            .map(|m| m.config.name.as_str())
            .collect()
    }

    /// Every issuer's configuration, in configuration order.
    pub fn configs(&self) -> impl Iterator<Item = &IssuerConfig> {
        self.members.iter().map(|m| &m.config)
    }

    /// The lists in force now, one per issuer, as an owned snapshot that a long scan (a video,
    /// an animation) matches against from start to end while updates land.
    pub fn snapshot(&self) -> IssuerSnapshot {
        IssuerSnapshot {
            members: self
                .members
                .iter()
                .map(|m| SnapshotMember {
                    name: m.config.name.clone(),
                    category: m.config.category.clone(),
                    list: m.list.current(),
                })
                .collect(),
        }
    }

    fn corroborate(
        &self,
        policy: &IssuerPolicy,
        query: impl Fn(&crate::lists::HashList) -> Vec<ListMatch>,
    ) -> Corroboration {
        self.snapshot().corroborate(policy, query)
    }
}

/// One issuer's list in an [`IssuerSnapshot`].
#[derive(Debug, Clone)]
struct SnapshotMember {
    name: String,
    category: String,
    list: std::sync::Arc<crate::lists::HashList>,
}

/// Every issuer's list in force at one moment ([`ListSet::snapshot`]): owned, cheap to clone
/// (the lists are shared), and answering the same queries as the [`ListSet`].
#[derive(Debug, Clone)]
pub struct IssuerSnapshot {
    members: Vec<SnapshotMember>,
}

impl IssuerSnapshot {
    /// One image across all issuers (see [`ListSet::match_image`]).
    pub fn match_image(
        &self,
        pdq: &[Vec<[u8; 32]>],
        radius: u32,
        exact: &[(HashKind, &[u8])],
        policy: &IssuerPolicy,
    ) -> Corroboration {
        self.corroborate(policy, |list| {
            let mut all = Vec::new();
            for (kind, hash) in exact {
                all.extend(list.match_exact(*kind, hash));
            }
            for variants in pdq {
                all.extend(list.match_pdq(variants, radius));
            }
            all
        })
    }

    /// One frame of an animation or video (its dihedral `variants`) across all issuers. Hits
    /// on the frames of a listed *video* are left out: vPDQ decides those by the share of the
    /// video's frames matched, because one frame alone (a title card, a logo) can be common
    /// to innocent videos.
    pub fn match_frame(
        &self,
        variants: &[[u8; 32]],
        radius: u32,
        policy: &IssuerPolicy,
    ) -> Corroboration {
        self.corroborate(policy, |list| {
            let hits = list.match_pdq(variants, radius);
            match list.videos() {
                None => hits,
                Some(section) => hits
                    .into_iter()
                    .filter(|m| section.videos_of_entry(list.as_bytes(), m.entry).is_empty())
                    .collect(),
            }
        })
    }

    fn corroborate(
        &self,
        policy: &IssuerPolicy,
        query: impl Fn(&crate::lists::HashList) -> Vec<ListMatch>,
    ) -> Corroboration {
        let mut issuers = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for m in &self.members {
            let matches = query(&m.list);
            if matches.is_empty() {
                continue;
            }
            let info = m.list.info();
            let counted = policy.counts(&m.name);
            if counted && !keys.contains(&info.issuer_key_id) {
                keys.push(info.issuer_key_id.clone());
            }
            issuers.push(IssuerHit {
                issuer: m.name.clone(),
                category: m.category.clone(),
                issuer_key_id: info.issuer_key_id,
                list_version: info.version,
                list_digest_hex: info.digest_hex,
                counted,
                matches,
            });
        }
        let independent = keys.len() as u32;
        Corroboration {
            counted: independent > 0 && independent >= policy.min_issuers.max(1),
            independent_issuers: independent,
            issuers,
        }
    }
}
