//! Signed deltas: the adds and removals (tombstones) that turn list version N into N+1.
//!
//! A delta carries the target list's org table, its added entries with their sources, label
//! and category, the hashes removed, and the digest, signature and issuer key id of the full
//! target list. The device rebuilds the target with the canonical [`ListBuilder`]; because the
//! build is deterministic the result is byte-identical to the list the issuer signed, so the
//! issuer's own signature verifies it and every device ends up with the same digest. A delta
//! is itself signed, so a forged delta is rejected before any work is done.
//!
//! Removal is by hash: a tombstone removes the entry whatever its sources. An entry whose
//! sources or label changed is sent as a tombstone plus an add.

use crate::lists::builder::attach_trailer;
use crate::lists::format::{
    assemble, pad_vec8, parse_container, parse_string_table, read_u32, read_u64, slice, to_usize,
    write_string_table, write_tag_table, Container, FileKind, Header, SEC_ADDS, SEC_OPTIONAL,
    SEC_ORGS, SEC_REMOVES, SEC_STRINGS, SEC_TAGS, SEC_TARGET, TRAILER_LEN,
};
use crate::lists::keys::KeyId;
use crate::lists::kinds::hex_encode;
use crate::lists::list::{check_container, Verification};
use crate::lists::{
    HashKind, HashList, IssuerSecretKey, ListBuilder, ListCounts, ListEntry, ListError, TrustedKeys,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::collections::HashMap;

/// What a delta changes, for display and audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeltaSummary {
    /// Version the delta applies to.
    pub base_version: u64,
    /// Version it produces.
    pub target_version: u64,
    /// Digest of the full list it produces.
    pub target_digest_hex: String,
    /// Key id that signed the delta.
    pub issuer_key_id: String,
    /// Added entries per kind, and added (or re-sent) videos.
    pub adds: ListCounts,
    /// Removed entries (tombstones) per kind, and removed videos.
    pub removes: ListCounts,
}

/// An added entry in a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaAdd {
    /// Hash bytes.
    pub hash: Vec<u8>,
    /// Source bitmap over the target org table.
    pub source_orgs: u64,
    /// Label.
    pub label: String,
    /// Category.
    pub category: String,
}

/// A parsed, signature-verified delta.
#[derive(Debug, Clone)]
pub struct Delta {
    /// Version the delta applies to.
    pub base_version: u64,
    /// Version it produces.
    pub target_version: u64,
    /// created-at of the target list.
    pub target_created_at: u64,
    /// expires-at of the target list (0 = never).
    pub target_expires_at: u64,
    /// Org table of the target list.
    pub orgs: Vec<String>,
    /// Added entries per kind (index = kind code).
    pub adds: [Vec<DeltaAdd>; 5],
    /// Removed hashes per kind.
    pub removes: [Vec<Vec<u8>>; 5],
    /// Digest of the target list.
    pub target_digest: [u8; 32],
    /// Signature of the target list.
    pub target_signature: [u8; 64],
    /// Issuer key id of the target list.
    pub target_key_id: [u8; 8],
    /// PDQ index scheme id of the target list (0: none).
    pub target_pdq_scheme: u32,
    /// Width of the target list's PDQ neighbour sketches (0: none, or a list written before
    /// sketches existed).
    pub target_pdq_sketch_bits: u32,
    /// Key id that signed the delta.
    pub issuer_key_id: [u8; 8],
    /// video (issue 13): videos added and removed.
    pub videos: crate::lists::video::VideoDelta,
}

fn counts(f: impl Fn(HashKind) -> usize) -> ListCounts {
    ListCounts {
        pdq: f(HashKind::Pdq) as u64,
        phash: f(HashKind::PHash) as u64,
        md5: f(HashKind::Md5) as u64,
        sha1: f(HashKind::Sha1) as u64,
        sha256: f(HashKind::Sha256) as u64,
        videos: 0,
    }
}

impl Delta {
    /// Summary for display.
    pub fn summary(&self) -> DeltaSummary {
        DeltaSummary {
            base_version: self.base_version,
            target_version: self.target_version,
            target_digest_hex: hex_encode(&self.target_digest),
            issuer_key_id: KeyId(self.issuer_key_id).to_string(),
            adds: ListCounts {
                videos: self.videos.adds.len() as u64,
                ..counts(|k| self.adds[k.index()].len())
            },
            removes: ListCounts {
                videos: self.videos.removes.len() as u64,
                ..counts(|k| self.removes[k.index()].len())
            },
        }
    }
}

