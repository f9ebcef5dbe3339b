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
    /// Probing threshold for radius 31.
    pub(crate) threshold: u32,
}

/// A multi-index scheme: its id, slots and key width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scheme {
    pub(crate) id: u32,
    pub(crate) slots: Vec<Slot>,
    pub(crate) key_bits: u32,
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
                    threshold: 1,
                });
            }
            for j in 0..8 {
                slots.push(Slot {
                    start_bit: 88 + 21 * j,
                    threshold: 2,
                });
            }
            Scheme {
                id: SCHEME_12_SLOTS,
                slots,
                key_bits: bits_needed(n).saturating_sub(2).min(21),
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
                        threshold: 1,
                    })
                    .collect(),
                key_bits: bits_needed(n).min(16),
            }
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
        let (Some(s), true) = (self.slots.get(slot), self.key_bits > 0) else {
            return 0;
        };
        let byte = (s.start_bit / 8) as usize;
        let mut b = [0u8; 4];
        for (i, out) in b.iter_mut().enumerate() {
            *out = hash.get(byte + i).copied().unwrap_or(0);
        }
        let v = u32::from_be_bytes(b) << (s.start_bit % 8);
        (v >> (32 - self.key_bits)) as usize
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

    /// Calls `probe(key)` for every key within `threshold` flips of `key` (threshold <= 2).
    #[inline]
    pub(crate) fn for_each_probe(&self, key: usize, threshold: i32, mut probe: impl FnMut(usize)) {
        if threshold < 0 {
            return;
        }
        probe(key);
        let kb = self.key_bits as usize;
        if threshold >= 1 {
            for i in 0..kb {
                probe(key ^ (1 << i));
            }
        }
        if threshold >= 2 {
            for i in 0..kb {
                for k in (i + 1)..kb {
                    probe(key ^ (1 << i) ^ (1 << k));
                }
            }
        }
    }
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
        s.for_each_probe(0, 2, |_| count += 1);
        assert_eq!(count, 1 + 21 + 210);
    }
}
