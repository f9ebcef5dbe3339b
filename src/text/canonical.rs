//! Canonical token forms: the token-level rewrites that run after [`normalize`](super::normalize)
//! and before matching, so the lexicons reach text written the way people really type.
//!
//! Applied to every pattern, cue and safelist phrase at compile time (vocabulary-independent
//! rewrites only) and to every message (all rewrites):
//! - **chat abbreviations and contractions**: `u` → `you`, `ur`/`youre` → `your`, `r` → `are`,
//!   `rn` → `right now`, `pls` → `please`, `wyd` → `what are you doing`, `dont` → `do not`,
//!   `im` → `i am`, `4` → `for`, ... (see [`expand`]), plus Spanish/Portuguese chat forms
//!   (`vc` → `voce`, `q` → `que`, `pq` → `porque`);
//!
//! and, for messages only, against the vocabulary of the compiled lexicons:
//! - **emoji between words** are taken out of the phrase (`so 😍 mature` → `so mature`) and
//!   moved to the end of the skeleton, so emoji cues (`😂`) still count;
//! - **symbol censoring**: a word cut by `*`, `#` or `_` (`k*ll`, `t*ll`, `n*des`) is resolved
//!   to the one lexicon word of that shape, one letter per symbol;
//! - **inflections and plurals**: `kills`, `killing`, `wanted`, `harmed`, `parties` → their stem
//!   when the stem is a lexicon word and the inflected form is not;
//! - **misspellings**: a word that is not in the vocabulary and is one edit (insertion,
//!   deletion, transposition, or a substitution by a QWERTY neighbour key) from a lexicon word
//!   of 5+ letters is corrected (`parets` → `parents`, `delte` → `delete`). Targets are words of
//!   multi-word phrases, or single-word patterns of 7+ letters: a fuzzy single short word
//!   (`nudes` ← `nodes`) would fire on ordinary text;
//! - **spaces removed**: a word of 8+ letters that is not in the vocabulary and splits entirely
//!   into vocabulary words is split (`iwanttokillmyself` → `i want to kill myself`).
//!
//! Rewritten tokens keep the original span of what they replace, so matches still report what
//! the user typed.

use super::normalize::{is_emoji, Normalized};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Shortest vocabulary word a misspelling is corrected to.
const MIN_FUZZY_TARGET: usize = 5;
/// Shortest single-word pattern that is a misspelling target on its own.
pub const MIN_FUZZY_SINGLE: usize = 7;
/// Shortest run of letters tried for space-less splitting.
const MIN_SPLIT: usize = 8;
/// Longest run of letters tried for splitting (bounds the work on hostile input).
const MAX_SPLIT: usize = 48;
/// Longest vocabulary word considered while splitting.
const MAX_WORD: usize = 20;

/// Chat abbreviations and contractions, in their normalized form (apostrophes dropped,
/// doubled letters collapsed: `i'll` → `il`), with their expansion. Applied to patterns and
/// messages alike; Spanish and Portuguese chat forms at the end.
pub const ABBREVIATIONS: [(&str, &str); 89] = [
    ("u", "you"),
    ("yu", "you"),
    ("ur", "your"),
    ("yr", "your"),
    ("youre", "your"),
    ("yore", "your"),
    ("r", "are"),
    ("rn", "right now"),
    ("pls", "please"),
    ("plz", "please"),
    ("plis", "please"),
    ("pl", "please"),
    ("wyd", "what are you doing"),
    ("wya", "where are you at"),
    ("hbu", "how about you"),
    ("wbu", "how about you"),
    ("ppl", "people"),
    ("bc", "because"),
    ("cuz", "because"),
    ("coz", "because"),
    ("bcuz", "because"),
    ("bcoz", "because"),
    ("gona", "going to"),
    ("wana", "want to"),
    ("gota", "got to"),
    ("tmrw", "tomorrow"),
    ("tmr", "tomorrow"),
    ("tmrow", "tomorrow"),
    ("tomoz", "tomorrow"),
    ("tonite", "tonight"),
    ("abt", "about"),
    ("bout", "about"),
    ("thru", "through"),
    ("pix", "pic"),
    ("pics", "pic"),
    ("picture", "pic"),
    ("pictures", "pic"),
    ("photo", "pic"),
    ("photos", "pic"),
    ("im", "i am"),
    ("ive", "i have"),
    ("il", "i will"),
    ("id", "i would"),
    ("dont", "do not"),
    ("dnt", "do not"),
    ("doesnt", "does not"),
    ("didnt", "did not"),
    ("cant", "can not"),
    ("cannot", "can not"),
    ("wont", "will not"),
    ("wouldnt", "would not"),
    ("shouldnt", "should not"),
    ("isnt", "is not"),
    ("arent", "are not"),
    ("wasnt", "was not"),
    ("whats", "what is"),
    ("wats", "what is"),
    ("wat", "what"),
    ("wut", "what"),
    ("wht", "what"),
    ("thats", "that is"),
    ("theres", "there is"),
    ("lets", "let us"),
    ("shes", "she is"),
    ("hes", "he is"),
    ("theyre", "they are"),
    ("4", "for"),
    ("2", "to"),
    ("n", "and"),
    ("w", "with"),
    ("bf", "boyfriend"),
    ("gf", "girlfriend"),
    ("sc", "snap"),
    ("snapchat", "snap"),
    ("snapchats", "snap"),
    ("insta", "instagram"),
    ("ig", "instagram"),
    ("whatsap", "whatsapp"),
    ("zap", "whatsapp"),
    ("vbuck", "vbucks"),
    ("vc", "voce"),
    ("q", "que"),
    ("pq", "porque"),
    ("xq", "porque"),
    ("porq", "porque"),
    ("tb", "tambem"),
    ("tbm", "tambem"),
    ("cmg", "comigo"),
    ("hj", "hoje"),
];

