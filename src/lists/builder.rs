//! The canonical list builder: collects entries, merges duplicates, and writes a signed list
//! file with its index.
//!
//! The output is a pure function of the entry set, the org table, the version, created-at and
//! the issuer key id (sorted hashes, sorted strings, sorted tags). That determinism is what
//! lets a device apply a delta and reproduce, byte for byte, the list the issuer signed.
//!
//! Duplicate hashes of the same kind merge into one entry: source bitmaps are OR-ed and the
//! lexicographically smallest `(label, category)` pair is kept.

use crate::lists::format::{
    assemble, pad_vec8, write_string_table, FileKind, Header, SEC_HASHES, SEC_ORGS, SEC_STRINGS,
    SEC_TAGS,
};
use crate::lists::index::{default_sketch_bits, Scheme};
use crate::lists::keys::{IssuerSecretKey, KeyId};
use crate::lists::packed::{bits_for, pack, pack64};
use crate::lists::{HashKind, ListError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Most source organisations a list can name (the source bitmap is 64 bits).
pub const MAX_ORGS: usize = 64;

/// Which PDQ multi-index layout the builder writes (see the format docs). `Auto` is right for
/// production; the others exist so tests can exercise both layouts on small lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PdqIndexScheme {
    /// 16 x 16-bit slots below 2^22 entries, 12 wider slots from 2^22 entries.
    #[default]
    Auto,
    /// Always 16 slots of 16 bits.
    Narrow,
    /// Always 12 slots (4 x 22 + 8 x 21 bits).
    Wide,
}

impl PdqIndexScheme {
    pub(crate) fn scheme(self, n: u64) -> Scheme {
        use crate::lists::index::{SCHEME_12_SLOTS, SCHEME_16X16};
        match self {
            PdqIndexScheme::Auto => Scheme::for_entries(n),
            PdqIndexScheme::Narrow => {
                Scheme::with_id(SCHEME_16X16, n).unwrap_or_else(|| Scheme::for_entries(n))
            }
            PdqIndexScheme::Wide => {
                Scheme::with_id(SCHEME_12_SLOTS, n).unwrap_or_else(|| Scheme::for_entries(n))
            }
        }
    }

    pub(crate) fn from_id(id: u32) -> PdqIndexScheme {
        match id {
            crate::lists::index::SCHEME_16X16 => PdqIndexScheme::Narrow,
            crate::lists::index::SCHEME_12_SLOTS => PdqIndexScheme::Wide,
            _ => PdqIndexScheme::Auto,
        }
    }
}

/// Entry attributes with builder-local string ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attr {
    pub(crate) orgs: u64,
    pub(crate) label: u32,
    pub(crate) category: u32,
}

#[derive(Debug, Default, Clone)]
struct KindEntries {
    hashes: Vec<u8>,
    attrs: Vec<Attr>,
}

/// Collects entries and writes a signed, indexed list (see [`crate::lists::format`]).
#[derive(Debug, Clone)]
pub struct ListBuilder {
    version: u64,
    created_at: u64,
    orgs: Vec<String>,
    strings: Vec<String>,
    string_ids: HashMap<String, u32>,
    kinds: [KindEntries; 5],
    pdq_scheme: PdqIndexScheme,
    pdq_sketch_bits: Option<u32>,
    /// video (issue 13): listed videos, by id; their frames join the PDQ section at build time.
    videos: Vec<(crate::lists::video::VideoInput, Attr)>,
}

/// The signed-body output of a build, before the trailer is attached.
pub(crate) struct BuiltBody {
    pub(crate) body: Vec<u8>,
    pub(crate) digest: [u8; 32],
}

impl ListBuilder {
    /// A new, empty list of `version`, created at `created_at` (unix seconds).
    pub fn new(version: u64, created_at: u64) -> ListBuilder {
        ListBuilder {
            version,
            created_at,
            orgs: Vec::new(),
            strings: Vec::new(),
            string_ids: HashMap::new(),
            kinds: Default::default(),
            pdq_scheme: PdqIndexScheme::Auto,
            pdq_sketch_bits: None,
            videos: Vec::new(),
        }
    }

    /// Chooses the PDQ index layout (default [`PdqIndexScheme::Auto`]).
    pub fn set_pdq_index_scheme(&mut self, scheme: PdqIndexScheme) {
        self.pdq_scheme = scheme;
    }

