//! The fast path for plain ASCII messages (the common case): normalization, token split and
//! the canonical token rewrites of [`crate::text::canonical`] in one walk over the bytes.
//!
//! The general path normalizes a message into a skeleton (recording its tokens), then looks
//! every token up in the vocabulary and, if one is rewritten, builds a second skeleton. For a
//! message of ASCII letters, digits, whitespace and punctuation, [`canonical_ascii`] writes
//! the final skeleton directly: it lowercases, reads leetspeak, collapses separators and
//! repeated letters, hashes each token while writing it and replaces it in place when the
//! vocabulary rewrites it. It declines (and the general path runs) on anything it does not
//! read the same way by construction: non-ASCII bytes, HTML (`<`, `&`), the censor symbols
//! `* # _` (censored words are resolved across tokens) and `@ $ ! | +` where they could be
//! read as letters. A test runs both paths over a generated corpus and compares the
//! skeleton, the offset map and the flags byte for byte.

use super::{leet_digit, Leet, Normalized, RunDetector};
use crate::text::canonical::{fnv_step, rewrite_word_hashed, Rewrite, Vocabulary, FNV_OFFSET};

/// Byte classes of the fast path.
const OTHER: u8 = 0;
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
/// Whitespace that is not a line break.
const SPACE: u8 = 3;
/// `\n` and `\r`: whitespace, a sentence break and a line break.
const NEWLINE: u8 = 4;
/// Clause punctuation other than `!`: `. , ? ; :`.
const SENTENCE: u8 = 5;
const APOSTROPHE: u8 = 6;
/// `!`, `|` and `+`: leetspeak between two word characters.
const BETWEEN: u8 = 7;
/// `@` and `$`: leetspeak before a word character.
const BEFORE: u8 = 8;
/// Bytes the fast path does not handle.
const DECLINE: u8 = 9;

const CLASS: [u8; 256] = {
    let mut t = [DECLINE; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => LETTER,
            b'0'..=b'9' => DIGIT,
            // `char::is_whitespace` in ASCII (note: includes \x0b, unlike u8's).
            b'\t' | b'\x0b' | b'\x0c' | b' ' => SPACE,
            b'\n' | b'\r' => NEWLINE,
            b'.' | b',' | b'?' | b';' | b':' => SENTENCE,
            b'\'' | b'`' => APOSTROPHE,
            b'!' | b'|' | b'+' => BETWEEN,
            b'@' | b'$' => BEFORE,
            b'<' | b'&' | b'*' | b'#' | b'_' => DECLINE,
            _ => OTHER,
        };
        b += 1;
    }
    t
};

#[inline(always)]
fn class(b: Option<&u8>) -> u8 {
    b.map_or(SPACE, |&b| CLASS[usize::from(b)])
}

/// What one byte other than a letter is, in context.
enum Step {
    /// A word character (lowercase letter or digit), and whether the spaced-run detector
    /// counts it as a letter.
    Char(u8, bool),
    /// Dropped without breaking the word (an apostrophe between letters).
    Skip,
    /// A separator.
    Sep,
    /// Only the general path reads this message right.
    Decline,
}

/// The state of one walk of [`canonical_ascii`].
struct Walk<'a> {
    bytes: &'a [u8],
    leet: Leet,
    vocab: &'a Vocabulary,
    out: Vec<u8>,
    spans: Vec<(usize, usize)>,
    det: RunDetector,
    ambiguous: bool,
    /// The separator run waiting to be written before the next character: (sentence, span).
    pending: Option<(bool, usize, usize)>,
    /// The last character written since the last separator (for collapsing repeats).
    last: u8,
    /// The open token: where it starts in `out`; `hash` is its hash so far.
    token: Option<usize>,
    hash: u64,
    /// The open word as the spaced-run detector counts it: characters before collapsing,
    /// and whether each is a letter or a leet digit.
    word_chars: usize,
    word_single: bool,
    /// The whitespace-delimited run being read: its first byte, and whether it has a letter
    /// (found out only when a digit needs it).
    run_start: usize,
    run_letter: Option<bool>,
}