/// The expansion of a chat abbreviation or contraction (see [`ABBREVIATIONS`]).
pub fn expand(token: &str) -> Option<&'static str> {
    ABBREVIATIONS
        .iter()
        .find(|(k, _)| *k == token)
        .map(|(_, v)| *v)
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type FastMap<V> = HashMap<u64, V, BuildHasherDefault<Identity>>;
type FastSet = HashSet<u64, BuildHasherDefault<Identity>>;

/// FNV-1a's offset basis (the hash of no bytes).
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One FNV-1a step: `h` extended by the byte `b` (`fnv` is these steps from [`FNV_OFFSET`]).
#[inline(always)]
pub(crate) fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// FNV-1a over `bytes`, skipping the byte at `skip` (if any).
fn fnv(bytes: &[u8], skip: Option<usize>) -> u64 {
    match skip {
        // The common case (every token is hashed whole): no per-byte skip test.
        None => bytes.iter().fold(FNV_OFFSET, |h, &b| fnv_step(h, b)),
        Some(skip) => bytes
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .fold(FNV_OFFSET, |h, (_, &b)| fnv_step(h, b)),
    }
}

/// A one-hash Bloom filter over 64-bit hashes: a cache-resident pre-check before the hash
/// tables (most probes are misses, and each table miss cost a cache miss).
#[derive(Debug, Clone)]
struct Bits(Vec<u64>);

/// log2 of the filter size in bits (2^17 bits = 16 KiB).
const BITS_LOG2: u32 = 17;

impl Default for Bits {
    fn default() -> Self {
        Bits(vec![0; 1 << (BITS_LOG2 - 6)])
    }
}

impl Bits {
    fn slot(h: u64) -> (usize, u64) {
        let i = (h >> (64 - BITS_LOG2)) as usize;
        (i >> 6, 1u64 << (i & 63))
    }

    fn set(&mut self, h: u64) {
        let (w, b) = Self::slot(h);
        if let Some(x) = self.0.get_mut(w) {
            *x |= b;
        }
    }

    #[inline]
    fn may_contain(&self, h: u64) -> bool {
        let (w, b) = Self::slot(h);
        self.0.get(w).is_some_and(|x| x & b != 0)
    }
}

/// The words of the compiled lexicons, indexed for the message-side rewrites.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Pre-check for `words`.
    word_bits: Bits,
    /// Pre-check for `deletes`.
    delete_bits: Bits,
    /// Pre-check for `abbreviations` (most tokens and candidate splits are not one).
    abbreviation_bits: Bits,
    /// Hashes of every vocabulary word (and compact phrase form).
    words: FastSet,
    /// Abbreviation expansions by the hash of the abbreviation (a linear search through
    /// [`ABBREVIATIONS`] on every token and candidate split was the main cost).
    abbreviations: FastMap<(&'static str, &'static str)>,
    /// Misspelling targets, by the hash of the word and of each of its one-deletion forms.
    deletes: FastMap<Vec<u32>>,
    /// Misspelling targets.
    targets: Vec<String>,
    /// Vocabulary words by length, for censor resolution.
    by_len: Vec<Vec<String>>,
    /// Unknown words recently found to need no rewrite.
    keep_memo: KeepMemo,
    /// Unknown words recently rewritten, with their rewrite.
    replace_memo: ReplaceMemo,
}

/// A direct-mapped memo of the unknown words that [`rewrite_word`] rewrote (a stem, a
/// correction or a split) and their rewrite, shared by every thread scanning with one
/// [`Vocabulary`]: [`KeepMemo`] only remembers the words left alone, so a rewritten word was
/// searched again every time it was met (about 1,600 instructions each). Each slot holds the
/// word itself and is compared in full, so a hit is always this word's answer; a slot another
/// thread holds is a miss (never a wait).
struct ReplaceMemo(Box<[ReplaceSlot]>);

/// One slot of [`ReplaceMemo`]: a rewritten word and its rewrite.
type ReplaceSlot = Mutex<Option<(Box<str>, Box<str>)>>;

impl ReplaceMemo {
    /// 256 slots (a few KB when full).
    const SLOTS_LOG2: u32 = 8;

    fn slot(&self, h: u64, len: usize) -> Option<&ReplaceSlot> {
        let tag = KeepMemo::tag(h, len);
        self.0.get((tag >> (64 - Self::SLOTS_LOG2)) as usize)
    }

    /// The remembered rewrite of `token` (hash `h`), if any.
    fn get(&self, h: u64, token: &str) -> Option<String> {
        let slot = self.slot(h, token.len())?.try_lock().ok()?;
        match slot.as_ref() {
            Some((word, rewrite)) if **word == *token => Some(rewrite.to_string()),
            _ => None,
        }
    }

    fn remember(&self, h: u64, token: &str, rewrite: &str) {
        if let Some(Ok(mut slot)) = self.slot(h, token.len()).map(Mutex::try_lock) {
            *slot = Some((token.into(), rewrite.into()));
        }
    }
}

impl Default for ReplaceMemo {
    fn default() -> Self {
        ReplaceMemo(
            (0..1usize << Self::SLOTS_LOG2)
                .map(|_| Mutex::new(None))
                .collect(),
        )
    }
}

/// A clone starts with an empty memo (it is only a cache).
impl Clone for ReplaceMemo {
    fn clone(&self) -> Self {
        ReplaceMemo::default()
    }
}

impl std::fmt::Debug for ReplaceMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplaceMemo")
    }
}

