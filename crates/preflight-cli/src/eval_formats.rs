//! Readers for the labelled inputs of `preflight eval text` (documented in docs/TEXT_EVAL.md):
//! the messages TSV, the conversation JSONL files, and the three real-world CSVs of the
//! evaluation-only dev sets (PAN-2012 segments, suicidal tweets, C-SSRS Reddit users).
//!
//! Every reader returns a typed error naming the file and line; nothing here is kept beyond
//! the current record except what the caller collects.

use preflight::text::{AgeBand, Direction};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A bad input file: where, and what is wrong.
#[derive(Debug)]
pub struct FormatError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line (or record), 0 if not known.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        } else {
            write!(f, "{}: {}", self.path.display(), self.message)
        }
    }
}

fn err(path: &Path, line: usize, message: impl Into<String>) -> FormatError {
    FormatError {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// The label of a message or conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Grooming language (`detail` = the stage).
    Grooming,
    /// The writer's own self-harm or suicide risk (`detail` = the level).
    SelfHarm,
    /// Sexual content that is not grooming-specific.
    Sexual,
    /// Nothing to flag (`detail` = the kind of look-alike).
    Benign,
}

impl Label {
    fn parse(s: &str) -> Option<Label> {
        Some(match s {
            "grooming" => Label::Grooming,
            "self_harm" => Label::SelfHarm,
            "sexual" => Label::Sexual,
            "benign" => Label::Benign,
            _ => return None,
        })
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Grooming => "grooming",
            Label::SelfHarm => "self_harm",
            Label::Sexual => "sexual",
            Label::Benign => "benign",
        }
    }
}

/// One row of the messages TSV.
#[derive(Debug, Clone)]
pub struct LabelledMessage {
    /// 1-based line in the file.
    pub line: usize,
    /// The label.
    pub label: Label,
    /// Stage, level or benign kind (free text, used for break-downs).
    pub detail: String,
    /// Evasion or register techniques, comma-separated in the file.
    pub techniques: Vec<String>,
    /// Who wrote it, from the local user's point of view.
    pub direction: Direction,
    /// The local user's age band.
    pub age_band: AgeBand,
    /// The message.
    pub text: String,
}

/// The header the messages TSV must start with.
pub const TSV_HEADER: &str = "label\tdetail\ttechnique\tdirection\tage_band\ttext";

fn parse_direction(s: &str) -> Option<Direction> {
    match s {
        "sent" | "" => Some(Direction::Sent),
        "received" => Some(Direction::Received),
        _ => None,
    }
}

fn parse_age_band(s: &str) -> Option<AgeBand> {
    Some(match s {
        "under13" => AgeBand::Under13,
        "13-15" => AgeBand::Age13To15,
        "16-17" => AgeBand::Age16To17,
        "adult" => AgeBand::Adult,
        "unknown" | "" => AgeBand::Unknown,
        _ => return None,
    })
}

/// Reads a messages TSV (header [`TSV_HEADER`], `#` comment lines and blank lines skipped).
pub fn read_messages_tsv(path: &Path) -> Result<Vec<LabelledMessage>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| err(path, 0, e.to_string()))?;
    let mut out = Vec::new();
    let mut header_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        if !header_seen {
            if raw.trim_end() != TSV_HEADER {
                return Err(err(
                    path,
                    line,
                    format!("expected the header {TSV_HEADER:?}"),
                ));
            }
            header_seen = true;
            continue;
        }
        let cols: Vec<&str> = raw.splitn(6, '\t').collect();
        let [label, detail, technique, direction, age, text] = cols.as_slice() else {
            return Err(err(path, line, "expected 6 tab-separated columns"));
        };
        let label = Label::parse(label)
            .ok_or_else(|| err(path, line, format!("unknown label {label:?}")))?;
        let direction = parse_direction(direction)
            .ok_or_else(|| err(path, line, format!("unknown direction {direction:?}")))?;
        let age_band = parse_age_band(age)
            .ok_or_else(|| err(path, line, format!("unknown age band {age:?}")))?;
        if text.trim().is_empty() {
            return Err(err(path, line, "empty text"));
        }
        out.push(LabelledMessage {
            line,
            label,
            detail: detail.to_string(),
            techniques: technique
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            direction,
            age_band,
            text: text.to_string(),
        });
    }
    if !header_seen {
        return Err(err(path, 0, "empty file (no header)"));
    }
    Ok(out)
}

