//! [`HashList`]: a verified, zero-copy view of a list file (memory-mapped or in memory), and
//! [`ListInfo`], the audit summary (version + digest) that is identical on every device.

use crate::lists::format::{
    parse_container, parse_string_table, read_u32, read_u64, slice, to_usize, Container, FileKind,
    Header, SEC_HASHES, SEC_OPTIONAL, SEC_ORGS, SEC_STRINGS, SEC_TAGS,
};
use crate::lists::keys::KeyId;
use crate::lists::kinds::hex_encode;
use crate::lists::packed::{bits_for, get as packed_get, get64, packed_len};
use crate::lists::{HashKind, ListError, TrustedKeys};
use memmap2::Mmap;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::Path;

/// How much checking [`HashList`] does when it loads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Recompute SHA-256 over the whole file, verify the ed25519 signature with a trusted
    /// key, validate structure and every stored id. Use for anything received from outside.
    /// Cost is linear in the file size (about 0.5 s for a 10M-entry list).
    Full,
    /// Verify the signature over the stored digest and validate the structure (header,
    /// section table, lengths implied by the counts), without rehashing the entries or scanning
    /// the index. Near-constant time; meant for reopening a list this library already fully
    /// verified and installed in its private store. Corrupt index data is still harmless:
    /// every read is bounds-checked and clamped (skipped, never UB or a panic).
    Fast,
    /// Recompute and check the digest and validate structure, but do not check the signature.
    /// For inspection tools only: never use the result for matching on a device.
    InspectOnly,
}

/// The audit summary of a list: the same list has the same summary on every device.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListInfo {
    /// Binary format version.
    pub format_version: u32,
    /// Monotonic list version.
    pub version: u64,
    /// Lowercase hex SHA-256 of the signed body (what the issuer signed).
    pub digest_hex: String,
    /// Unix seconds when the issuer built the list.
    pub created_at: u64,
    /// Unix seconds after which the list is stale (0 = never). A stale list still matches;
    /// [`crate::lists::LiveList::status`] reports it and apps decide.
    pub expires_at: u64,
    /// True when this list was installed with `force` (over a newer or conflicting list);
    /// only a store sets it, and the next normal install clears it.
    pub forced: bool,
    /// Issuer key id (16 hex chars: first 8 bytes of SHA-256 of the issuer public key).
    pub issuer_key_id: String,
    /// Entry counts per hash kind.
    pub counts: ListCounts,
    /// Source organisation names; name `i` is bit `i` of a source bitmap.
    pub orgs: Vec<String>,
    /// Size of the list file in bytes.
    pub file_bytes: u64,
}

/// Entry counts per hash kind.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ListCounts {
    /// PDQ entries.
    pub pdq: u64,
    /// pHash entries.
    pub phash: u64,
    /// MD5 entries.
    pub md5: u64,
    /// SHA-1 entries.
    pub sha1: u64,
    /// SHA-256 entries.
    pub sha256: u64,
    /// Listed videos (each a bag of frame hashes; the frames are PDQ entries and counted in
    /// `pdq`, so `total` leaves videos out).
    #[serde(default)]
    pub videos: u64,
}

impl ListCounts {
    /// Count for one kind.
    pub fn get(&self, kind: HashKind) -> u64 {
        match kind {
            HashKind::Pdq => self.pdq,
            HashKind::PHash => self.phash,
            HashKind::Md5 => self.md5,
            HashKind::Sha1 => self.sha1,
            HashKind::Sha256 => self.sha256,
        }
    }

    /// Total entries.
    pub fn total(&self) -> u64 {
        self.pdq + self.phash + self.md5 + self.sha1 + self.sha256
    }
}

