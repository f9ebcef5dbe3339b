//! The device-built PDQ index of a distributable list (one whose PDQ section carries no
//! index, see the format docs): built on install, kept in the store beside the list, bound to
//! the list's signed digest, and attached to the [`HashList`] so matching uses it in place.
//!
//! Index file layout (all integers little-endian):
//!
//! ```text
//! offset size  field
//! 0      8     magic            "PFHINDEX"
//! 8      4     index_format     1
//! 12     4     scheme           PDQ index scheme id (1 or 2)
//! 16     4     key_bits
//! 20     4     id_bits          bits for n - 1
//! 24     4     sketch_bits
//! 28     4     reserved, zero
//! 32     8     n                PDQ entries of the list
//! 40     32    list_digest      the signed digest of the list this index belongs to
//! 72     32    body_sha256      SHA-256 of bytes [128, len)
//! 104    24    reserved, zero
//! 128    ...   offset tables and posting lists, exactly as in an embedded index
//! ```
//!
//! The index is derived data: a device can always rebuild it from the list. It is checked on
//! load (digest binding, counts, sizes; with [`Verification::Full`] also the body checksum,
//! every offset table and every posting id), and a bad or missing index is rebuilt, never
//! trusted. Building takes one pass per slot over the hashes; peak memory is the index plus
//! one slot's unpacked postings (`IndexWriter`).
//!
//! ```
//! use preflight::lists::{detached, HashKind, IssuerSecretKey, ListBuilder, PdqIndexScheme, TrustedKeys, HashList};
//! let key = IssuerSecretKey::from_seed(&[1; 32]);
//! let mut b = ListBuilder::new(1, 0);
//! b.set_pdq_index_scheme(PdqIndexScheme::Detached);
//! b.add(HashKind::Pdq, &[7u8; 32], 0, "label", "cat")?;
//! let mut list = HashList::from_bytes(b.build(&key)?, &TrustedKeys::new(vec![key.public()]))?;
//! assert!(list.pdq_index_missing());
//! let index = detached::build_index(&list)?;
//! detached::attach(&mut list, index, preflight::lists::Verification::Full)?;
//! assert!(!list.pdq_index_missing());
//! assert_eq!(list.match_pdq(&[[7u8; 32]], 31).len(), 1);
//! # Ok::<(), preflight::lists::ListError>(())
//! ```

use crate::lists::format::list::{
    check_offset_tables, check_posting_ids, index_layout, Backing, HashSection, IndexFields,
};
use crate::lists::format::{read_u32, read_u64, slice, to_usize};
use crate::lists::index::{default_sketch_bits, IndexWriter, Scheme};
use crate::lists::kinds::hex_encode;
use crate::lists::packed::bits_for;
use crate::lists::{HashKind, HashList, ListError, Verification};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Index file magic.
pub const INDEX_MAGIC: [u8; 8] = *b"PFHINDEX";
/// Index file format version.
pub const INDEX_FORMAT: u32 = 1;
/// Length of the index file header.
pub const INDEX_HEADER_LEN: usize = 128;

/// File name of the index of the list with `digest` inside a store directory.
pub fn index_file_name(digest: &[u8; 32]) -> String {
    format!(
        "index-{}.pfidx",
        hex_encode(digest.get(..16).unwrap_or(&[]))
    )
}

fn mismatch(reason: impl Into<String>) -> ListError {
    ListError::IndexMismatch(reason.into())
}

/// Builds the index file for `list`'s PDQ entries with the default scheme for its size.
/// Fails with [`ListError::IndexMismatch`] when the list has no PDQ entries.
pub fn build_index(list: &HashList) -> Result<Vec<u8>, ListError> {
    let (scheme, id_bits, hashes) = default_layout(list)?;
    let writer = IndexWriter::new(hashes, id_bits, &scheme);
    let mut out = Vec::with_capacity(INDEX_HEADER_LEN + writer.len());
    out.extend_from_slice(&header(list, &scheme, id_bits, &[0u8; 32]));
    writer.write(&mut out);
    let sum: [u8; 32] = Sha256::digest(out.get(INDEX_HEADER_LEN..).unwrap_or(&[])).into();
    if let Some(at) = out.get_mut(72..104) {
        at.copy_from_slice(&sum);
    }
    Ok(out)
}

