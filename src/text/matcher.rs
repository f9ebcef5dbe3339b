//! The compiled matcher: one Aho-Corasick automaton over every normalized pattern segment,
//! safelist phrase and modifier cue, plus the checks done on each raw hit (word boundaries,
//! token gaps, safelist containment, modifier context).

use super::canonical::{
    canonical_message_reusing, canonical_pattern, Vocabulary, MIN_FUZZY_SINGLE,
};
use super::error::LexiconError;
use super::lexicon::{split_gaps, LexiconEntry, LexiconSet, Modifier, ModifierScope};
use super::normalize::{
    canonical_ascii, normalize, normalize_reusing, Leet, NormalizeOptions, Normalized,
};
use super::types::{Boundary, Category, GroomingStage, ModifierKind, SelfHarmLevel};
use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::Path;

thread_local! {
    /// Skeleton buffers kept between messages on each thread (the normalized and the
    /// canonical skeleton of a pass), so [`TextEngine::analyze`] does not allocate them for
    /// every message. Only small ones are kept ([`Normalized::into_spare`]).
    static SPARES: Cell<[Option<Normalized>; 2]> = const { Cell::new([None, None]) };
    /// The hit buffers of [`TextEngine::scan`], kept between messages the same way.
    static SCAN_SPARES: Cell<Option<ScanBuffers>> = const { Cell::new(None) };
}

/// The raw hits of one scan, sorted out by kind. Reused across passes and messages: a scan
/// otherwise allocates and frees several of these for every message.
#[derive(Default)]
struct ScanBuffers {
    seg_hits: Vec<(u32, u8, Hit)>,
    safe: Vec<(Option<u32>, Hit)>,
    cues: Vec<(u32, Hit)>,
    /// The running maxima of [`SafeIndex`].
    max_end: Vec<usize>,
}

impl ScanBuffers {
    /// Most entries per buffer kept for the next message (a hostile message must not pin
    /// its buffers).
    const KEEP: usize = 1024;

    fn into_spare(self) -> Option<ScanBuffers> {
        let small = self.seg_hits.capacity() <= Self::KEEP
            && self.safe.capacity() <= Self::KEEP
            && self.cues.capacity() <= Self::KEEP
            && self.max_end.capacity() <= Self::KEEP;
        small.then_some(self)
    }
}

/// Most matches reported for one message. Beyond this the evidence is saturated anyway, and
/// the cap keeps adversarial inputs (a megabyte of repeated phrases) linear.
pub const MAX_MATCHES_PER_MESSAGE: usize = 256;
/// Most modifier cues considered in one message, for the same reason.
const MAX_CUES_PER_MESSAGE: usize = 1024;
/// At most this many matches of one lexicon entry are reported per message: one repeated
/// phrase cannot crowd every other entry out of the message cap.
pub const MAX_MATCHES_PER_ENTRY: usize = 32;
/// Bytes of normalized text allowed per word of a token gap or modifier window (plus one
/// word's worth): bounds the work per candidate on hostile input; real words are far shorter.
const MAX_WORD_BYTES: usize = 64;

/// The longest gap, in bytes, worth counting words in for a window of `words` words.
fn gap_limit(words: u8) -> usize {
    (usize::from(words) + 1) * MAX_WORD_BYTES
}

/// Weight multiplier applied to a self-harm match read as hyperbole.
pub const HYPERBOLE_FACTOR: f32 = 0.25;

/// Words that end a third-person context ("she told me I want to die").
const FIRST_PERSON: [&str; 9] = ["i", "im", "ive", "id", "il", "me", "my", "myself", "mine"];

/// The first-person words that end a negation, third-person or discussion cue's reach in Spanish
/// and Portuguese. Not the clitic "me": it sits inside the negated verb phrase ("no me quiero
/// morir", "não me quero matar"), where English puts no word; the subject pronoun or a
/// possessive starts a new clause about the writer ("no sé, yo quiero morir").
const FIRST_PERSON_ES_PT: [&str; 8] = ["yo", "eu", "mi", "mis", "meu", "minha", "meus", "minhas"];

/// One lexicon hit in a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextMatch {
    /// The lexicon entry id.
    pub lexicon_id: String,
    /// Category of the entry.
    pub category: Category,
    /// Grooming stage, if any.
    pub stage: Option<GroomingStage>,
    /// Self-harm level, if any.
    pub level: Option<SelfHarmLevel>,
    /// The entry's weight.
    pub weight: f32,
    /// Weight after modifiers (0 when negated).
    pub effective_weight: f32,
    /// Byte offset of the match start in the ORIGINAL text.
    pub start: usize,
    /// Byte offset of the match end (exclusive) in the ORIGINAL text.
    pub end: usize,
    /// The original text of the span.
    pub matched: String,
    /// Context modifiers that applied (self-harm matches only).
    pub modifiers: Vec<ModifierKind>,
    /// Language of the entry.
    pub language: String,
}

impl TextMatch {
    /// True if the match was negated (it carries no evidence).
    pub fn is_negated(&self) -> bool {
        self.modifiers.contains(&ModifierKind::Negation)
    }
}

/// Everything the engine found in one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageAnalysis {
    /// Matches, ordered by start offset.
    pub matches: Vec<TextMatch>,
    /// Modifier kinds present anywhere in the message.
    pub message_modifiers: Vec<ModifierKind>,
}

impl MessageAnalysis {
    /// True if nothing matched.
    pub fn is_empty(&self) -> bool {
        self.matches.is_empty()
    }

    /// Matches of one category.
    pub fn by_category(&self, category: Category) -> impl Iterator<Item = &TextMatch> {
        self.matches.iter().filter(move |m| m.category == category)
    }