/// One decoded list entry (for inspection, diffs and deltas; matching does not allocate these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListEntry {
    /// Hash kind.
    pub kind: HashKind,
    /// Index of the entry within its kind's section (stable for a given list version).
    pub entry: u32,
    /// The hash bytes.
    #[serde(skip)]
    pub hash: Vec<u8>,
    /// The hash as lowercase hex.
    pub hash_hex: String,
    /// Source organisation bitmap.
    pub source_orgs: u64,
    /// Label string.
    pub label: String,
    /// Category string.
    pub category: String,
}

/// A tag: what an entry points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) orgs: u64,
    pub(crate) label: u32,
    pub(crate) category: u32,
}

/// Byte ranges of one hash section's parts (absolute offsets into the file).
#[derive(Debug, Clone)]
pub(crate) struct HashSection {
    pub(crate) n: usize,
    pub(crate) tag_bits: u32,
    pub(crate) id_bits: u32,
    pub(crate) scheme: Option<crate::lists::index::Scheme>,
    pub(crate) hashes: Range<usize>,
    pub(crate) tags: Range<usize>,
    pub(crate) offsets: Range<usize>,
    pub(crate) postings: Vec<Range<usize>>,
}

pub(crate) enum Backing {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Backing {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Backing::Mapped(m) => m,
            Backing::Owned(v) => v,
        }
    }
}

/// A loaded, verified hash list. Cheap to share (`Arc<HashList>`); all matching reads the
/// file bytes in place. Immutable: updates produce a new `HashList`.
pub struct HashList {
    data: Backing,
    /// The device-built PDQ index of a distributable list (see `index::detached`); when set,
    /// the PDQ section's `offsets` and `postings` ranges point into it.
    pub(crate) index: Option<Backing>,
    header: Header,
    digest: [u8; 32],
    orgs: Vec<String>,
    strings: Vec<String>,
    tags: Vec<Tag>,
    sections: [Option<HashSection>; 5],
    /// video (issue 13): the video section, if the list has one.
    videos: Option<crate::lists::video::VideoSection>,
}

impl std::fmt::Debug for HashList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashList")
            .field("info", &self.info())
            .finish()
    }
}

fn malformed(msg: impl Into<String>) -> ListError {
    ListError::Malformed(msg.into())
}

/// Checks the digest and/or signature of a container per `mode`.
pub(crate) fn check_container(
    bytes: &[u8],
    c: &Container,
    keys: Option<&TrustedKeys>,
    mode: Verification,
) -> Result<(), ListError> {
    if matches!(mode, Verification::Full | Verification::InspectOnly) {
        let body = bytes
            .get(..c.body_len)
            .ok_or_else(|| malformed("body length past the end"))?;
        let computed: [u8; 32] = Sha256::digest(body).into();
        if computed != c.signed_digest {
            return Err(ListError::DigestMismatch {
                signed: hex_encode(&c.signed_digest),
                computed: hex_encode(&computed),
            });
        }
    }
    if matches!(mode, Verification::Full | Verification::Fast) {
        let keys = keys.ok_or_else(|| ListError::UntrustedKey {
            key_id: KeyId(c.header.issuer_key_id).to_string(),
        })?;
        keys.verify(
            &KeyId(c.header.issuer_key_id),
            &c.signed_digest,
            &c.signature,
        )?;
    }
    Ok(())
}

impl HashList {
    /// Memory-maps and verifies a list file with [`Verification::Full`].
    pub fn open(path: &Path, keys: &TrustedKeys) -> Result<HashList, ListError> {
        HashList::open_with(path, Some(keys), Verification::Full)
    }