/// The default scheme for the list's PDQ entries, their id width and the sorted hashes.
fn default_layout(list: &HashList) -> Result<(Scheme, u32, &[[u8; 32]]), ListError> {
    let sec = list
        .section(HashKind::Pdq)
        .ok_or_else(|| mismatch("the list has no PDQ entries to index"))?;
    let n = sec.n;
    let hashes = list.as_bytes().get(sec.hashes.clone()).unwrap_or(&[]);
    let (hashes, _) = hashes.as_chunks::<32>();
    let id_bits = bits_for(n.saturating_sub(1) as u64);
    let base = Scheme::for_entries(n as u64);
    let sketch = default_sketch_bits(base.id, n as u64);
    let scheme = base
        .with_sketch(sketch, id_bits)
        .ok_or_else(|| ListError::TooLarge(format!("{n} PDQ entries do not fit the index")))?;
    Ok((scheme, id_bits, hashes))
}

/// The 128-byte index header with body checksum `sum`.
fn header(list: &HashList, scheme: &Scheme, id_bits: u32, sum: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(INDEX_HEADER_LEN);
    out.extend_from_slice(&INDEX_MAGIC);
    for field in [
        INDEX_FORMAT,
        scheme.id,
        scheme.key_bits,
        id_bits,
        scheme.sketch_bits,
        0,
    ] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    out.extend_from_slice(&(list.len(HashKind::Pdq) as u64).to_le_bytes());
    out.extend_from_slice(&list.digest());
    out.extend_from_slice(sum);
    out.extend_from_slice(&[0u8; 24]);
    out
}

/// Writes the index file for `list` to `out` (a file through a `BufWriter`) without holding
/// the index in memory: header, then `IndexWriter::write_to`. Returns the bytes written.
pub(crate) fn write_index(
    list: &HashList,
    out: &mut (impl std::io::Write + std::io::Seek),
) -> Result<(), ListError> {
    let io = |e| ListError::io("writing the list index", e);
    let (scheme, id_bits, hashes) = default_layout(list)?;
    let writer = IndexWriter::new(hashes, id_bits, &scheme);
    out.write_all(&header(list, &scheme, id_bits, &[0u8; 32]))
        .map_err(io)?;
    let mut hashing = HashingWriter {
        inner: &mut *out,
        sha: Sha256::new(),
    };
    writer.write_to(&mut hashing).map_err(io)?;
    let sum: [u8; 32] = hashing.sha.finalize().into();
    out.seek(std::io::SeekFrom::Start(72)).map_err(io)?;
    out.write_all(&sum).map_err(io)?;
    out.seek(std::io::SeekFrom::End(0)).map_err(io)?;
    Ok(())
}

/// Passes writes through and hashes them.
struct HashingWriter<'w, W: std::io::Write> {
    inner: &'w mut W,
    sha: Sha256,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Attaches index bytes (from [`build_index`]) to `list`, checked per `mode`
/// ([`Verification::Fast`] skips the checksum and the linear table and posting scans). On
/// error `list` is unchanged.
pub fn attach(list: &mut HashList, index: Vec<u8>, mode: Verification) -> Result<(), ListError> {
    attach_backing(list, Backing::Owned(index), mode)
}

