//! Fusion of the two message-level layers: the lexicon (precise, explainable, evasion-proof,
//! and the only one that reads context cues such as negation, hyperbole, third person,
//! help-seeking and school/news talk) and the classifier (reach: paraphrase, slang, typos).
//!
//! Rules, per family:
//! - **grooming**: the classifier's grooming probability ≥ its threshold, or a lexicon
//!   grooming match; the stage is the lexicon's if it has one, else the classifier's top stage.
//! - **self-harm**: a first-person lexicon level (not negated, hyperbolic or third person), or
//!   the classifier's self-harm probability ≥ its threshold in a message where the lexicon saw
//!   no context cue that makes the mention not the user's own (negation, hyperbole, third
//!   person, help-seeking). A third-person or help-seeking reading routes to *peer* support.
//! - **sexual**: the classifier's sexual probability ≥ its threshold, or a sexual lexicon match.
//!
//! A self-harm act the writer discloses in first-person words ("i tried to kill myself",
//! [`disclosed_act`]) is the writer's behaviour level even where the classifier vetoes the
//! lexicon: a long post that tells of an attempt among other things reads as benign to it.

use super::{Label, ModelEvidence, ModelScores, TextModel};
use crate::text::matcher::MessageAnalysis;
use crate::text::types::{Category, GroomingStage, ModifierKind, SelfHarmLevel};
use serde::{Deserialize, Serialize};

/// With the classifier present, a lexicon self-harm level counts as the writer's own only if the
/// classifier gives its family at least this probability: topic words ("suicide" in a news
/// story) are vetoed when the whole message reads as benign. A third-person level (a friend in
/// crisis) is not vetoed: the classifier reads those as not the writer's risk by design.
pub const LEXICON_VETO_FLOOR: f32 = 0.12;
/// A lexicon grooming match is the message's grooming signal only if the classifier gives
/// grooming at least this probability (half the conversation model's
/// [`LEXICON_BACKING_PROB`](crate::text::conversation::LEXICON_BACKING_PROB), where the match
/// is fully backed): "i'll pick you up after school" or "send me a pic of the form" alone are
/// everyday words to a parent. Below it the match still adds (scaled) evidence to the
/// conversation risk, which reports it once the conversation as a whole is concerning.
/// Halved in session 13: phrasing the classifier never saw ("you'd just owe me a little
/// favour", "make an account your parents don't know about") scored 0.15-0.3 and the
/// lexicon's match was lost (0.1, 0.15, 0.2, 0.3 measured; CHANGELOG).
pub const GROOMING_VETO_FLOOR: f32 = crate::text::conversation::LEXICON_BACKING_PROB / 2.0;
/// Evidence phrases kept per signal.
const EVIDENCE_PHRASES: usize = 3;

/// What one message says, after fusing lexicon and classifier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageSignals {
    /// Grooming: the stage and a score in 0..1.
    pub grooming: Option<(GroomingStage, f32)>,
    /// The user's own self-harm level and a score in 0..1.
    pub self_harm: Option<(SelfHarmLevel, f32)>,
    /// A self-harm level about someone else (third person, help-seeking for a friend).
    pub peer_self_harm: Option<(SelfHarmLevel, f32)>,
    /// Sexual content score in 0..1.
    pub sexual: Option<f32>,
    /// A graded score in 0..1 of the writer's own self-harm, also below the signal's threshold:
    /// the [`self_harm`](Self::self_harm) score when that is set, else the classifier's
    /// self-harm probability (capped at the threshold) in a message where the lexicon saw no
    /// context cue that makes the mention not the writer's own (at least
    /// [`VETOED_LEXICON_GRADE`] of the threshold where the lexicon read the writer's own level
    /// and the classifier vetoed it), that probability times [`TONED_DOWN_GRADE`] where the
    /// only cues are hyperbole or discussion, else 0 (negation, third person, help-seeking). It ranks messages for review queues and ROC measurements;
    /// the signal itself is still decided by the threshold.
    #[serde(default)]
    pub own_self_harm_score: f32,
    /// The classifier's phrases behind each signal (grooming, self-harm, sexual).
    pub evidence: Vec<(Label, ModelEvidence)>,
    /// The classifier's probabilities, if it ran.
    #[serde(skip)]
    pub probs: Option<[f32; Label::COUNT]>,
}

impl MessageSignals {
    /// True if any signal is set.
    pub fn any(&self) -> bool {
        self.grooming.is_some()
            || self.self_harm.is_some()
            || self.peer_self_harm.is_some()
            || self.sexual.is_some()
    }
}