    /// Memory-maps a list file and verifies it per `mode` (`keys` is needed unless
    /// `mode` is [`Verification::InspectOnly`]).
    pub fn open_with(
        path: &Path,
        keys: Option<&TrustedKeys>,
        mode: Verification,
    ) -> Result<HashList, ListError> {
        let file = std::fs::File::open(path)
            .map_err(|e| ListError::io(format!("opening list {}", path.display()), e))?;
        let len = file
            .metadata()
            .map_err(|e| ListError::io(format!("reading metadata of {}", path.display()), e))?
            .len();
        if len == 0 {
            return Err(ListError::BadMagic);
        }
        // SAFETY: the map is read-only and list files are never modified in place: the store
        // installs new lists by writing a temporary file and renaming it over the old one, so
        // a mapped file keeps its contents for the lifetime of the map. Every offset read
        // from the bytes is bounds-checked before use.
        let map = unsafe { Mmap::map(&file) }
            .map_err(|e| ListError::io(format!("memory-mapping {}", path.display()), e))?;
        HashList::parse(Backing::Mapped(map), keys, mode, true)
    }

    /// Loads a list whose digest the caller has already computed and compared (while
    /// streaming it, see `store::stream`): checks the signature, the structure and every
    /// stored id like [`Verification::Full`], without hashing the bytes a second time.
    pub(crate) fn from_backing_prehashed(
        data: Backing,
        keys: &TrustedKeys,
    ) -> Result<HashList, ListError> {
        HashList::parse(data, Some(keys), Verification::Full, false)
    }

    /// Verifies (fully) and loads a list held in memory.
    pub fn from_bytes(bytes: Vec<u8>, keys: &TrustedKeys) -> Result<HashList, ListError> {
        HashList::parse(Backing::Owned(bytes), Some(keys), Verification::Full, true)
    }

    /// Loads a list held in memory, verified per `mode`.
    pub fn from_bytes_with(
        bytes: Vec<u8>,
        keys: Option<&TrustedKeys>,
        mode: Verification,
    ) -> Result<HashList, ListError> {
        HashList::parse(Backing::Owned(bytes), keys, mode, true)
    }

    /// An empty list (version 0, no entries): what a device matches against before its
    /// first list is installed.
    pub fn empty() -> HashList {
        HashList {
            data: Backing::Owned(Vec::new()),
            index: None,
            header: Header {
                file_kind: FileKind::Full,
                list_version: 0,
                base_version: 0,
                created_at: 0,
                expires_at: 0,
                issuer_key_id: [0; 8],
            },
            digest: [0; 32],
            orgs: Vec::new(),
            strings: Vec::new(),
            tags: Vec::new(),
            sections: Default::default(),
            videos: None,
        }
    }

    fn parse(
        data: Backing,
        keys: Option<&TrustedKeys>,
        mode: Verification,
        rehash: bool,
    ) -> Result<HashList, ListError> {
        let bytes = data.bytes();
        let c = parse_container(bytes)?;
        if c.header.file_kind != FileKind::Full {
            return Err(ListError::WrongFileKind {
                expected: FileKind::Full.name(),
                found: c.header.file_kind.name(),
            });
        }
        let check = match (mode, rehash) {
            (Verification::Full, false) => Verification::Fast,
            _ => mode,
        };
        check_container(bytes, &c, keys, check)?;
        let section_bytes = |kind: u32| -> Result<(&[u8], u64), ListError> {
            let s = c
                .section(kind)
                .ok_or_else(|| malformed(format!("required section {kind:#x} is missing")))?;
            Ok((bytes.get(s.range.clone()).unwrap_or(&[]), s.count))
        };
        let (org_bytes, org_count) = section_bytes(SEC_ORGS)?;
        if org_count > 64 {
            return Err(malformed(format!(
                "{org_count} source organisations (at most 64)"
            )));
        }
        let orgs = parse_string_table(org_bytes, org_count)?;
        let (str_bytes, str_count) = section_bytes(SEC_STRINGS)?;
        let strings = parse_string_table(str_bytes, str_count)?;
        let (tag_bytes, tag_count) = section_bytes(SEC_TAGS)?;
        let tags = parse_tags(tag_bytes, tag_count, orgs.len(), strings.len())?;

        let mut sections: [Option<HashSection>; 5] = Default::default();
        let mut videos = None;
        for s in &c.sections {
            match s.kind {
                SEC_ORGS | SEC_STRINGS | SEC_TAGS => {}
                crate::lists::video::SEC_VIDEOS => {
                    let pdq = sections[HashKind::Pdq.index()].as_ref().map_or(0, |p| p.n);
                    videos = Some(crate::lists::video::VideoSection::parse(
                        bytes,
                        s.range.clone(),
                        s.count,
                        pdq,
                        tags.len(),
                    )?);
                }
                k if (SEC_HASHES..SEC_HASHES + 5).contains(&k) => {
                    let kind = HashKind::from_code(k - SEC_HASHES)
                        .ok_or_else(|| malformed(format!("unknown hash kind in section {k:#x}")))?;
                    let check_tables = mode != Verification::Fast;
                    let sec =
                        parse_hash_section(bytes, kind, s.range.clone(), s.count, check_tables)?;
                    if let Some(slot) = sections.get_mut(kind.index()) {
                        *slot = Some(sec);
                    }
                }
                // Optional kinds this build does not know: skipped (still signed).
                k if SEC_OPTIONAL.contains(&k) => {}
                other => {
                    return Err(malformed(format!(
                        "unexpected section kind {other:#x} in a full list"
                    )))
                }
            }
        }
        let list = HashList {
            index: None,
            header: c.header.clone(),
            digest: c.signed_digest,
            orgs,
            strings,
            tags,
            sections,
            videos,
            data,
        };
        if mode != Verification::Fast {
            list.validate_deep()?;
        }
        Ok(list)
    }

