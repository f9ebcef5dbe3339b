//! The PDQ multi-index scheme: how the 256 bits are cut into index slots, which key each
//! slot uses, and which buckets a query must probe for a given radius.
//!
//! A scheme is a list of slots; slot `j` covers bits `[start_j, start_j + width_j)` of the
//! hash (bit 0 = most significant bit of byte 0) and has a threshold `t_j`. Its index key is
//! the top `key_bits` bits of the slot. Generalised pigeonhole: if a listed hash differs from
//! the query in `d_j` bits of slot `j` and `d_j > t'_j` for every slot, the total distance is
//! at least `sum(t'_j + 1)`. So for a radius `r` we pick thresholds `t'_j <= t_j` with
//! `sum(t'_j + 1) >= r + 1` (a slot with `t'_j = -1` is skipped) and probe, in every slot,
//! every key within `t'_j` bit flips of the query's key: every hash within `r` is a
//! candidate, and a full popcount then verifies each candidate. Recall is exact for
//! `r <= sum(t_j + 1) - 1 = 31`; larger radii use a linear scan.
//!
//! Two schemes; by default chosen from the entry count `n` (the choice is part of the signed
//! file and carried by deltas):
//! - scheme 1 (`n < 2^22`): 16 slots of 16 bits, `t = 1` (17 probes per slot);
//!   `key_bits = min(16, bits needed for n)`.
//! - scheme 2 (`n >= 2^22`): 4 slots of 22 bits with `t = 1` then 8 slots of 21 bits with
//!   `t = 2` (`4*2 + 8*3 = 32`); `key_bits = min(21, bits needed for n - 2)`. Larger keys
//!   make buckets ~30x smaller than 16-bit chunks at 10M entries, at the price of more probes,
//!   and need 12 instead of 16 slots (11 posting lists instead of 15).
//!
//! Neighbour-slot filter (cycle lemma). Put `e_j = d_j - (t'_j + 1)`; for a hash within `r`,
//! `sum e_j = d - (r + 1) <= -1`. By the cycle lemma (Raney; Dvoretzky-Motzkin) a sequence
//! with a negative sum has a cyclic start `j` from which every partial sum is negative: take
//! `j` just after the last maximum of the prefix sums. Its first two partial sums give
//! `d_j <= t'_j` and `d_j + d_{j+1} <= t'_j + t'_{j+1} + 1` (slot indexes mod the slot count).
//! So a candidate found through slot `j` only needs to be kept if it also passes the second
//! bound. Each posting of slot `j` stores, next to the entry id, a sketch of slot `j + 1`: its
//! top `sketch_bits` bits. The query's key distance in slot `j` (the probe's flip count) and
//! the sketch distance are lower bounds of `d_j` and `d_{j+1}`, so the test never drops a true
//! match, while a random candidate passes a 12-bit sketch test with probability ~2%: most
//! candidates are rejected without touching the hash array. `sketch_bits = 0` (files written
//! before the filter existed) disables it. Slot 0 needs no sketch: its candidates are
//! contiguous in the hash array and verified in place.

mod build;
pub mod detached;
pub mod matching;

pub(crate) use build::IndexWriter;

/// Scheme identifiers stored in the PDQ section header.
pub const SCHEME_16X16: u32 = 1;
/// 4 x 22-bit + 8 x 21-bit slots, for lists of 2^22 entries or more.
pub const SCHEME_12_SLOTS: u32 = 2;

/// Entry count from which scheme 2 is used.
pub const SCHEME_12_MIN_ENTRIES: u64 = 1 << 22;

/// One index slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// First bit of the slot (0 = MSB of byte 0).
    pub(crate) start_bit: u32,
    /// Width in bits.
    pub(crate) width: u32,
    /// Probing threshold for radius 31.
    pub(crate) threshold: u32,
}

/// A multi-index scheme: its id, slots, key width and neighbour-sketch width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scheme {
    pub(crate) id: u32,
    pub(crate) slots: Vec<Slot>,
    pub(crate) key_bits: u32,
    /// Bits of slot `j + 1` stored with each posting of slot `j` (0 = no filter).
    pub(crate) sketch_bits: u32,
}

/// Widest posting (entry id + sketch) the readers handle: one unaligned 8-byte load.
pub(crate) const MAX_POSTING_BITS: u32 = 56;