    /// Chooses the width of the neighbour-slot sketch stored with every PDQ posting (the
    /// exact candidate filter described in the `index` module; 0 disables it, `None` = the
    /// default for the list size). At most the narrowest slot's width (16 bits in the
    /// 16-slot scheme, 21 in the 12-slot one); `build` fails on a wider value.
    pub fn set_pdq_sketch_bits(&mut self, bits: Option<u32>) {
        self.pdq_sketch_bits = bits;
    }

    /// Sets the list version.
    pub fn set_version(&mut self, version: u64) {
        self.version = version;
    }

    /// Sets created-at (unix seconds).
    pub fn set_created_at(&mut self, created_at: u64) {
        self.created_at = created_at;
    }

    /// The list version that will be written.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Registers a source organisation (idempotent) and returns its bit (0..64).
    pub fn add_org(&mut self, name: &str) -> Result<u32, ListError> {
        let name = name.trim();
        if let Some(i) = self.orgs.iter().position(|o| o == name) {
            return Ok(i as u32);
        }
        if self.orgs.len() >= MAX_ORGS {
            return Err(ListError::TooManyOrgs(name.to_owned()));
        }
        self.orgs.push(name.to_owned());
        Ok((self.orgs.len() - 1) as u32)
    }

    /// The org table (bit `i` = `orgs()[i]`).
    pub fn orgs(&self) -> &[String] {
        &self.orgs
    }

