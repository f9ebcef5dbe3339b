//! Lexicon files: the TOML format, parsing with line-numbered errors, and validation.
//!
//! # Format
//!
//! ```toml
//! [lexicon]
//! name = "en-grooming"          # required, free text
//! language = "en"               # required, default language of the entries
//! category = "grooming"         # optional default category: grooming | self_harm | sexual
//! description = "..."           # optional
//! # Optional: phrases inside which NO entry of any lexicon fires (the Scunthorpe problem).
//! safelist = ["scunthorpe", "shiitake"]
//!
//! [[entry]]
//! id = "groom.secrecy.dont_tell_parents"   # required, unique across all loaded lexicons
//! patterns = ["don't tell your parents", "dont tell ur mom"]   # or `pattern = "..."`
//! category = "grooming"         # optional if [lexicon].category is set
//! stage = "isolation_secrecy"   # required for grooming; optional for sexual
//! level = "ideation"            # required for self_harm (wish_to_be_dead, ideation, method,
//!                               #   intent, plan, behaviour)
//! weight = 1.5                  # optional, default 1.0, range (0, 5]
//! language = "en"               # optional, defaults to [lexicon].language
//! boundary = "word"             # optional: word (default) | start | end | none
//! max_gap = 3                   # optional: words allowed for each `*` in a pattern (default 3)
//! exceptions = ["kill time"]    # optional: phrases inside which THIS entry never fires
//! examples = ["pls don't tell your parents ok"]   # optional: must match (lexicon test)
//! counter_examples = ["tell your parents I said hi"] # optional: must not match
//!
//! [[modifier]]                  # context cues applied to self-harm matches
//! id = "mod.negation.en"
//! kind = "negation"             # negation | hyperbole | third_person | help_seeking | discussion
//! scope = "before"              # before / after (within `window` words, same sentence) |
//!                               #   overlap | sentence | message
//! window = 3
//! patterns = ["never", "not", "don't"]
//! ```
//!
//! Patterns are normalized exactly like message text (see [`crate::text::normalize`]), so they
//! are written in plain language: case, accents, apostrophes and doubled letters do not matter.
//! A ` * ` between words is a token gap: `send * pic` matches "send me a pic" (up to `max_gap`
//! words, never across a sentence end). Multi-word phrases without gaps also match in their
//! compact form when it is at least 7 letters long (`kill myself` matches `#killmyself` and a
//! fully spaced-out `k i l l m y s e l f`).

use super::error::LexiconError;
use super::types::{Boundary, Category, GroomingStage, ModifierKind, SelfHarmLevel};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use toml::Spanned;

/// Where a modifier cue must be relative to the self-harm match it modifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModifierScope {
    /// Ends at most `window` words before the match, in the same sentence.
    Before,
    /// Overlaps the match.
    Overlap,
    /// Anywhere in the message.
    Message,
    /// Anywhere in the same sentence as the match.
    Sentence,
    /// Starts at most `window` words after the match, in the same sentence.
    After,
}

/// One validated lexicon entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LexiconEntry {
    /// Unique id, e.g. `groom.secrecy.dont_tell_parents`.
    pub id: String,
    /// Patterns as written in the file.
    pub patterns: Vec<String>,
    /// Signal category.
    pub category: Category,
    /// Grooming stage (grooming entries, optionally sexual ones).
    pub stage: Option<GroomingStage>,
    /// Self-harm level (self-harm entries).
    pub level: Option<SelfHarmLevel>,
    /// Evidence weight, (0, 5].
    pub weight: f32,
    /// Language tag, e.g. `en`.
    pub language: String,
    /// Word-boundary rule.
    pub boundary: Boundary,
    /// Words allowed for each `*` token gap.
    pub max_gap: u8,
    /// Phrases inside which this entry never fires.
    pub exceptions: Vec<String>,
    /// Texts that must match this entry.
    pub examples: Vec<String>,
    /// Texts that must not match this entry.
    pub counter_examples: Vec<String>,
    /// The lexicon source (file name or label) it came from.
    pub source: String,
}

/// One validated modifier cue set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modifier {
    /// Unique id.
    pub id: String,
    /// What the cue does to a self-harm match.
    pub kind: ModifierKind,
    /// Where the cue must be.
    pub scope: ModifierScope,
    /// Word window for [`ModifierScope::Before`].
    pub window: u8,
    /// Cue phrases.
    pub patterns: Vec<String>,
    /// Language of the cues (`[lexicon].language`); cues only modify entries of the same
    /// language, so Spanish "no" never negates an English match.
    pub language: String,
    /// The lexicon source it came from.
    pub source: String,
}