/// Default sketch width for new lists: the narrowest measured to meet the query targets
/// (<= 0.3 ms per 8-variant query at 1M entries, <= 2 ms at 10M; see ARCHITECTURE.md).
/// Scheme 1: 12 bits (at 1M a posting is then 20 + 12 = 32 bits; 8 bits is too weak). Scheme
/// 2: 16 bits (its buckets are small but it probes ~8x more of them; 12 bits was within
/// noise of the 10M target, 16 bits leaves margin).
pub(crate) fn default_sketch_bits(scheme_id: u32, _n: u64) -> u32 {
    if scheme_id == SCHEME_12_SLOTS {
        16
    } else {
        12
    }
}

fn bits_needed(n: u64) -> u32 {
    64 - n.leading_zeros()
}

impl Scheme {
    /// The default scheme for `n` entries.
    pub(crate) fn for_entries(n: u64) -> Scheme {
        let id = if n >= SCHEME_12_MIN_ENTRIES {
            SCHEME_12_SLOTS
        } else {
            SCHEME_16X16
        };
        Scheme::with_id(id, n).unwrap_or_else(|| Scheme::narrow(n))
    }

    /// Scheme `id` for `n` entries, or `None` for an unknown id.
    pub(crate) fn with_id(id: u32, n: u64) -> Option<Scheme> {
        match id {
            SCHEME_16X16 => Some(Scheme::narrow(n)),
            SCHEME_12_SLOTS => Some(Scheme::wide(n)),
            _ => None,
        }
    }

    fn wide(n: u64) -> Scheme {
        {
            let mut slots = Vec::with_capacity(12);
            for j in 0..4 {
                slots.push(Slot {
                    start_bit: 22 * j,
                    width: 22,
                    threshold: 1,
                });
            }
            for j in 0..8 {
                slots.push(Slot {
                    start_bit: 88 + 21 * j,
                    width: 21,
                    threshold: 2,
                });
            }
            Scheme {
                id: SCHEME_12_SLOTS,
                slots,
                key_bits: bits_needed(n).saturating_sub(2).min(21),
                sketch_bits: 0,
            }
        }
    }

    fn narrow(n: u64) -> Scheme {
        {
            Scheme {
                id: SCHEME_16X16,
                slots: (0..16)
                    .map(|j| Slot {
                        start_bit: 16 * j,
                        width: 16,
                        threshold: 1,
                    })
                    .collect(),
                key_bits: bits_needed(n).min(16),
                sketch_bits: 0,
            }
        }
    }

    /// The same scheme with `bits`-bit neighbour sketches, or `None` if `bits` is wider than
    /// a slot or the posting (`id_bits + bits`) would not fit [`MAX_POSTING_BITS`].
    pub(crate) fn with_sketch(mut self, bits: u32, id_bits: u32) -> Option<Scheme> {
        let narrowest = self.slots.iter().map(|s| s.width).min().unwrap_or(0);
        if bits > narrowest || id_bits.checked_add(bits)? > MAX_POSTING_BITS {
            return None;
        }
        self.sketch_bits = bits;
        Some(self)
    }

    /// Bits of one posting: entry id above, sketch in the low `sketch_bits` bits.
    pub(crate) fn posting_bits(&self, id_bits: u32) -> u32 {
        id_bits + self.sketch_bits
    }

    /// Sketch stored with slot `slot`'s postings: the top `sketch_bits` bits of the next slot
    /// (cyclically).
    #[inline]
    pub(crate) fn sketch(&self, hash: &[u8; 32], slot: usize) -> u32 {
        let next = (slot + 1) % self.slots.len().max(1);
        match self.slots.get(next) {
            Some(s) => bits_at(hash, s.start_bit, self.sketch_bits),
            None => 0,
        }
    }

    /// Entries in one offset table.
    pub(crate) fn table_len(&self) -> usize {
        (1usize << self.key_bits) + 1
    }

    /// Largest radius the index answers exactly.
    pub(crate) fn max_radius(&self) -> u32 {
        self.slots.iter().map(|s| s.threshold + 1).sum::<u32>() - 1
    }