    /// Replaces the org table; the new table must keep every existing org at its bit
    /// (it may only append), so existing bitmaps keep their meaning.
    pub fn extend_orgs(&mut self, orgs: &[String]) -> Result<(), ListError> {
        if orgs.len() > MAX_ORGS {
            return Err(ListError::TooManyOrgs(
                orgs.last().cloned().unwrap_or_default(),
            ));
        }
        if orgs.len() < self.orgs.len() || orgs.iter().zip(&self.orgs).any(|(a, b)| a != b) {
            return Err(ListError::UnknownOrg(format!(
                "the new org table {orgs:?} does not extend the current one {:?}",
                self.orgs
            )));
        }
        self.orgs = orgs.to_vec();
        Ok(())
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_owned());
        self.string_ids.insert(s.to_owned(), id);
        id
    }

    /// Adds an entry. `hash` must have the kind's width; `orgs` is a source bitmap over
    /// the org table (every set bit must name a registered org).
    pub fn add(
        &mut self,
        kind: HashKind,
        hash: &[u8],
        orgs: u64,
        label: &str,
        category: &str,
    ) -> Result<(), ListError> {
        if hash.len() != kind.width() {
            return Err(ListError::InvalidHash(format!(
                "{}: expected {} bytes, got {}",
                kind.name(),
                kind.width(),
                hash.len()
            )));
        }
        let known = if self.orgs.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << self.orgs.len()) - 1
        };
        if orgs & !known != 0 {
            return Err(ListError::UnknownOrg(format!(
                "source bitmap {orgs:#x} uses bits beyond the {} registered orgs",
                self.orgs.len()
            )));
        }
        if self.kinds[kind.index()].attrs.len() >= u32::MAX as usize {
            return Err(ListError::TooLarge(format!(
                "more than {} {} entries",
                u32::MAX,
                kind.name()
            )));
        }
        let attr = Attr {
            orgs,
            label: self.intern(label),
            category: self.intern(category),
        };
        let entries = &mut self.kinds[kind.index()];
        entries.hashes.extend_from_slice(hash);
        entries.attrs.push(attr);
        Ok(())
    }

    /// video (issue 13): adds a video (its distinct good frames, see
    /// [`crate::lists::video::VideoInput`]). Its frames are merged into the PDQ section with the
    /// video's tag when the list is built. A video with the same frames as one already added
    /// merges like a duplicate hash (sources OR-ed, smallest label/category kept).
    pub fn add_video(
        &mut self,
        video: crate::lists::video::VideoInput,
        orgs: u64,
        label: &str,
        category: &str,
    ) -> Result<(), ListError> {
        if video.frames.is_empty() {
            return Err(ListError::InvalidHash(
                "a video needs at least one frame of quality >= 50".into(),
            ));
        }
        // Validates the org bitmap the same way `add` does, on a scratch copy.
        let mut probe = ListBuilder::new(0, 0);
        probe.orgs = self.orgs.clone();
        probe.add(HashKind::Pdq, &video.frames[0].0, orgs, label, category)?;
        let attr = Attr {
            orgs,
            label: self.intern(label),
            category: self.intern(category),
        };
        let id = video.id();
        match self.videos.iter_mut().find(|(v, _)| v.id() == id) {
            Some((_, a)) => {
                a.orgs |= attr.orgs;
                let text = |i: u32| self.strings.get(i as usize).cloned().unwrap_or_default();
                if (text(attr.label), text(attr.category)) < (text(a.label), text(a.category)) {
                    a.label = attr.label;
                    a.category = attr.category;
                }
            }
            None => self.videos.push((video, attr)),
        }
        Ok(())
    }

    /// video (issue 13): removes the videos whose id is in `ids`; returns how many.
    pub fn remove_videos(&mut self, ids: &[[u8; 32]]) -> usize {
        let before = self.videos.len();
        self.videos.retain(|(v, _)| !ids.contains(&v.id()));
        before - self.videos.len()
    }

    /// video (issue 13): the videos added so far with their sources, label and category.
    pub fn videos(&self) -> Vec<(crate::lists::video::VideoInput, u64, String, String)> {
        let text = |i: u32| self.strings.get(i as usize).cloned().unwrap_or_default();
        self.videos
            .iter()
            .map(|(v, a)| (v.clone(), a.orgs, text(a.label), text(a.category)))
            .collect()
    }

    /// Removes every entry of `kind` whose hash is in `tombstones` (each of the kind's width).
    /// Returns how many entries were removed.
    pub fn remove(&mut self, kind: HashKind, tombstones: &[Vec<u8>]) -> usize {
        let mut sorted: Vec<&[u8]> = tombstones.iter().map(|t| t.as_slice()).collect();
        sorted.sort_unstable();
        let w = kind.width();
        let entries = &mut self.kinds[kind.index()];
        let mut hashes = Vec::with_capacity(entries.hashes.len());
        let mut attrs = Vec::with_capacity(entries.attrs.len());
        let mut removed = 0;
        for (h, a) in entries.hashes.chunks_exact(w).zip(&entries.attrs) {
            if sorted.binary_search(&h).is_ok() {
                removed += 1;
            } else {
                hashes.extend_from_slice(h);
                attrs.push(*a);
            }
        }
        entries.hashes = hashes;
        entries.attrs = attrs;
        removed
    }

    /// Number of entries added so far for `kind` (before duplicate merging).
    pub fn len(&self, kind: HashKind) -> usize {
        self.kinds[kind.index()].attrs.len()
    }

    /// True if no entry of any kind was added.
    pub fn is_empty(&self) -> bool {
        self.kinds.iter().all(|k| k.attrs.is_empty())
    }

    /// Builds and signs the list file.
    pub fn build(&self, key: &IssuerSecretKey) -> Result<Vec<u8>, ListError> {
        let built = self.build_body(key.key_id())?;
        let signature = key.sign_digest(&built.digest);
        Ok(attach_trailer(built.body, &built.digest, &signature))
    }

    /// Builds the signed body (everything the digest covers) and its digest.
    pub(crate) fn build_body(&self, key_id: KeyId) -> Result<BuiltBody, ListError> {
        // video (issue 13): frames of listed videos join the PDQ entries with the video's tag.
        if self.videos.is_empty() {
            return self.build_body_with(key_id, &[]);
        }
        let mut with_frames = self.clone();
        for (v, a) in &self.videos {
            let entries = &mut with_frames.kinds[HashKind::Pdq.index()];
            for f in &v.frames {
                entries.hashes.extend_from_slice(&f.0);
                entries.attrs.push(*a);
            }
        }
        let mut videos = self.videos.clone();
        videos.sort_by_key(|(v, _)| v.id());
        with_frames.build_body_with(key_id, &videos)
    }

    fn build_body_with(
        &self,
        key_id: KeyId,
        videos: &[(crate::lists::video::VideoInput, Attr)],
    ) -> Result<BuiltBody, ListError> {
        // Canonical per-kind order and duplicate merge.
        let mut merged: Vec<(Vec<u32>, Vec<Attr>)> = Vec::with_capacity(5);
        for kind in HashKind::ALL {
            merged.push(self.canonical_entries(kind));
        }
        // Canonical strings: only those used, sorted.
        let mut used: Vec<u32> = merged
            .iter()
            .flat_map(|(_, attrs)| attrs.iter().flat_map(|a| [a.label, a.category]))
            .chain(videos.iter().flat_map(|(_, a)| [a.label, a.category]))
            .collect();
        used.sort_unstable();
        used.dedup();
        let mut strings: Vec<&str> = used
            .iter()
            .filter_map(|&id| self.strings.get(id as usize).map(String::as_str))
            .collect();
        strings.sort_unstable();
        strings.dedup();
        let final_id: HashMap<&str, u32> = strings
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i as u32))
            .collect();
        let remap = |id: u32| -> u32 {
            self.strings
                .get(id as usize)
                .and_then(|s| final_id.get(s.as_str()).copied())
                .unwrap_or(0)
        };
        // Canonical tags.
        let mut tags: Vec<(u64, u32, u32)> = merged
            .iter()
            .flat_map(|(_, attrs)| {
                attrs
                    .iter()
                    .map(|a| (a.orgs, remap(a.label), remap(a.category)))
            })
            .chain(
                videos
                    .iter()
                    .map(|(_, a)| (a.orgs, remap(a.label), remap(a.category))),
            )
            .collect();
        tags.sort_unstable();
        tags.dedup();
        let tag_id: HashMap<(u64, u32, u32), u32> = tags
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i as u32))
            .collect();

        let mut sections: Vec<(u32, u64, Vec<u8>)> = Vec::new();
        sections.push((
            SEC_ORGS,
            self.orgs.len() as u64,
            write_string_table(&self.orgs),
        ));
        let owned: Vec<String> = strings.iter().map(|s| (*s).to_owned()).collect();
        sections.push((SEC_STRINGS, owned.len() as u64, write_string_table(&owned)));
        let mut tag_bytes = Vec::with_capacity(tags.len() * 16);
        for (orgs, label, category) in &tags {
            tag_bytes.extend_from_slice(&orgs.to_le_bytes());
            tag_bytes.extend_from_slice(&label.to_le_bytes());
            tag_bytes.extend_from_slice(&category.to_le_bytes());
        }
        sections.push((SEC_TAGS, tags.len() as u64, tag_bytes));
        let tag_bits = bits_for(tags.len().saturating_sub(1) as u64);
        let mut video_section: Option<Vec<u8>> = None;

        for kind in HashKind::ALL {
            let (order, attrs) = &merged[kind.index()];
            if order.is_empty() {
                continue;
            }
            let src = &self.kinds[kind.index()].hashes;
            let w = kind.width();
            let n = order.len();
            let mut hashes = Vec::with_capacity(n * w);
            for &i in order {
                let start = i as usize * w;
                hashes.extend_from_slice(src.get(start..start + w).unwrap_or(&[]));
            }
            let tag_values: Vec<u32> = attrs
                .iter()
                .map(|a| {
                    tag_id
                        .get(&(a.orgs, remap(a.label), remap(a.category)))
                        .copied()
                        .unwrap_or(0)
                })
                .collect();
            let id_bits = if kind == HashKind::Pdq {
                bits_for(n.saturating_sub(1) as u64)
            } else {
                0
            };
            let mut body = Vec::new();
            body.extend_from_slice(&(n as u64).to_le_bytes());
            body.extend_from_slice(&tag_bits.to_le_bytes());
            body.extend_from_slice(&id_bits.to_le_bytes());
            let scheme = if kind == HashKind::Pdq {
                let base = self.pdq_scheme.scheme(n as u64);
                let bits = self
                    .pdq_sketch_bits
                    .unwrap_or_else(|| default_sketch_bits(base.id, n as u64));
                Some(base.with_sketch(bits, id_bits).ok_or_else(|| {
                    ListError::TooLarge(format!(
                        "a {bits}-bit PDQ sketch does not fit this index layout ({n} entries)"
                    ))
                })?)
            } else {
                None
            };
            let (key_bits, scheme_id, sketch_bits) = scheme
                .as_ref()
                .map(|s| (s.key_bits, s.id, s.sketch_bits))
                .unwrap_or((0, 0, 0));
            body.extend_from_slice(&key_bits.to_le_bytes());
            body.extend_from_slice(&scheme_id.to_le_bytes());
            body.extend_from_slice(&sketch_bits.to_le_bytes());
            body.extend_from_slice(&[0u8; 36]);
            body.extend_from_slice(&hashes);
            pad_vec8(&mut body);
            body.extend_from_slice(&pack(&tag_values, tag_bits));
            pad_vec8(&mut body);
            if let Some(scheme) = &scheme {
                write_pdq_index(&mut body, &hashes, n, id_bits, scheme);
            }
            if kind == HashKind::Pdq && !videos.is_empty() {
                let (sorted, _) = hashes.as_chunks::<32>();
                let resolved: Vec<(crate::lists::video::VideoInput, u32)> = videos
                    .iter()
                    .map(|(v, a)| {
                        let t = (a.orgs, remap(a.label), remap(a.category));
                        (v.clone(), tag_id.get(&t).copied().unwrap_or(0))
                    })
                    .collect();
                video_section = Some(crate::lists::video::encode_section(&resolved, sorted)?);
            }
            sections.push((SEC_HASHES + kind.code(), n as u64, body));
        }
        if let Some(body) = video_section {
            sections.push((crate::lists::video::SEC_VIDEOS, videos.len() as u64, body));
        }
        let header = Header {
            file_kind: FileKind::Full,
            list_version: self.version,
            base_version: 0,
            created_at: self.created_at,
            issuer_key_id: key_id.0,
        };
        let body = assemble(&header, &sections);
        let digest: [u8; 32] = Sha256::digest(&body).into();
        Ok(BuiltBody { body, digest })
    }

    /// Sorted, merged order for one kind: indexes into the raw arrays (first occurrence of
    /// each hash) and the merged attributes.
    fn canonical_entries(&self, kind: HashKind) -> (Vec<u32>, Vec<Attr>) {
        let w = kind.width();
        let entries = &self.kinds[kind.index()];
        let hash_at = |i: u32| -> &[u8] {
            let s = i as usize * w;
            entries.hashes.get(s..s + w).unwrap_or(&[])
        };
        let mut idx: Vec<u32> = (0..entries.attrs.len() as u32).collect();
        idx.sort_unstable_by(|&a, &b| hash_at(a).cmp(hash_at(b)).then(a.cmp(&b)));
        let text = |id: u32| {
            self.strings
                .get(id as usize)
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut order: Vec<u32> = Vec::with_capacity(idx.len());
        let mut attrs: Vec<Attr> = Vec::with_capacity(idx.len());
        for i in idx {
            let a = entries.attrs.get(i as usize).copied().unwrap_or(Attr {
                orgs: 0,
                label: 0,
                category: 0,
            });
            match (order.last(), attrs.last_mut()) {
                (Some(&prev), Some(last)) if hash_at(prev) == hash_at(i) => {
                    last.orgs |= a.orgs;
                    if (text(a.label), text(a.category)) < (text(last.label), text(last.category)) {
                        last.label = a.label;
                        last.category = a.category;
                    }
                }
                _ => {
                    order.push(i);
                    attrs.push(a);
                }
            }
        }
        (order, attrs)
    }
}