    /// The highest self-harm level among first-person, non-negated, non-hyperbolic matches.
    pub fn self_harm_level(&self) -> Option<SelfHarmLevel> {
        self.own_self_harm_matches().filter_map(|m| m.level).max()
    }

    /// The self-harm matches that read as the writer's own: not negated, hyperbolic, third
    /// person or discussion (the matches [`Self::self_harm_level`] is the highest level of).
    pub fn own_self_harm_matches(&self) -> impl Iterator<Item = &TextMatch> {
        self.by_category(Category::SelfHarm).filter(|m| {
            !m.modifiers.iter().any(|k| {
                matches!(
                    k,
                    ModifierKind::Negation
                        | ModifierKind::Hyperbole
                        | ModifierKind::ThirdPerson
                        | ModifierKind::Discussion
                )
            })
        })
    }

    /// The highest self-harm level among third-person (a friend, a sibling), non-negated,
    /// non-hyperbolic matches: a peer in crisis, not the writer.
    pub fn peer_self_harm_level(&self) -> Option<SelfHarmLevel> {
        self.by_category(Category::SelfHarm)
            .filter(|m| {
                m.modifiers.contains(&ModifierKind::ThirdPerson)
                    && !m.modifiers.iter().any(|k| {
                        matches!(
                            k,
                            ModifierKind::Negation
                                | ModifierKind::Hyperbole
                                | ModifierKind::Discussion
                        )
                    })
            })
            .filter_map(|m| m.level)
            .max()
    }

    /// True if the message asks for help ("how do i help someone who is suicidal", "i need
    /// help"): route to support. Combined with [`Self::self_harm_level`] being `None`, the
    /// writer asks on someone else's behalf and their own level must not be set.
    pub fn help_seeking(&self) -> bool {
        self.message_modifiers.contains(&ModifierKind::HelpSeeking)
    }

    /// True if support resources should be offered for this message: a non-negated
    /// self-harm match that is neither hyperbole nor a discussion of the topic (first or
    /// third person), or any non-negated self-harm match in a message with a help-seeking
    /// cue.
    pub fn support_suggested(&self) -> bool {
        self.by_category(Category::SelfHarm).any(|m| {
            !m.is_negated()
                && ((!m.modifiers.contains(&ModifierKind::Hyperbole)
                    && !m.modifiers.contains(&ModifierKind::Discussion))
                    || m.modifiers.contains(&ModifierKind::HelpSeeking))
        })
    }
}

/// A lexicon example or counter-example that did not behave as declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleFailure {
    /// The entry the example belongs to.
    pub lexicon_id: String,
    /// The example text.
    pub text: String,
    /// True for `examples` (should match), false for `counter_examples`.
    pub expected_match: bool,
    /// Entry ids that did match.
    pub found: Vec<String>,
}

/// What a pattern in the automaton stands for.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// Segment `seg` of compiled pattern `pattern`.
    Segment { pattern: u32, seg: u8 },
    /// A safelist phrase; `entry` is `Some` for an entry's own exceptions.
    Safe { entry: Option<u32> },
    /// A cue of modifier `modifier`.
    Cue { modifier: u32 },
}

#[derive(Debug, Clone)]
struct CompiledPattern {
    entry: u32,
    segments: u8,
}

/// Compiled lexicons: normalizer + automaton. Immutable, `Send + Sync`, cheap to share in an
/// `Arc`. Build it once per lexicon set.
#[derive(Debug, Clone)]
pub struct TextEngine {
    entries: Vec<LexiconEntry>,
    modifiers: Vec<Modifier>,
    patterns: Vec<CompiledPattern>,
    targets: Vec<Vec<Target>>,
    vocabulary: Vocabulary,
    automaton: AhoCorasick,
}

/// How a compiled key is used, for the vocabulary of the canonical rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyUse {
    /// A segment of an entry's pattern: its words may be misspelling targets.
    Segment,
    /// The compact (space-free) form of a phrase: kept whole, never split.
    Compact,
    /// A cue, safelist phrase or exception: its words are vocabulary, not targets.
    Other,
}

/// The automaton's keys while compiling: canonical normalized phrases and what they stand for.
#[derive(Default)]
struct Keys {
    index: HashMap<String, usize>,
    strings: Vec<String>,
    targets: Vec<Vec<Target>>,
    uses: Vec<KeyUse>,
}

impl Keys {
    /// Adds a phrase (normalized and canonicalized like message text).
    fn add(&mut self, phrase: &str, target: Target, used: KeyUse) {
        let n = normalize(phrase, NormalizeOptions::default());
        let c = canonical_pattern(&n);
        let key = c
            .as_ref()
            .unwrap_or(&n)
            .as_str()
            .trim_matches(|c: char| c == ' ' || c == '.')
            .to_string();
        if key.is_empty() {
            return;
        }
        let idx = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.index.insert(key.clone(), self.strings.len());
                self.strings.push(key);
                self.targets.push(Vec::new());
                self.uses.push(used);
                self.strings.len() - 1
            }
        };
        if let Some(t) = self.targets.get_mut(idx) {
            t.push(target);
        }
        if let Some(u) = self.uses.get_mut(idx) {
            if used == KeyUse::Segment {
                *u = KeyUse::Segment;
            }
        }
    }

    /// The vocabulary of every key: all words; misspelling targets from pattern segments
    /// (words of 5+ letters in multi-word segments, single-word segments of 7+ letters).
    fn vocabulary(&self) -> Vocabulary {
        let mut all = Vec::new();
        let mut fuzzy = Vec::new();
        let mut compact = Vec::new();
        for (k, u) in self.strings.iter().zip(&self.uses) {
            let ws: Vec<&str> = k.split([' ', '.']).filter(|w| !w.is_empty()).collect();
            match u {
                KeyUse::Compact => compact.push(k.as_str()),
                KeyUse::Segment if ws.len() > 1 => fuzzy.extend(ws.iter().copied()),
                KeyUse::Segment => {
                    fuzzy.extend(ws.iter().copied().filter(|w| w.len() >= MIN_FUZZY_SINGLE))
                }
                KeyUse::Other => {}
            }
            all.extend(ws);
        }
        Vocabulary::new(all, fuzzy, compact)
    }
}