    /// Index key of `slot` for `hash`: the top `key_bits` bits starting at the slot's first bit.
    #[inline]
    pub(crate) fn key(&self, hash: &[u8; 32], slot: usize) -> usize {
        match self.slots.get(slot) {
            Some(s) => bits_at(hash, s.start_bit, self.key_bits) as usize,
            None => 0,
        }
    }

    /// Per-slot filter limits for thresholds `t` (from [`Scheme::thresholds_for`]): a
    /// candidate found through slot `j` is kept only if its (lower-bounded) distance in slots
    /// `j` and `j + 1` together is at most `t_j + t_{j+1} + 1` (see the module docs).
    pub(crate) fn pair_limits(t: &[i32]) -> Vec<i32> {
        (0..t.len())
            .map(|j| t[j] + t.get(j + 1).or(t.first()).copied().unwrap_or(0) + 1)
            .collect()
    }

    /// Per-slot probing thresholds for `radius` (`-1` = skip the slot); requires
    /// `radius <= max_radius()`.
    pub(crate) fn thresholds_for(&self, radius: u32) -> Vec<i32> {
        let mut t: Vec<i32> = self.slots.iter().map(|s| s.threshold as i32).collect();
        let mut total: i64 = t.iter().map(|&x| i64::from(x) + 1).sum();
        while total - 1 > i64::from(radius) {
            // Lower the largest threshold (the last such slot, so slot 0 keeps its contiguous
            // scan as long as possible).
            let Some((i, _)) = t.iter().enumerate().max_by_key(|(_, &x)| x) else {
                break;
            };
            if t[i] < 0 {
                break;
            }
            t[i] -= 1;
            total -= 1;
        }
        t
    }

    /// Calls `probe(key, flips)` for every key within `threshold` flips of `key`
    /// (threshold <= 2).
    #[inline]
    pub(crate) fn for_each_probe(
        &self,
        key: usize,
        threshold: i32,
        mut probe: impl FnMut(usize, u32),
    ) {
        if threshold < 0 {
            return;
        }
        probe(key, 0);
        let kb = self.key_bits as usize;
        if threshold >= 1 {
            for i in 0..kb {
                probe(key ^ (1 << i), 1);
            }
        }
        if threshold >= 2 {
            for i in 0..kb {
                for k in (i + 1)..kb {
                    probe(key ^ (1 << i) ^ (1 << k), 2);
                }
            }
        }
    }
}