/// Appends digest and signature to a body.
pub(crate) fn attach_trailer(
    mut body: Vec<u8>,
    digest: &[u8; 32],
    signature: &[u8; 64],
) -> Vec<u8> {
    body.extend_from_slice(digest);
    body.extend_from_slice(signature);
    body
}

/// Writes one offset table per slot and the posting lists of slots 1.. for sorted PDQ `hashes`
/// (each posting: entry id above, sketch of the next slot in the low `sketch_bits` bits).
fn write_pdq_index(body: &mut Vec<u8>, hashes: &[u8], n: usize, id_bits: u32, scheme: &Scheme) {
    let (hashes, _) = hashes.as_chunks::<32>();
    let mut postings: Vec<Vec<u8>> = Vec::with_capacity(scheme.slots.len());
    let table_len = scheme.table_len();
    for slot in 0..scheme.slots.len() {
        let mut counts = vec![0u32; table_len];
        for h in hashes {
            counts[scheme.key(h, slot) + 1] += 1;
        }
        for i in 1..table_len {
            counts[i] += counts[i - 1];
        }
        for c in &counts {
            body.extend_from_slice(&c.to_le_bytes());
        }
        if slot > 0 {
            let mut fill = counts;
            let mut ids = vec![0u64; n];
            let sk = scheme.sketch_bits;
            for (id, h) in hashes.iter().enumerate() {
                let c = scheme.key(h, slot);
                let pos = fill[c] as usize;
                if let Some(slot_ref) = ids.get_mut(pos) {
                    *slot_ref = ((id as u64) << sk) | u64::from(scheme.sketch(h, slot));
                }
                fill[c] += 1;
            }
            postings.push(pack64(ids.into_iter(), n, scheme.posting_bits(id_bits)));
        }
    }
    pad_vec8(body);
    for p in postings {
        body.extend_from_slice(&p);
        pad_vec8(body);
    }
}