/// A direct-mapped memo of the unknown words that [`rewrite_word`] kept as they are, by hash
/// and length, shared by every thread scanning with one [`Vocabulary`] (relaxed atomics: a
/// lost or overwritten slot is only a miss). Most words of a chat are ordinary words the
/// lexicons do not hold, and each one otherwise costs a stem, a misspelling and a split
/// search; the words of a conversation repeat. The answer for a word depends only on the
/// vocabulary, so the memo never changes a result. It trusts the 64-bit hash as the
/// vocabulary lookups already do.
struct KeepMemo(Box<[AtomicU64]>);

impl KeepMemo {
    /// 4,096 slots: 32 KB per vocabulary.
    const SLOTS_LOG2: u32 = 12;

    fn tag(h: u64, len: usize) -> u64 {
        (h ^ (len as u64).rotate_right(8)) | 1
    }

    fn slot(&self, tag: u64) -> Option<&AtomicU64> {
        self.0.get((tag >> (64 - Self::SLOTS_LOG2)) as usize)
    }

    #[inline]
    fn holds(&self, h: u64, len: usize) -> bool {
        let tag = Self::tag(h, len);
        self.slot(tag)
            .is_some_and(|s| s.load(Ordering::Relaxed) == tag)
    }

    fn remember(&self, h: u64, len: usize) {
        let tag = Self::tag(h, len);
        if let Some(s) = self.slot(tag) {
            s.store(tag, Ordering::Relaxed);
        }
    }
}

impl Default for KeepMemo {
    fn default() -> Self {
        KeepMemo(
            (0..1usize << Self::SLOTS_LOG2)
                .map(|_| AtomicU64::new(0))
                .collect(),
        )
    }
}

/// A clone starts with an empty memo (it is only a cache).
impl Clone for KeepMemo {
    fn clone(&self) -> Self {
        KeepMemo::default()
    }
}

impl std::fmt::Debug for KeepMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeepMemo")
    }
}

