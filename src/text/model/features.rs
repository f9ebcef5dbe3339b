//! Feature extraction for the message classifier: the normalized skeleton (the same folding
//! the lexicons use: leet, confusables, accents, repeats, HTML) split into words, then hashed
//! word unigrams, word bigrams and character n-grams of each word (with `<` `>` boundary marks,
//! so `tel`/`tell`/`tlel` share most of their n-grams and a misspelling keeps most of its
//! evidence). Every feature remembers the word it came from, for the evidence a reviewer reads.

use crate::text::normalize::{normalize, NormalizeOptions, Normalized};

/// Most words of one message that are turned into features (the rest are ignored): bounds
/// the work per message on hostile input; chat messages are far shorter.
pub const MAX_WORDS: usize = 128;
/// Longest word (bytes) whose character n-grams are taken; longer runs (a message with the
/// spaces removed) are cut into pieces of this length.
const MAX_WORD_BYTES: usize = 48;
/// Pieces of one long word that are used (the rest of a 1 MB "word" is ignored).
const MAX_PIECES: usize = 4;

/// Feature families, mixed into the hash so the same string in two families does not collide.
const WORD: u64 = 0x9e37_79b9_7f4a_7c15;
const BIGRAM: u64 = 0xc2b2_ae3d_27d4_eb4f;
const CHAR: u64 = 0x1656_67b1_9e37_79f9;

/// How features are extracted; stored in the model file so training and inference agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureConfig {
    /// log2 of the number of hash buckets.
    pub bucket_bits: u8,
    /// Shortest character n-gram (0 disables character n-grams).
    pub char_min: u8,
    /// Longest character n-gram.
    pub char_max: u8,
    /// Word unigrams and bigrams on (1) or off (0).
    pub words: u8,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            bucket_bits: 16,
            char_min: 3,
            char_max: 5,
            words: 1,
        }
    }
}

/// One word of the skeleton: its byte range in the skeleton.
#[derive(Debug, Clone, Copy)]
pub struct Word {
    /// Start in the skeleton.
    pub start: usize,
    /// End in the skeleton (exclusive).
    pub end: usize,
}

/// One hashed feature: its bucket and the word (index into [`Extracted::words`]) it came from.
/// Bigrams are attributed to their first word and flagged so evidence can cover both.
#[derive(Debug, Clone, Copy)]
pub struct Feature {
    /// Hash bucket.
    pub bucket: u32,
    /// Index of the (first) word.
    pub word: u16,
    /// True for a word bigram (covers `word` and `word + 1`).
    pub bigram: bool,
}

/// Features of one message plus what is needed to explain them.
#[derive(Debug, Default)]
pub struct Extracted {
    /// The normalized skeleton and its offset map to the original text.
    pub normalized: Normalized,
    /// Words of the skeleton.
    pub words: Vec<Word>,
    /// Hashed features, in extraction order (duplicates kept: they count twice).
    pub features: Vec<Feature>,
}

impl Extracted {
    /// The value every feature has: `1/√n`, so long messages do not outvote short ones.
    pub fn value(&self) -> f32 {
        if self.features.is_empty() {
            0.0
        } else {
            1.0 / (self.features.len() as f32).sqrt()
        }
    }
}

/// FNV-1a over `bytes`, seeded with a family constant, finished with a 64-bit mix.
fn hash(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for &b in p.iter() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn words_of(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in text.bytes().enumerate() {
        let sep = b == b' ' || b == b'.';
        match (sep, start) {
            (true, Some(s)) => {
                out.push(Word { start: s, end: i });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
        if out.len() >= MAX_WORDS {
            return out;
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
        });
    }
    out.truncate(MAX_WORDS);
    out
}

/// Extracts the hashed features of `text`.
pub fn extract(text: &str, config: FeatureConfig) -> Extracted {
    let normalized = normalize(text, NormalizeOptions::default());
    let skeleton = normalized.as_str().as_bytes();
    let words = words_of(normalized.as_str());
    let mask = (1u64 << config.bucket_bits.min(30)) - 1;
    let bucket = |h: u64| (h & mask) as u32;
    let mut features = Vec::with_capacity(words.len() * 16);
    let mut gram = [0u8; MAX_WORD_BYTES + 2];
    for (i, w) in words.iter().enumerate() {
        let word = skeleton.get(w.start..w.end).unwrap_or(&[]);
        let wi = i as u16;
        if config.words != 0 {
            features.push(Feature {
                bucket: bucket(hash(WORD, &[word])),
                word: wi,
                bigram: false,
            });
            if let Some(next) = words.get(i + 1) {
                let second = skeleton.get(next.start..next.end).unwrap_or(&[]);
                features.push(Feature {
                    bucket: bucket(hash(BIGRAM, &[word, second])),
                    word: wi,
                    bigram: true,
                });
            }
        }
        if config.char_min == 0 {
            continue;
        }
        for piece in word.chunks(MAX_WORD_BYTES).take(MAX_PIECES) {
            let n = piece.len() + 2;
            if let Some(dst) = gram.get_mut(1..n - 1) {
                dst.copy_from_slice(piece);
            }
            gram[0] = b'<';
            gram[n - 1] = b'>';
            for len in usize::from(config.char_min)..=usize::from(config.char_max) {
                for start in 0..(n + 1).saturating_sub(len) {
                    if let Some(g) = gram.get(start..start + len) {
                        features.push(Feature {
                            bucket: bucket(hash(CHAR ^ len as u64, &[g])),
                            word: wi,
                            bigram: false,
                        });
                    }
                }
            }
        }
    }
    Extracted {
        normalized,
        words,
        features,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelling_shares_most_char_ngrams() {
        let c = FeatureConfig::default();
        let a = extract("dont tell your mom", c);
        let b = extract("dont tlel your mom", c);
        let set: std::collections::HashSet<u32> = a.features.iter().map(|f| f.bucket).collect();
        let shared = b
            .features
            .iter()
            .filter(|f| set.contains(&f.bucket))
            .count();
        assert!(
            shared * 10 >= b.features.len() * 6,
            "{shared}/{}",
            b.features.len()
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        let long = "ab".repeat(1 << 19);
        let e = extract(&long, FeatureConfig::default());
        assert!(e.features.len() < 1_000, "{}", e.features.len());
        let many = "x ".repeat(100_000);
        let e = extract(&many, FeatureConfig::default());
        assert_eq!(e.words.len(), MAX_WORDS);
    }
}