/// Metadata of one loaded lexicon file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LexiconInfo {
    /// `[lexicon].name`.
    pub name: String,
    /// `[lexicon].language`.
    pub language: String,
    /// Source label (file name).
    pub source: String,
    /// Number of entries.
    pub entries: usize,
}

/// The English lexicons compiled into the binary.
pub const EMBEDDED_ENGLISH: [(&str, &str); 5] = [
    (
        "lexicons/en/grooming.toml",
        include_str!("../../lexicons/en/grooming.toml"),
    ),
    (
        "lexicons/en/self_harm.toml",
        include_str!("../../lexicons/en/self_harm.toml"),
    ),
    (
        "lexicons/en/sexual.toml",
        include_str!("../../lexicons/en/sexual.toml"),
    ),
    (
        "lexicons/en/modifiers.toml",
        include_str!("../../lexicons/en/modifiers.toml"),
    ),
    (
        "lexicons/en/safelist.toml",
        include_str!("../../lexicons/en/safelist.toml"),
    ),
];

/// The Spanish and Portuguese lexicons compiled into the binary (same stages and levels as
/// the English ones; see [`LexiconSet::embedded`]).
pub const EMBEDDED_OTHER: [(&str, &str); 6] = [
    (
        "lexicons/es/grooming.toml",
        include_str!("../../lexicons/es/grooming.toml"),
    ),
    (
        "lexicons/es/self_harm.toml",
        include_str!("../../lexicons/es/self_harm.toml"),
    ),
    (
        "lexicons/es/sexual.toml",
        include_str!("../../lexicons/es/sexual.toml"),
    ),
    (
        "lexicons/pt/grooming.toml",
        include_str!("../../lexicons/pt/grooming.toml"),
    ),
    (
        "lexicons/pt/self_harm.toml",
        include_str!("../../lexicons/pt/self_harm.toml"),
    ),
    (
        "lexicons/pt/sexual.toml",
        include_str!("../../lexicons/pt/sexual.toml"),
    ),
];

/// A set of parsed, validated lexicons, ready to compile into a
/// [`TextEngine`](crate::text::TextEngine).
#[derive(Debug, Clone, Default)]
pub struct LexiconSet {
    /// Loaded lexicon files.
    pub lexicons: Vec<LexiconInfo>,
    /// All entries, in load order.
    pub entries: Vec<LexiconEntry>,
    /// All modifier cue sets.
    pub modifiers: Vec<Modifier>,
    /// Global safelist phrases.
    pub safelist: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    lexicon: RawHeader,
    #[serde(default)]
    safelist: Vec<String>,
    #[serde(default)]
    entry: Vec<RawEntry>,
    #[serde(default)]
    modifier: Vec<RawModifier>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    language: String,
    category: Option<Category>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    safelist: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    pattern: Option<String>,
    #[serde(default)]
    patterns: Vec<String>,
    category: Option<Category>,
    stage: Option<GroomingStage>,
    level: Option<SelfHarmLevel>,
    weight: Option<f32>,
    language: Option<String>,
    #[serde(default)]
    boundary: Boundary,
    max_gap: Option<u8>,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    counter_examples: Vec<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModifier {
    id: Spanned<String>,
    kind: ModifierKind,
    scope: ModifierScope,
    window: Option<u8>,
    patterns: Vec<String>,
}

/// Byte offsets where each line starts, for line numbers in O(log n) per lookup (computing
/// them by counting newlines from the top made parsing quadratic in the file size).
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    /// 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset).max(1)
    }
}

/// 1-based (line, column) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |p| before.len() - p - 1)
        + 1;
    (line, col)
}