fn same_attrs(a: &ListEntry, b: &ListEntry) -> bool {
    a.source_orgs == b.source_orgs && a.label == b.label && a.category == b.category
}

/// Computes the signed delta from `old` to `new` (both full lists; `new` must be newer and
/// its org table must extend `old`'s). The delta is signed with `key`. Its size is
/// proportional to the change: adds (hash + 4-byte tag index) and tombstones (hash).
pub fn make_delta(
    old: &HashList,
    new: &HashList,
    key: &IssuerSecretKey,
) -> Result<Vec<u8>, ListError> {
    if new.version() <= old.version() {
        return Err(ListError::Rollback {
            offered: new.version(),
            current: old.version(),
        });
    }
    if new.orgs().len() < old.orgs().len() || new.orgs().iter().zip(old.orgs()).any(|(a, b)| a != b)
    {
        return Err(ListError::UnknownOrg(
            "the new list's org table must keep the old orgs at the same bits (append only)".into(),
        ));
    }
    let mut writer = DeltaWriter::default();
    let mut kind_sections: Vec<(u32, u64, Vec<u8>)> = Vec::new();
    for kind in HashKind::ALL {
        let old_entries: Vec<ListEntry> = old.entries(kind).collect();
        let new_entries: Vec<ListEntry> = new.entries(kind).collect();
        let (adds, removes) = diff_entries(&old_entries, &new_entries);
        if !adds.is_empty() {
            kind_sections.push(writer.add_section(kind, &adds));
        }
        if !removes.is_empty() {
            kind_sections.push(remove_section(kind, &removes));
        }
    }
    // video (issue 13): video adds/removes, tagged through the same tables.
    let video_sections =
        crate::lists::video::delta_sections(old, new, &mut |o, l, k| writer.tag_parts(o, l, k))?;
    let mut sections = writer.table_sections(new.orgs());
    kind_sections.sort_by_key(|s| s.0);
    sections.extend(kind_sections);
    sections.push((SEC_TARGET, 1, target_section(new)?));
    sections.extend(video_sections);
    let header = Header {
        file_kind: FileKind::Delta,
        list_version: new.version(),
        base_version: old.version(),
        created_at: new.header().created_at,
        expires_at: new.header().expires_at,
        issuer_key_id: key.key_id().0,
    };
    let body = assemble(&header, &sections);
    let digest: [u8; 32] = Sha256::digest(&body).into();
    let signature = key.sign_digest(&digest);
    Ok(attach_trailer(body, &digest, &signature))
}

/// Merges two sorted entry lists into adds (in `new` only, or changed) and removes (in `old`
/// only, or changed: a changed entry is a tombstone plus an add).
fn diff_entries<'a>(
    old: &'a [ListEntry],
    new: &'a [ListEntry],
) -> (Vec<&'a ListEntry>, Vec<&'a ListEntry>) {
    let (mut adds, mut removes) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    loop {
        match (old.get(i), new.get(j)) {
            (Some(o), Some(n)) => match o.hash.cmp(&n.hash) {
                Ordering::Less => {
                    removes.push(o);
                    i += 1;
                }
                Ordering::Greater => {
                    adds.push(n);
                    j += 1;
                }
                Ordering::Equal => {
                    if !same_attrs(o, n) {
                        removes.push(o);
                        adds.push(n);
                    }
                    i += 1;
                    j += 1;
                }
            },
            (Some(o), None) => {
                removes.push(o);
                i += 1;
            }
            (None, Some(n)) => {
                adds.push(n);
                j += 1;
            }
            (None, None) => break,
        }
    }
    (adds, removes)
}

/// The delta's own string and tag tables, interned as add sections are written.
#[derive(Default)]
struct DeltaWriter {
    strings: Vec<String>,
    string_ids: HashMap<String, u32>,
    tags: Vec<(u64, u32, u32)>,
    tag_ids: HashMap<(u64, u32, u32), u32>,
}

