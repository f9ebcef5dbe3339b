//! Writing the PDQ multi-index: one offset table per slot, then the posting lists of slots
//! 1.. (slot 0 indexes the sorted hash array directly). Used by the builder for lists with an
//! embedded index and by the device when it builds the index of a distributable list.
//!
//! Memory: the tables are written first, then each slot's postings are computed and appended
//! one slot at a time, so the peak beyond the output is one slot's `n` unpacked postings
//! (8 bytes each) and one packed posting list.

use crate::lists::index::Scheme;
use crate::lists::packed::{pack64, packed_len};

/// Writes the index of sorted PDQ `hashes` (one posting: entry id above, sketch of the next
/// slot in the low `sketch_bits` bits).
pub(crate) struct IndexWriter<'a> {
    hashes: &'a [[u8; 32]],
    id_bits: u32,
    scheme: &'a Scheme,
}

impl<'a> IndexWriter<'a> {
    /// A writer for `hashes` (sorted ascending, the list's entry order).
    pub(crate) fn new(hashes: &'a [[u8; 32]], id_bits: u32, scheme: &'a Scheme) -> Self {
        IndexWriter {
            hashes,
            id_bits,
            scheme,
        }
    }

    /// Bytes [`IndexWriter::write`] appends (tables, padding, postings, padding).
    pub(crate) fn len(&self) -> usize {
        let tables = self.scheme.slots.len() * self.scheme.table_len() * 4;
        let bits = self.scheme.posting_bits(self.id_bits);
        let posting = packed_len(self.hashes.len() as u64, bits).unwrap_or(8) as usize;
        let lists = self.scheme.slots.len().saturating_sub(1);
        tables.div_ceil(8) * 8 + lists * posting.div_ceil(8) * 8
    }

    /// Appends the offset tables and posting lists to `out` (which should start 8-aligned).
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.reserve(self.len());
        // Writing to a Vec cannot fail.
        let _ = self.write_to(out);
    }

    /// Streams the offset tables and posting lists to `out` (a file, through a `BufWriter`):
    /// tables first, then one slot's postings at a time, so the memory beyond `out` is one
    /// slot's unpacked postings. Each slot's table is computed twice (once per pass) instead
    /// of keeping all tables in memory.
    pub(crate) fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let mut written = 0usize;
        for slot in 0..self.scheme.slots.len() {
            for c in self.offset_table(slot) {
                out.write_all(&c.to_le_bytes())?;
            }
            written += self.scheme.table_len() * 4;
        }
        pad(out, &mut written)?;
        for slot in 1..self.scheme.slots.len() {
            let postings = self.postings(slot, self.offset_table(slot));
            out.write_all(&postings)?;
            written += postings.len();
            pad(out, &mut written)?;
        }
        Ok(())
    }

    /// Cumulative bucket offsets of `slot`: entry `k` = number of hashes with key `< k`.
    fn offset_table(&self, slot: usize) -> Vec<u32> {
        let mut counts = vec![0u32; self.scheme.table_len()];
        for h in self.hashes {
            if let Some(c) = counts.get_mut(self.scheme.key(h, slot) + 1) {
                *c += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        counts
    }

    /// The packed posting list of `slot`, grouped by key (`fill` = the slot's offset table).
    fn postings(&self, slot: usize, mut fill: Vec<u32>) -> Vec<u8> {
        let n = self.hashes.len();
        let sk = self.scheme.sketch_bits;
        let mut ids = vec![0u64; n];
        for (id, h) in self.hashes.iter().enumerate() {
            let c = self.scheme.key(h, slot);
            let Some(pos) = fill.get_mut(c) else {
                continue;
            };
            if let Some(slot_ref) = ids.get_mut(*pos as usize) {
                *slot_ref = ((id as u64) << sk) | u64::from(self.scheme.sketch(h, slot));
            }
            *pos += 1;
        }
        pack64(ids.into_iter(), n, self.scheme.posting_bits(self.id_bits))
    }
}

/// Writes zeros up to the next multiple of 8 of `written`.
fn pad(out: &mut impl std::io::Write, written: &mut usize) -> std::io::Result<()> {
    let fill = written.div_ceil(8) * 8 - *written;
    out.write_all(&[0u8; 8][..fill])?;
    *written += fill;
    Ok(())
}
