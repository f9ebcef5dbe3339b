//! `preflight scan text|chat|batch|image`: run the text engine on one message, or replay a JSON
//! Lines chat transcript through the conversation model, printing verdicts with their evidence;
//! `image` is in `scan_image_cmd`.

use clap::{Args, Subcommand};
use preflight::text::{
    AgeBand, ChatLine, ConversationAssessment, Direction, LexiconError, LexiconSet,
    MessageAnalysis, TextEngine, TextMatch,
};
use preflight::{Action, Scanner, ScannerConfig, Verdict};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Which lexicons to load.
#[derive(Args, Debug, Clone)]
pub struct LexiconOpts {
    /// Extra lexicon file (TOML); repeat for several.
    #[arg(long = "lexicon", value_name = "FILE")]
    pub lexicons: Vec<PathBuf>,
    /// Do not load the embedded lexicons (English, Spanish, Portuguese).
    #[arg(long)]
    pub no_default: bool,
}

impl LexiconOpts {
    /// Loads the selected lexicons into a set.
    pub fn load(&self) -> Result<LexiconSet, LexiconError> {
        let mut set = if self.no_default {
            LexiconSet::new()
        } else {
            LexiconSet::embedded()?
        };
        for f in &self.lexicons {
            set.add_file(f)?;
        }
        Ok(set)
    }
}

/// `preflight scan ...`
#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(subcommand)]
    target: ScanTarget,
}