impl Vocabulary {
    /// Builds the vocabulary. `words` are canonical words of patterns, cues and safelists;
    /// `targets` the subset that misspellings may be corrected to; `extra` whole tokens that
    /// must be left alone (compact phrase forms).
    pub fn new<'a>(
        words: impl IntoIterator<Item = &'a str>,
        targets: impl IntoIterator<Item = &'a str>,
        extra: impl IntoIterator<Item = &'a str>,
    ) -> Vocabulary {
        let mut v = Vocabulary::default();
        for (k, x) in ABBREVIATIONS {
            let h = fnv(k.as_bytes(), None);
            v.abbreviation_bits.set(h);
            v.abbreviations.insert(h, (k, x));
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for w in words {
            if w.is_empty() || !seen.insert(w) {
                continue;
            }
            v.insert_word(fnv(w.as_bytes(), None));
            let len = w.chars().count();
            if v.by_len.len() <= len {
                v.by_len.resize(len + 1, Vec::new());
            }
            if let Some(b) = v.by_len.get_mut(len) {
                b.push(w.to_string());
            }
        }
        for w in extra {
            v.insert_word(fnv(w.as_bytes(), None));
        }
        let mut seen_t: HashSet<&str> = HashSet::new();
        for t in targets {
            if !t.is_ascii() || t.len() < MIN_FUZZY_TARGET || !seen_t.insert(t) {
                continue;
            }
            let Ok(idx) = u32::try_from(v.targets.len()) else {
                break;
            };
            v.targets.push(t.to_string());
            let b = t.as_bytes();
            let mut keys: Vec<u64> = (0..b.len()).map(|i| fnv(b, Some(i))).collect();
            keys.push(fnv(b, None));
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                v.delete_bits.set(k);
                v.deletes.entry(k).or_default().push(idx);
            }
        }
        v
    }

    /// [`expand`] through the hash table.
    #[inline]
    fn expand(&self, token: &str) -> Option<&'static str> {
        if token.len() > 8 {
            return None;
        }
        self.expand_hashed(token.as_bytes(), fnv(token.as_bytes(), None))
    }

    /// [`Self::expand`] of a token (its bytes) whose hash `h` is already known.
    #[inline]
    fn expand_hashed(&self, token: &[u8], h: u64) -> Option<&'static str> {
        if token.len() > 8 || !self.abbreviation_bits.may_contain(h) {
            return None;
        }
        let (k, x) = self.abbreviations.get(&h).copied()?;
        // Hash collisions are possible in principle: confirm.
        (k.as_bytes() == token).then_some(x)
    }

    /// True if `bytes` hash to an abbreviation (no confirmation: used while splitting).
    #[inline]
    fn is_abbreviation_hash(&self, h: u64) -> bool {
        self.abbreviation_bits.may_contain(h) && self.abbreviations.contains_key(&h)
    }

    fn insert_word(&mut self, h: u64) {
        self.word_bits.set(h);
        self.words.insert(h);
    }

    #[inline]
    fn contains_hash(&self, h: u64) -> bool {
        self.word_bits.may_contain(h) && self.words.contains(&h)
    }

    #[inline]
    fn deleted(&self, h: u64) -> Option<&Vec<u32>> {
        if self.delete_bits.may_contain(h) {
            self.deletes.get(&h)
        } else {
            None
        }
    }

    /// The vocabulary word for an ASCII token one edit away, if exactly one target fits.
    fn correct(&self, token: &str) -> Option<&str> {
        let b = token.as_bytes();
        let mut found: Option<u32> = None;
        let consider = |ids: Option<&Vec<u32>>, found: &mut Option<u32>| -> bool {
            for &id in ids.into_iter().flatten() {
                let Some(t) = self.targets.get(id as usize) else {
                    continue;
                };
                if one_edit(b, t.as_bytes()) {
                    match *found {
                        Some(f) if f != id => return false,
                        _ => *found = Some(id),
                    }
                }
            }
            true
        };
        // Deletion typo (token = target minus a letter) and the token itself.
        if !consider(self.deleted(fnv(b, None)), &mut found) {
            return None;
        }
        // Insertion, substitution, transposition: a deletion of the token is the target or
        // one of its deletions.
        for i in 0..b.len() {
            if !consider(self.deleted(fnv(b, Some(i))), &mut found) {
                return None;
            }
        }
        found.and_then(|id| self.targets.get(id as usize).map(String::as_str))
    }

    /// The one vocabulary word matching a censored shape (`?` = one hidden letter).
    fn uncensor(&self, shape: &[Option<char>]) -> Option<&str> {
        let words = self.by_len.get(shape.len())?;
        let mut hit = None;
        for w in words {
            if w.chars()
                .zip(shape)
                .all(|(c, s)| s.is_none_or(|s| s == c) && c.is_alphabetic())
            {
                if hit.is_some() {
                    return None;
                }
                hit = Some(w.as_str());
            }
        }
        hit
    }

    /// The stem of an inflected ASCII token when the stem is a vocabulary word. Works in a
    /// stack buffer: this runs on every unknown word, and allocating here was measurable.
    fn stem(&self, token: &str) -> Option<String> {
        const RULES: [(&[u8], &[u8]); 7] = [
            (b"ies", b"y"),
            (b"es", b""),
            (b"s", b""),
            (b"ing", b""),
            (b"ing", b"e"),
            (b"ed", b""),
            (b"d", b""),
        ];
        let t = token.as_bytes();
        let mut buf = [0u8; 2 * MAX_WORD];
        for (suffix, add) in RULES {
            let Some(base) = t.strip_suffix(suffix) else {
                continue;
            };
            let len = base.len() + add.len();
            if base.len() < 2 || len > buf.len() {
                continue;
            }
            let (head, tail) = buf.split_at_mut(base.len());
            head.copy_from_slice(base);
            tail.get_mut(..add.len())?.copy_from_slice(add);
            let stem = buf.get(..len)?;
            if self.contains_hash(fnv(stem, None)) {
                return std::str::from_utf8(stem).ok().map(str::to_string);
            }
        }
        None
    }

    /// Splits an ASCII run of letters into vocabulary words (fewest words), if it splits
    /// entirely. A collapsed double letter may be shared by two words (`wantokil` → `want to
    /// kil`). Allocation-free until a split is found.
    fn split(&self, token: &str) -> Option<Vec<String>> {
        let b = token.as_bytes();
        let n = b.len();
        if !(MIN_SPLIT..=MAX_SPLIT).contains(&n) || !token.is_ascii() {
            return None;
        }
        // best[i] = (words, start of the last word, end of the previous word) covering ..i.
        let mut best = [None::<(u8, u8, u8)>; MAX_SPLIT + 1];
        best[0] = Some((0, 0, 0));
        for end_prev in 0..n {
            let Some((count, _, _)) = best.get(end_prev).copied().flatten() else {
                continue;
            };
            let starts = [Some(end_prev), (end_prev > 0).then(|| end_prev - 1)];
            for start in starts.into_iter().flatten() {
                // FNV-1a extended one byte at a time: O(1) per candidate end.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for end in start + 1..=(start + MAX_WORD).min(n) {
                    let c = *b.get(end - 1)?;
                    h ^= u64::from(c);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                    if end <= end_prev {
                        continue;
                    }
                    let ok = if end - start == 1 {
                        matches!(c, b'i' | b'u' | b'a' | b'r')
                    } else {
                        self.contains_hash(h) || self.is_abbreviation_hash(h)
                    };
                    let slot = best.get_mut(end)?;
                    if ok && slot.is_none_or(|s| count + 1 < s.0) {
                        *slot = Some((count + 1, start as u8, end_prev as u8));
                    }
                }
            }
        }
        let mut words = Vec::new();
        let mut at = n;
        while at > 0 {
            let (_, start, prev) = best.get(at).copied().flatten()?;
            words.push(token.get(usize::from(start)..at)?.to_string());
            at = usize::from(prev);
        }
        words.reverse();
        (words.len() >= 2).then_some(words)
    }
}

/// QWERTY neighbours of a lowercase letter.
fn neighbours(c: u8) -> &'static [u8] {
    match c {
        b'q' => b"wa",
        b'w' => b"qeas",
        b'e' => b"wrsd",
        b'r' => b"etdf",
        b't' => b"ryfg",
        b'y' => b"tugh",
        b'u' => b"yihj",
        b'i' => b"uojk",
        b'o' => b"ipkl",
        b'p' => b"ol",
        b'a' => b"qwsz",
        b's' => b"awedxz",
        b'd' => b"serfcx",
        b'f' => b"drtgvc",
        b'g' => b"ftyhbv",
        b'h' => b"gyujnb",
        b'j' => b"huikmn",
        b'k' => b"jiolm",
        b'l' => b"kop",
        b'z' => b"asx",
        b'x' => b"zsdc",
        b'c' => b"xdfv",
        b'v' => b"cfgb",
        b'b' => b"vghn",
        b'n' => b"bhjm",
        b'm' => b"njk",
        _ => b"",
    }
}