    /// Checks every stored hash order, tag index and posting id (linear in the file size).
    fn validate_deep(&self) -> Result<(), ListError> {
        let bytes = self.data.bytes();
        for kind in HashKind::ALL {
            let Some(sec) = self.section(kind) else {
                continue;
            };
            let hashes = bytes.get(sec.hashes.clone()).unwrap_or(&[]);
            let w = kind.width();
            let mut prev: Option<&[u8]> = None;
            for h in hashes.chunks_exact(w) {
                if prev.is_some_and(|p| p >= h) {
                    return Err(malformed(format!(
                        "{} hashes are not strictly sorted",
                        kind.name()
                    )));
                }
                prev = Some(h);
            }
            let tag_area = bytes.get(sec.tags.clone()).unwrap_or(&[]);
            for i in 0..sec.n {
                let t = packed_get(tag_area, sec.tag_bits, i).unwrap_or(u32::MAX);
                if t as usize >= self.tags.len() {
                    return Err(malformed(format!(
                        "{} entry {i} has an invalid tag",
                        kind.name()
                    )));
                }
            }
            check_posting_ids(self.index_bytes(), sec)?;
        }
        Ok(())
    }

    /// The bytes the PDQ section's index ranges point into (the detached index when one is
    /// attached, else the list file).
    pub(crate) fn index_bytes(&self) -> &[u8] {
        self.index.as_ref().unwrap_or(&self.data).bytes()
    }

    /// Replaces the PDQ section's index description (used when attaching a detached index).
    pub(crate) fn set_pdq_index(&mut self, index: Backing, sec: HashSection) {
        if let Some(slot) = self.sections.get_mut(HashKind::Pdq.index()) {
            *slot = Some(sec);
        }
        self.index = Some(index);
    }

    /// True when the list holds PDQ entries but no index for them (a distributable list
    /// without its device-built index attached): PDQ queries then scan linearly.
    pub fn pdq_index_missing(&self) -> bool {
        self.section(HashKind::Pdq)
            .is_some_and(|s| s.n > 0 && s.scheme.is_none())
    }