impl DeltaWriter {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        self.strings.push(s.to_owned());
        let id = (self.strings.len() - 1) as u32;
        self.string_ids.insert(s.to_owned(), id);
        id
    }

    fn tag(&mut self, a: &ListEntry) -> u32 {
        self.tag_parts(a.source_orgs, &a.label, &a.category)
    }

    /// The tag index of `(orgs, label, category)`, interned on first use.
    fn tag_parts(&mut self, orgs: u64, label: &str, category: &str) -> u32 {
        let t = (orgs, self.intern(label), self.intern(category));
        if let Some(&id) = self.tag_ids.get(&t) {
            return id;
        }
        self.tags.push(t);
        let id = (self.tags.len() - 1) as u32;
        self.tag_ids.insert(t, id);
        id
    }

    /// An ADDS section: count, sorted hashes, one u32 tag index per add.
    fn add_section(&mut self, kind: HashKind, adds: &[&ListEntry]) -> (u32, u64, Vec<u8>) {
        let mut body = Vec::new();
        body.extend_from_slice(&(adds.len() as u64).to_le_bytes());
        for a in adds {
            body.extend_from_slice(&a.hash);
        }
        pad_vec8(&mut body);
        for a in adds {
            let id = self.tag(a);
            body.extend_from_slice(&id.to_le_bytes());
        }
        pad_vec8(&mut body);
        (SEC_ADDS + kind.code(), adds.len() as u64, body)
    }

    /// The ORGS (of the target list), STRINGS and TAGS sections.
    fn table_sections(&self, orgs: &[String]) -> Vec<(u32, u64, Vec<u8>)> {
        let tag_bytes = write_tag_table(&self.tags);
        vec![
            (SEC_ORGS, orgs.len() as u64, write_string_table(orgs)),
            (
                SEC_STRINGS,
                self.strings.len() as u64,
                write_string_table(&self.strings),
            ),
            (SEC_TAGS, self.tags.len() as u64, tag_bytes),
        ]
    }
}

/// A REMOVES section: count and sorted hashes.
fn remove_section(kind: HashKind, removes: &[&ListEntry]) -> (u32, u64, Vec<u8>) {
    let mut body = Vec::new();
    body.extend_from_slice(&(removes.len() as u64).to_le_bytes());
    for r in removes {
        body.extend_from_slice(&r.hash);
    }
    pad_vec8(&mut body);
    (SEC_REMOVES + kind.code(), removes.len() as u64, body)
}

/// The TARGET section: digest, signature, key id and PDQ index settings of `new`.
fn target_section(new: &HashList) -> Result<Vec<u8>, ListError> {
    let new_bytes = new.as_bytes();
    let trailer = slice(
        new_bytes,
        new_bytes.len().saturating_sub(TRAILER_LEN),
        TRAILER_LEN,
    )?;
    let mut target = Vec::with_capacity(112);
    target.extend_from_slice(&new.digest());
    target.extend_from_slice(trailer.get(32..96).unwrap_or(&[0; 64]));
    target.extend_from_slice(&new.header().issuer_key_id);
    target.extend_from_slice(&new.signed_pdq_scheme_id().to_le_bytes());
    target.extend_from_slice(&new.signed_pdq_sketch_bits().to_le_bytes());
    Ok(target)
}

fn malformed(msg: impl Into<String>) -> ListError {
    ListError::Malformed(msg.into())
}

/// Parses a delta and verifies its digest and signature against `keys`.
pub fn parse_delta(bytes: &[u8], keys: &TrustedKeys) -> Result<Delta, ListError> {
    let c = parse_container(bytes)?;
    if c.header.file_kind != FileKind::Delta {
        return Err(ListError::WrongFileKind {
            expected: FileKind::Delta.name(),
            found: c.header.file_kind.name(),
        });
    }
    check_container(bytes, &c, Some(keys), Verification::Full)?;
    decode_delta(bytes, &c)
}

/// Parses a delta checking only its digest (for inspection tools; not for applying).
pub fn inspect_delta(bytes: &[u8]) -> Result<Delta, ListError> {
    let c = parse_container(bytes)?;
    if c.header.file_kind != FileKind::Delta {
        return Err(ListError::WrongFileKind {
            expected: FileKind::Delta.name(),
            found: c.header.file_kind.name(),
        });
    }
    check_container(bytes, &c, None, Verification::InspectOnly)?;
    decode_delta(bytes, &c)
}

/// A delta's tags, resolved: `(sources, label, category)`.
type DeltaTag = (u64, String, String);