/// Compiles one pattern of entry `entry` (and its compact form).
fn add_pattern(
    keys: &mut Keys,
    patterns: &mut Vec<CompiledPattern>,
    entry: u32,
    p: &str,
) -> Result<(), LexiconError> {
    let pattern = u32::try_from(patterns.len()).map_err(|_| too_many())?;
    let segs = split_gaps(p);
    let segments = u8::try_from(segs.len()).map_err(|_| too_many())?;
    for (si, s) in segs.iter().enumerate() {
        let seg = u8::try_from(si).map_err(|_| too_many())?;
        keys.add(s, Target::Segment { pattern, seg }, KeyUse::Segment);
    }
    patterns.push(CompiledPattern { entry, segments });
    // Compact form of a multi-word phrase ("kill myself" → "killmyself"): catches hashtags
    // (#sendnudes) and fully spaced-out text ("k i l l m y s e l f", which the joining pass
    // turns into one word). Short forms are skipped: they could collide with ordinary words.
    if segments == 1 && p.split_whitespace().nth(1).is_some() {
        let compact: String = p.split_whitespace().collect();
        if compact_len(&compact) >= MIN_COMPACT_LEN {
            let pattern = u32::try_from(patterns.len()).map_err(|_| too_many())?;
            keys.add(
                &compact,
                Target::Segment { pattern, seg: 0 },
                KeyUse::Compact,
            );
            patterns.push(CompiledPattern { entry, segments: 1 });
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
}

impl TextEngine {
    /// The embedded English lexicons.
    pub fn default_english() -> Result<Self, LexiconError> {
        Self::compile(&LexiconSet::english()?)
    }

    /// Every embedded lexicon (English, Spanish, Portuguese), as the scanner uses them.
    pub fn default_embedded() -> Result<Self, LexiconError> {
        Self::compile(&LexiconSet::embedded()?)
    }

    /// Only the given lexicon files (no embedded English).
    pub fn from_lexicon_files<P: AsRef<Path>>(paths: &[P]) -> Result<Self, LexiconError> {
        let mut set = LexiconSet::new();
        for p in paths {
            set.add_file(p)?;
        }
        Self::compile(&set)
    }

    /// Only the given lexicon document (no embedded English).
    pub fn with_lexicon_toml(toml: &str) -> Result<Self, LexiconError> {
        let mut set = LexiconSet::new();
        set.add_toml("<inline>", toml)?;
        Self::compile(&set)
    }

    /// Compiles a lexicon set.
    pub fn compile(set: &LexiconSet) -> Result<Self, LexiconError> {
        let mut keys = Keys::default();
        let mut patterns = Vec::new();
        for (ei, e) in set.entries.iter().enumerate() {
            let entry = u32::try_from(ei).map_err(|_| too_many())?;
            for p in &e.patterns {
                add_pattern(&mut keys, &mut patterns, entry, p)?;
            }
            for x in &e.exceptions {
                keys.add(x, Target::Safe { entry: Some(entry) }, KeyUse::Other);
            }
        }
        for s in &set.safelist {
            keys.add(s, Target::Safe { entry: None }, KeyUse::Other);
        }
        for (mi, m) in set.modifiers.iter().enumerate() {
            let modifier = u32::try_from(mi).map_err(|_| too_many())?;
            for p in &m.patterns {
                keys.add(p, Target::Cue { modifier }, KeyUse::Other);
            }
        }
        // The default (contiguous NFA for this size) is nearly as fast as a full DFA here and
        // several times smaller (see `automaton_bytes`, reported by `preflight lexicon lint`).
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&keys.strings)
            .map_err(|e| LexiconError::Build {
                message: e.to_string(),
                cause: Some(Box::new(e)),
            })?;
        Ok(TextEngine {
            entries: set.entries.clone(),
            modifiers: set.modifiers.clone(),
            patterns,
            vocabulary: keys.vocabulary(),
            targets: keys.targets,
            automaton,
        })
    }

    /// Heap bytes used by the compiled automaton.
    pub fn automaton_bytes(&self) -> usize {
        self.automaton.memory_usage()
    }

    /// The compiled entries.
    pub fn entries(&self) -> &[LexiconEntry] {
        &self.entries
    }

    /// The compiled modifiers.
    pub fn modifiers(&self) -> &[Modifier] {
        &self.modifiers
    }

    /// Runs every entry's `examples` (must match that entry) and `counter_examples` (must not)
    /// and returns the ones that misbehave. An empty result means the lexicons pass.
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for e in &self.entries {
            let cases = e
                .examples
                .iter()
                .map(|t| (t, true))
                .chain(e.counter_examples.iter().map(|t| (t, false)));
            for (text, expected_match) in cases {
                let found: Vec<String> = self
                    .analyze(text)
                    .matches
                    .into_iter()
                    .map(|m| m.lexicon_id)
                    .collect();
                if found.contains(&e.id) != expected_match {
                    failures.push(ExampleFailure {
                        lexicon_id: e.id.clone(),
                        text: text.clone(),
                        expected_match,
                        found,
                    });
                }
            }
        }
        failures
    }

    /// Finds every lexicon match in `text`, with spans into `text` and modifiers applied.
    ///
    /// Runs one normalization pass, plus a spacing-joined pass if the text has a run of
    /// single letters and an `l`-reading pass if it has an ambiguous `1`/`!`/`|`.
    pub fn analyze(&self, text: &str) -> MessageAnalysis {
        let mut out = MessageAnalysis::default();
        let [mut spare, mut canonical] = SPARES.try_with(Cell::take).unwrap_or_default();
        let mut bufs = SCAN_SPARES
            .try_with(Cell::take)
            .ok()
            .flatten()
            .unwrap_or_default();
        let (first_spare, spaced, ambiguous_leet) = self.pass(
            text,
            Leet::OneAsI,
            spare,
            &mut out,
            &mut canonical,
            &mut bufs,
        );
        spare = first_spare;
        if spaced {
            let joined = normalize(
                text,
                NormalizeOptions {
                    join_spaced: true,
                    leet: Leet::OneAsI,
                },
            );
            self.scan_canonical(text, &joined, &mut out, &mut canonical, &mut bufs);
        }
        if ambiguous_leet {
            (spare, _, _) = self.pass(
                text,
                Leet::OneAsL,
                spare,
                &mut out,
                &mut canonical,
                &mut bufs,
            );
        }
        // A thread being torn down just allocates next time.
        let _ = SPARES.try_with(|s| s.set([spare, canonical]));
        let _ = SCAN_SPARES.try_with(|s| s.set(bufs.into_spare()));
        out.matches.sort_by_key(|m| (m.start, m.end));
        carry_third_person(text, &mut out.matches);
        out
    }

    /// One non-joining pass with `leet`: normalizes `text` (into `spare`'s buffers), scans
    /// its canonical form and hands the buffers back, with the pass's
    /// [`Normalized::has_spaced_run`] and [`Normalized::has_ambiguous_leet`]. Plain ASCII
    /// messages are normalized and rewritten in one walk ([`canonical_ascii`]).
    fn pass(
        &self,
        text: &str,
        leet: Leet,
        spare: Option<Normalized>,
        out: &mut MessageAnalysis,
        canonical: &mut Option<Normalized>,
        bufs: &mut ScanBuffers,
    ) -> (Option<Normalized>, bool, bool) {
        let n = match canonical_ascii(text, leet, &self.vocabulary, spare) {
            Ok(fast) => {
                self.scan(text, &fast, out, bufs);
                fast
            }
            Err(spare) => {
                let options = NormalizeOptions {
                    join_spaced: false,
                    leet,
                };
                let n = normalize_reusing(text, options, spare);
                self.scan_canonical(text, &n, out, canonical, bufs);
                n
            }
        };
        let flags = (n.has_spaced_run(), n.has_ambiguous_leet());
        // One pass alive at a time: a pass costs about 20 bytes per input byte.
        (n.into_spare(), flags.0, flags.1)
    }

    /// Scans the canonical form of a normalized pass (see [`super::canonical`]), built in
    /// `spare`'s buffers, which it hands back afterwards.
    fn scan_canonical(
        &self,
        original: &str,
        n: &Normalized,
        out: &mut MessageAnalysis,
        spare: &mut Option<Normalized>,
        bufs: &mut ScanBuffers,
    ) {
        match canonical_message_reusing(original, n, &self.vocabulary, spare) {
            Some(c) => {
                self.scan(original, &c, out, bufs);
                *spare = c.into_spare();
            }
            None => self.scan(original, n, out, bufs),
        }
    }

    fn scan(
        &self,
        original: &str,
        n: &Normalized,
        out: &mut MessageAnalysis,
        bufs: &mut ScanBuffers,
    ) {
        let text = n.as_str();
        let ScanBuffers {
            seg_hits,
            safe,
            cues,
            max_end,
        } = bufs;
        seg_hits.clear();
        safe.clear();
        cues.clear();
        for m in self.automaton.find_overlapping_iter(text) {
            let hit = Hit {
                start: m.start(),
                end: m.end(),
            };
            let Some(ts) = self.targets.get(m.pattern().as_usize()) else {
                continue;
            };
            for &t in ts {
                match t {
                    Target::Segment { pattern, seg } => {
                        let Some(cp) = self.patterns.get(pattern as usize) else {
                            continue;
                        };
                        let Some(e) = self.entries.get(cp.entry as usize) else {
                            continue;
                        };
                        let first = seg == 0;
                        let last = seg + 1 == cp.segments;
                        let need_left =
                            !first || matches!(e.boundary, Boundary::Word | Boundary::Start);
                        let need_right =
                            !last || matches!(e.boundary, Boundary::Word | Boundary::End);
                        if (!need_left || left_boundary(text, hit.start))
                            && (!need_right || right_boundary(text, hit.end))
                        {
                            seg_hits.push((pattern, seg, hit));
                        }
                    }
                    Target::Safe { entry } => safe.push((entry, hit)),
                    Target::Cue { modifier } => {
                        if cues.len() < MAX_CUES_PER_MESSAGE
                            && left_boundary(text, hit.start)
                            && right_boundary(text, hit.end)
                        {
                            cues.push((modifier, hit));
                        }
                    }
                }
            }
        }
        for &(modifier, _) in cues.iter() {
            if let Some(m) = self.modifiers.get(modifier as usize) {
                if m.scope == ModifierScope::Message && !out.message_modifiers.contains(&m.kind) {
                    out.message_modifiers.push(m.kind);
                }
            }
        }
        if seg_hits.is_empty() {
            return;
        }
        let safe = SafeIndex::new(safe, max_end);
        seg_hits.sort_by_key(|&(p, s, h)| (p, s, h.start));
        let mut i = 0;
        while let Some(&(pattern, _, _)) = seg_hits.get(i) {
            let group_end = seg_hits
                .get(i..)
                .and_then(|r| r.iter().position(|x| x.0 != pattern))
                .map_or(seg_hits.len(), |p| i + p);
            let group = seg_hits.get(i..group_end).unwrap_or(&[]);
            i = group_end;
            let Some(cp) = self.patterns.get(pattern as usize) else {
                continue;
            };
            let Some(entry) = self.entries.get(cp.entry as usize) else {
                continue;
            };
            for &(_, _, h0) in group.iter().filter(|x| x.1 == 0) {
                let Some(end) = chain(text, group, h0, cp.segments, entry.max_gap) else {
                    continue;
                };
                let span = Hit {
                    start: h0.start,
                    end,
                };
                if safe.covers(None, span) || safe.covers(Some(cp.entry), span) {
                    continue;
                }
                self.emit(original, n, entry, span, cues, out);
            }
        }
    }

    /// The context modifiers that apply to a self-harm match at `span` of the skeleton.
    fn modifiers_for(
        &self,
        text: &str,
        entry: &LexiconEntry,
        span: Hit,
        cues: &[(u32, Hit)],
    ) -> Vec<ModifierKind> {
        let mut kinds = Vec::new();
        for &(mi, cue) in cues {
            let Some(m) = self.modifiers.get(mi as usize) else {
                continue;
            };
            if !modifier_reads(&m.language, m.kind, &entry.language) || kinds.contains(&m.kind) {
                continue;
            }
            // A first-person word between the cue and the match makes the match about the
            // writer again: "she said I want to die", "not gonna lie i want to die".
            let guarded = matches!(
                m.kind,
                ModifierKind::ThirdPerson | ModifierKind::Negation | ModifierKind::Discussion
            );
            let in_window = |gap: &str| {
                gap.len() <= gap_limit(m.window)
                    && words_between(gap).is_some_and(|w| w <= usize::from(m.window))
                    && !(guarded && has_first_person_in(gap, &entry.language))
                    && !(m.kind == ModifierKind::Negation && turns_negation_round(gap))
            };
            let applies = match m.scope {
                ModifierScope::Message => true,
                ModifierScope::Overlap => cue.start < span.end && span.start < cue.end,
                ModifierScope::Before => {
                    cue.end <= span.start && text.get(cue.end..span.start).is_some_and(in_window)
                }
                ModifierScope::After => {
                    span.end <= cue.start && text.get(span.end..cue.start).is_some_and(in_window)
                }
                ModifierScope::Sentence => {
                    let (a, b) = if cue.end <= span.start {
                        (cue.end, span.start)
                    } else {
                        (span.end, cue.start)
                    };
                    a > b || text.get(a..b).is_some_and(|g| !g.contains('.'))
                }
            };
            let applies = applies
                && (m.kind != ModifierKind::Discussion
                    || !first_person_near(text, span, discussion_reach(entry)));
            if applies {
                kinds.push(m.kind);
            }
        }
        kinds
    }

    fn emit(
        &self,
        original: &str,
        n: &Normalized,
        entry: &LexiconEntry,
        span: Hit,
        cues: &[(u32, Hit)],
        out: &mut MessageAnalysis,
    ) {
        if out.matches.len() >= MAX_MATCHES_PER_MESSAGE {
            return;
        }
        let Some(orig) = n.original_span(span.start..span.end) else {
            return;
        };
        // One match per entry and stretch of text: the longer span wins, since its own words
        // may say whose it is ("i swallowed everything in the medicine cabinet" over
        // "swallowed everything in the medicine").
        let inside = |m: &TextMatch| orig.start <= m.start && m.end <= orig.end;
        let mut same_entry = 0usize;
        let mut contains_one = false;
        for m in out.matches.iter().filter(|m| m.lexicon_id == entry.id) {
            if m.start < orig.end && orig.start < m.end {
                if inside(m) && orig.len() > m.end - m.start {
                    contains_one = true;
                    continue;
                }
                return;
            }
            same_entry += 1;
        }
        if contains_one {
            out.matches
                .retain(|m| m.lexicon_id != entry.id || !inside(m));
        }
        if same_entry >= MAX_MATCHES_PER_ENTRY {
            return;
        }
        let modifiers = if entry.category == Category::SelfHarm {
            self.modifiers_for(n.as_str(), entry, span, cues)
        } else {
            Vec::new()
        };
        let mut effective_weight = entry.weight;
        if modifiers.contains(&ModifierKind::Negation) {
            effective_weight = 0.0;
        } else if modifiers.contains(&ModifierKind::Hyperbole)
            || modifiers.contains(&ModifierKind::Discussion)
        {
            effective_weight *= HYPERBOLE_FACTOR;
        }
        out.matches.push(TextMatch {
            lexicon_id: entry.id.clone(),
            category: entry.category,
            stage: entry.stage.or(match entry.category {
                Category::Sexual => Some(GroomingStage::SexualContent),
                _ => None,
            }),
            level: entry.level,
            weight: entry.weight,
            effective_weight,
            start: orig.start,
            end: orig.end,
            matched: original.get(orig.clone()).unwrap_or("").to_string(),
            modifiers,
            language: entry.language.clone(),
        });
    }
}

