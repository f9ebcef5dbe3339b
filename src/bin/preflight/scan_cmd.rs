//! `preflight scan text|chat|image`: run the text engine on one message, or replay a JSON Lines
//! chat transcript through the conversation model, printing verdicts with their evidence;
//! `image` is in `scan_image_cmd`.

use clap::{Args, Subcommand};
use preflight::text::{
    ChatLine, ConversationAssessment, ConversationConfig, Conversations, LexiconError, LexiconSet,
    MessageAnalysis, TextEngine, TextMatch,
};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Which lexicons to load.
#[derive(Args, Debug, Clone)]
pub struct LexiconOpts {
    /// Extra lexicon file (TOML); repeat for several.
    #[arg(long = "lexicon", value_name = "FILE")]
    pub lexicons: Vec<PathBuf>,
    /// Do not load the embedded English lexicons.
    #[arg(long)]
    pub no_default: bool,
}

impl LexiconOpts {
    /// Loads the selected lexicons into a set.
    pub fn load(&self) -> Result<LexiconSet, LexiconError> {
        let mut set = if self.no_default {
            LexiconSet::new()
        } else {
            LexiconSet::english()?
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

#[derive(Subcommand, Debug)]
enum ScanTarget {
    /// Scan image files against a signed list (--list) or an installed store (--store).
    Image(crate::scan_image_cmd::ScanImageArgs),
    /// Analyze one message and print its matches.
    Text {
        /// The message text.
        text: String,
        #[command(flatten)]
        lexicons: LexiconOpts,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replay a chat transcript: one JSON object per line,
    /// {"conversation":"c1","direction":"sent|received","text":"...","age_band":"13-15"}.
    Chat {
        /// The JSON Lines file.
        file: PathBuf,
        #[command(flatten)]
        lexicons: LexiconOpts,
        /// Print every message, not only those with matches.
        #[arg(long)]
        all: bool,
        /// Print JSON.
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
            json,
        } => scan_text(&text, &lexicons, json),
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

fn engine(opts: &LexiconOpts) -> Result<TextEngine, String> {
    let set = opts.load().map_err(|e| e.to_string())?;
    TextEngine::compile(&set).map_err(|e| e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| e.to_string())
}

fn print_match(m: &TextMatch) {
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

fn scan_text(text: &str, opts: &LexiconOpts, json: bool) -> Result<(), String> {
    let engine = engine(opts)?;
    let analysis = engine.analyze(text);
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            analysis: &'a MessageAnalysis,
            self_harm_level: Option<preflight::text::SelfHarmLevel>,
            support_suggested: bool,
        }
        println!(
            "{}",
            to_json(&Out {
                analysis: &analysis,
                self_harm_level: analysis.self_harm_level(),
                support_suggested: analysis.support_suggested(),
            })?
        );
        return Ok(());
    }
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
        if analysis.support_suggested() {
            "yes"
        } else {
            "no"
        }
    );
    Ok(())
}

#[derive(Serialize)]
struct MessageRecord {
    line: usize,
    direction: preflight::text::Direction,
    text: String,
    assessment: ConversationAssessment,
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
    let engine = Arc::new(engine(opts)?);
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let conversations = Conversations::new(engine, ConversationConfig::default());
    let mut records = Vec::new();
    let mut order: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let msg: ChatLine = serde_json::from_str(raw)
            .map_err(|e| format!("{}:{line_no}: invalid chat line: {e}", file.display()))?;
        if !order.contains(&msg.conversation) {
            order.push(msg.conversation.clone());
        }
        let a = conversations.observe(&msg.conversation, msg.direction, msg.age_band, &msg.text);
        if !json && (all || !a.message.is_empty()) {
            println!(
                "line {line_no} [{}] {}: {}",
                msg.conversation,
                match msg.direction {
                    preflight::text::Direction::Sent => "sent",
                    preflight::text::Direction::Received => "received",
                },
                msg.text
            );
            for m in &a.message.matches {
                print_match(m);
            }
            println!("  -> {}", summary(&a));
        }
        records.push(MessageRecord {
            line: line_no,
            direction: msg.direction,
            text: msg.text,
            assessment: a,
        });
    }
    let finals: Vec<ConversationAssessment> = order
        .iter()
        .filter_map(|c| conversations.assessment(c))
        .collect();
    if json {
        #[derive(Serialize)]
        struct Out {
            messages: Vec<MessageRecord>,
            conversations: Vec<ConversationAssessment>,
        }
        println!(
            "{}",
            to_json(&Out {
                messages: records,
                conversations: finals,
            })?
        );
        return Ok(());
    }
    println!();
    for a in &finals {
        println!(
            "conversation {} ({} messages): {}",
            a.conversation_id,
            a.messages,
            summary(a)
        );
    }
    Ok(())
}