/// Memory-maps an index file and attaches it to `list` (see [`attach`]).
pub fn attach_file(list: &mut HashList, path: &Path, mode: Verification) -> Result<(), ListError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ListError::io(format!("opening index {}", path.display()), e))?;
    // SAFETY: as for list files: the store writes index files under a new name and renames
    // them into place, never modifying one in place; every read is bounds-checked.
    let map = unsafe { memmap2::Mmap::map(&file) }
        .map_err(|e| ListError::io(format!("memory-mapping {}", path.display()), e))?;
    attach_backing(list, Backing::Mapped(map), mode)
}

fn attach_backing(
    list: &mut HashList,
    index: Backing,
    mode: Verification,
) -> Result<(), ListError> {
    let sec = parse_index(list, index.bytes(), mode)?;
    list.set_pdq_index(index, sec);
    Ok(())
}

/// Validates index bytes against `list` and returns the PDQ section description that points
/// into them.
fn parse_index(
    list: &HashList,
    bytes: &[u8],
    mode: Verification,
) -> Result<HashSection, ListError> {
    if bytes.get(..8) != Some(&INDEX_MAGIC[..]) {
        return Err(mismatch("not a Preflight index file (bad magic bytes)"));
    }
    let format = read_u32(bytes, 8)?;
    if format != INDEX_FORMAT {
        return Err(mismatch(format!("unsupported index format {format}")));
    }
    let reserved_zero = read_u32(bytes, 28)? == 0 && slice(bytes, 104, 24)?.iter().all(|&b| b == 0);
    if !reserved_zero {
        return Err(mismatch("reserved index header bytes are not zero"));
    }
    let listed = list
        .section(HashKind::Pdq)
        .ok_or_else(|| mismatch("the list has no PDQ section"))?;
    let digest = slice(bytes, 40, 32)?;
    if digest != list.digest() {
        return Err(mismatch(format!(
            "index belongs to list {}, not {}",
            hex_encode(digest),
            hex_encode(&list.digest())
        )));
    }
    let fields = IndexFields {
        n: read_u64(bytes, 32)?,
        tag_bits: listed.tag_bits,
        id_bits: read_u32(bytes, 20)?,
        key_bits: read_u32(bytes, 16)?,
        scheme_id: read_u32(bytes, 12)?,
        sketch_bits: read_u32(bytes, 24)?,
    };
    if to_usize(fields.n, "index entry count")? != listed.n {
        return Err(mismatch(format!(
            "index covers {} entries, the list holds {}",
            fields.n, listed.n
        )));
    }
    let scheme = fields.pdq_scheme("index")?;
    let (offsets, postings, total) =
        index_layout(fields.n, fields.id_bits, &scheme, INDEX_HEADER_LEN as u64)
            .ok_or_else(|| mismatch("index sizes overflow"))?;
    if total != bytes.len() as u64 {
        return Err(mismatch(format!(
            "index file is {} bytes, its counts need {total} (truncated or padded)",
            bytes.len()
        )));
    }
    let range = |r: std::ops::Range<u64>| -> Result<std::ops::Range<usize>, ListError> {
        Ok(to_usize(r.start, "offset")?..to_usize(r.end, "offset")?)
    };
    let sec = HashSection {
        n: listed.n,
        tag_bits: listed.tag_bits,
        id_bits: fields.id_bits,
        scheme: Some(scheme),
        hashes: listed.hashes.clone(),
        tags: listed.tags.clone(),
        offsets: range(offsets)?,
        postings: postings.into_iter().map(range).collect::<Result<_, _>>()?,
    };
    if mode != Verification::Fast {
        let sum: [u8; 32] = Sha256::digest(bytes.get(INDEX_HEADER_LEN..).unwrap_or(&[])).into();
        if slice(bytes, 72, 32)? != sum {
            return Err(mismatch("index checksum does not match its contents"));
        }
        if let Some(scheme) = &sec.scheme {
            check_offset_tables(bytes.get(sec.offsets.clone()).unwrap_or(&[]), scheme, sec.n)?;
        }
        check_posting_ids(bytes, &sec)?;
    }
    Ok(sec)
}