/// Share of the classifier's self-harm probability the graded own score keeps in a message
/// whose only context cues are hyperbole or discussion ("i want to die lol", a post that also
/// names a song): toned down as the lexicon tones such a match down
/// ([`HYPERBOLE_FACTOR`](crate::text::matcher::HYPERBOLE_FACTOR)), not cleared like a negation
/// or a third person. Ranking only: such a message never carries the signal.
pub const TONED_DOWN_GRADE: f32 = crate::text::matcher::HYPERBOLE_FACTOR;

/// Share of the self-harm threshold the graded own score takes, at least, in a message where the
/// lexicon read a level in the writer's own words (not negated, hyperbolic or third person, no
/// context cue) but the classifier vetoed it ([`LEXICON_VETO_FLOOR`]): "you're probably better
/// off without me" in a long post, or "my schedule makes me want to die". The veto keeps the
/// signal off (most such messages are jokes or song lines the whole reads past), but two
/// layers disagreeing about the writer's own words rank above what the classifier alone reads
/// below its threshold. Ranking only: such a message never carries the signal.
pub const VETOED_LEXICON_GRADE: f32 = 0.9;
/// Most pieces [`graded_own_self_harm`] reads of one message besides the whole.
pub const MAX_GRADED_PIECES: usize = 32;
/// Words per piece [`graded_own_self_harm`] reads of a long stretch without sentence ends.
pub const GRADED_PIECE_WORDS: usize = 24;

/// The message's context cues: `(not_own, peer, toned_down)`, `toned_down` when every cue is
/// hyperbole or discussion.
fn context_cue(analysis: &MessageAnalysis) -> (bool, bool, bool) {
    let kinds = analysis
        .message_modifiers
        .iter()
        .chain(analysis.matches.iter().flat_map(|m| m.modifiers.iter()));
    let (mut not_own, mut peer, mut hard) = (false, false, false);
    for k in kinds {
        match k {
            ModifierKind::Hyperbole | ModifierKind::Discussion => not_own = true,
            ModifierKind::Negation => {
                not_own = true;
                hard = true;
            }
            ModifierKind::ThirdPerson | ModifierKind::HelpSeeking => {
                not_own = true;
                peer = true;
                hard = true;
            }
        }
    }
    (not_own, peer, not_own && !hard)
}

/// Fuses a lexicon analysis with the classifier's scores (`None`: lexicon only).
pub fn fuse(
    analysis: &MessageAnalysis,
    scores: Option<&ModelScores>,
    model: Option<&TextModel>,
) -> MessageSignals {
    let mut out = MessageSignals::default();
    let lex_grooming = analysis
        .by_category(Category::Grooming)
        .filter(|m| m.effective_weight > 0.0)
        .max_by(|a, b| a.effective_weight.total_cmp(&b.effective_weight));
    let lex_stage = lex_grooming.and_then(|m| m.stage.map(|s| (s, m.effective_weight.min(1.0))));
    // The classifier learned grooming from English chat with only a little Spanish and
    // Portuguese: its low probability on "¿qué llevas puesto ahora?" says it cannot read the
    // message, not that the message is benign. So a Spanish or Portuguese match of a stage no
    // parent, coach or friend shares words with (sexual content, image requests, secrecy) is not
    // vetoed; pick-ups, gifts and moves to another app still are, as in English ("te paso a
    // buscar a las 5, mamá").
    let lex_vetoable = lex_grooming.is_some_and(|m| {
        m.language == "en"
            || !matches!(
                m.stage,
                Some(
                    GroomingStage::SexualContent
                        | GroomingStage::ImageRequest
                        | GroomingStage::IsolationSecrecy
                )
            )
    });
    let lex_sexual = analysis
        .by_category(Category::Sexual)
        .map(|m| m.effective_weight)
        .fold(0f32, f32::max);
    out.grooming = lex_stage;
    let lex_own = analysis.self_harm_level();
    out.self_harm = lex_own.map(|l| (l, 1.0));
    out.own_self_harm_score = out.self_harm.map_or(0.0, |x| x.1);
    out.peer_self_harm = analysis.peer_self_harm_level().map(|l| (l, 1.0));
    if lex_sexual > 0.0 {
        out.sexual = Some(lex_sexual.min(1.0));
    }
    let (Some(s), Some(m)) = (scores, model) else {
        return out;
    };
    out.probs = Some(s.probs);
    let [tg, ts, tx] = m.thresholds();
    if s.grooming() < GROOMING_VETO_FLOOR && lex_vetoable {
        out.grooming = None;
    }
    // The veto reads the writer's own state only. The classifier learned third-person and
    // help-seeking messages as benign (they are not the writer's risk), so its probability says
    // nothing about a friend in crisis: the lexicon's third-person reading alone routes those to
    // peer support ("my friend wants to kill herself"), news, fiction and school talk excluded.
    if s.self_harm() < LEXICON_VETO_FLOOR && !censored_own_level(analysis) {
        out.self_harm = None;
    }
    let g = s.grooming();
    if g >= tg {
        let stage = lex_stage.map_or(s.top_stage(), |(st, _)| st);
        out.grooming = Some((stage, g.max(lex_stage.map_or(0.0, |x| x.1))));
        out.evidence.extend(
            s.evidence(m, Label::Grooming(s.top_stage()), EVIDENCE_PHRASES)
                .into_iter()
                .map(|e| (Label::Grooming(s.top_stage()), e)),
        );
    }
    let sh = s.self_harm();
    let (not_own, peer, toned_down) = context_cue(analysis);
    if sh >= ts {
        let level = s.top_level();
        if !not_own && out.self_harm.is_none() {
            out.self_harm = Some((level, sh));
        } else if peer && out.peer_self_harm.is_none() {
            out.peer_self_harm = Some((level, sh));
        }
        if out.self_harm.is_some() || out.peer_self_harm.is_some() {
            out.evidence.extend(
                s.evidence(m, Label::SelfHarm(level), EVIDENCE_PHRASES)
                    .into_iter()
                    .map(|e| (Label::SelfHarm(level), e)),
            );
        }
    }
    if out.self_harm.is_none() {
        out.self_harm = disclosed_act(analysis).map(|l| (l, 1.0));
    }
    out.own_self_harm_score = match out.self_harm {
        Some((_, score)) => score,
        None if !not_own && lex_own.is_some() => sh.min(ts).max(ts * VETOED_LEXICON_GRADE),
        None if !not_own => sh.min(ts),
        None if toned_down => sh.min(ts) * TONED_DOWN_GRADE,
        None => 0.0,
    };
    let x = s.sexual();
    if x >= tx {
        out.sexual = Some(x.max(lex_sexual));
        out.evidence.extend(
            s.evidence(m, Label::Sexual, EVIDENCE_PHRASES)
                .into_iter()
                .map(|e| (Label::Sexual, e)),
        );
    }
    out
}