/// Normalizes the ASCII message `text` with `leet` (no spacing join) and applies the canonical
/// rewrites of `vocab`, writing into `spare`'s buffers if given: the same skeleton, offset map
/// and flags as [`super::normalize_reusing`] followed by
/// [`crate::text::canonical::canonical_message_reusing`]. `Err` (with the buffers handed back)
/// if the message needs the general path.
pub(crate) fn canonical_ascii(
    text: &str,
    leet: Leet,
    vocab: &Vocabulary,
    spare: Option<Normalized>,
) -> Result<Normalized, Option<Normalized>> {
    let bytes = text.as_bytes();
    let (out, mut spans) = spare.map(Normalized::into_buffers).unwrap_or_default();
    let mut out = out.into_bytes();
    out.reserve(bytes.len() + 16);
    spans.reserve(bytes.len() + 16);
    let mut w = Walk {
        bytes,
        leet,
        vocab,
        out,
        spans,
        det: RunDetector::new(leet),
        ambiguous: false,
        pending: None,
        last: 0,
        token: None,
        hash: FNV_OFFSET,
        word_chars: 0,
        word_single: true,
        run_start: 0,
        run_letter: None,
    };
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let cls = CLASS[usize::from(b)];
        if cls == LETTER {
            // A run of letters: the common case, one tight loop.
            w.open_token();
            let end;
            (end, w.hash, w.last) = letter_run(&mut w.out, &mut w.spans, bytes, i, w.hash, w.last);
            w.word_chars += end - i;
            i = end;
            continue;
        }
        match w.step(i, b, cls) {
            Step::Char(c, single) => w.char(i, c, single),
            Step::Skip => {}
            Step::Sep => w.separator(i, b, cls),
            Step::Decline => return Err(decline(w.out, w.spans)),
        }
        i += 1;
    }
    w.close_token();
    if w.word_chars > 0 {
        w.det.word(w.word_chars, w.word_single);
    }
    // Only ASCII was written, so the check always passes.
    let text = String::from_utf8(w.out).unwrap_or_default();
    Ok(Normalized {
        text,
        spans: w.spans,
        tokens: None,
        has_spaced_run: w.det.finish(),
        has_ambiguous_leet: w.ambiguous,
    })
}

impl Walk<'_> {
    /// Reads the byte `b` (class `cls`, not a letter) at `i`, as the general path's
    /// classification does for an ASCII unit.
    #[inline(always)]
    fn step(&mut self, i: usize, b: u8, cls: u8) -> Step {
        let bytes = self.bytes;
        let prev = || class(i.checked_sub(1).and_then(|p| bytes.get(p)));
        let next = || class(bytes.get(i + 1));
        let word = |c: u8| c == LETTER || c == DIGIT;
        match cls {
            DIGIT => {
                let start = self.run_start;
                let has_letter = *self.run_letter.get_or_insert_with(|| {
                    bytes
                        .get(start..)
                        .unwrap_or(&[])
                        .iter()
                        .map(|&b| CLASS[usize::from(b)])
                        .take_while(|&c| c != SPACE && c != NEWLINE)
                        .any(|c| c == LETTER)
                });
                match leet_digit(char::from(b), self.leet) {
                    Some(l) if has_letter => {
                        self.ambiguous |= b == b'1';
                        Step::Char(l as u8, true)
                    }
                    Some(_) => Step::Char(b, true),
                    None => Step::Char(b, false),
                }
            }
            // Dropped inside a word (`don't`): the word goes on.
            APOSTROPHE if prev() == LETTER && next() == LETTER => Step::Skip,
            BETWEEN if word(prev()) && word(next()) => Step::Decline,
            BEFORE if word(next()) => Step::Decline,
            DECLINE => Step::Decline,
            _ => Step::Sep,
        }
    }

    /// Starts a token if none is open: writes the pending separator first (unless nothing
    /// was written yet).
    #[inline(always)]
    fn open_token(&mut self) {
        if self.token.is_some() {
            return;
        }
        if let Some((sentence, s, e)) = self.pending.take() {
            if !self.out.is_empty() {
                self.out.push(if sentence { b'.' } else { b' ' });
                self.spans.push((s, e));
            }
        }
        self.token = Some(self.out.len());
        self.hash = FNV_OFFSET;
        self.last = 0;
    }

    /// The word character `c` read at byte `i` (`single`: a letter or leet digit).
    fn char(&mut self, i: usize, c: u8, single: bool) {
        self.open_token();
        if c == self.last && c.is_ascii_alphabetic() {
            // Collapse repeats: widen the previous character's span.
            if let Some(sp) = self.spans.last_mut() {
                sp.1 = sp.1.max(i + 1);
            }
        } else {
            self.out.push(c);
            self.spans.push((i, i + 1));
            self.hash = fnv_step(self.hash, c);
            self.last = c;
        }
        self.word_chars += 1;
        self.word_single &= single;
    }

    /// The separator byte `b` (class `cls`) at `i`: ends the open token and word.
    #[inline(always)]
    fn separator(&mut self, i: usize, b: u8, cls: u8) {
        self.close_token();
        if self.word_chars > 0 {
            self.det.word(self.word_chars, self.word_single);
            (self.word_chars, self.word_single) = (0, true);
        }
        let newline = cls == NEWLINE;
        self.det.separator(newline);
        if newline || cls == SPACE {
            self.run_start = i + 1;
            self.run_letter = None;
        }
        let sentence = matches!(cls, SENTENCE | NEWLINE) || b == b'!';
        self.pending = Some(match self.pending {
            Some((s, first, _)) => (s || sentence, first, i + 1),
            None => (sentence, i, i + 1),
        });
    }

    /// Replaces the open token with its canonical rewrite, if any.
    #[inline(always)]
    fn close_token(&mut self) {
        if let Some(start) = self.token.take() {
            rewrite(&mut self.out, &mut self.spans, start, self.hash, self.vocab);
        }
    }
}