    /// The audit summary.
    pub fn info(&self) -> ListInfo {
        let mut counts = ListCounts::default();
        for kind in HashKind::ALL {
            let n = self.len(kind) as u64;
            match kind {
                HashKind::Pdq => counts.pdq = n,
                HashKind::PHash => counts.phash = n,
                HashKind::Md5 => counts.md5 = n,
                HashKind::Sha1 => counts.sha1 = n,
                HashKind::Sha256 => counts.sha256 = n,
            }
        }
        counts.videos = self.videos().map_or(0, |v| v.len() as u64);
        ListInfo {
            format_version: crate::lists::format::FORMAT_VERSION,
            version: self.header.list_version,
            digest_hex: hex_encode(&self.digest),
            created_at: self.header.created_at,
            expires_at: self.header.expires_at,
            forced: false,
            issuer_key_id: KeyId(self.header.issuer_key_id).to_string(),
            counts,
            orgs: self.orgs.clone(),
            file_bytes: self.data.bytes().len() as u64,
        }
    }

    /// The list version.
    pub fn version(&self) -> u64 {
        self.header.list_version
    }

    /// The signed digest (SHA-256 of the body).
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// Source organisation names (bit `i` = `orgs()[i]`).
    pub fn orgs(&self) -> &[String] {
        &self.orgs
    }

    /// Names of the organisations set in `bitmap`.
    pub fn org_names(&self, bitmap: u64) -> Vec<String> {
        self.orgs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 64 && bitmap & (1u64 << i) != 0)
            .map(|(_, name)| name.clone())
            .collect()
    }

    /// Number of entries of `kind`.
    pub fn len(&self, kind: HashKind) -> usize {
        self.section(kind).map(|s| s.n).unwrap_or(0)
    }

    /// True if the list holds no entries at all.
    pub fn is_empty(&self) -> bool {
        HashKind::ALL.iter().all(|&k| self.len(k) == 0)
    }

    /// The raw file bytes (for hashing, copying into the store, or statistics).
    pub fn as_bytes(&self) -> &[u8] {
        self.data.bytes()
    }

    /// Whether the bytes are owned memory (not a mapped file that another process could
    /// change under us).
    pub(crate) fn is_in_memory(&self) -> bool {
        matches!(self.data, Backing::Owned(_))
    }

    /// video (issue 13): the video section, if any.
    pub fn videos(&self) -> Option<&crate::lists::video::VideoSection> {
        self.videos.as_ref()
    }

    /// video (issue 13): tag record `i` (sources bitmap, label and category string ids).
    pub(crate) fn tag_record(&self, i: u32) -> Option<&Tag> {
        self.tags.get(i as usize)
    }

    pub(crate) fn section(&self, kind: HashKind) -> Option<&HashSection> {
        self.sections.get(kind.index()).and_then(Option::as_ref)
    }

    /// Id of the PDQ index scheme in the signed file (0 without a PDQ section, or for a
    /// distributable list even when a device-built index is attached).
    pub(crate) fn signed_pdq_scheme_id(&self) -> u32 {
        self.signed_pdq_scheme().map(|s| s.id).unwrap_or(0)
    }

    /// Width of the PDQ neighbour sketches in the signed file (0 as above, or no sketches).
    pub(crate) fn signed_pdq_sketch_bits(&self) -> u32 {
        self.signed_pdq_scheme().map(|s| s.sketch_bits).unwrap_or(0)
    }

    fn signed_pdq_scheme(&self) -> Option<&crate::lists::index::Scheme> {
        if self.index.is_some() {
            return None;
        }
        self.section(HashKind::Pdq).and_then(|s| s.scheme.as_ref())
    }

    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// Hash bytes of entry `i` of `kind`.
    pub(crate) fn hash_at(&self, kind: HashKind, i: usize) -> Option<&[u8]> {
        let sec = self.section(kind)?;
        let w = kind.width();
        let start = sec.hashes.start.checked_add(i.checked_mul(w)?)?;
        if i >= sec.n {
            return None;
        }
        self.data.bytes().get(start..start.checked_add(w)?)
    }

    /// Tag of entry `i` of `kind`.
    pub(crate) fn tag_at(&self, kind: HashKind, i: usize) -> Option<&Tag> {
        let sec = self.section(kind)?;
        let area = self.data.bytes().get(sec.tags.clone())?;
        let t = packed_get(area, sec.tag_bits, i)?;
        self.tags.get(t as usize)
    }

    pub(crate) fn string(&self, id: u32) -> &str {
        self.strings
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Decodes entry `i` of `kind`.
    pub fn entry(&self, kind: HashKind, i: usize) -> Option<ListEntry> {
        let hash = self.hash_at(kind, i)?;
        let tag = self.tag_at(kind, i)?;
        Some(ListEntry {
            kind,
            entry: u32::try_from(i).ok()?,
            hash: hash.to_vec(),
            hash_hex: hex_encode(hash),
            source_orgs: tag.orgs,
            label: self.string(tag.label).to_owned(),
            category: self.string(tag.category).to_owned(),
        })
    }

    /// Iterates the decoded entries of `kind` in stored (sorted) order.
    pub fn entries(&self, kind: HashKind) -> impl Iterator<Item = ListEntry> + '_ {
        (0..self.len(kind)).filter_map(move |i| self.entry(kind, i))
    }

    /// Size statistics: file bytes, and bytes per entry.
    pub fn bytes_per_entry(&self) -> f64 {
        let total = self.info().counts.total();
        if total == 0 {
            0.0
        } else {
            self.data.bytes().len() as f64 / total as f64
        }
    }
}