/// True if a first-person lexicon self-harm level of `analysis` was read through censoring
/// ("s**cide note is done", "k*ll myself", "$uicidal"): the classifier reads the skeleton with
/// the symbols in it, so its low probability says it could not read the word, not that the
/// message is benign, and it does not veto such a match (as with Spanish and Portuguese
/// grooming stages the classifier barely learned).
fn censored_own_level(analysis: &MessageAnalysis) -> bool {
    analysis
        .own_self_harm_matches()
        .any(|m| censors_a_word(&m.matched))
}

/// True if `text` hides a letter of a word behind a symbol or digit: a digit between two letters
/// ("k1ll"), or one of `* $ @ # !` with a letter right after it and a letter, another symbol or
/// the start of a word right before it ("k*ll", "s**cide", "$uicide"). Punctuation and counts
/// beside words are not censoring ("kill myself!", "2 pills", "at 3am").
fn censors_a_word(text: &str) -> bool {
    const SYMBOLS: &[char] = &['*', '$', '@', '#', '!'];
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        let next_letter = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        let before = i.checked_sub(1).map(|j| chars[j]);
        let letter_before = before.is_some_and(char::is_alphabetic);
        if c.is_ascii_digit() {
            return letter_before && next_letter;
        }
        SYMBOLS.contains(&c)
            && next_letter
            && before.is_none_or(|b| b.is_alphabetic() || b.is_whitespace() || SYMBOLS.contains(&b))
    })
}

/// The writer's own disclosed act: a behaviour-level lexicon match read as the writer's own (not
/// negated, hyperbolic, third person or discussion) whose own words name the writer
/// ([`in_first_person`](crate::text::person::in_first_person): "i tried to kill myself", "after
/// my attempt", "i overdosed"). It is the writer's level even where the classifier vetoes the
/// lexicon ([`LEXICON_VETO_FLOOR`]): the veto is for topic words the whole message reads past
/// ("suicide" in a news story), while these words themselves say who did what, and a long post
/// that tells of an attempt among other things dilutes the classifier's probability. A past
/// attempt is the strongest known risk factor; a past the message tells as over is still
/// dropped where the message is read by person
/// ([`own_reading`](crate::text::person::own_reading)).
pub fn disclosed_act(analysis: &MessageAnalysis) -> Option<SelfHarmLevel> {
    analysis
        .own_self_harm_matches()
        .filter(|m| m.level == Some(SelfHarmLevel::Behaviour))
        .find(|m| crate::text::person::in_first_person(&m.matched))
        .map(|_| SelfHarmLevel::Behaviour)
}