/// One line of a conversation file: the header (with `label`, without `text`) or a message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationLine {
    conversation: Option<String>,
    label: Option<Label>,
    note: Option<String>,
    direction: Option<Direction>,
    text: Option<String>,
    age_band: Option<AgeBand>,
    #[serde(default)]
    first_concern: bool,
    /// Free annotation (stage, level, cue); not used for scoring.
    #[allow(dead_code)]
    tag: Option<String>,
}

/// One message of a labelled conversation.
#[derive(Debug, Clone)]
pub struct ConversationMessage {
    /// Direction from the local user's point of view.
    pub direction: Direction,
    /// The local user's age band.
    pub age_band: AgeBand,
    /// The message.
    pub text: String,
}

/// A labelled conversation.
#[derive(Debug, Clone)]
pub struct LabelledConversation {
    /// Name (the header's `conversation`, else the file stem).
    pub name: String,
    /// Conversation label.
    pub label: Label,
    /// Free description.
    pub note: String,
    /// Messages in order.
    pub messages: Vec<ConversationMessage>,
    /// 0-based index of the first message a human moderator would be concerned by.
    pub first_concern: Option<usize>,
}

/// Reads one conversation file (JSON Lines: a header object, then one object per message).
pub fn read_conversation(path: &Path) -> Result<LabelledConversation, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| err(path, 0, e.to_string()))?;
    let mut conv = LabelledConversation {
        name: path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
        label: Label::Benign,
        note: String::new(),
        messages: Vec::new(),
        first_concern: None,
    };
    let mut header: Option<AgeBand> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let l: ConversationLine =
            serde_json::from_str(raw).map_err(|e| err(path, line, e.to_string()))?;
        let Some(text) = l.text else {
            let label = l
                .label
                .ok_or_else(|| err(path, line, "a header line needs `label`"))?;
            if header.is_some() || !conv.messages.is_empty() {
                return Err(err(path, line, "the header must be the first line, once"));
            }
            conv.label = label;
            conv.note = l.note.unwrap_or_default();
            if let Some(name) = l.conversation {
                conv.name = name;
            }
            header = Some(l.age_band.unwrap_or_default());
            continue;
        };
        let default_age = header.ok_or_else(|| err(path, line, "missing header line"))?;
        let direction = l
            .direction
            .ok_or_else(|| err(path, line, "a message needs `direction`"))?;
        if l.first_concern && conv.first_concern.is_none() {
            conv.first_concern = Some(conv.messages.len());
        }
        conv.messages.push(ConversationMessage {
            direction,
            age_band: l.age_band.unwrap_or(default_age),
            text,
        });
    }
    if header.is_none() {
        return Err(err(path, 0, "empty conversation file"));
    }
    if conv.label != Label::Benign && conv.first_concern.is_none() {
        return Err(err(
            path,
            0,
            "a non-benign conversation needs one message with \"first_concern\": true",
        ));
    }
    Ok(conv)
}

/// Every `*.jsonl` file of a directory, sorted by name.
pub fn conversation_files(dir: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let rd = std::fs::read_dir(dir).map_err(|e| err(dir, 0, e.to_string()))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

/// Which real-world CSV a file is, by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// `segment,label`: PAN-2012 chat segments.
    PanSegments,
    /// `text,label`: tweets.
    Tweets,
    /// `user,posts,label`: Reddit users on the Columbia scale.
    RedditUsers,
}

/// Opens a CSV and tells its kind from the header.
pub fn open_csv(path: &Path) -> Result<(CsvKind, csv::Reader<std::fs::File>), FormatError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| err(path, 0, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| err(path, 1, e.to_string()))?
        .clone();
    let names: Vec<&str> = headers.iter().collect();
    let kind = match names.as_slice() {
        ["segment", "label"] => CsvKind::PanSegments,
        ["text", "label"] => CsvKind::Tweets,
        ["user", "posts", "label"] => CsvKind::RedditUsers,
        other => return Err(err(path, 1, format!("unknown CSV header {other:?}"))),
    };
    Ok((kind, reader))
}