fn decode_delta(bytes: &[u8], c: &Container) -> Result<Delta, ListError> {
    if c.header.list_version <= c.header.base_version {
        return Err(malformed(format!(
            "delta target version {} is not after its base {}",
            c.header.list_version, c.header.base_version
        )));
    }
    let sec = |kind: u32| {
        c.section(kind)
            .map(|s| (bytes.get(s.range.clone()).unwrap_or(&[]), s.count))
    };
    let (ob, oc) = sec(SEC_ORGS).ok_or_else(|| malformed("delta has no org table"))?;
    if oc > 64 {
        return Err(malformed("delta names more than 64 organisations"));
    }
    let orgs = parse_string_table(ob, oc)?;
    let (sb, sc) = sec(SEC_STRINGS).ok_or_else(|| malformed("delta has no string table"))?;
    let strings = parse_string_table(sb, sc)?;
    let (tb, tc) = sec(SEC_TAGS).ok_or_else(|| malformed("delta has no tag table"))?;
    let tags = decode_tags(tb, tc, orgs.len(), &strings)?;
    let mut adds: [Vec<DeltaAdd>; 5] = Default::default();
    let mut removes: [Vec<Vec<u8>>; 5] = Default::default();
    let mut videos = crate::lists::video::VideoDelta::default();
    for s in &c.sections {
        let body = bytes.get(s.range.clone()).unwrap_or(&[]);
        let kind_of = |base: u32| HashKind::from_code(s.kind.wrapping_sub(base));
        match s.kind {
            SEC_ORGS | SEC_STRINGS | SEC_TAGS | SEC_TARGET => {}
            k @ (crate::lists::video::SEC_VIDEO_ADDS | crate::lists::video::SEC_VIDEO_REMOVES) => {
                crate::lists::video::decode_delta_section(k, body, &tags, &mut videos)?;
            }
            k if (SEC_ADDS..SEC_ADDS + 5).contains(&k) => {
                let kind = kind_of(SEC_ADDS).ok_or_else(|| malformed("bad add section"))?;
                adds[kind.index()] = decode_adds(body, kind, &tags)?;
            }
            k if (SEC_REMOVES..SEC_REMOVES + 5).contains(&k) => {
                let kind = kind_of(SEC_REMOVES).ok_or_else(|| malformed("bad remove section"))?;
                removes[kind.index()] = decode_removes(body, kind)?;
            }
            k if SEC_OPTIONAL.contains(&k) => {}
            other => {
                return Err(malformed(format!(
                    "unexpected section kind {other:#x} in a delta"
                )))
            }
        }
    }
    let (target, _) = sec(SEC_TARGET).ok_or_else(|| malformed("delta has no target section"))?;
    let t = slice(target, 0, 112)?;
    let mut target_digest = [0u8; 32];
    target_digest.copy_from_slice(slice(t, 0, 32)?);
    let mut target_signature = [0u8; 64];
    target_signature.copy_from_slice(slice(t, 32, 64)?);
    let mut target_key_id = [0u8; 8];
    target_key_id.copy_from_slice(slice(t, 96, 8)?);
    Ok(Delta {
        base_version: c.header.base_version,
        target_version: c.header.list_version,
        target_created_at: c.header.created_at,
        target_expires_at: c.header.expires_at,
        orgs,
        adds,
        removes,
        target_digest,
        target_signature,
        target_key_id,
        target_pdq_scheme: read_u32(t, 104)?,
        target_pdq_sketch_bits: read_u32(t, 108)?,
        issuer_key_id: c.header.issuer_key_id,
        videos,
    })
}

/// Decodes the delta's tag table against its org count and string table.
fn decode_tags(
    tb: &[u8],
    tc: u64,
    org_count: usize,
    strings: &[String],
) -> Result<Vec<DeltaTag>, ListError> {
    let tc = to_usize(tc, "tag count")?;
    if tc.checked_mul(16) != Some(tb.len()) {
        return Err(malformed("delta tag table length does not match its count"));
    }
    let known = if org_count >= 64 {
        u64::MAX
    } else {
        (1u64 << org_count) - 1
    };
    let mut tags = Vec::with_capacity(tc);
    for i in 0..tc {
        let o = read_u64(tb, i * 16)?;
        let l = strings.get(read_u32(tb, i * 16 + 8)? as usize);
        let k = strings.get(read_u32(tb, i * 16 + 12)? as usize);
        match (l, k) {
            (Some(l), Some(k)) if o & !known == 0 => tags.push((o, l.clone(), k.clone())),
            _ => {
                return Err(malformed(format!(
                    "delta tag {i} names an unknown organisation or string"
                )))
            }
        }
    }
    Ok(tags)
}