/// The writer's own self-harm in one message, graded in 0..1 also below the signal's threshold:
/// [`fuse`]'s [`own_self_harm_score`](MessageSignals::own_self_harm_score), then 0 when
/// [`own_reading`](crate::text::person::own_reading) reads a recovered past or someone else
/// (the same reading the conversation model applies to the signal). For ranking (review queues, ROC curves); the signal is still the threshold's.
///
/// A long message is also read in pieces (its sentences, and runs of at most
/// [`GRADED_PIECE_WORDS`] words where it has no sentence ends; at most [`MAX_GRADED_PIECES`]),
/// and the highest piece counts when the whole message is the writer's own (read as
/// [`Person::Writer`](crate::text::person::Person::Writer), no third-person or help-seeking
/// cue): one sentence of despair in a long post is not diluted by the rest of it, and a negated
/// or joking clause elsewhere does not clear it.
///
/// ```
/// use preflight::text::model::fusion::graded_own_self_harm;
/// use preflight::text::TextEngine;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let engine = TextEngine::default_english()?;
/// // Without a classifier only the lexicon grades: 1 for a first-person level, else 0.
/// assert_eq!(graded_own_self_harm(&engine, None, "i want to kill myself"), 1.0);
/// assert_eq!(graded_own_self_harm(&engine, None, "years ago i wanted to kill myself"), 0.0);
/// # Ok(()) }
/// ```
pub fn graded_own_self_harm(
    engine: &crate::text::TextEngine,
    model: Option<&TextModel>,
    text: &str,
) -> f32 {
    use crate::text::person::{read_person, Person};
    let (whole, peer) = graded_piece(engine, model, text);
    if model.is_none() || peer || read_person(text) != Person::Writer {
        return whole;
    }
    let pieces = pieces(text);
    if pieces.len() < 2 {
        return whole;
    }
    pieces
        .into_iter()
        .map(|p| graded_piece(engine, model, p).0)
        .fold(whole, f32::max)
}

/// One piece's graded own score, and whether the piece has a third-person or help-seeking cue.
fn graded_piece(
    engine: &crate::text::TextEngine,
    model: Option<&TextModel>,
    text: &str,
) -> (f32, bool) {
    use crate::text::person::{own_reading, Person};
    let analysis = engine.analyze(text);
    let (_, peer, _) = context_cue(&analysis);
    let scores = model.map(|m| m.classify(text));
    let signals = fuse(&analysis, scores.as_ref(), model);
    if signals.own_self_harm_score == 0.0 {
        return (0.0, peer);
    }
    let score = match own_reading(text, &analysis, &signals) {
        Person::Past | Person::Other => 0.0,
        Person::Writer => signals.own_self_harm_score,
    };
    (score, peer)
}

/// The sentences of `text`, long ones cut into overlapping runs of [`GRADED_PIECE_WORDS`]
/// words; at most [`MAX_GRADED_PIECES`].
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for sentence in text
        .split_inclusive(['.', '!', '?', '\n', ';'])
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
    {
        let starts: Vec<usize> = sentence
            .split_whitespace()
            .map(|w| w.as_ptr() as usize - sentence.as_ptr() as usize)
            .collect();
        if starts.len() <= GRADED_PIECE_WORDS {
            out.push(sentence);
        } else {
            let step = GRADED_PIECE_WORDS / 2;
            for (k, &start) in starts.iter().enumerate().step_by(step) {
                let end = starts
                    .get(k + GRADED_PIECE_WORDS)
                    .copied()
                    .unwrap_or(sentence.len());
                out.extend(sentence.get(start..end));
                if k + GRADED_PIECE_WORDS >= starts.len() {
                    break;
                }
            }
        }
        if out.len() >= MAX_GRADED_PIECES {
            out.truncate(MAX_GRADED_PIECES);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::censors_a_word;

    #[test]
    fn censoring_is_a_symbol_or_digit_inside_a_word_not_punctuation_or_a_count() {
        for censored in [
            "k*ll myself",
            "s**cide note",
            "$uicidal",
            "k1ll myself",
            "@ss",
        ] {
            assert!(censors_a_word(censored), "{censored}");
        }
        for plain in [
            "kill myself!",
            "take 2 pills",
            "at 3am tonight",
            "kill myself !!",
            "end it",
        ] {
            assert!(!censors_a_word(plain), "{plain}");
        }
    }
}