/// True if `a` is one edit from `b` (not equal): an insertion, a deletion, a transposition
/// of adjacent letters, or a substitution by a keyboard neighbour.
pub fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (a.get(pre..).unwrap_or(&[]), b.get(pre..).unwrap_or(&[]));
    match ra.len() as isize - rb.len() as isize {
        0 => match (ra, rb) {
            ([], []) => false,
            ([x, rest_a @ ..], [y, rest_b @ ..]) => {
                (rest_a == rest_b && neighbours(*y).contains(x))
                    || (matches!((rest_a.first(), rest_b.first()), (Some(p), Some(q)) if p == y && q == x)
                        && rest_a.get(1..) == rest_b.get(1..))
            }
            _ => false,
        },
        1 => ra.get(1..) == Some(rb),
        -1 => rb.get(1..) == Some(ra),
        _ => false,
    }
}

/// What happens to one token of the skeleton.
pub(crate) enum Rewrite {
    /// Left as it is.
    Keep,
    /// Replaced by a word or words found in the vocabulary.
    Replace(String),
    /// Replaced by an abbreviation's expansion.
    Static(&'static str),
    /// Drop (an emoji between words); its characters move to the end.
    Drop,
}

/// The token class of a skeleton character (see [`tokens`]): `None` for a separator (` `,
/// `.`), `Some(false)` for a word character, `Some(true)` for an emoji or another symbol.
#[inline(always)]
pub(crate) fn token_class(c: char) -> Option<bool> {
    if c == ' ' || c == '.' {
        None
    } else if c.is_ascii_alphanumeric() {
        Some(false)
    } else if c.is_ascii() {
        Some(true)
    } else {
        Some(!c.is_alphanumeric())
    }
}

/// Follows the token boundaries of a skeleton one character at a time: the rule of
/// [`tokens`], shared with the normalizer, which records the tokens as it writes the skeleton.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TokenRuns {
    /// The open token: its start and whether it is an emoji run.
    open: Option<(usize, bool)>,
}

impl TokenRuns {
    /// The character at byte `at` has the class `class` ([`token_class`]): a separator ends
    /// the open token, a change between word characters and emoji starts a new one. Finished
    /// tokens go to `out`.
    #[inline(always)]
    pub(crate) fn step(&mut self, at: usize, class: Option<bool>, out: &mut Vec<(usize, usize)>) {
        match (self.open, class) {
            (Some((s, _)), None) => {
                out.push((s, at));
                self.open = None;
            }
            (Some((s, was)), Some(is)) if was != is => {
                out.push((s, at));
                self.open = Some((at, is));
            }
            (None, Some(is)) => self.open = Some((at, is)),
            _ => {}
        }
    }

    /// Ends the open token, if any, at `len` (the skeleton's length).
    #[inline(always)]
    pub(crate) fn finish(&mut self, len: usize, out: &mut Vec<(usize, usize)>) {
        if let Some((s, _)) = self.open.take() {
            out.push((s, len));
        }
    }
}

/// Byte ranges of the tokens of a skeleton: maximal runs of word characters, or of emoji
/// (`🤫dont` is two tokens, so `dont` is still rewritten), between separators.
pub(crate) fn tokens(text: &str) -> Vec<(usize, usize)> {
    // About one token per five bytes of chat text: one allocation in the common case.
    let mut out = Vec::with_capacity(text.len() / 4 + 1);
    let mut runs = TokenRuns::default();
    let bytes = text.as_bytes();
    let mut next = 0;
    while let Some(&b) = bytes.get(next) {
        let i = next;
        // ASCII bytes are classified without decoding a char (the common case); a run of
        // ASCII letters and digits is one step, since only its first byte can start or end a
        // token (the rest of the run has the same class).
        let class = if b.is_ascii_alphanumeric() {
            next += 1;
            next += bytes.get(next..).map_or(0, |r| {
                r.iter().take_while(|b| b.is_ascii_alphanumeric()).count()
            });
            Some(false)
        } else if b.is_ascii() {
            next += 1;
            token_class(char::from(b))
        } else {
            let Some(c) = text.get(i..).and_then(|s| s.chars().next()) else {
                break;
            };
            next += c.len_utf8();
            token_class(c)
        };
        runs.step(i, class, &mut out);
    }
    runs.finish(text.len(), &mut out);
    out
}

/// Rewrites a skeleton with only the vocabulary-independent rules (abbreviations): used for
/// patterns, cues and safelist phrases. `None` if nothing changes.
pub fn canonical_pattern(n: &Normalized) -> Option<Normalized> {
    let text = n.as_str();
    let toks = tokens(text);
    let rewrites: Vec<Rewrite> = toks
        .iter()
        .map(|&(s, e)| {
            text.get(s..e)
                .and_then(expand)
                .map_or(Rewrite::Keep, Rewrite::Static)
        })
        .collect();
    rebuild(n, &toks, &rewrites, &[], &mut None)
}

/// Rewrites a message skeleton with every rule against `vocab`. `original` is the message the
/// skeleton came from (to see which symbols censored a word). `None` if nothing changes.
pub fn canonical_message(original: &str, n: &Normalized, vocab: &Vocabulary) -> Option<Normalized> {
    canonical_message_reusing(original, n, vocab, &mut None)
}

/// [`canonical_message`], writing the rewritten skeleton into the buffers of `spare` (taken
/// only if there is something to rewrite).
pub(crate) fn canonical_message_reusing(
    original: &str,
    n: &Normalized,
    vocab: &Vocabulary,
    spare: &mut Option<Normalized>,
) -> Option<Normalized> {
    let mut rewrites = REWRITE_SPARE.try_with(Cell::take).unwrap_or_default();
    rewrites.clear();
    // The normalizer recorded the tokens while writing the skeleton (the same ranges
    // `tokens` finds); a skeleton built otherwise is split here.
    let out = match n.tokens() {
        Some(recorded) => canonical_tokens(original, n, vocab, spare, recorded, &mut rewrites),
        None => {
            let toks = tokens(n.as_str());
            canonical_tokens(original, n, vocab, spare, &toks, &mut rewrites)
        }
    };
    rewrites.clear();
    if rewrites.capacity() <= SPARE_TOKENS {
        // A thread being torn down just allocates next time.
        let _ = REWRITE_SPARE.try_with(|s| s.set(rewrites));
    }
    out
}