/// "like she wants to die and she's tired of living": a self-harm match that follows a
/// third-person one, with no first-person word in between, is about the same person.
fn carry_third_person(original: &str, matches: &mut [TextMatch]) {
    let mut last_third: Option<usize> = None;
    for m in matches
        .iter_mut()
        .filter(|m| m.category == Category::SelfHarm)
    {
        if m.modifiers.contains(&ModifierKind::ThirdPerson) {
            last_third = Some(m.end);
            continue;
        }
        let Some(end) = last_third else { continue };
        let gap = original.get(end.min(m.start)..m.start).unwrap_or("");
        let gap = normalize(gap, NormalizeOptions::default());
        if has_first_person(gap.as_str()) {
            last_third = None;
        } else {
            m.modifiers.push(ModifierKind::ThirdPerson);
            last_third = Some(m.end);
        }
    }
}

/// Shortest compact (space-free) form of a phrase that is also matched.
const MIN_COMPACT_LEN: usize = 7;

fn compact_len(s: &str) -> usize {
    normalize(s, NormalizeOptions::default())
        .as_str()
        .chars()
        .count()
}

fn too_many() -> LexiconError {
    LexiconError::Build {
        message: "too many lexicon patterns or segments".into(),
        cause: None,
    }
}

/// Follows a token-gap pattern from its first segment hit; returns the end of the last segment.
/// `group` holds one pattern's hits sorted by (segment, start), so each step is a binary
/// search.
fn chain(
    text: &str,
    group: &[(u32, u8, Hit)],
    first: Hit,
    segments: u8,
    max_gap: u8,
) -> Option<usize> {
    let mut end = first.end;
    for seg in 1..segments {
        let lo = group.partition_point(|x| x.1 < seg);
        let hi = group.partition_point(|x| x.1 <= seg);
        let hits = group.get(lo..hi)?;
        // The first hit after `end` is the nearest: if it is too far (or across a sentence
        // end), every later one is too.
        let next = hits.get(hits.partition_point(|x| x.2.start <= end))?;
        if next.2.start.saturating_sub(end) > gap_limit(max_gap) {
            return None;
        }
        let words = text.get(end..next.2.start).and_then(words_between)?;
        if words > usize::from(max_gap) {
            return None;
        }
        end = next.2.end;
    }
    Some(end)
}