fn parse_tags(
    bytes: &[u8],
    count: u64,
    org_count: usize,
    string_count: usize,
) -> Result<Vec<Tag>, ListError> {
    let count = to_usize(count, "tag count")?;
    if count.checked_mul(16) != Some(bytes.len()) {
        return Err(malformed(format!(
            "tag section length {} does not hold {count} tags",
            bytes.len()
        )));
    }
    let known = if org_count >= 64 {
        u64::MAX
    } else {
        (1u64 << org_count) - 1
    };
    let mut tags = Vec::with_capacity(count);
    for i in 0..count {
        let orgs = read_u64(bytes, i * 16)?;
        let label = read_u32(bytes, i * 16 + 8)?;
        let category = read_u32(bytes, i * 16 + 12)?;
        if orgs & !known != 0 || label as usize >= string_count || category as usize >= string_count
        {
            return Err(malformed(format!(
                "tag {i} names an unknown organisation or string"
            )));
        }
        tags.push(Tag {
            orgs,
            label,
            category,
        });
    }
    Ok(tags)
}

/// Expected layout of a hash section body; all offsets relative to the section start.
pub(crate) struct HashLayout {
    pub(crate) hashes: Range<u64>,
    pub(crate) tags: Range<u64>,
    pub(crate) offsets: Range<u64>,
    pub(crate) postings: Vec<Range<u64>>,
    pub(crate) total: u64,
}

/// Computes the layout of a hash section with checked arithmetic.
pub(crate) fn hash_layout(
    kind: HashKind,
    n: u64,
    tag_bits: u32,
    id_bits: u32,
    scheme: Option<&crate::lists::index::Scheme>,
) -> Option<HashLayout> {
    use crate::lists::format::pad8;
    let hashes = 64..64u64.checked_add(n.checked_mul(kind.width() as u64)?)?;
    let tags_start = pad8(hashes.end)?;
    let tags = tags_start..tags_start.checked_add(packed_len(n, tag_bits)?)?;
    let start = pad8(tags.end)?;
    let (offsets, postings, total) = match scheme {
        Some(scheme) => index_layout(n, id_bits, scheme, start)?,
        None => (start..start, Vec::new(), start),
    };
    Some(HashLayout {
        hashes,
        tags,
        offsets,
        postings,
        total,
    })
}

/// Where an index written by `IndexWriter` at offset `start` puts its offset tables and
/// posting lists, and where it ends (checked arithmetic).
pub(crate) type IndexLayout = (Range<u64>, Vec<Range<u64>>, u64);