/// Decodes an ADDS section body.
fn decode_adds(body: &[u8], kind: HashKind, tags: &[DeltaTag]) -> Result<Vec<DeltaAdd>, ListError> {
    let n = to_usize(read_u64(body, 0)?, "add count")?;
    let w = kind.width();
    let hashes_len = n
        .checked_mul(w)
        .ok_or_else(|| malformed("add count overflows"))?;
    let hashes = slice(body, 8, hashes_len)?;
    let tag_start = (8 + hashes_len + 7) & !7;
    let mut out = Vec::with_capacity(n);
    for (i, h) in hashes.chunks_exact(w).enumerate() {
        let t = read_u32(body, tag_start + i * 4)? as usize;
        let (o, l, k) = tags
            .get(t)
            .ok_or_else(|| malformed(format!("delta add {i} has an invalid tag")))?;
        out.push(DeltaAdd {
            hash: h.to_vec(),
            source_orgs: *o,
            label: l.clone(),
            category: k.clone(),
        });
    }
    Ok(out)
}

/// Decodes a REMOVES section body.
fn decode_removes(body: &[u8], kind: HashKind) -> Result<Vec<Vec<u8>>, ListError> {
    let n = to_usize(read_u64(body, 0)?, "remove count")?;
    let w = kind.width();
    let len = n
        .checked_mul(w)
        .ok_or_else(|| malformed("remove count overflows"))?;
    Ok(slice(body, 8, len)?
        .chunks_exact(w)
        .map(<[u8]>::to_vec)
        .collect())
}

/// Loads every entry of `list` into a builder (same version, created-at and org table).
pub fn builder_from_list(list: &HashList) -> Result<ListBuilder, ListError> {
    let mut b = ListBuilder::new(list.version(), list.header().created_at);
    b.extend_orgs(list.orgs())?;
    for kind in HashKind::ALL {
        for i in 0..list.len(kind) {
            let (Some(hash), Some(tag)) = (list.hash_at(kind, i), list.tag_at(kind, i)) else {
                return Err(malformed(format!(
                    "{} entry {i} cannot be read",
                    kind.name()
                )));
            };
            b.add(
                kind,
                hash,
                tag.orgs,
                list.string(tag.label),
                list.string(tag.category),
            )?;
        }
    }
    for v in crate::lists::video::listed_videos(list)? {
        b.add_video(v.video, v.source_orgs, &v.label, &v.category)?;
    }
    Ok(b)
}

/// Applies a verified delta to `base` and returns the bytes of the signed target list.
/// Fails with [`ListError::DeltaBaseMismatch`] if `base` is not the delta's base version and
/// with [`ListError::DeltaTargetMismatch`] if the rebuild does not reproduce the signed target.
pub fn apply_delta(base: &HashList, delta: &Delta) -> Result<Vec<u8>, ListError> {
    if base.version() != delta.base_version {
        return Err(ListError::DeltaBaseMismatch {
            base: delta.base_version,
            current: base.version(),
        });
    }
    let mut b = builder_from_list(base)?;
    b.extend_orgs(&delta.orgs)?;
    for kind in HashKind::ALL {
        b.remove(kind, &delta.removes[kind.index()]);
        for a in &delta.adds[kind.index()] {
            b.add(kind, &a.hash, a.source_orgs, &a.label, &a.category)?;
        }
    }
    b.remove_videos(&delta.videos.removes);
    for a in &delta.videos.adds {
        b.add_video(a.video.clone(), a.source_orgs, &a.label, &a.category)?;
    }
    b.set_pdq_index_scheme(crate::lists::builder::PdqIndexScheme::from_id(
        delta.target_pdq_scheme,
    ));
    b.set_pdq_sketch_bits(Some(delta.target_pdq_sketch_bits));
    b.set_version(delta.target_version);
    b.set_created_at(delta.target_created_at);
    b.set_expires_at(delta.target_expires_at);
    let built = b.build_body(KeyId(delta.target_key_id))?;
    if built.digest != delta.target_digest {
        return Err(ListError::DeltaTargetMismatch {
            expected: hex_encode(&delta.target_digest),
            rebuilt: hex_encode(&built.digest),
        });
    }
    Ok(attach_trailer(
        built.body,
        &built.digest,
        &delta.target_signature,
    ))
}
