//! The binary layout of list and delta files, and the low-level code that writes and
//! validates it. Everything else reads files through the views built here.
//!
//! # FORMAT (version 1)
//!
//! All integers are little-endian. Every section starts at a file offset that is a multiple
//! of 64 (zero padding in between), and inside a hash section the hash array starts 64 bytes
//! in, so with a page-aligned mmap no 32-byte PDQ hash straddles a cache line. Parts inside
//! a section are padded to multiples of 8. Readers never cast bytes to wider types; they read
//! integers in place, so correctness does not depend on alignment, only speed does.
//!
//! ```text
//! offset size  field
//! 0      8     magic            "PFHLIST\0"
//! 8      4     format_version   1
//! 12     4     file_kind        1 = full list, 2 = delta
//! 16     8     list_version     monotonic version of the list (for a delta: the target version)
//! 24     8     base_version     delta: the version it applies to; full list: 0
//! 32     8     created_at       unix seconds (for a delta: the target list's created_at)
//! 40     8     issuer_key_id    first 8 bytes of SHA-256(issuer ed25519 public key)
//! 48     4     section_count
//! 52     8     expires_at       unix seconds after which the list is stale; 0 = never (files
//!                               written before expiry existed have zero here)
//! 60     4     reserved, zero
//! 64     32*k  section table: kind u32, reserved u32 (0), offset u64, length u64, count u64
//! ...          sections (offset/length from the table; in kind order, non-overlapping)
//! len-96 32    digest           SHA-256 of bytes [0, len-96)
//! len-64 64    signature        ed25519 signature by the issuer key over the 32-byte digest
//! ```
//!
//! Section kinds (`count` = number of items):
//! - `1 ORGS`: string table of source-organisation names; name `i` is bit `i` of the
//!   64-bit source bitmap (so at most 64).
//! - `2 STRINGS`: string table of labels and categories.
//! - `3 TAGS`: `count` records of 16 bytes: `orgs u64` (source bitmap), `label u32`,
//!   `category u32` (indexes into STRINGS). Entries point at a tag, so the per-entry cost of
//!   sources + label + category is a few bits.
//! - `0x10 + k` HASHES of kind `k` (0 PDQ, 1 pHash, 2 MD5, 3 SHA-1, 4 SHA-256), full lists only:
//!   - `n u64`, `tag_bits u32`, `id_bits u32`, `key_bits u32`, `scheme u32`, `sketch_bits u32`
//!     (PDQ; all three 0 otherwise), 36 zero bytes (64 bytes in all)
//!   - `n` hashes of the kind's width, sorted ascending by bytes (strictly: no duplicates)
//!   - packed tag indexes (`n` values of `tag_bits` bits, see below)
//!   - PDQ only, the multi-index (slot layout per `scheme`, see the `index` module source;
//!     1 = 16 slots of 16 bits for `n < 2^22`, 2 = 4 x 22 + 8 x 21 bits above): one offset table
//!     of `2^key_bits + 1` `u32` per slot, keyed by the top `key_bits` bits of the slot. Slot 0
//!     starts at bit 0, so sorted hashes are grouped by its key and its table indexes the hash
//!     array directly (no posting list); every other slot's table indexes that slot's posting
//!     list: `n` postings of `id_bits + sketch_bits` bits, grouped by key, ascending within a
//!     group. A posting of slot `j` holds the entry id (`id_bits` = bits needed for `n - 1`)
//!     in its high bits and, in its low `sketch_bits` bits, the top `sketch_bits` bits of
//!     slot `j + 1` (slot 0 after the last) of that entry: the neighbour sketch of the exact
//!     candidate filter (see the `index` module). Scheme and key width are a function of `n`
//!     (checked on load); `sketch_bits` is the issuer's choice, at most the narrowest slot
//!     width and `id_bits + sketch_bits <= 56`. Files written before sketches existed have
//!     `sketch_bits = 0` in that (then reserved, zero) field and read unchanged.
//! - `0x20 + k` ADDS of kind `k` (deltas only): `n u64`, `n` sorted hashes, `n` `u32` tag indexes.
//! - `0x30 + k` REMOVES (tombstones) of kind `k` (deltas only): `n u64`, `n` sorted hashes.
//! - `0x40 TARGET` (deltas only): digest (32), signature (64), issuer key id (8), PDQ index
//!   scheme (u32) and PDQ sketch width (u32; zero in deltas written before sketches) of the
//!   full list that results from applying the delta; the device rebuilds that list
//!   deterministically and checks it.
//!
//! Section kinds are extensible. A reader meets a kind it does not know in one of two ways:
//! - kinds `0x1000..=0x1FFF` are **optional**: a reader that does not know one skips it (its
//!   bytes are still covered by the digest and the signature, so skipping cannot hide a
//!   change), and the list works without it. Use these for data an older device can ignore.
//! - every other unknown kind is **critical**: the file is refused (`Malformed`, naming the
//!   kind), so a device never silently runs a list it only half understands.
//!
//! A PDQ hash section may also be written **without its index** (the distributable form):
//! `scheme`, `key_bits`, `id_bits` and `sketch_bits` are all 0 and the section ends after the
//! packed tag indexes. A device builds the multi-index on install and keeps it beside the
//! list in its store (see the `index::detached` module), bound to the list digest.
//!
//! String table: `count + 1` `u32` byte offsets (relative to the end of the offset array,
//! non-decreasing), then UTF-8 bytes.
//!
//! Packed array: value `i` occupies bits `[i*bits, (i+1)*bits)` of a little-endian bit stream;
//! stored length `ceil(n*bits/8) + 8` (the padding allows single 8-byte loads).
//!
//! The digest covers everything but the trailer, so flipping any byte is detected: header
//! and sections change the digest, the digest field itself no longer matches, and the
//! signature no longer verifies. The issuer key id is derived from the public key, so the
//! header names which trusted key must verify the file.