/// `count` (0..=25) bits of `hash` starting at bit `start` (0 = MSB of byte 0), as an integer.
#[inline]
fn bits_at(hash: &[u8; 32], start: u32, count: u32) -> u32 {
    if count == 0 || count > 25 {
        return 0;
    }
    let byte = (start / 8) as usize;
    let mut b = [0u8; 4];
    for (i, out) in b.iter_mut().enumerate() {
        *out = hash.get(byte + i).copied().unwrap_or(0);
    }
    let v = u32::from_be_bytes(b) << (start % 8);
    v >> (32 - count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_cover_256_bits_and_radius_31() {
        for n in [1u64, 100, 1 << 20, 1 << 22, 10_000_000] {
            let s = Scheme::for_entries(n);
            assert_eq!(s.max_radius(), 31, "n {n}");
            let last = s.slots.last().unwrap();
            let width = if s.id == SCHEME_12_SLOTS { 21 } else { 16 };
            assert_eq!(last.start_bit + width, 256);
            assert!(s.key_bits <= width);
        }
        assert_eq!(Scheme::for_entries(10_000_000).key_bits, 21);
        assert_eq!(Scheme::for_entries(1_000_000).key_bits, 16);
    }

    #[test]
    fn thresholds_shrink_with_radius_and_stay_sufficient() {
        for n in [1000u64, 1 << 22] {
            let s = Scheme::for_entries(n);
            for r in 0..=31 {
                let t = s.thresholds_for(r);
                let sum: i64 = t.iter().map(|&x| i64::from(x) + 1).sum();
                assert_eq!(sum, i64::from(r) + 1, "n {n} r {r}");
                assert!(t
                    .iter()
                    .zip(&s.slots)
                    .all(|(&a, b)| a <= b.threshold as i32));
            }
        }
    }

    /// The filter's claim: for any split of at most `r` differing bits over the slots (each
    /// `d_j` at most the slot width), some slot `j` has `d_j <= t_j` and
    /// `d_j + d_{j+1} <= t_j + t_{j+1} + 1` (cyclically), for the thresholds of radius `r`.
    fn some_slot_passes(d: &[u32], t: &[i32]) -> bool {
        let limits = Scheme::pair_limits(t);
        let m = d.len();
        (0..m).any(|j| {
            let (dj, dn) = (d[j] as i32, d[(j + 1) % m] as i32);
            t[j] >= 0 && dj <= t[j] && dj + dn <= limits[j]
        })
    }

    #[test]
    fn cycle_lemma_holds_for_every_flip_distribution_tried() {
        use crate::lists::random::SplitMix64 as Rng;
        let mut rng = Rng(7);
        for scheme in [Scheme::narrow(1 << 20), Scheme::wide(1 << 23)] {
            let m = scheme.slots.len();
            let widths: Vec<u32> = scheme.slots.iter().map(|s| s.width).collect();
            for r in 0..=31u32 {
                let t = scheme.thresholds_for(r);
                let mut cases: Vec<Vec<u32>> = Vec::new();
                // Random splits: r flips (and fewer) thrown into slots, uniformly or skewed
                // towards a few slots.
                for i in 0..20_000 {
                    let mut d = vec![0u32; m];
                    let flips = if i % 2 == 0 {
                        r
                    } else {
                        (rng.next() % (r as u64 + 1)) as u32
                    };
                    // At least 3 hot slots: two 16-bit slots cannot hold 31 flips.
                    let hot = 3 + (rng.next() % (m as u64 - 2)) as usize;
                    let base = (rng.next() % m as u64) as usize;
                    let mut placed = 0;
                    while placed < flips {
                        let j = if i % 3 == 0 {
                            (rng.next() % m as u64) as usize
                        } else {
                            (base + (rng.next() % hot as u64) as usize) % m
                        };
                        if d[j] < widths[j] {
                            d[j] += 1;
                            placed += 1;
                        }
                    }
                    cases.push(d);
                }
                // Adversarial: as even as possible (t_j + 1 in every slot but one, rotated),
                // alternating high/low, everything in one or two adjacent slots.
                for rot in 0..m {
                    let mut d: Vec<u32> = t.iter().map(|&x| (x + 1).max(0) as u32).collect();
                    let mut excess: i64 =
                        d.iter().map(|&x| i64::from(x)).sum::<i64>() - i64::from(r);
                    let mut j = rot;
                    while excess > 0 {
                        if d[j % m] > 0 {
                            d[j % m] -= 1;
                            excess -= 1;
                        }
                        j += 1;
                    }
                    cases.push(d.clone());
                    let alt: Vec<u32> = (0..m)
                        .map(|k| if (k + rot) % 2 == 0 { 3 } else { 1 })
                        .collect();
                    let mut total = 0;
                    cases.push(
                        alt.iter()
                            .map(|&x| {
                                let take = x.min(r - total);
                                total += take;
                                take
                            })
                            .collect(),
                    );
                    let mut two = vec![0u32; m];
                    two[rot] = r.min(widths[rot]);
                    two[(rot + 1) % m] = (r - two[rot]).min(widths[(rot + 1) % m]);
                    cases.push(two);
                }
                for d in &cases {
                    assert!(d.iter().sum::<u32>() <= r);
                    assert!(
                        some_slot_passes(d, &t),
                        "scheme {} r {r} d {d:?}",
                        scheme.id
                    );
                }
            }
            // And the bound is tight: one more flip than 31 can defeat it.
            let t = scheme.thresholds_for(31);
            let d: Vec<u32> = t.iter().map(|&x| (x + 1) as u32).collect();
            assert_eq!(d.iter().sum::<u32>(), 32);
            assert!(!some_slot_passes(&d, &t));
        }
    }

    #[test]
    fn key_reads_the_right_bits() {
        let mut h = [0u8; 32];
        h[0] = 0b1010_0000;
        let s = Scheme::for_entries(1 << 22);
        assert_eq!(s.key(&h, 0), 0b101 << 18);
        h[31] = 0xff;
        // Last slot (bits 235..256): its key is its top 21 bits = all of it.
        assert_eq!(s.key(&h, 11), 0xff);
        let mut count = 0;
        s.for_each_probe(0, 2, |_, _| count += 1);
        assert_eq!(count, 1 + 21 + 210);
    }
}