thread_local! {
    /// The rewrite list of [`canonical_message_reusing`], kept between messages on each
    /// thread (only a small one: see [`SPARE_TOKENS`]).
    static REWRITE_SPARE: Cell<Vec<Rewrite>> = const { Cell::new(Vec::new()) };
}

/// Most tokens whose rewrite list is kept for the next message.
const SPARE_TOKENS: usize = 1024;

/// [`canonical_message_reusing`] over the tokens `toks` of `n`, with `rewrites` (empty) to
/// fill.
fn canonical_tokens(
    original: &str,
    n: &Normalized,
    vocab: &Vocabulary,
    spare: &mut Option<Normalized>,
    toks: &[(usize, usize)],
    rewrites: &mut Vec<Rewrite>,
) -> Option<Normalized> {
    let text = n.as_str();
    let joins = censored_joins(original, n, toks, vocab);
    rewrites.reserve(toks.len());
    if joins.is_empty() {
        // The common case: one rewrite per token, the tokens stay as they are.
        rewrites.extend((0..toks.len()).map(|i| token_rewrite(text, toks, i, vocab)));
        return rebuild_with_moved(n, toks, rewrites, spare);
    }
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(toks.len());
    let mut joins = joins.into_iter().peekable();
    let mut i = 0;
    while let Some(&(s, e)) = toks.get(i) {
        if let Some((_, last, word)) = joins.next_if(|j| j.0 == i) {
            let end = toks.get(last).map_or(e, |t| t.1);
            merged.push((s, end));
            rewrites.push(Rewrite::Replace(word));
            i = last + 1;
            continue;
        }
        rewrites.push(token_rewrite(text, toks, i, vocab));
        merged.push((s, e));
        i += 1;
    }
    rebuild_with_moved(n, &merged, rewrites, spare)
}

/// The rewrite of token `i` of `toks` (not part of a censored join): an emoji between two
/// words of one sentence is dropped, anything else goes through [`rewrite_word`].
fn token_rewrite(text: &str, toks: &[(usize, usize)], i: usize, vocab: &Vocabulary) -> Rewrite {
    let Some(&(s, e)) = toks.get(i) else {
        return Rewrite::Keep;
    };
    let token = text.get(s..e).unwrap_or("");
    let emoji_between = i > 0
        && i + 1 < toks.len()
        && !token.chars().any(char::is_alphanumeric)
        && token.chars().any(is_emoji)
        && same_sentence(text, toks.get(i - 1), toks.get(i + 1));
    if emoji_between {
        Rewrite::Drop
    } else {
        rewrite_word(token, vocab)
    }
}

/// [`rebuild`] with the dropped tokens (emoji between words) moved to the end.
fn rebuild_with_moved(
    n: &Normalized,
    toks: &[(usize, usize)],
    rewrites: &[Rewrite],
    spare: &mut Option<Normalized>,
) -> Option<Normalized> {
    let moved: Vec<(usize, usize)> = toks
        .iter()
        .zip(rewrites)
        .filter(|(_, r)| matches!(r, Rewrite::Drop))
        .map(|(t, _)| *t)
        .collect();
    rebuild(n, toks, rewrites, &moved, spare)
}

/// True if no sentence separator lies between two tokens.
fn same_sentence(text: &str, a: Option<&(usize, usize)>, b: Option<&(usize, usize)>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => text.get(a.1..b.0).is_some_and(|g| !g.contains('.')),
        _ => false,
    }
}

/// The rewrite of one ordinary word token.
fn rewrite_word(token: &str, vocab: &Vocabulary) -> Rewrite {
    // Long runs (a joined spaced-out message can be megabytes) are only ever split, and only
    // up to MAX_SPLIT letters: the per-token work stays bounded.
    if token.len() > MAX_SPLIT {
        return Rewrite::Keep;
    }
    // One hash of the token serves the abbreviation and vocabulary lookups.
    rewrite_word_hashed(token.as_bytes(), fnv(token.as_bytes(), None), vocab)
}

/// [`rewrite_word`] of a token of at most [`MAX_SPLIT`] bytes whose FNV-1a hash `h` is
/// already known (the ASCII fast path of [`super::normalize`] hashes while it writes).
#[inline]
pub(crate) fn rewrite_word_hashed(token: &[u8], h: u64, vocab: &Vocabulary) -> Rewrite {
    if token.len() > MAX_SPLIT {
        return Rewrite::Keep;
    }
    if let Some(x) = vocab.expand_hashed(token, h) {
        return Rewrite::Static(x);
    }
    if token.len() < 4
        || !token.iter().all(u8::is_ascii_lowercase)
        || vocab.contains_hash(h)
        || vocab.keep_memo.holds(h, token.len())
    {
        return Rewrite::Keep;
    }
    // Lowercase ASCII from here.
    let Ok(token) = std::str::from_utf8(token) else {
        return Rewrite::Keep;
    };
    if let Some(w) = vocab.replace_memo.get(h, token) {
        return Rewrite::Replace(w);
    }
    let rewrite = search_rewrite(token, vocab);
    match &rewrite {
        Rewrite::Keep => vocab.keep_memo.remember(h, token.len()),
        Rewrite::Replace(w) => vocab.replace_memo.remember(h, token, w),
        Rewrite::Static(_) | Rewrite::Drop => {}
    }
    rewrite
}