use crate::lists::ListError;
use std::ops::Range;

pub mod builder;
pub mod delta;
pub mod import;
pub mod kinds;
pub mod list;
pub(crate) mod packed;

/// File magic.
pub const MAGIC: [u8; 8] = *b"PFHLIST\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Fixed header length.
pub const HEADER_LEN: usize = 64;
/// Length of one section table record.
pub const SECTION_RECORD_LEN: usize = 32;
/// Length of the trailer (digest + signature).
pub const TRAILER_LEN: usize = 96;
/// Section kind: source organisation names.
pub const SEC_ORGS: u32 = 1;
/// Section kind: label and category strings.
pub const SEC_STRINGS: u32 = 2;
/// Section kind: tag records (orgs, label, category).
pub const SEC_TAGS: u32 = 3;
/// Section kind base: full-list hashes of kind k are `SEC_HASHES + k`.
pub const SEC_HASHES: u32 = 0x10;
/// Section kind base: delta additions of kind k are `SEC_ADDS + k`.
pub const SEC_ADDS: u32 = 0x20;
/// Section kind base: delta removals (tombstones) of kind k are `SEC_REMOVES + k`.
pub const SEC_REMOVES: u32 = 0x30;
/// Section kind: the target digest and signature of a delta.
pub const SEC_TARGET: u32 = 0x40;
/// Section kinds in this range are optional: readers that do not know one skip it.
pub const SEC_OPTIONAL: std::ops::RangeInclusive<u32> = 0x1000..=0x1FFF;

/// Whether a file holds a full list or a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A complete list with its index.
    Full,
    /// Adds and tombstones from one version to the next.
    Delta,
}

impl FileKind {
    fn code(self) -> u32 {
        match self {
            FileKind::Full => 1,
            FileKind::Delta => 2,
        }
    }

    /// Human name ("full list" / "delta").
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Full => "full list",
            FileKind::Delta => "delta",
        }
    }
}

/// The parsed fixed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Full list or delta.
    pub file_kind: FileKind,
    /// List version (target version for a delta).
    pub list_version: u64,
    /// Base version of a delta (0 for full lists).
    pub base_version: u64,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds after which the list is stale (0 = never).
    pub expires_at: u64,
    /// Issuer key id (first 8 bytes of SHA-256 of the public key).
    pub issuer_key_id: [u8; 8],
}

/// One section table record, validated against the file length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Section kind code.
    pub kind: u32,
    /// Byte range in the file.
    pub range: Range<usize>,
    /// Item count.
    pub count: u64,
}

/// A parsed, structurally validated container (header, sections, trailer); contents of the
/// sections are validated by their readers.
#[derive(Debug, Clone)]
pub struct Container {
    /// The header.
    pub header: Header,
    /// Sections in file order.
    pub sections: Vec<Section>,
    /// Digest stored in the trailer.
    pub signed_digest: [u8; 32],
    /// Signature stored in the trailer.
    pub signature: [u8; 64],
    /// Length of the signed body (file length minus trailer).
    pub body_len: usize,
}