/// Computes the [`IndexLayout`] of `n` entries under `scheme` starting at `start`.
pub(crate) fn index_layout(
    n: u64,
    id_bits: u32,
    scheme: &crate::lists::index::Scheme,
    start: u64,
) -> Option<IndexLayout> {
    use crate::lists::format::pad8;
    let slots = scheme.slots.len() as u64;
    let offsets = start..start.checked_add(slots * scheme.table_len() as u64 * 4)?;
    let mut next = pad8(offsets.end)?;
    let posting_bits = scheme.posting_bits(id_bits);
    let mut postings = Vec::new();
    for _ in 1..slots {
        let p = next..next.checked_add(packed_len(n, posting_bits)?)?;
        next = pad8(p.end)?;
        postings.push(p);
    }
    Some((offsets, postings, next))
}

/// Checks every posting of a PDQ section's index holds an entry id below `n` (linear).
pub(crate) fn check_posting_ids(bytes: &[u8], sec: &HashSection) -> Result<(), ListError> {
    let (sketch_bits, posting_bits) = sec
        .scheme
        .as_ref()
        .map(|s| (s.sketch_bits, s.posting_bits(sec.id_bits)))
        .unwrap_or((0, sec.id_bits));
    for posting in &sec.postings {
        let area = bytes.get(posting.clone()).unwrap_or(&[]);
        for i in 0..sec.n {
            let id = get64(area, posting_bits, i).map_or(u64::MAX, |v| v >> sketch_bits);
            if id >= sec.n as u64 {
                return Err(malformed("PDQ index holds an entry id past the end"));
            }
        }
    }
    Ok(())
}

/// Checks that every slot's offset table starts at 0, never decreases and ends at `n`.
pub(crate) fn check_offset_tables(
    table: &[u8],
    scheme: &crate::lists::index::Scheme,
    n: usize,
) -> Result<(), ListError> {
    let table_len = scheme.table_len();
    for slot in 0..scheme.slots.len() {
        let base = slot * table_len * 4;
        if read_u32(table, base)? != 0 {
            return Err(malformed(format!(
                "PDQ offset table {slot} does not start at 0"
            )));
        }
        let mut prev = 0u32;
        for i in 1..table_len {
            let v = read_u32(table, base + i * 4)?;
            if v < prev {
                return Err(malformed(format!(
                    "PDQ offset table {slot} is not monotonic"
                )));
            }
            prev = v;
        }
        if prev as usize != n {
            return Err(malformed(format!(
                "PDQ offset table {slot} ends at {prev}, expected {n}"
            )));
        }
    }
    Ok(())
}

/// The 64-byte header of a hash section (or the index fields of a detached index).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexFields {
    pub(crate) n: u64,
    pub(crate) tag_bits: u32,
    pub(crate) id_bits: u32,
    pub(crate) key_bits: u32,
    pub(crate) scheme_id: u32,
    pub(crate) sketch_bits: u32,
}

impl IndexFields {
    fn read(sec: &[u8]) -> Result<IndexFields, ListError> {
        Ok(IndexFields {
            n: read_u64(sec, 0)?,
            tag_bits: read_u32(sec, 8)?,
            id_bits: read_u32(sec, 12)?,
            key_bits: read_u32(sec, 16)?,
            scheme_id: read_u32(sec, 20)?,
            sketch_bits: read_u32(sec, 24)?,
        })
    }

    /// True for all-zero index fields: no index stored (non-PDQ kinds, distributable PDQ).
    fn no_index(&self) -> bool {
        self.key_bits == 0 && self.scheme_id == 0 && self.sketch_bits == 0 && self.id_bits == 0
    }

