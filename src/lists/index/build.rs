//! Writing the PDQ multi-index: one offset table per slot, then the posting lists of slots
//! 1.. (slot 0 indexes the sorted hash array directly). Used by the builder for lists with an
//! embedded index and by the device when it builds the index of a distributable list.
//!
//! Speed (the device builds the index on install): each slot's postings are a stable counting
//! sort of the entry ids by the slot's key, done as a two-level radix sort so the scattered
//! writes stay in cache: pass 1 scatters `(key, posting)` words into at most 1,024 groups by
//! the key's high bits (one write stream per group), pass 2 places each group's postings at
//! their final bit positions, all within the group's small range of the packed output. Keys
//! and sketches come from precomputed bit positions ([`BitField`]), and the postings are
//! OR-ed straight into the zeroed packed buffer, so no per-entry allocation and no unpacked
//! copy of the postings exist. The output is byte-identical to a plain stable counting sort
//! (a unit test compares them).
//!
//! Memory beyond the output: every slot's offset table (they are part of the index anyway:
//! 4 MB at 1M entries, 100 MB at 10M), one scratch word per entry (8 bytes each) and one
//! packed posting list, reused from slot to slot.

use crate::lists::index::Scheme;
use crate::lists::packed::packed_len;

/// Most groups of pass 1 (the number of concurrent write streams).
const MAX_GROUP_BITS: u32 = 10;

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
        let lists = self.scheme.slots.len().saturating_sub(1);
        tables.div_ceil(8) * 8 + lists * self.posting_len().div_ceil(8) * 8
    }

    fn posting_len(&self) -> usize {
        let bits = self.scheme.posting_bits(self.id_bits);
        packed_len(self.hashes.len() as u64, bits).unwrap_or(8) as usize
    }

    /// Appends the offset tables and posting lists to `out` (which should start 8-aligned).
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.reserve(self.len());
        // Writing to a Vec cannot fail.
        let _ = self.write_to(out);
    }

    /// Streams the offset tables and posting lists to `out` (a file, through a `BufWriter`):
    /// all tables first, then one slot's postings at a time (see the module docs for the
    /// memory this holds).
    pub(crate) fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let tables: Vec<Vec<u32>> = (0..self.scheme.slots.len())
            .map(|slot| self.offset_table(slot))
            .collect();
        let mut written = 0usize;
        let mut bytes = Vec::with_capacity(self.scheme.table_len() * 4);
        for table in &tables {
            bytes.clear();
            bytes.extend(table.iter().flat_map(|c| c.to_le_bytes()));
            out.write_all(&bytes)?;
            written += bytes.len();
        }
        drop(bytes);
        pad(out, &mut written)?;
        let mut scratch = Vec::new();
        let mut packed = vec![0u8; self.posting_len()];
        for (slot, table) in tables.iter().enumerate().skip(1) {
            packed.fill(0);
            self.postings(slot, table, &mut scratch, &mut packed);
            out.write_all(&packed)?;
            written += packed.len();
            pad(out, &mut written)?;
        }
        Ok(())
    }

    /// Cumulative bucket offsets of `slot`: entry `k` = number of hashes with key `< k`.
    fn offset_table(&self, slot: usize) -> Vec<u32> {
        let key = BitField::key(self.scheme, slot);
        let mut counts = vec![0u32; self.scheme.table_len()];
        for h in self.hashes {
            if let Some(c) = counts.get_mut(key.get(h) as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        counts
    }

    /// Fills the zeroed `packed` with `slot`'s postings grouped by key, ids ascending within
    /// a key (`table` = the slot's offset table).
    fn postings(&self, slot: usize, table: &[u32], scratch: &mut Vec<u64>, packed: &mut [u8]) {
        let pb = self.scheme.posting_bits(self.id_bits);
        let key_bits = self.scheme.key_bits;
        if key_bits + pb > 64 {
            // (key, posting) does not fit one word (beyond 2^27 entries): one-level scatter.
            return self.postings_direct(slot, table, packed);
        }
        let key = BitField::key(self.scheme, slot);
        let sketch = BitField::sketch(self.scheme, slot);
        let sk = self.scheme.sketch_bits;
        let low_bits = key_bits.saturating_sub(MAX_GROUP_BITS);
        // Pass 1: (key << pb | posting) words, stably grouped by the key's high bits.
        let mut group_fill: Vec<usize> = table
            .iter()
            .step_by(1 << low_bits)
            .map(|&c| c as usize)
            .collect();
        scratch.clear();
        scratch.resize(self.hashes.len(), 0);
        for (id, h) in self.hashes.iter().enumerate() {
            let k = u64::from(key.get(h));
            let word = (k << pb) | ((id as u64) << sk) | u64::from(sketch.get(h));
            if let Some(pos) = group_fill.get_mut((k >> low_bits) as usize) {
                if let Some(at) = scratch.get_mut(*pos) {
                    *at = word;
                }
                *pos += 1;
            }
        }
        // Pass 2: each posting to its final place (within its group's range, so in cache).
        let mut fill = table.to_vec();
        let mask = (1u64 << pb) - 1;
        for &word in scratch.iter() {
            if let Some(pos) = fill.get_mut((word >> pb) as usize) {
                or_packed(packed, pb, *pos as usize, word & mask);
                *pos += 1;
            }
        }
    }

    /// The one-level stable scatter (for postings too wide for pass 1's words).
    fn postings_direct(&self, slot: usize, table: &[u32], packed: &mut [u8]) {
        let (key, sketch) = (
            BitField::key(self.scheme, slot),
            BitField::sketch(self.scheme, slot),
        );
        let (pb, sk) = (
            self.scheme.posting_bits(self.id_bits),
            self.scheme.sketch_bits,
        );
        let mut fill = table.to_vec();
        for (id, h) in self.hashes.iter().enumerate() {
            if let Some(pos) = fill.get_mut(key.get(h) as usize) {
                let posting = ((id as u64) << sk) | u64::from(sketch.get(h));
                or_packed(packed, pb, *pos as usize, posting);
                *pos += 1;
            }
        }
    }
}

/// ORs the `bits`-bit (<= 56) `value` into position `i` of a zeroed packed array (the layout
/// of [`crate::lists::packed`]: little-endian bit stream, 8 bytes of padding).
#[inline]
fn or_packed(packed: &mut [u8], bits: u32, i: usize, value: u64) {
    let bit = i as u64 * u64::from(bits);
    let byte = (bit / 8) as usize;
    if let Some(word) = packed.get_mut(byte..byte + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let merged = u64::from_le_bytes(w) | (value << (bit % 8));
        word.copy_from_slice(&merged.to_le_bytes());
    }
}

/// `count` (0..=25) bits at a fixed bit position of a hash, with the byte offset and shift
/// computed once per slot instead of once per hash.
#[derive(Clone, Copy)]
struct BitField {
    byte: usize,
    shift: u32,
    count: u32,
}

impl BitField {
    fn at(start_bit: u32, count: u32) -> BitField {
        BitField {
            byte: (start_bit / 8) as usize,
            shift: start_bit % 8,
            count: if count > 25 { 0 } else { count },
        }
    }

    /// The key field of `slot` (as [`Scheme::key`]).
    fn key(scheme: &Scheme, slot: usize) -> BitField {
        let start = scheme.slots.get(slot).map_or(0, |s| s.start_bit);
        let count = if scheme.slots.get(slot).is_some() {
            scheme.key_bits
        } else {
            0
        };
        BitField::at(start, count)
    }

    /// The sketch field stored with `slot`'s postings (as [`Scheme::sketch`]).
    fn sketch(scheme: &Scheme, slot: usize) -> BitField {
        let next = (slot + 1) % scheme.slots.len().max(1);
        match scheme.slots.get(next) {
            Some(s) => BitField::at(s.start_bit, scheme.sketch_bits),
            None => BitField::at(0, 0),
        }
    }

    #[inline]
    fn get(self, hash: &[u8; 32]) -> u32 {
        if self.count == 0 {
            return 0;
        }
        let word = match hash.get(self.byte..self.byte + 4) {
            Some(b) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            None => {
                let mut b = [0u8; 4];
                for (i, out) in b.iter_mut().enumerate() {
                    *out = hash.get(self.byte + i).copied().unwrap_or(0);
                }
                u32::from_be_bytes(b)
            }
        };
        (word << self.shift) >> (32 - self.count)
    }
}

/// Writes zeros up to the next multiple of 8 of `written`.
fn pad(out: &mut impl std::io::Write, written: &mut usize) -> std::io::Result<()> {
    let fill = written.div_ceil(8) * 8 - *written;
    out.write_all(&[0u8; 8][..fill])?;
    *written += fill;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::index::{SCHEME_12_SLOTS, SCHEME_16X16};
    use crate::lists::packed::{bits_for, pack64};
    use crate::lists::random::SplitMix64;

    /// The plain stable counting sort the radix passes replace (the layout's definition).
    fn reference(hashes: &[[u8; 32]], id_bits: u32, scheme: &Scheme) -> Vec<u8> {
        let mut out = Vec::new();
        let table = |slot: usize| {
            let mut counts = vec![0u32; scheme.table_len()];
            for h in hashes {
                counts[scheme.key(h, slot) + 1] += 1;
            }
            for i in 1..counts.len() {
                counts[i] += counts[i - 1];
            }
            counts
        };
        for slot in 0..scheme.slots.len() {
            out.extend(table(slot).iter().flat_map(|c| c.to_le_bytes()));
        }
        let mut written = out.len();
        pad(&mut out, &mut written).unwrap();
        for slot in 1..scheme.slots.len() {
            let mut fill = table(slot);
            let mut ids = vec![0u64; hashes.len()];
            for (id, h) in hashes.iter().enumerate() {
                let c = scheme.key(h, slot);
                ids[fill[c] as usize] =
                    ((id as u64) << scheme.sketch_bits) | u64::from(scheme.sketch(h, slot));
                fill[c] += 1;
            }
            let p = pack64(ids.into_iter(), hashes.len(), scheme.posting_bits(id_bits));
            out.extend_from_slice(&p);
            written += p.len();
            pad(&mut out, &mut written).unwrap();
        }
        out
    }

    #[test]
    fn radix_passes_write_exactly_the_counting_sort_layout() {
        let mut rng = SplitMix64(99);
        for (id, n, sketch) in [
            (SCHEME_16X16, 1usize, 12u32),
            (SCHEME_16X16, 100, 12),
            (SCHEME_16X16, 5_000, 12),
            (SCHEME_16X16, 70_000, 0),
            (SCHEME_12_SLOTS, 3_000, 16),
            (SCHEME_12_SLOTS, 40_000, 16),
        ] {
            let mut hashes: Vec<[u8; 32]> = (0..n).map(|_| rng.hash()).collect();
            // Clustered keys too (many equal keys in a slot).
            for h in hashes.iter_mut().take(n / 3) {
                h[2] = 0;
                h[3] = 0;
            }
            hashes.sort();
            hashes.dedup();
            let id_bits = bits_for(hashes.len().saturating_sub(1) as u64);
            let scheme = Scheme::with_id(id, hashes.len() as u64)
                .unwrap()
                .with_sketch(sketch, id_bits)
                .unwrap();
            let w = IndexWriter::new(&hashes, id_bits, &scheme);
            let mut got = Vec::new();
            w.write(&mut got);
            assert_eq!(got.len(), w.len(), "scheme {id} n {n}");
            assert!(
                got == reference(&hashes, id_bits, &scheme),
                "scheme {id} n {n}"
            );
        }
    }

    #[test]
    fn bit_fields_equal_the_scheme_keys_and_sketches() {
        let mut rng = SplitMix64(5);
        for id in [SCHEME_16X16, SCHEME_12_SLOTS] {
            let scheme = Scheme::with_id(id, 1 << 24)
                .unwrap()
                .with_sketch(16, 24)
                .unwrap();
            for _ in 0..200 {
                let h = rng.hash();
                for slot in 0..scheme.slots.len() {
                    assert_eq!(
                        BitField::key(&scheme, slot).get(&h) as usize,
                        scheme.key(&h, slot)
                    );
                    assert_eq!(
                        BitField::sketch(&scheme, slot).get(&h),
                        scheme.sketch(&h, slot)
                    );
                }
            }
        }
    }
}