/// The rewrite of an unknown lowercase ASCII word: its stem, its one-edit correction or its
/// split into vocabulary words, if any.
fn search_rewrite(token: &str, vocab: &Vocabulary) -> Rewrite {
    if token.len() <= MAX_WORD + 3 {
        if let Some(stem) = vocab.stem(token) {
            return Rewrite::Replace(stem);
        }
        if let Some(w) = vocab.correct(token) {
            return Rewrite::Replace(w.to_string());
        }
    }
    if let Some(words) = vocab.split(token) {
        let parts: Vec<&str> = words
            .iter()
            .map(|w| vocab.expand(w).unwrap_or(w.as_str()))
            .collect();
        return Rewrite::Replace(parts.join(" "));
    }
    Rewrite::Keep
}

/// Censored words: runs of tokens separated by one censor symbol run each (`k*ll` is `k`,
/// `l` in the skeleton), resolved to one vocabulary word. Returns (first token, last token,
/// word).
fn censored_joins(
    original: &str,
    n: &Normalized,
    toks: &[(usize, usize)],
    vocab: &Vocabulary,
) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    if memchr::memchr3(b'*', b'#', b'_', original.as_bytes()).is_none() {
        return out;
    }
    let text = n.as_str();
    let spans = n.spans();
    let hidden = |a: usize, b: usize| -> Option<usize> {
        // The separator between tokens a and b, if it is only censor symbols in the original.
        let gap = text.get(a..b)?;
        if gap != " " {
            return None;
        }
        let (os, oe) = (spans.get(a.checked_sub(1)?)?.1, spans.get(b)?.0);
        let orig = original.get(os..oe)?;
        (!orig.is_empty() && orig.bytes().all(|c| matches!(c, b'*' | b'#' | b'_')))
            .then_some(orig.len())
    };
    let mut i = 0;
    while i + 1 < toks.len() {
        let mut shape: Vec<Option<char>> = Vec::new();
        let mut j = i;
        let Some(first) = toks.get(i) else { break };
        if first.1 - first.0 > MAX_WORD {
            i += 1;
            continue;
        }
        shape.extend(text.get(first.0..first.1).unwrap_or("").chars().map(Some));
        while let (Some(a), Some(b)) = (toks.get(j), toks.get(j + 1)) {
            let Some(k) = hidden(a.1, b.0) else { break };
            if shape.len() + k + (b.1 - b.0) > MAX_WORD {
                break;
            }
            shape.extend(std::iter::repeat_n(None, k));
            shape.extend(text.get(b.0..b.1).unwrap_or("").chars().map(Some));
            j += 1;
        }
        if j > i {
            if let Some(w) = vocab.uncensor(&shape) {
                out.push((i, j, w.to_string()));
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Writes the rewritten skeleton (into `spare`'s buffers if given); `moved` tokens are
/// appended after a sentence break.
fn rebuild(
    n: &Normalized,
    toks: &[(usize, usize)],
    rewrites: &[Rewrite],
    moved: &[(usize, usize)],
    spare: &mut Option<Normalized>,
) -> Option<Normalized> {
    if rewrites.iter().all(|r| matches!(r, Rewrite::Keep)) {
        return None;
    }
    let text = n.as_str();
    let spans = n.spans();
    let (mut out, mut out_spans) = spare
        .take()
        .map(Normalized::into_buffers)
        .unwrap_or_default();
    out.reserve(text.len() + 16);
    out_spans.reserve(text.len() + 16);
    let copy = |from: usize, to: usize, out: &mut String, out_spans: &mut Vec<_>| {
        out.push_str(text.get(from..to).unwrap_or(""));
        out_spans.extend_from_slice(spans.get(from..to).unwrap_or(&[]));
    };
    // `at` is where the text not yet copied starts: kept tokens are copied in one run with
    // what lies between them, up to the next token that changes.
    let mut at = 0;
    for (i, (&(s, e), r)) in toks.iter().zip(rewrites).enumerate() {
        if matches!(r, Rewrite::Keep) {
            continue;
        }
        let span = (
            spans.get(s).map_or(0, |x| x.0),
            spans.get(e.saturating_sub(1)).map_or(0, |x| x.1),
        );
        match r {
            Rewrite::Keep => {}
            Rewrite::Drop => {
                // Skip the token and the separator before it; keep the words apart if the
                // emoji was glued to them (`so😍mature`).
                let prev_end = i
                    .checked_sub(1)
                    .and_then(|p| toks.get(p))
                    .map_or(at, |t| t.1.max(at));
                copy(at, prev_end, &mut out, &mut out_spans);
                at = prev_end;
                let glued = text.get(at..s).is_some_and(str::is_empty)
                    && text.get(e..).is_some_and(|r| !r.starts_with([' ', '.']));
                if glued {
                    push(&mut out, &mut out_spans, " ", span);
                }
                at = e;
                continue;
            }
            Rewrite::Replace(w) => {
                copy(at, s, &mut out, &mut out_spans);
                push(&mut out, &mut out_spans, w, span);
            }
            Rewrite::Static(w) => {
                copy(at, s, &mut out, &mut out_spans);
                push(&mut out, &mut out_spans, w, span);
            }
        }
        at = e;
    }
    copy(at, text.len(), &mut out, &mut out_spans);
    for &(s, e) in moved {
        let span = spans.get(s).map_or((0, 0), |x| *x);
        push(&mut out, &mut out_spans, ".", span);
        out.push_str(text.get(s..e).unwrap_or(""));
        out_spans.extend_from_slice(spans.get(s..e).unwrap_or(&[]));
    }
    Some(Normalized::from_parts(
        out,
        out_spans,
        n.has_spaced_run(),
        n.has_ambiguous_leet(),
    ))
}

fn push(out: &mut String, spans: &mut Vec<(usize, usize)>, w: &str, span: (usize, usize)) {
    out.push_str(w);
    spans.extend(std::iter::repeat_n(span, w.len()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::{normalize, NormalizeOptions};

    fn vocab() -> Vocabulary {
        let words = [
            "do", "not", "tell", "your", "parents", "kil", "myself", "mature", "for", "age",
            "delete", "this", "chat", "i", "want", "to", "so", "sex", "you", "are", "home",
            "alone",
        ]
        .map(|w| {
            normalize(w, NormalizeOptions::default())
                .as_str()
                .to_string()
        });
        let targets = ["parents", "mature", "delete", "myself"];
        Vocabulary::new(
            words.iter().map(String::as_str),
            targets,
            std::iter::empty(),
        )
    }

    /// The memo of kept words answers only for the word it saw: a kept word is remembered,
    /// and a misspelling, a stem and a split met before or after it are still rewritten.
    #[test]
    fn keep_memo_never_changes_a_rewrite() {
        let v = vocab();
        let kept = |w: &str| matches!(rewrite_word(w, &v), Rewrite::Keep);
        let h = fnv(b"homework", None);
        assert!(!v.keep_memo.holds(h, 8));
        for _ in 0..2 {
            assert!(kept("homework"));
            assert!(v.keep_memo.holds(h, 8), "a kept word is remembered");
            assert!(matches!(rewrite_word("matrue", &v), Rewrite::Replace(w) if w == "mature"));
            assert!(matches!(rewrite_word("parentss", &v), Rewrite::Replace(w) if w == "parents"));
            assert!(
                matches!(rewrite_word("deletethischat", &v), Rewrite::Replace(w) if w == "delete this chat")
            );
        }
        assert!(
            !v.keep_memo.holds(fnv(b"matrue", None), 6),
            "a rewritten word is not"
        );
        assert!(!v.clone().keep_memo.holds(h, 8), "a clone starts empty");
        // Rewritten words are remembered with their rewrite, and only for themselves.
        let m = fnv(b"matrue", None);
        assert_eq!(v.replace_memo.get(m, "matrue").as_deref(), Some("mature"));
        assert_eq!(
            v.replace_memo.get(m, "matreu"),
            None,
            "another word, same slot"
        );
        assert_eq!(v.clone().replace_memo.get(m, "matrue"), None);
    }

    fn canon(text: &str) -> String {
        let n = normalize(text, NormalizeOptions::default());
        canonical_message(text, &n, &vocab())
            .map_or_else(|| n.as_str().to_string(), |c| c.as_str().to_string())
    }

    #[test]
    fn tokens_split_at_separators_and_emoji() {
        fn t(s: &str) -> Vec<&str> {
            tokens(s).into_iter().map(|(a, b)| &s[a..b]).collect()
        }
        assert_eq!(t("so 😍 mature"), ["so", "😍", "mature"]);
        assert_eq!(t("🤫dont tell.me"), ["🤫", "dont", "tell", "me"]);
        assert_eq!(t("héllo wörld 13"), ["héllo", "wörld", "13"]);
        assert_eq!(t(" a..b "), ["a", "b"]);
        assert!(t("").is_empty());
    }

    #[test]
    fn edits() {
        assert!(one_edit(b"mture", b"mature"));
        assert!(one_edit(b"parets", b"parents"));
        assert!(one_edit(b"delte", b"delete"));
        assert!(one_edit(b"matrue", b"mature"));
        assert!(one_edit(b"nature", b"mature"), "m and n are neighbours");
        assert!(
            !one_edit(b"puting", b"cuting"),
            "p and c are not neighbours"
        );
        assert!(!one_edit(b"mature", b"mature"));
        assert!(!one_edit(b"mat", b"mature"));
    }

    #[test]
    fn message_rewrites_keep_original_spans() {
        assert_eq!(canon("dont tell ur parets"), "do not tel your parents");
        assert_eq!(
            canon("u r so 😍 mature 4 ur age"),
            "you are so mature for your age.😍"
        );
        assert_eq!(canon("k*ll myself"), "kil myself");
        assert_eq!(canon("iwanttokillmyself"), "i want to kil myself");
        assert_eq!(canon("delte this chat"), "delete this chat");
        assert_eq!(canon("r u home alone rn"), "are you home alone right now");
        assert_eq!(
            canon("🤫dont tell ur parents🤫"),
            "🤫do not tel your parents🤫"
        );
        assert_eq!(canon("so😍mature"), "so mature.😍");
        // Ordinary words are left alone.
        assert_eq!(canon("putting the kettle on"), "puting the ketle on");
        let text = "dont t*ll ur parets";
        let n = normalize(text, NormalizeOptions::default());
        let c = canonical_message(text, &n, &vocab()).unwrap();
        let at = c.as_str().find("parents").unwrap();
        let span = c.original_span(at..at + "parents".len()).unwrap();
        assert_eq!(&text[span], "parets");
        let at = c.as_str().find("tel").unwrap();
        assert_eq!(&text[c.original_span(at..at + 3).unwrap()], "t*ll");
    }

    #[test]
    fn inflections_and_ambiguity() {
        assert_eq!(canon("killing myself"), "kil myself");
        assert_eq!(canon("wanted to"), "want to");
        // Two words fit `s?x`... only `sex` is in this vocabulary.
        assert_eq!(canon("s*x"), "sex");
        assert_eq!(canon("nothing to see"), "nothing to se");
    }
}