    /// The PDQ scheme these fields describe, validated against `n` (`name` for messages).
    pub(crate) fn pdq_scheme(&self, name: &str) -> Result<crate::lists::index::Scheme, ListError> {
        let (n, id) = (self.n, self.scheme_id);
        let needed_id_bits = bits_for(n.saturating_sub(1));
        if self.id_bits != needed_id_bits {
            return Err(malformed(format!(
                "{name}: id width {} bits, expected {needed_id_bits}",
                self.id_bits
            )));
        }
        let scheme = crate::lists::index::Scheme::with_id(id, n)
            .ok_or_else(|| malformed(format!("{name}: unknown index scheme {id}")))?;
        let scheme = scheme
            .with_sketch(self.sketch_bits, needed_id_bits)
            .ok_or_else(|| {
                malformed(format!(
                    "{name}: {}-bit neighbour sketches do not fit index scheme {id}",
                    self.sketch_bits
                ))
            })?;
        if self.key_bits != scheme.key_bits {
            return Err(malformed(format!(
                "{name}: {}-bit index keys, scheme {id} uses {} for {n} entries",
                self.key_bits, scheme.key_bits
            )));
        }
        Ok(scheme)
    }

    /// The scheme of a hash section of `kind`: PDQ may have one (or none: distributable),
    /// other kinds never do.
    fn scheme(&self, kind: HashKind) -> Result<Option<crate::lists::index::Scheme>, ListError> {
        let name = kind.name();
        if self.no_index() {
            return Ok(None);
        }
        if kind != HashKind::Pdq {
            return Err(malformed(format!(
                "{name} section: index fields must be zero"
            )));
        }
        self.pdq_scheme(&format!("{name} section")).map(Some)
    }
}

/// Parses one hash section; `check_tables` validates every PDQ offset table entry (linear in
/// the table size, ~100 MB at 10M entries, so [`Verification::Fast`] skips it: queries clamp
/// every range they read, so a bad table can only cost time, never memory safety).
fn parse_hash_section(
    bytes: &[u8],
    kind: HashKind,
    range: Range<usize>,
    count: u64,
    check_tables: bool,
) -> Result<HashSection, ListError> {
    let name = kind.name();
    let sec = bytes
        .get(range.clone())
        .ok_or_else(|| malformed(format!("{name} section out of bounds")))?;
    let f = IndexFields::read(sec)?;
    if f.n != count || f.n > u64::from(u32::MAX) || f.tag_bits > 32 || f.id_bits > 32 {
        return Err(malformed(format!(
            "{name} section header is inconsistent (n {}, tag bits {}, id bits {})",
            f.n, f.tag_bits, f.id_bits
        )));
    }
    let scheme = f.scheme(kind)?;
    let layout = hash_layout(kind, f.n, f.tag_bits, f.id_bits, scheme.as_ref())
        .ok_or_else(|| malformed(format!("{name} section sizes overflow")))?;
    if layout.total != sec.len() as u64 {
        return Err(malformed(format!(
            "{name} section is {} bytes, its counts need {} (truncated or padded)",
            sec.len(),
            layout.total
        )));
    }
    let abs = |r: Range<u64>| -> Result<Range<usize>, ListError> {
        let start = range.start + to_usize(r.start, "offset")?;
        let end = range.start + to_usize(r.end, "offset")?;
        Ok(start..end)
    };
    let n_usize = to_usize(f.n, "entry count")?;
    let offsets = abs(layout.offsets.clone())?;
    if let (Some(scheme), true) = (&scheme, check_tables) {
        check_offset_tables(bytes.get(offsets.clone()).unwrap_or(&[]), scheme, n_usize)?;
    }
    let _ = slice(bytes, range.start, sec.len())?;
    Ok(HashSection {
        n: n_usize,
        tag_bits: f.tag_bits,
        id_bits: f.id_bits,
        scheme,
        hashes: abs(layout.hashes)?,
        tags: abs(layout.tags)?,
        offsets,
        postings: layout
            .postings
            .into_iter()
            .map(abs)
            .collect::<Result<_, _>>()?,
    })
}
