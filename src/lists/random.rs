//! Reproducible pseudo-random hashes (SplitMix64) for tests, benchmarks and `preflight bench`,
//! so they all generate lists the same way without a `rand` dependency. Not for anything
//! security-related: the sequence is fully determined by the seed.

/// A SplitMix64 generator; the field is the state (any seed is fine).
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 pseudo-random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A random 256-bit hash (PDQ-sized).
    pub fn hash(&mut self) -> [u8; 32] {
        self.bytes()
    }

    /// `N` random bytes.
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for c in out.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            c.copy_from_slice(&word[..c.len()]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_is_splitmix64() {
        // First output of SplitMix64 seeded with 0 (Vigna's reference implementation).
        assert_eq!(SplitMix64(0).next(), 0xe220_a839_7b1d_cdaf);
        let mut a = SplitMix64(5);
        let mut b = SplitMix64(5);
        assert_eq!(a.bytes::<13>(), b.bytes::<13>());
        assert_ne!(a.hash(), SplitMix64(6).hash());
    }
}