/// Safelist and exception spans, indexed for "is this span inside one of them" queries.
struct SafeIndex<'a> {
    /// Sorted by (owner, start); `None` (global safelist) first.
    spans: &'a [(Option<u32>, Hit)],
    /// Running maximum of `end` within each owner group.
    max_end: &'a [usize],
}

impl<'a> SafeIndex<'a> {
    /// Sorts `spans` and computes the running maxima into `max_end` (cleared first).
    fn new(spans: &'a mut [(Option<u32>, Hit)], max_end: &'a mut Vec<usize>) -> Self {
        spans.sort_by_key(|&(owner, h)| (owner, h.start));
        max_end.clear();
        let mut prev: Option<(Option<u32>, usize)> = None;
        for &(owner, h) in spans.iter() {
            let m = match prev {
                Some((o, m)) if o == owner => m.max(h.end),
                _ => h.end,
            };
            max_end.push(m);
            prev = Some((owner, m));
        }
        Self { spans, max_end }
    }

    /// True if a span of `owner`'s group contains `span`.
    fn covers(&self, owner: Option<u32>, span: Hit) -> bool {
        let lo = self.spans.partition_point(|x| x.0 < owner);
        let group_hi = self.spans.partition_point(|x| x.0 <= owner);
        let Some(group) = self.spans.get(lo..group_hi) else {
            return false;
        };
        let k = group.partition_point(|x| x.1.start <= span.start);
        k > 0 && self.max_end.get(lo + k - 1).is_some_and(|&m| m >= span.end)
    }
}