impl LexiconSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The default English lexicons embedded in the binary.
    pub fn english() -> Result<Self, LexiconError> {
        let mut set = Self::new();
        for (name, text) in EMBEDDED_ENGLISH {
            set.add_toml(name, text)?;
        }
        Ok(set)
    }

    /// Every embedded lexicon: English, Spanish and Portuguese. Modifier cues only apply to
    /// entries of their own language.
    pub fn embedded() -> Result<Self, LexiconError> {
        let mut set = Self::english()?;
        for (name, text) in EMBEDDED_OTHER {
            set.add_toml(name, text)?;
        }
        Ok(set)
    }

    /// Parses and adds one lexicon document. `source_name` labels errors and entries.
    pub fn add_toml(&mut self, source_name: &str, text: &str) -> Result<&mut Self, LexiconError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            LexiconError::Parse {
                source_name: source_name.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
                cause: Some(Box::new(e)),
            }
        })?;
        // Ids seen so far, for O(1) duplicate checks (a linear scan per entry made a large
        // lexicon file cost quadratic time: 10 000 entries took 0.8 s, 100 000 over a minute).
        let mut ids: HashSet<String> = self
            .entries
            .iter()
            .map(|e| e.id.clone())
            .chain(self.modifiers.iter().map(|m| m.id.clone()))
            .collect();
        let lines = LineStarts::new(text);
        let mut added = 0;
        for e in raw.entry {
            let entry = self.validate_entry(source_name, &lines, &raw.lexicon, e, &ids)?;
            ids.insert(entry.id.clone());
            self.entries.push(entry);
            added += 1;
        }
        for m in raw.modifier {
            let line = lines.line(m.id.span().start);
            let id = m.id.into_inner();
            let field_err = |field: &'static str, message: &str| LexiconError::Field {
                source_name: source_name.to_string(),
                line,
                id: id.clone(),
                field,
                message: message.to_string(),
            };
            if !ids.insert(id.clone()) {
                return Err(LexiconError::DuplicateId {
                    source_name: source_name.to_string(),
                    line,
                    id,
                });
            }
            if m.patterns.iter().any(|p| normalized_len(p) == 0) || m.patterns.is_empty() {
                return Err(field_err(
                    "patterns",
                    "must be non-empty phrases with letters or digits",
                ));
            }
            self.modifiers.push(Modifier {
                kind: m.kind,
                scope: m.scope,
                window: m.window.unwrap_or(3),
                patterns: m.patterns,
                language: raw.lexicon.language.clone(),
                source: source_name.to_string(),
                id,
            });
        }
        for s in raw.safelist.into_iter().chain(raw.lexicon.safelist) {
            if normalized_len(&s) == 0 {
                return Err(LexiconError::Parse {
                    source_name: source_name.to_string(),
                    line: 0,
                    column: 0,
                    message: format!("safelist phrase {s:?} has no letters or digits"),
                    cause: None,
                });
            }
            self.safelist.push(s);
        }
        self.lexicons.push(LexiconInfo {
            name: raw.lexicon.name,
            language: raw.lexicon.language,
            source: source_name.to_string(),
            entries: added,
        });
        Ok(self)
    }

    /// Reads and adds one lexicon file. A file identical to an embedded lexicon that is
    /// already loaded (`--lexicon lexicons/es/grooming.toml` on top of the embedded set) is
    /// skipped instead of failing on duplicate ids.
    pub fn add_file(&mut self, path: impl AsRef<Path>) -> Result<&mut Self, LexiconError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LexiconError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let already = EMBEDDED_ENGLISH
            .iter()
            .chain(EMBEDDED_OTHER.iter())
            .any(|(name, body)| *body == text && self.lexicons.iter().any(|l| l.source == *name));
        if already {
            return Ok(self);
        }
        self.add_toml(&path.display().to_string(), &text)
    }

    fn validate_entry(
        &self,
        source_name: &str,
        lines: &LineStarts,
        header: &RawHeader,
        e: RawEntry,
        ids: &HashSet<String>,
    ) -> Result<LexiconEntry, LexiconError> {
        let line = lines.line(e.id.span().start);
        let id = e.id.into_inner();
        let field_err = |field: &'static str, message: String| LexiconError::Field {
            source_name: source_name.to_string(),
            line,
            id: id.clone(),
            field,
            message,
        };
        if id.trim().is_empty() {
            return Err(field_err("id", "must not be empty".into()));
        }
        if ids.contains(&id) {
            return Err(LexiconError::DuplicateId {
                source_name: source_name.to_string(),
                line,
                id,
            });
        }
        let mut patterns = e.patterns;
        if let Some(p) = e.pattern {
            patterns.insert(0, p);
        }
        if patterns.is_empty() {
            return Err(field_err(
                "pattern",
                "one of `pattern` or `patterns` is required".into(),
            ));
        }
        for p in &patterns {
            let segments: Vec<&str> = split_gaps(p);
            if segments.iter().any(|s| normalized_len(s) == 0) {
                return Err(field_err(
                    "pattern",
                    format!("{p:?} has an empty segment (a `*` must sit between words)"),
                ));
            }
        }
        let category = e
            .category
            .or(header.category)
            .ok_or_else(|| field_err("category", "missing (and no [lexicon].category)".into()))?;
        match category {
            Category::Grooming if e.stage.is_none() => {
                return Err(field_err("stage", "required for grooming entries".into()))
            }
            Category::SelfHarm if e.level.is_none() => {
                return Err(field_err("level", "required for self_harm entries".into()))
            }
            Category::SelfHarm if e.stage.is_some() => {
                return Err(field_err(
                    "stage",
                    "self_harm entries take `level`, not `stage`".into(),
                ))
            }
            Category::Grooming | Category::Sexual if e.level.is_some() => {
                return Err(field_err(
                    "level",
                    "only self_harm entries take a `level`".into(),
                ))
            }
            _ => {}
        }
        let weight = e.weight.unwrap_or(1.0);
        if !(weight > 0.0 && weight <= 5.0) {
            return Err(field_err("weight", format!("{weight} is outside (0, 5]")));
        }
        let max_gap = e.max_gap.unwrap_or(3);
        if max_gap > 8 {
            return Err(field_err("max_gap", format!("{max_gap} is more than 8")));
        }
        if let Some(x) = e.exceptions.iter().find(|x| normalized_len(x) == 0) {
            return Err(field_err(
                "exceptions",
                format!("{x:?} has no letters or digits"),
            ));
        }
        Ok(LexiconEntry {
            patterns,
            category,
            stage: e.stage,
            level: e.level,
            weight,
            language: e.language.unwrap_or_else(|| header.language.clone()),
            boundary: e.boundary,
            max_gap,
            exceptions: e.exceptions,
            examples: e.examples,
            counter_examples: e.counter_examples,
            source: source_name.to_string(),
            id,
        })
    }
}

