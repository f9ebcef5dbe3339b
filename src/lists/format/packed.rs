//! Bit-packed arrays of small unsigned integers (entry ids, tag indexes), read in place.
//!
//! Value `i` occupies bits `[i*bits, (i+1)*bits)` of a little-endian bit stream. The stored
//! byte length is `ceil(n*bits/8) + 8`: the 8 zero bytes of padding let every read be one
//! unaligned 8-byte load. `bits` is 0..=32 for [`pack`]/[`get`] and 0..=56 for the 64-bit
//! variants (PDQ postings: entry id + sketch); with 0 bits every value is 0.

/// Number of bits needed to store values `0..=max`.
pub(crate) fn bits_for(max: u64) -> u32 {
    64 - max.leading_zeros()
}

/// Stored byte length of `n` values of `bits` bits, or `None` on overflow.
pub(crate) fn packed_len(n: u64, bits: u32) -> Option<u64> {
    n.checked_mul(u64::from(bits))?
        .checked_add(7)?
        .checked_div(8)?
        .checked_add(8)
}

/// Packs `values` (each must fit in `bits`) into a new buffer of [`packed_len`] bytes.
pub(crate) fn pack(values: &[u32], bits: u32) -> Vec<u8> {
    pack64(values.iter().map(|&v| u64::from(v)), values.len(), bits)
}

/// Packs `n` values (each must fit in `bits` <= 56) into a new buffer of [`packed_len`] bytes.
pub(crate) fn pack64(values: impl Iterator<Item = u64>, n: usize, bits: u32) -> Vec<u8> {
    let len = packed_len(n as u64, bits).unwrap_or(8) as usize;
    let mut out = vec![0u8; len];
    if bits == 0 || bits > 56 {
        return out;
    }
    for (i, v) in values.take(n).enumerate() {
        let bit = i as u64 * u64::from(bits);
        let byte = (bit / 8) as usize;
        let shift = bit % 8;
        if let Some(slot) = out.get_mut(byte..byte + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(slot);
            let merged = u64::from_le_bytes(word) | (v << shift);
            slot.copy_from_slice(&merged.to_le_bytes());
        }
    }
    out
}

/// Reads value `i` of a `bits`-bit (0..=56) array; `None` when the read would leave `bytes`.
#[inline]
pub(crate) fn get64(bytes: &[u8], bits: u32, i: usize) -> Option<u64> {
    if bits == 0 {
        return Some(0);
    }
    if bits > 56 {
        return None;
    }
    let bit = (i as u64).checked_mul(u64::from(bits))?;
    let byte = usize::try_from(bit / 8).ok()?;
    let word: [u8; 8] = bytes.get(byte..byte.checked_add(8)?)?.try_into().ok()?;
    Some((u64::from_le_bytes(word) >> (bit % 8)) & ((1u64 << bits) - 1))
}

/// Reads value `i`; `None` when the read would leave `bytes` (corrupt or short input).
#[inline]
pub(crate) fn get(bytes: &[u8], bits: u32, i: usize) -> Option<u32> {
    if bits == 0 {
        return Some(0);
    }
    let bit = (i as u64).checked_mul(u64::from(bits))?;
    let byte = usize::try_from(bit / 8).ok()?;
    let word: [u8; 8] = bytes.get(byte..byte.checked_add(8)?)?.try_into().ok()?;
    let mask = if bits >= 32 {
        u64::from(u32::MAX)
    } else {
        (1u64 << bits) - 1
    };
    Some(((u64::from_le_bytes(word) >> (bit % 8)) & mask) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_and_read_back_every_width() {
        for bits in [0u32, 1, 3, 7, 8, 13, 20, 24, 31, 32] {
            let max = if bits == 0 {
                0
            } else {
                ((1u64 << bits) - 1) as u32
            };
            let values: Vec<u32> = (0..1000u32)
                .map(|i| {
                    if bits == 0 {
                        0
                    } else {
                        i.wrapping_mul(2_654_435_761) & max
                    }
                })
                .collect();
            let packed = pack(&values, bits);
            assert_eq!(packed.len() as u64, packed_len(1000, bits).unwrap());
            for (i, v) in values.iter().enumerate() {
                assert_eq!(get(&packed, bits, i), Some(*v), "bits {bits} index {i}");
            }
        }
    }

    #[test]
    fn wide_values_round_trip() {
        for bits in [28u32, 32, 36, 40, 44, 56] {
            let max = (1u64 << bits) - 1;
            let values: Vec<u64> = (0..777u64)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & max)
                .collect();
            let packed = pack64(values.iter().copied(), values.len(), bits);
            assert_eq!(packed.len() as u64, packed_len(777, bits).unwrap());
            for (i, v) in values.iter().enumerate() {
                assert_eq!(get64(&packed, bits, i), Some(*v), "bits {bits} index {i}");
            }
            assert_eq!(get64(&packed, bits, 100_000), None);
        }
        assert_eq!(get64(&[0u8; 16], 57, 0), None);
    }

    #[test]
    fn short_buffer_reads_are_none() {
        assert_eq!(get(&[0u8; 4], 8, 0), None);
        assert_eq!(bits_for(0), 0);
        assert_eq!(bits_for(1), 1);
        assert_eq!(bits_for(999_999), 20);
    }
}