/// Verbs that, right after a negation, make it say the opposite: "i can't stop thinking about
/// killing myself", "i can't help wanting to die" tell of thoughts that persist.
const PERSISTENCE_VERBS: [&str; 4] = ["stop", "quit", "help", "stopping"];

/// True if the words between a negation cue and a match start with a [`PERSISTENCE_VERBS`]
/// verb: the negation is of the stopping, not of the act.
fn turns_negation_round(gap: &str) -> bool {
    gap.split(' ')
        .find(|w| !w.is_empty())
        .is_some_and(|w| PERSISTENCE_VERBS.contains(&w))
}

/// True if a stretch of skeleton holds an English first-person word.
fn has_first_person(gap: &str) -> bool {
    has_first_person_in(gap, "en")
}

/// True if a context modifier of `modifier_language` applies to a match of `match_language`: its
/// own language; Spanish and Portuguese to each other, since they share the words that match
/// ("suicidio" is a Portuguese entry and a Spanish word); and a discussion cue in any language,
/// since a school essay or a news story is one whatever language named it ("un trabajo sobre el
/// suicidio").
fn modifier_reads(modifier_language: &str, kind: ModifierKind, match_language: &str) -> bool {
    let romance = |l: &str| matches!(l, "es" | "pt");
    modifier_language == match_language
        || kind == ModifierKind::Discussion
        || (romance(modifier_language) && romance(match_language))
}

/// True if a stretch of skeleton holds a first-person word of `language`: [`FIRST_PERSON`], or
/// [`FIRST_PERSON_ES_PT`] for Spanish and Portuguese.
fn has_first_person_in(gap: &str, language: &str) -> bool {
    let words: &[&str] = match language {
        "es" | "pt" => &FIRST_PERSON_ES_PT,
        _ => &FIRST_PERSON,
    };
    gap.split([' ', '.']).any(|w| words.contains(&w))
}

/// How many words before a match [`first_person_near`] reads: three, or
/// [`FIRST_PERSON_REACH_ACTS`] for a method, plan or intent. Looking up a method is not a topic
/// the writer discusses: "i've been researching how many pills it takes" names the writer five
/// words before the method, where "i think the essay on suicide rates" is about school.
fn discussion_reach(entry: &LexiconEntry) -> usize {
    match entry.level {
        Some(SelfHarmLevel::Method | SelfHarmLevel::Plan | SelfHarmLevel::Intent) => {
            FIRST_PERSON_REACH_ACTS
        }
        _ => 3,
    }
}

/// Words before a method, plan or intent match in which a first-person word keeps a topic cue
/// from making it a discussion ([`discussion_reach`]).
const FIRST_PERSON_REACH_ACTS: usize = 8;