impl Container {
    /// The section of `kind`, if present.
    pub fn section(&self, kind: u32) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }
}

fn malformed(msg: impl Into<String>) -> ListError {
    ListError::Malformed(msg.into())
}

/// Reads a little-endian u32 at `at`; typed error if out of bounds.
pub fn read_u32(bytes: &[u8], at: usize) -> Result<u32, ListError> {
    at.checked_add(4)
        .and_then(|end| bytes.get(at..end))
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| malformed(format!("u32 at offset {at} is past the end")))
}

/// Reads a little-endian u64 at `at`; typed error if out of bounds.
pub fn read_u64(bytes: &[u8], at: usize) -> Result<u64, ListError> {
    at.checked_add(8)
        .and_then(|end| bytes.get(at..end))
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| malformed(format!("u64 at offset {at} is past the end")))
}

/// Returns `bytes[start..start+len]` or a typed error.
pub fn slice(bytes: &[u8], start: usize, len: usize) -> Result<&[u8], ListError> {
    start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| malformed(format!("{len} bytes at offset {start} run past the end")))
}

/// Alignment of section starts in the file.
pub const SECTION_ALIGN: usize = 64;

/// Rounds up to a multiple of 8 (checked).
pub fn pad8(n: u64) -> Option<u64> {
    n.checked_add(7).map(|v| v & !7)
}

/// Converts a u64 length from the file into usize, or a typed error.
pub fn to_usize(v: u64, what: &str) -> Result<usize, ListError> {
    usize::try_from(v).map_err(|_| malformed(format!("{what} {v} does not fit in memory")))
}

/// Parses and validates the header, section table and trailer of a list or delta.
pub fn parse_container(bytes: &[u8]) -> Result<Container, ListError> {
    if bytes.len() < 8 || bytes.get(..8) != Some(&MAGIC[..]) {
        return Err(ListError::BadMagic);
    }
    if bytes.len() < HEADER_LEN + TRAILER_LEN {
        return Err(malformed(format!(
            "file is {} bytes, shorter than header + trailer ({} bytes)",
            bytes.len(),
            HEADER_LEN + TRAILER_LEN
        )));
    }
    let format = read_u32(bytes, 8)?;
    if format != FORMAT_VERSION {
        return Err(ListError::UnsupportedFormat {
            found: format,
            supported: FORMAT_VERSION,
        });
    }
    let file_kind = match read_u32(bytes, 12)? {
        1 => FileKind::Full,
        2 => FileKind::Delta,
        other => return Err(malformed(format!("unknown file kind {other}"))),
    };
    let mut issuer_key_id = [0u8; 8];
    issuer_key_id.copy_from_slice(slice(bytes, 40, 8)?);
    let header = Header {
        file_kind,
        list_version: read_u64(bytes, 16)?,
        base_version: read_u64(bytes, 24)?,
        created_at: read_u64(bytes, 32)?,
        expires_at: read_u64(bytes, 52)?,
        issuer_key_id,
    };
    if slice(bytes, 60, 4)?.iter().any(|&b| b != 0) {
        return Err(malformed("reserved header bytes are not zero"));
    }
    let body_len = bytes.len() - TRAILER_LEN;
    let section_count = read_u32(bytes, 48)? as usize;
    let table_end = section_count
        .checked_mul(SECTION_RECORD_LEN)
        .and_then(|t| t.checked_add(HEADER_LEN))
        .filter(|&end| end <= body_len)
        .ok_or_else(|| {
            malformed(format!(
                "section table of {section_count} records runs past the end"
            ))
        })?;
    let mut sections = Vec::with_capacity(section_count);
    let mut cursor = table_end;
    for i in 0..section_count {
        let rec = HEADER_LEN + i * SECTION_RECORD_LEN;
        let kind = read_u32(bytes, rec)?;
        if read_u32(bytes, rec + 4)? != 0 {
            return Err(malformed(format!(
                "section {i}: reserved field is not zero"
            )));
        }
        let offset = to_usize(read_u64(bytes, rec + 8)?, "section offset")?;
        let length = to_usize(read_u64(bytes, rec + 16)?, "section length")?;
        let count = read_u64(bytes, rec + 24)?;
        let end = offset
            .checked_add(length)
            .filter(|&end| end <= body_len)
            .ok_or_else(|| {
                malformed(format!(
                    "section {i} (kind {kind:#x}) runs past the end of the file"
                ))
            })?;
        if offset % SECTION_ALIGN != 0 || offset < cursor {
            return Err(malformed(format!(
                "section {i} (kind {kind:#x}) is misaligned or overlaps the previous one"
            )));
        }
        if sections.iter().any(|s: &Section| s.kind == kind) {
            return Err(malformed(format!("duplicate section kind {kind:#x}")));
        }
        cursor = end;
        sections.push(Section {
            kind,
            range: offset..end,
            count,
        });
    }
    let mut signed_digest = [0u8; 32];
    signed_digest.copy_from_slice(slice(bytes, body_len, 32)?);
    let mut signature = [0u8; 64];
    signature.copy_from_slice(slice(bytes, body_len + 32, 64)?);
    Ok(Container {
        header,
        sections,
        signed_digest,
        signature,
        body_len,
    })
}