/// Who wrote the message and the local user's age band.
#[derive(Args, Debug, Clone, Copy)]
pub struct MessageContext {
    /// Who wrote the message, from the local user's point of view.
    #[arg(long, value_enum, default_value = "sent")]
    direction: DirectionArg,
    /// The local user's age band.
    #[arg(long = "age-band", value_enum, default_value = "unknown")]
    age_band: AgeBandArg,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum DirectionArg {
    Sent,
    Received,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum AgeBandArg {
    #[value(name = "under13")]
    Under13,
    #[value(name = "13-15")]
    Age13To15,
    #[value(name = "16-17")]
    Age16To17,
    Adult,
    Unknown,
}

impl MessageContext {
    fn direction(&self) -> Direction {
        match self.direction {
            DirectionArg::Sent => Direction::Sent,
            DirectionArg::Received => Direction::Received,
        }
    }

    fn age_band(&self) -> AgeBand {
        match self.age_band {
            AgeBandArg::Under13 => AgeBand::Under13,
            AgeBandArg::Age13To15 => AgeBand::Age13To15,
            AgeBandArg::Age16To17 => AgeBand::Age16To17,
            AgeBandArg::Adult => AgeBand::Adult,
            AgeBandArg::Unknown => AgeBand::Unknown,
        }
    }
}

#[derive(Subcommand, Debug)]
enum ScanTarget {
    /// Scan image files against a signed list (--list) or an installed store (--store).
    Image(crate::scan_image_cmd::ScanImageArgs),
    /// Analyze one message: its matches and the action the scanner recommends.
    Text {
        /// The message text.
        text: String,
        #[command(flatten)]
        lexicons: LexiconOpts,
        #[command(flatten)]
        context: MessageContext,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Scan many independent messages: one per line, or with `--tsv` lines of
    /// `direction<TAB>age_band<TAB>text`. Prints one result per line (JSON Lines with --json).
    Batch(crate::scan_batch::BatchArgs),
    /// Replay a chat transcript: one JSON object per line,
    /// {"conversation":"c1","direction":"sent|received","text":"...","age_band":"13-15"}.
    /// Streams: memory stays bounded however long the file is. Bad lines (invalid UTF-8 or
    /// JSON) are reported and skipped; the exit status is then 2.
    Chat {
        /// The JSON Lines file.
        file: PathBuf,
        #[command(flatten)]
        lexicons: LexiconOpts,
        /// Print every message, not only those with matches.
        #[arg(long)]
        all: bool,
        /// Print JSON Lines: one record per message, then one per conversation.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the `scan` command.
pub fn run(args: ScanArgs) -> ExitCode {
    let result = match args.target {
        ScanTarget::Image(a) => return crate::scan_image_cmd::run(a),
        ScanTarget::Text {
            text,
            lexicons,
            context,
            json,
        } => scan_text(&text, &lexicons, context, json),
        ScanTarget::Batch(args) => crate::scan_batch::run(&args),
        ScanTarget::Chat {
            file,
            lexicons,
            all,
            json,
        } => scan_chat(&file, &lexicons, all, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// A scanner with the embedded lexicons plus the `--lexicon` files (its verdicts give the
/// recommended action; `--no-default` only changes the match listing).
pub fn scanner(opts: &LexiconOpts) -> Result<Scanner, String> {
    Scanner::new(ScannerConfig {
        extra_lexicon_files: opts.lexicons.clone(),
        ..Default::default()
    })
    .map_err(|e| e.to_string())
}

/// The action's name.
pub fn action_name(a: Action) -> &'static str {
    match a {
        Action::Allow => "allow",
        Action::Warn => "warn",
        Action::Block => "block",
    }
}

pub fn engine(opts: &LexiconOpts) -> Result<TextEngine, String> {
    let set = opts.load().map_err(|e| e.to_string())?;
    TextEngine::compile(&set).map_err(|e| e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| e.to_string())
}

pub fn print_match(m: &TextMatch) {
    let what = match (m.stage, m.level) {
        (_, Some(level)) => level.to_string(),
        (Some(stage), None) => stage.to_string(),
        (None, None) => String::new(),
    };
    let mods = if m.modifiers.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = m.modifiers.iter().map(|k| k.as_str()).collect();
        format!(" [{}]", names.join(", "))
    };
    println!(
        "  {:<9} {:<19} w={:.2} eff={:.2}{}  {}  bytes {}..{} {:?}",
        m.category.as_str(),
        what,
        m.weight,
        m.effective_weight,
        mods,
        m.lexicon_id,
        m.start,
        m.end,
        m.matched
    );
}

fn scan_text(
    text: &str,
    opts: &LexiconOpts,
    context: MessageContext,
    json: bool,
) -> Result<(), String> {
    let engine = engine(opts)?;
    let analysis = engine.analyze(text);
    let verdict = scanner(opts)?
        .scan_text("scan-text", context.direction(), context.age_band(), text)
        .map_err(|e| e.to_string())?;
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            action: &'static str,
            verdict: &'a Verdict,
            analysis: &'a MessageAnalysis,
            self_harm_level: Option<preflight::text::SelfHarmLevel>,
            peer_self_harm_level: Option<preflight::text::SelfHarmLevel>,
            help_seeking: bool,
            support_suggested: bool,
        }
        println!(
            "{}",
            to_json(&Out {
                action: action_name(verdict.action),
                verdict: &verdict,
                analysis: &analysis,
                self_harm_level: analysis.self_harm_level(),
                peer_self_harm_level: analysis.peer_self_harm_level(),
                help_seeking: analysis.help_seeking(),
                support_suggested: analysis.support_suggested(),
            })?
        );
        return Ok(());
    }
    println!("action: {}", action_name(verdict.action));
    if analysis.is_empty() {
        println!("clean: no lexicon matches");
        return Ok(());
    }
    println!("{} match(es):", analysis.matches.len());
    for m in &analysis.matches {
        print_match(m);
    }
    let level = analysis
        .self_harm_level()
        .map_or_else(|| "none".to_string(), |l| l.to_string());
    println!(
        "self-harm level: {level}; support suggested: {}",
        if verdict.support_suggested {
            "yes"
        } else {
            "no"
        }
    );
    Ok(())
}

/// One `scan chat --json` record per message.
#[derive(Serialize)]
struct MessageRecord<'a> {
    line: usize,
    direction: Direction,
    text: &'a str,
    action: &'static str,
    verdict: &'a Verdict,
    grooming_risk: f32,
    grooming_alert: bool,
}

fn summary(a: &ConversationAssessment) -> String {
    let stages: Vec<String> = a
        .stages
        .iter()
        .map(|s| format!("{}:{:.2}", s.stage, s.score))
        .collect();
    let opt =
        |l: Option<preflight::text::SelfHarmLevel>| l.map_or("none".into(), |l| l.to_string());
    format!(
        "grooming risk {:.2}{} stages [{}]; self-harm {}; peer self-harm {}; support {}",
        a.grooming_risk,
        if a.grooming_alert { " ALERT" } else { "" },
        stages.join(", "),
        opt(a.self_harm_level),
        opt(a.peer_self_harm_level),
        if a.support_suggested {
            "SUGGESTED"
        } else {
            "no"
        }
    )
}

fn scan_chat(file: &PathBuf, opts: &LexiconOpts, all: bool, json: bool) -> Result<(), String> {
    let scanner = scanner(opts)?;
    let f =
        std::fs::File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut reader = std::io::BufReader::new(f);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Conversation ids in first-seen order, for the final summaries; bounded like the
    // scanner's own conversation store.
    let mut order = SeenOrder::new(ConversationLimit::default().0);
    let (mut raw, mut line_no, mut skipped) = (Vec::new(), 0usize, 0usize);
    loop {
        raw.clear();
        let n = reader
            .read_until(b'\n', &mut raw)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let parsed = std::str::from_utf8(&raw)
            .map_err(|e| format!("invalid UTF-8 ({e})"))
            .and_then(|l| {
                if l.trim().is_empty() {
                    return Ok(None);
                }
                serde_json::from_str::<ChatLine>(l)
                    .map(Some)
                    .map_err(|e| format!("invalid chat line: {e}"))
            });
        let msg = match parsed {
            Ok(Some(m)) => m,
            Ok(None) => continue,
            Err(e) => {
                skipped += 1;
                eprintln!("{}:{line_no}: {e} (skipped)", file.display());
                if json {
                    let rec = serde_json::json!({"line": line_no, "error": e});
                    writeln!(out, "{rec}").map_err(|e| e.to_string())?;
                }
                continue;
            }
        };
        order.insert(&msg.conversation);
        chat_message(&scanner, &msg, line_no, all, json, &mut out)?;
    }
    for id in order.ids() {
        if let Some(b) = scanner.report_bundle(id) {
            let a = b.conversation;
            if json {
                let rec = serde_json::json!({"conversation": a});
                writeln!(out, "{rec}").map_err(|e| e.to_string())?;
            } else {
                writeln!(
                    out,
                    "conversation {} ({} messages): {}",
                    a.conversation_id,
                    a.messages,
                    summary(&a)
                )
                .map_err(|e| e.to_string())?;
            }
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    if skipped > 0 {
        return Err(format!("{}: {skipped} line(s) skipped", file.display()));
    }
    Ok(())
}

/// The scanner's default conversation limit.
struct ConversationLimit(usize);

impl Default for ConversationLimit {
    fn default() -> Self {
        ConversationLimit(preflight::text::ConversationConfig::default().max_conversations)
    }
}

/// Conversation ids in first-seen order, at most `cap` (later ones are summarised only if
/// they are still in the scanner's store, which evicts the least recently used).
struct SeenOrder {
    cap: usize,
    ids: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl SeenOrder {
    fn new(cap: usize) -> Self {
        SeenOrder {
            cap,
            ids: Vec::new(),
            seen: std::collections::HashSet::new(),
        }
    }

    fn insert(&mut self, id: &str) {
        if self.ids.len() < self.cap && !self.seen.contains(id) {
            self.seen.insert(id.to_string());
            self.ids.push(id.to_string());
        }
    }

    fn ids(&self) -> impl Iterator<Item = &String> {
        self.ids.iter()
    }
}

/// Scans one chat line and prints its record (streamed, nothing is kept).
fn chat_message(
    scanner: &Scanner,
    msg: &ChatLine,
    line: usize,
    all: bool,
    json: bool,
    out: &mut impl Write,
) -> Result<(), String> {
    let verdict = scanner
        .scan_text(&msg.conversation, msg.direction, msg.age_band, &msg.text)
        .map_err(|e| e.to_string())?;
    let Some(bundle) = scanner.report_bundle(&msg.conversation) else {
        return Ok(());
    };
    let a = bundle.conversation;
    let w = |e: std::io::Error| e.to_string();
    if json {
        let rec = MessageRecord {
            line,
            direction: msg.direction,
            text: &msg.text,
            action: action_name(verdict.action),
            verdict: &verdict,
            grooming_risk: a.grooming_risk,
            grooming_alert: a.grooming_alert,
        };
        let s = serde_json::to_string(&rec).map_err(|e| e.to_string())?;
        return writeln!(out, "{s}").map_err(w);
    }
    if !(all || verdict.action != Action::Allow || !verdict.signals.is_empty()) {
        return Ok(());
    }
    let dir = match msg.direction {
        Direction::Sent => "sent",
        Direction::Received => "received",
    };
    writeln!(
        out,
        "line {line} [{}] {dir}: {}",
        msg.conversation, msg.text
    )
    .map_err(w)?;
    for sig in &verdict.signals {
        writeln!(
            out,
            "  signal {} score {:.2}",
            sig.category.name(),
            sig.score
        )
        .map_err(w)?;
    }
    writeln!(
        out,
        "  -> action {}; {}",
        action_name(verdict.action),
        summary(&a)
    )
    .map_err(w)
}