/// True if the match itself, or one of the `reach` words before it in its sentence, is first
/// person ("i feel suicidal", "end my life"): then a topic cue does not make it a discussion.
fn first_person_near(text: &str, span: Hit, reach: usize) -> bool {
    if text.get(span.start..span.end).is_some_and(has_first_person) {
        return true;
    }
    let before = text.get(..span.start).unwrap_or("");
    let sentence = before.rsplit('.').next().unwrap_or("");
    sentence
        .split(' ')
        .filter(|w| !w.is_empty())
        .rev()
        .take(reach)
        .any(|w| FIRST_PERSON.contains(&w))
}

/// Number of words in a gap of normalized text, or `None` if the gap crosses a sentence end.
fn words_between(gap: &str) -> Option<usize> {
    if gap.contains('.') {
        return None;
    }
    Some(gap.split(' ').filter(|w| !w.is_empty()).count())
}

fn left_boundary(text: &str, at: usize) -> bool {
    text.get(..at)
        .and_then(|s| s.chars().next_back())
        .is_none_or(|c| !c.is_alphanumeric())
}

fn right_boundary(text: &str, at: usize) -> bool {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .is_none_or(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the ASCII fast path on `t` (in `spare`'s buffers, as scans do) and, if it takes
    /// it, asserts it equals the general path. Returns whether it took it.
    fn fast_equals_general(
        t: &str,
        leet: Leet,
        vocab: &Vocabulary,
        spare: &mut Option<Normalized>,
    ) -> bool {
        let fast = match canonical_ascii(t, leet, vocab, spare.take()) {
            Ok(f) => f,
            Err(s) => {
                *spare = s;
                return false;
            }
        };
        let opts = NormalizeOptions {
            join_spaced: false,
            leet,
        };
        let base = normalize_reusing(t, opts, None);
        let general = canonical_message_reusing(t, &base, vocab, &mut None);
        let general = general.as_ref().unwrap_or(&base);
        assert_eq!(fast.as_str(), general.as_str(), "{t:?} {leet:?}");
        assert_eq!(fast.spans(), general.spans(), "{t:?} {leet:?}: spans");
        assert_eq!(
            (fast.has_spaced_run(), fast.has_ambiguous_leet()),
            (base.has_spaced_run(), base.has_ambiguous_leet()),
            "{t:?} {leet:?}: flags"
        );
        *spare = fast.into_spare();
        true
    }

    /// Pieces of the generated messages of [`ascii_fast_path_equals_general_path`].
    const ASCII_PIECES: &[&str] = &[
        "kill",
        "KILL",
        "myself",
        "killing",
        "wanted",
        "parets",
        "delte",
        "this",
        "chat",
        "u",
        "r",
        "ur",
        "rn",
        "pls",
        "im",
        "dont",
        "don't",
        "i'll",
        "it's",
        "4",
        "2",
        "n",
        "send",
        "pic",
        "pics",
        "iwanttokillmyself",
        "deletethischat",
        "homework",
        "the",
        "k1ll",
        "ki11",
        "sch00l",
        "wh3re",
        "l1ve",
        "5ex",
        "b00bs",
        "13",
        "100",
        "x-4",
        "kiiiilll",
        "soooo",
        "mature",
        "age",
        "parents",
        "tell",
        "snap",
        "k",
        "i",
        "l",
        "a",
        "z",
        " ",
        " ",
        " ",
        "  ",
        ". ",
        ", ",
        "! ",
        "!",
        "?",
        "...",
        ";",
        ":",
        "-",
        "'",
        "`",
        "''",
        "\n",
        "\r\n",
        "\t",
        "\x0b",
        "\x0c",
        "\x01",
        "\x7f",
        "(",
        ")",
        "\"",
        "/",
        "~",
        "=",
        "|",
        "+",
        "@",
        "$",
        "he!!o",
        "a|b",
        "1+1",
        "@me",
        "$5",
        "me@",
        "5$",
        "wow!!",
        "o'",
        "'o",
        "1'2",
        "a'1",
        "k i l l",
        "k.i.l.l",
        "r u",
    ];

    /// The ASCII fast path ([`canonical_ascii`]) writes exactly what the general path
    /// (normalize, then the canonical rewrites) writes: skeleton, offset map and flags, over
    /// generated messages full of rewrites (abbreviations, inflections, misspellings,
    /// space-less runs), leetspeak, apostrophes and every ASCII separator class, with the
    /// embedded lexicons' vocabulary. It must also take most of them.
    #[test]
    fn ascii_fast_path_equals_general_path() {
        let engine = TextEngine::default_english().expect("embedded lexicons compile");
        let vocab = &engine.vocabulary;
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let (mut fast_taken, mut total) = (0, 0);
        let mut spare = None;
        for _ in 0..6000 {
            let mut t = String::new();
            for _ in 0..next() % 14 + 1 {
                t.push_str(ASCII_PIECES[next() % ASCII_PIECES.len()]);
                if next() % 3 == 0 {
                    t.push(' ');
                }
            }
            for leet in [Leet::OneAsI, Leet::OneAsL] {
                total += 1;
                fast_taken += usize::from(fast_equals_general(&t, leet, vocab, &mut spare));
            }
        }
        assert!(
            fast_taken * 2 > total,
            "the fast path took {fast_taken} of {total}"
        );
        // What it declines: non-ASCII, HTML, censor symbols, leet symbols before letters.
        for t in [
            "kíll",
            "k<b>il</b>l",
            "&#107;ill",
            "k*ll",
            "he!lo",
            "@ss",
            "s$x",
            "a|b",
        ] {
            assert!(
                canonical_ascii(t, Leet::OneAsI, vocab, None).is_err(),
                "{t:?}"
            );
        }
    }

    const DOC: &str = r#"
[lexicon]
name = "t"
language = "en"
safelist = ["scunthorpe"]

[[entry]]
id = "sh.kill"
pattern = "kill myself"
category = "self_harm"
level = "ideation"

[[entry]]
id = "g.pic"
pattern = "send * pic"
category = "grooming"
stage = "image_request"
max_gap = 2

[[entry]]
id = "s.c"
pattern = "cunt"
category = "sexual"
boundary = "none"

[[entry]]
id = "g.meet"
pattern = "meet up"
category = "grooming"
stage = "meeting"
exceptions = ["meet up with the team"]

[[modifier]]
id = "neg"
kind = "negation"
scope = "before"
window = 2
patterns = ["never", "not"]
"#;

    fn engine() -> TextEngine {
        TextEngine::with_lexicon_toml(DOC).unwrap()
    }

    #[test]
    fn token_gap_respects_max_gap_and_sentences() {
        let e = engine();
        let a = e.analyze("pls send me a pic");
        assert_eq!(a.matches.len(), 1);
        assert_eq!(a.matches[0].matched, "send me a pic");
        assert!(e.analyze("send me a nice big pic").is_empty());
        assert!(e.analyze("send it. pic later").is_empty());
        assert_eq!(e.analyze("send pic").matches.len(), 1);
    }

    #[test]
    fn safelist_and_exceptions_suppress() {
        let e = engine();
        assert!(e.analyze("I live in Scunthorpe").is_empty());
        assert_eq!(e.analyze("what a cunt").matches.len(), 1);
        assert!(e.analyze("let's meet up with the team").is_empty());
        assert_eq!(e.analyze("let's meet up alone").matches.len(), 1);
    }

    #[test]
    fn negation_window() {
        let e = engine();
        let a = e.analyze("I would never kill myself");
        assert!(a.matches[0].is_negated());
        assert_eq!(a.self_harm_level(), None);
        // "can't stop" negates the stopping: the thoughts persist.
        let e = TextEngine::default_english().unwrap();
        for t in [
            "i cant stop thinking about killing myself",
            "i can't stop wanting to die",
            "i cant help wanting to die",
        ] {
            let a = e.analyze(t);
            assert!(!a.matches[0].is_negated(), "{t}");
            assert!(a.self_harm_level().is_some(), "{t}");
        }
        assert!(e.analyze("i don't want to die").matches[0].is_negated());
        let e = engine();
        let a = e.analyze("not sure. I want to kill myself");
        assert!(!a.matches[0].is_negated());
        assert_eq!(a.self_harm_level(), Some(SelfHarmLevel::Ideation));
    }

    #[test]
    fn looking_up_a_method_in_first_person_is_not_a_discussion() {
        let e = TextEngine::default_english().unwrap();
        for t in [
            "i've been researching how many pills it takes",
            "so ive been doing some research on how many pills it would take",
        ] {
            let a = e.analyze(t);
            assert!(
                a.matches
                    .iter()
                    .all(|m| !m.modifiers.contains(&ModifierKind::Discussion)),
                "{t}: {a:?}"
            );
            assert!(a.self_harm_level().is_some(), "{t}");
        }
        // A topic in first person is still a discussion: the reach is wider for acts only.
        let a = e.analyze("i'm writing an essay on teen suicide rates");
        assert_eq!(a.self_harm_level(), None, "{a:?}");
    }

    #[test]
    fn spanish_and_portuguese_negation_reaches_past_the_clitic() {
        let e = TextEngine::default_embedded().unwrap();
        for t in [
            "no me quiero morir, solo estoy estresada",
            "não quero me matar, só estou cansada",
        ] {
            let a = e.analyze(t);
            assert!(!a.matches.is_empty(), "{t}");
            assert_eq!(a.self_harm_level(), None, "{t}: {a:?}");
        }
        for t in ["me quiero morir", "no sé, yo quiero morir"] {
            assert!(e.analyze(t).self_harm_level().is_some(), "{t}");
        }
    }

    #[test]
    fn a_general_statement_about_suicide_is_a_discussion() {
        let e = TextEngine::default_english().unwrap();
        for t in [
            "Suicide is just never worth it.",
            "suicide is never the answer, talk to someone",
            "suicide is a permanent solution to a temporary problem",
            "statistically women attempt suicide more often",
            "i support assisted suicide for the terminally ill",
        ] {
            assert_eq!(e.analyze(t).self_harm_level(), None, "{t}");
        }
        // The writer's own words next to the cue keep the level.
        for t in [
            "i want to die, suicide is the answer",
            "killing myself is not the answer but i want to",
        ] {
            assert!(e.analyze(t).self_harm_level().is_some(), "{t}");
        }
    }

    #[test]
    fn embedded_english_examples_pass() {
        let e = TextEngine::default_english().unwrap();
        let failures = e.check_examples();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn long_adversarial_messages_stay_bounded() {
        let e = engine();
        let text = "kill myself. scunthorpe send send send pic ".repeat(20_000);
        let a = e.analyze(&text);
        // Two entries match, each capped per message.
        assert_eq!(a.matches.len(), 2 * MAX_MATCHES_PER_ENTRY);
        assert!(a.matches.len() <= MAX_MATCHES_PER_MESSAGE);
        assert!(a.matches.iter().all(|m| m.lexicon_id != "s.c"));
        let a = e.analyze(&"scunthorpe send send send pic ".repeat(30));
        assert_eq!(a.matches.len(), 30, "one match per send...pic group");
        assert!(a.matches.iter().all(|m| m.lexicon_id == "g.pic"));
    }

    #[test]
    fn engine_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<TextEngine>();
    }
}