/// Parses a string table section (`count` strings).
pub fn parse_string_table(bytes: &[u8], count: u64) -> Result<Vec<String>, ListError> {
    let count = to_usize(count, "string count")?;
    let offsets_len = count
        .checked_add(1)
        .and_then(|c| c.checked_mul(4))
        .ok_or_else(|| malformed("string table count overflows"))?;
    let data = bytes
        .get(offsets_len..)
        .ok_or_else(|| malformed("string table offsets run past the section"))?;
    let mut out = Vec::with_capacity(count.min(1 << 16));
    let mut prev = read_u32(bytes, 0)? as usize;
    for i in 0..count {
        let next = read_u32(bytes, (i + 1) * 4)? as usize;
        let raw = data
            .get(prev..next)
            .ok_or_else(|| malformed(format!("string {i} has invalid offsets {prev}..{next}")))?;
        let s = std::str::from_utf8(raw)
            .map_err(|_| malformed(format!("string {i} is not valid UTF-8")))?;
        out.push(s.to_owned());
        prev = next;
    }
    Ok(out)
}

/// Encodes a TAGS section body: 16 bytes per `(orgs, label, category)` tag.
pub fn write_tag_table(tags: &[(u64, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tags.len() * 16);
    for (orgs, label, category) in tags {
        out.extend_from_slice(&orgs.to_le_bytes());
        out.extend_from_slice(&label.to_le_bytes());
        out.extend_from_slice(&category.to_le_bytes());
    }
    out
}

/// Encodes a string table section body.
pub fn write_string_table(strings: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offset = 0u32;
    out.extend_from_slice(&offset.to_le_bytes());
    for s in strings {
        offset = offset.saturating_add(s.len() as u32);
        out.extend_from_slice(&offset.to_le_bytes());
    }
    for s in strings {
        out.extend_from_slice(s.as_bytes());
    }
    out
}

/// Assembles a container: header, section table, 8-aligned sections. Returns the body
/// (everything the digest covers); the caller appends the trailer.
pub fn assemble(header: &Header, sections: &[(u32, u64, Vec<u8>)]) -> Vec<u8> {
    let table_end = HEADER_LEN + sections.len() * SECTION_RECORD_LEN;
    let total: usize = table_end
        + sections
            .iter()
            .map(|s| s.2.len() + SECTION_ALIGN)
            .sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&header.file_kind.code().to_le_bytes());
    out.extend_from_slice(&header.list_version.to_le_bytes());
    out.extend_from_slice(&header.base_version.to_le_bytes());
    out.extend_from_slice(&header.created_at.to_le_bytes());
    out.extend_from_slice(&header.issuer_key_id);
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    out.extend_from_slice(&header.expires_at.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    let mut offset = table_end as u64;
    for (kind, count, body) in sections {
        offset = offset.div_ceil(SECTION_ALIGN as u64) * SECTION_ALIGN as u64;
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        offset += body.len() as u64;
    }
    for (_, _, body) in sections {
        while out.len() % SECTION_ALIGN != 0 {
            out.push(0);
        }
        out.extend_from_slice(body);
    }
    out
}

/// Pads `buf` with zeros to a multiple of 8.
pub fn pad_vec8(buf: &mut Vec<u8>) {
    while !buf.len().is_multiple_of(8) {
        buf.push(0);
    }
}