/// Reads the next record of an opened CSV as owned fields; `None` at the end.
pub fn next_record(
    path: &Path,
    reader: &mut csv::Reader<std::fs::File>,
    record: &mut csv::StringRecord,
) -> Result<bool, FormatError> {
    reader.read_record(record).map_err(|e| {
        let line = e.position().map_or(0, |p| p.line() as usize);
        err(path, line, e.to_string())
    })
}

/// Parses a Python list literal of strings (`['a', "b's"]`), as the Reddit CSV stores posts.
///
/// Hand-written because no maintained crate reads Python literals; the grammar needed is
/// tiny (single- or double-quoted strings with backslash escapes, commas, brackets).
pub fn python_string_list(s: &str) -> Option<Vec<String>> {
    let mut chars = s.trim().chars().peekable();
    if chars.next()? != '[' {
        return None;
    }
    let mut out = Vec::new();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.next()? {
            ']' => return Some(out),
            q @ ('\'' | '"') => out.push(python_string_body(&mut chars, q)?),
            _ => return None,
        }
    }
}

fn python_string_body(chars: &mut impl Iterator<Item = char>, quote: char) -> Option<String> {
    let mut s = String::new();
    loop {
        match chars.next()? {
            '\\' => match chars.next()? {
                'n' => s.push('\n'),
                't' => s.push('\t'),
                'r' => s.push('\r'),
                other => s.push(other),
            },
            c if c == quote => return Some(s),
            c => s.push(c),
        }
    }
}

/// The text as it was typed, for a UTF-8 text that was once decoded as Latin-1 ("Iâ\u{80}\u{99}m"
/// for "I’m": about a fifth of the suicidal-tweets CSV reads so): every character is below
/// U+0100, at least one is above U+007F, and the bytes they stand for are valid UTF-8.
/// Otherwise `None`: genuine accented text ("café") is not valid UTF-8 read that way.
pub fn undo_latin1_mojibake(s: &str) -> Option<String> {
    if !s.chars().any(|c| ('\u{80}'..='\u{ff}').contains(&c)) {
        return None;
    }
    let bytes: Option<Vec<u8>> = s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    String::from_utf8(bytes?).ok()
}

/// Splits a PAN segment (a run of chat messages without turn boundaries) into message-sized
/// chunks: at sentence punctuation, and at most `max_words` words each.
pub fn split_segment(segment: &str, max_words: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for word in segment.split_whitespace() {
        cur.push(word);
        let ends = word.ends_with(['?', '!', '.']);
        if ends || cur.len() >= max_words.max(1) {
            out.push(cur.join(" "));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(cur.join(" "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lists() {
        assert_eq!(
            python_string_list(r#"['a b', "it's", 'x\'y\n']"#).unwrap(),
            vec!["a b", "it's", "x'y\n"]
        );
        assert_eq!(python_string_list("[]").unwrap(), Vec::<String>::new());
        assert_eq!(python_string_list("['open"), None);
        assert_eq!(python_string_list("nope"), None);
    }

    #[test]
    fn latin1_mojibake_is_undone_and_real_accents_are_kept() {
        assert_eq!(
            undo_latin1_mojibake("I\u{e2}\u{80}\u{99}m so tired").as_deref(),
            Some("I\u{2019}m so tired")
        );
        assert_eq!(undo_latin1_mojibake("café con leche"), None);
        assert_eq!(undo_latin1_mojibake("plain text"), None);
        assert_eq!(undo_latin1_mojibake("I’m fine ❤"), None);
    }

    #[test]
    fn segments_split_at_punctuation_and_length() {
        let s = split_segment("hi there? how are you doing today my friend ok", 4);
        assert_eq!(
            s,
            vec!["hi there?", "how are you doing", "today my friend ok"]
        );
    }
}