/// Splits a pattern into its token-gap segments (`send * pic` → `["send", "pic"]`).
pub fn split_gaps(pattern: &str) -> Vec<&str> {
    pattern.split(" * ").map(str::trim).collect::<Vec<_>>()
}

fn normalized_len(s: &str) -> usize {
    super::normalize::normalize(s, Default::default())
        .as_str()
        .trim_matches(|c: char| c == ' ' || c == '.')
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_english_parses() {
        let set = LexiconSet::english().unwrap();
        assert!(set.entries.len() > 30);
        let patterns: usize = set.entries.iter().map(|e| e.patterns.len()).sum();
        assert!(patterns > 300, "{patterns}");
        assert!(!set.modifiers.is_empty());
        assert!(set.safelist.iter().any(|s| s == "scunthorpe"));
    }

    #[test]
    fn syntax_error_reports_line() {
        let err = LexiconSet::new()
            .add_toml(
                "bad.toml",
                "[lexicon]\nname = \"x\"\nlanguage = \"en\"\n[[entry]]\nid = \n",
            )
            .unwrap_err();
        match err {
            LexiconError::Parse { line, .. } => assert_eq!(line, 5),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_stage_is_a_field_error_with_line() {
        let doc = "[lexicon]\nname = \"x\"\nlanguage = \"en\"\n\n[[entry]]\nid = \"a\"\npattern = \"hi\"\ncategory = \"grooming\"\n";
        let err = LexiconSet::new().add_toml("x.toml", doc).unwrap_err();
        match err {
            LexiconError::Field {
                line, field, id, ..
            } => {
                assert_eq!((line, field, id.as_str()), (6, "stage", "a"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_stage_and_field_are_rejected() {
        let doc = "[lexicon]\nname = \"x\"\nlanguage = \"en\"\n[[entry]]\nid = \"a\"\npattern = \"hi\"\ncategory = \"grooming\"\nstage = \"lunch\"\n";
        assert!(matches!(
            LexiconSet::new().add_toml("x", doc),
            Err(LexiconError::Parse { line: 8, .. })
        ));
        let doc = "[lexicon]\nname = \"x\"\nlanguage = \"en\"\nbogus = 1\n";
        assert!(matches!(
            LexiconSet::new().add_toml("x", doc),
            Err(LexiconError::Parse { .. })
        ));
    }

    #[test]
    fn bad_weight_and_duplicates_are_rejected() {
        let doc = "[lexicon]\nname = \"x\"\nlanguage = \"en\"\ncategory = \"sexual\"\n[[entry]]\nid = \"a\"\npattern = \"hi\"\nweight = 9.0\n";
        assert!(matches!(
            LexiconSet::new().add_toml("x", doc),
            Err(LexiconError::Field {
                field: "weight",
                ..
            })
        ));
        let doc = "[lexicon]\nname = \"x\"\nlanguage = \"en\"\ncategory = \"sexual\"\n[[entry]]\nid = \"a\"\npattern = \"hi\"\n[[entry]]\nid = \"a\"\npattern = \"yo\"\n";
        assert!(matches!(
            LexiconSet::new().add_toml("x", doc),
            Err(LexiconError::DuplicateId { line: 9, .. })
        ));
        let doc = "[lexicon]\nname = \"x\"\nlanguage = \"en\"\ncategory = \"sexual\"\n[[entry]]\nid = \"a\"\npattern = \"send * \"\n";
        assert!(matches!(
            LexiconSet::new().add_toml("x", doc),
            Err(LexiconError::Field {
                field: "pattern",
                ..
            })
        ));
    }
}