/// Writes the run of ASCII letters starting at `bytes[i]` into the open token (lowercased,
/// repeats collapsed), extending its hash `hash`; `last` is the last character written.
/// Returns the index after the run, the hash and the last character. Kept out of line: its
/// state then lives in registers.
#[inline(never)]
fn letter_run(
    out: &mut Vec<u8>,
    spans: &mut Vec<(usize, usize)>,
    bytes: &[u8],
    mut i: usize,
    mut hash: u64,
    mut last: u8,
) -> (usize, u64, u8) {
    while let Some(&b) = bytes.get(i) {
        if !b.is_ascii_alphabetic() {
            break;
        }
        let c = b.to_ascii_lowercase();
        if c == last {
            // Collapse repeats: widen the previous character's span.
            if let Some(sp) = spans.last_mut() {
                sp.1 = sp.1.max(i + 1);
            }
        } else {
            out.push(c);
            spans.push((i, i + 1));
            hash = fnv_step(hash, c);
            last = c;
        }
        i += 1;
    }
    (i, hash, last)
}

/// Replaces the token `out[start..]` (hash `hash`) with its canonical rewrite, if any; the
/// replacement carries the original span of the whole token.
#[inline]
fn rewrite(
    out: &mut Vec<u8>,
    spans: &mut Vec<(usize, usize)>,
    start: usize,
    hash: u64,
    vocab: &Vocabulary,
) {
    let token = out.get(start..).unwrap_or(&[]);
    let word = match rewrite_word_hashed(token, hash, vocab) {
        Rewrite::Static(w) => std::borrow::Cow::Borrowed(w),
        Rewrite::Replace(w) => std::borrow::Cow::Owned(w),
        Rewrite::Keep | Rewrite::Drop => return,
    };
    let span = (
        spans.get(start).map_or(0, |x| x.0),
        spans.last().map_or(0, |x| x.1),
    );
    out.truncate(start);
    spans.truncate(start);
    out.extend_from_slice(word.as_bytes());
    spans.extend(std::iter::repeat_n(span, word.len()));
}

/// The buffers, emptied, as a spare for the general path.
fn decline(mut out: Vec<u8>, mut spans: Vec<(usize, usize)>) -> Option<Normalized> {
    out.clear();
    spans.clear();
    Some(Normalized {
        text: String::from_utf8(out).unwrap_or_default(),
        spans,
        tokens: None,
        has_spaced_run: false,
        has_ambiguous_leet: false,
    })
}
