//! `preflight eval text PATH...`: measures the text signals on labelled data and prints
//! per-category precision/recall/F1, break-downs by stage, level and technique, conversation
//! alerts with their delay, ROC AUC and recall at a false-positive budget, and the figures of
//! the real-world dev sets. Formats: docs/TEXT_EVAL.md. Metrics: `preflight::text::eval`.
//!
//! By default the whole product path runs (`Scanner::scan_text`, one fresh conversation per
//! independent message); `--lexicon-only` runs the lexicon engine and the lexicon-fed
//! conversation model alone, to measure the lexicon layer by itself.

use crate::eval_formats::{
    conversation_files, next_record, open_csv, python_string_list, read_conversation,
    read_messages_tsv, split_segment, undo_latin1_mojibake, CsvKind, Label, LabelledConversation,
    LabelledMessage,
};
use clap::{Args, Subcommand};
use preflight::text::eval::{
    latency_weighted_f1, median, recall_at_fpr, roc_auc, Counts, OperatingPoint, Rate, Scores,
    DEFAULT_LATENCY_P,
};
use preflight::text::model::fusion::graded_own_self_harm;
use preflight::text::model::TextModel;
use preflight::text::{
    AgeBand, ConversationConfig, Conversations, Direction, LexiconSet, SelfHarmLevel, TextEngine,
};
use preflight::{Action, Category, Evidence, Scanner, ScannerConfig, TextModelChoice, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use users::RedditLabel;

#[path = "eval_print.rs"]
mod print;
#[path = "eval_users.rs"]
mod users;

/// `preflight eval ...`
#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(subcommand)]
    target: EvalTarget,
}

#[derive(Subcommand, Debug)]
enum EvalTarget {
    /// Evaluate the text signals: a messages TSV, a directory of conversation JSONL files, or
    /// the real-world CSVs (a file, or the directory holding them).
    Text(TextEvalArgs),
}

/// Options of `preflight eval text`.
#[derive(Args, Debug)]
pub struct TextEvalArgs {
    /// Labelled inputs: `*.tsv` messages, a directory of `*.jsonl` conversations, a real-world
    /// `*.csv`, or a directory of real-world CSVs.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Extra lexicon file loaded on top of the embedded ones; repeat for several.
    #[arg(long = "lexicon", value_name = "FILE")]
    lexicons: Vec<PathBuf>,
    /// Message classifier file to use instead of the embedded one (`text-model train --out`).
    #[arg(long, value_name = "FILE", conflicts_with = "lexicon_only")]
    model: Option<PathBuf>,
    /// Run the lexicon engine and the lexicon-fed conversation model only (no learned model).
    #[arg(long)]
    lexicon_only: bool,
    /// Print one JSON report instead of tables.
    #[arg(long)]
    json: bool,
    /// Also list every misclassified message and missed conversation.
    #[arg(long)]
    errors: bool,
    /// Steepness `p` of the latency penalty of the latency-weighted F1.
    #[arg(long, default_value_t = DEFAULT_LATENCY_P)]
    latency_p: f64,
    /// Words per message when splitting PAN-2012 segments (which have no turn boundaries).
    #[arg(long, default_value_t = 12)]
    pan_chunk_words: usize,
    /// False-positive budget of the "recall at FPR" figures.
    #[arg(long, default_value_t = 0.05)]
    max_fpr: f64,
    /// Also write every real-world item's label and score as TSV (`file`, `row`, `label`,
    /// `score`; the score ranked by the AUC), for reading the errors behind the figures.
    #[arg(long, value_name = "FILE")]
    scores: Option<PathBuf>,
}

/// Runs the `eval` command.
pub fn run(args: EvalArgs) -> ExitCode {
    let EvalTarget::Text(args) = args.target;
    match eval_text(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// What the detector said about one message (independently, or as part of a conversation).
#[derive(Debug, Clone, Copy, Default)]
struct Prediction {
    grooming: bool,
    /// The writer's own self-harm level (own for sent messages, the peer's for received).
    self_harm: Option<SelfHarmLevel>,
    /// Self-harm signal present at all (own, peer or a model), with its score.
    self_harm_score: f32,
    /// The writer's own self-harm graded also below the signal's threshold (independent
    /// messages only: [`graded_own_self_harm`]; the lexicon detector: the own level's score).
    own_self_harm_graded: f32,
    sexual: bool,
    support: bool,
    /// The conversation's grooming risk after the message.
    grooming_risk: f32,
    /// Its uncalibrated value (same order; ranks long chats that saturate the probability).
    grooming_raw: f32,
    /// The verdict warns (or blocks) because of grooming.
    grooming_warn: bool,
    /// The verdict warns (or blocks) for any reason.
    warn: bool,
    /// The conversation's highest own self-harm level of its recent messages (the writer's
    /// state, `recent_self_harm_level`).
    own_recent: Option<SelfHarmLevel>,
}

impl Prediction {
    fn any_signal(&self) -> bool {
        self.grooming || self.self_harm.is_some() || self.sexual
    }
}

/// The detector under test: the whole scanner (with a grader of the same lexicons and
/// classifier for graded scores), or the lexicon layer alone.
enum Detector {
    Scanner(Box<Scanner>, Box<Grader>),
    Lexicon(Conversations),
}

/// Grades a message's own self-harm below the signal's threshold, with the scanner's lexicons
/// and classifier ([`graded_own_self_harm`]): the tweets' ROC score.
struct Grader {
    engine: TextEngine,
    model: Option<Arc<TextModel>>,
}

impl Grader {
    fn own_self_harm(&self, text: &str) -> f32 {
        graded_own_self_harm(&self.engine, self.model.as_deref(), text)
    }
}

/// The embedded lexicons plus `files`, compiled.
fn compile_lexicons(files: &[PathBuf]) -> Result<TextEngine, String> {
    let mut set = LexiconSet::embedded().map_err(|e| e.to_string())?;
    for f in files {
        set.add_file(f).map_err(|e| e.to_string())?;
    }
    TextEngine::compile(&set).map_err(|e| e.to_string())
}

impl Detector {
    fn new(args: &TextEvalArgs) -> Result<Detector, String> {
        let engine = compile_lexicons(&args.lexicons)?;
        if args.lexicon_only {
            return Ok(Detector::Lexicon(Conversations::new(
                Arc::new(engine),
                ConversationConfig::default(),
            )));
        }
        let model = Arc::new(
            match &args.model {
                Some(p) => TextModel::from_path(p),
                None => TextModel::embedded(),
            }
            .map_err(|e| e.to_string())?,
        );
        let config = ScannerConfig {
            extra_lexicon_files: args.lexicons.clone(),
            text_model: TextModelChoice::Model(model.clone()),
            ..Default::default()
        };
        let grader = Grader {
            engine,
            model: Some(model),
        };
        Ok(Detector::Scanner(
            Box::new(Scanner::new(config).map_err(|e| e.to_string())?),
            Box::new(grader),
        ))
    }

    /// Observes one message of conversation `id`.
    fn step(&self, id: &str, direction: Direction, age: AgeBand, text: &str) -> Prediction {
        match self {
            Detector::Scanner(s, _) => match s.scan_text(id, direction, age, text) {
                Ok(v) => {
                    let bundle = s.report_bundle(id);
                    let (risk, raw) = bundle.as_ref().map_or((0.0, 0.0), |b| {
                        (b.conversation.grooming_risk, b.conversation.grooming_raw)
                    });
                    let mut p = from_verdict(s, &v, direction, age, risk);
                    p.grooming_raw = raw;
                    p.own_recent = bundle.and_then(|b| b.conversation.recent_self_harm_level);
                    p
                }
                Err(_) => Prediction::default(),
            },
            Detector::Lexicon(c) => {
                let a = c.observe(id, direction, age, text);
                // The writer's own level, whichever side wrote the message.
                let own = a.message.self_harm_level();
                let any_sh = a.self_harm_level.or(a.peer_self_harm_level);
                let p = Prediction {
                    grooming: a
                        .message
                        .by_category(preflight::text::Category::Grooming)
                        .any(|m| m.effective_weight > 0.0),
                    self_harm: own,
                    self_harm_score: any_sh.map_or(0.0, level_score),
                    own_self_harm_graded: own.map_or(0.0, level_score),
                    sexual: a
                        .message
                        .by_category(preflight::text::Category::Sexual)
                        .next()
                        .is_some(),
                    support: a.support_suggested,
                    grooming_risk: a.grooming_risk,
                    grooming_raw: a.grooming_raw,
                    grooming_warn: a.grooming_alert,
                    warn: a.grooming_alert || any_sh.is_some(),
                    own_recent: a.recent_self_harm_level,
                };
                p
            }
        }
    }

    fn forget(&self, id: &str) {
        match self {
            Detector::Scanner(s, _) => {
                s.forget_conversation(id);
            }
            Detector::Lexicon(c) => {
                c.forget(id);
            }
        }
    }

    /// Observes one independent message.
    fn message(&self, direction: Direction, age: AgeBand, text: &str) -> Prediction {
        let mut p = self.step("eval-message", direction, age, text);
        match self {
            // One message alone: its own self-harm level is the score (the conversation
            // model would also count third-person and topic mentions as held levels).
            Detector::Lexicon(_) => {
                p.self_harm_score = p.self_harm.map_or(0.0, level_score);
            }
            Detector::Scanner(_, g) => p.own_self_harm_graded = g.own_self_harm(text),
        }
        self.forget("eval-message");
        p
    }
}

fn level_score(l: SelfHarmLevel) -> f32 {
    (l as u8 as f32 + 1.0) / 6.0
}

fn from_verdict(
    s: &Scanner,
    v: &Verdict,
    direction: Direction,
    age: AgeBand,
    risk: f32,
) -> Prediction {
    let signal = |c: Category| v.signals.iter().find(|s| s.category == c);
    let self_harm = signal(Category::SelfHarm);
    // The level the writer expressed: own for sent messages, the peer's for received ones.
    // A self-harm signal without level evidence (a model's) counts as ideation.
    let level = self_harm.and_then(|sig| {
        let levels = sig.evidence.iter().find_map(|e| match e {
            Evidence::SelfHarmLevel { own, peer } => Some((*own, *peer)),
            _ => None,
        });
        match (levels, direction) {
            (None, _) => Some(SelfHarmLevel::Ideation),
            (Some((own, _)), Direction::Sent) => own,
            (Some((own, peer)), Direction::Received) => peer.or(own),
        }
    });
    let grooming = signal(Category::Grooming);
    Prediction {
        grooming: grooming.is_some(),
        self_harm: level,
        self_harm_score: self_harm.map_or(0.0, |s| s.score.max(f32::MIN_POSITIVE)),
        sexual: signal(Category::Sexual).is_some(),
        support: v.support_suggested,
        grooming_risk: risk,
        grooming_raw: 0.0,
        own_self_harm_graded: 0.0,
        grooming_warn: grooming.is_some_and(|g| s.policy().action_for(g, age) >= Action::Warn),
        warn: v.action >= Action::Warn,
        own_recent: None,
    }
}

/// The whole report (`--json`).
#[derive(Serialize, Default)]
struct Report {
    detector: &'static str,
    messages: Vec<MessagesReport>,
    conversations: Vec<ConversationsReport>,
    pan_segments: Vec<ScoredSetReport>,
    suicide_tweets: Vec<ScoredSetReport>,
    reddit_users: Vec<RedditReport>,
}

fn eval_text(args: &TextEvalArgs) -> Result<(), String> {
    let detector = Detector::new(args)?;
    if let Some(path) = &args.scores {
        std::fs::write(path, "file\trow\tlabel\tscore\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let mut report = Report {
        detector: if args.lexicon_only {
            "lexicon"
        } else {
            "scanner"
        },
        ..Default::default()
    };
    for path in &args.paths {
        eval_path(args, &detector, path, &mut report)?;
    }
    if args.json {
        let s = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{s}");
    } else {
        print::print_report(&report, args.errors);
    }
    Ok(())
}

fn eval_path(
    args: &TextEvalArgs,
    d: &Detector,
    path: &Path,
    report: &mut Report,
) -> Result<(), String> {
    if path.is_dir() {
        let conversations = conversation_files(path).map_err(|e| e.to_string())?;
        if !conversations.is_empty() {
            report
                .conversations
                .push(eval_conversations(args, d, path, &conversations)?);
            return Ok(());
        }
        let mut csvs: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        csvs.sort();
        if csvs.is_empty() {
            return Err(format!("{}: no *.jsonl or *.csv files", path.display()));
        }
        for csv in csvs {
            eval_csv(args, d, &csv, report)?;
        }
        return Ok(());
    }
    match path.extension().and_then(|x| x.to_str()) {
        Some("tsv") => {
            let msgs = read_messages_tsv(path).map_err(|e| e.to_string())?;
            report.messages.push(eval_messages(d, path, &msgs));
            Ok(())
        }
        Some("csv") => eval_csv(args, d, path, report),
        Some("jsonl") => {
            let files = [path.to_path_buf()];
            report
                .conversations
                .push(eval_conversations(args, d, path, &files)?);
            Ok(())
        }
        _ => Err(format!(
            "{}: expected a .tsv, .csv, .jsonl file or a directory",
            path.display()
        )),
    }
}

/// Figures of one messages TSV.
#[derive(Serialize)]
struct MessagesReport {
    file: String,
    messages: usize,
    grooming: Scores,
    self_harm: Scores,
    sexual: Option<Scores>,
    /// Benign messages that got any signal (grooming, own self-harm, sexual).
    benign_signal_rate: Rate,
    benign_by_kind: BTreeMap<String, Rate>,
    grooming_recall_by_stage: BTreeMap<String, Rate>,
    self_harm_recall_by_level: BTreeMap<String, Rate>,
    /// Detected self-harm messages whose level is the labelled one.
    self_harm_level_exact: Rate,
    /// Recall of non-benign messages by technique (and signal rate of benign ones).
    recall_by_technique: BTreeMap<String, Rate>,
    /// Benign help-seeking / third-person messages where support was suggested.
    support_on_help_seeking: Rate,
    errors: Vec<MessageError>,
}

/// A misclassified message.
#[derive(Serialize)]
struct MessageError {
    line: usize,
    label: &'static str,
    detail: String,
    predicted: Vec<&'static str>,
    text: String,
}

fn predicted_names(p: &Prediction) -> Vec<&'static str> {
    let mut v = Vec::new();
    if p.grooming {
        v.push("grooming");
    }
    if p.self_harm.is_some() {
        v.push("self_harm");
    }
    if p.sexual {
        v.push("sexual");
    }
    v
}

fn eval_messages(d: &Detector, path: &Path, msgs: &[LabelledMessage]) -> MessagesReport {
    let mut r = MessagesReport {
        file: path.display().to_string(),
        messages: msgs.len(),
        grooming: Counts::default().summary(),
        self_harm: Counts::default().summary(),
        sexual: None,
        benign_signal_rate: Rate::default(),
        benign_by_kind: BTreeMap::new(),
        grooming_recall_by_stage: BTreeMap::new(),
        self_harm_recall_by_level: BTreeMap::new(),
        self_harm_level_exact: Rate::default(),
        recall_by_technique: BTreeMap::new(),
        support_on_help_seeking: Rate::default(),
        errors: Vec::new(),
    };
    let (mut g, mut sh, mut sx) = (Counts::default(), Counts::default(), Counts::default());
    for m in msgs {
        let p = d.message(m.direction, m.age_band, &m.text);
        g.add(m.label == Label::Grooming, p.grooming);
        sh.add(m.label == Label::SelfHarm, p.self_harm.is_some());
        sx.add(m.label == Label::Sexual, p.sexual);
        let hit = match m.label {
            Label::Grooming => p.grooming,
            Label::SelfHarm => p.self_harm.is_some(),
            Label::Sexual => p.sexual,
            Label::Benign => p.any_signal(),
        };
        match m.label {
            Label::Benign => {
                r.benign_signal_rate.add(hit);
                r.benign_by_kind
                    .entry(m.detail.clone())
                    .or_default()
                    .add(hit);
                if matches!(m.detail.as_str(), "help_seeking" | "third_person") {
                    r.support_on_help_seeking.add(p.support);
                }
            }
            Label::Grooming => r
                .grooming_recall_by_stage
                .entry(m.detail.clone())
                .or_default()
                .add(hit),
            Label::SelfHarm => {
                r.self_harm_recall_by_level
                    .entry(m.detail.clone())
                    .or_default()
                    .add(hit);
                if let Some(l) = p.self_harm {
                    r.self_harm_level_exact.add(l.as_str() == m.detail);
                }
            }
            Label::Sexual => {}
        }
        for t in &m.techniques {
            let key = if m.label == Label::Benign {
                format!("{t} (benign signal rate)")
            } else {
                t.clone()
            };
            r.recall_by_technique.entry(key).or_default().add(hit);
        }
        // Benign with a signal, or a concern without its category.
        if (m.label == Label::Benign) == hit {
            r.errors.push(MessageError {
                line: m.line,
                label: m.label.as_str(),
                detail: m.detail.clone(),
                predicted: predicted_names(&p),
                text: m.text.clone(),
            });
        }
    }
    r.grooming = g.summary();
    r.self_harm = sh.summary();
    r.sexual = (sx.tp + sx.fn_ > 0).then(|| sx.summary());
    r
}

/// Figures of one directory of conversations.
#[derive(Serialize)]
struct ConversationsReport {
    dir: String,
    conversations: usize,
    /// Grooming conversations with a grooming warning.
    grooming_alerted: Rate,
    /// Alerts at or before the first concerning message.
    grooming_alert_at_or_before_concern: Rate,
    /// Delay in messages after the first concerning message (negative: earlier), per alert.
    grooming_delays: Vec<i64>,
    grooming_median_delay: Option<f64>,
    /// Conversation-level grooming warnings (positive: grooming conversations).
    grooming_conversation: Scores,
    /// Latency-weighted F1 (Vogt et al. 2021) of the grooming warnings.
    grooming_latency_f1: Option<f64>,
    /// ROC AUC of the highest grooming risk reached, grooming vs all other conversations.
    grooming_risk_auc: Option<f64>,
    self_harm_detected: Rate,
    self_harm_delays: Vec<i64>,
    self_harm_median_delay: Option<f64>,
    /// Benign conversations with any warning.
    benign_warned: Rate,
    per_conversation: Vec<ConversationResult>,
}

/// One conversation's outcome.
#[derive(Serialize)]
struct ConversationResult {
    name: String,
    label: &'static str,
    note: String,
    messages: usize,
    first_concern: Option<usize>,
    /// 0-based index of the first message with the warning the label calls for (grooming
    /// warning, self-harm signal, or for benign conversations any warning).
    detected_at: Option<usize>,
    max_grooming_risk: f32,
    first_grooming_warn: Option<usize>,
}

fn run_conversation(d: &Detector, c: &LabelledConversation, n: usize) -> ConversationResult {
    let id = format!("eval-conversation-{n}");
    let mut r = ConversationResult {
        name: c.name.clone(),
        label: c.label.as_str(),
        note: c.note.clone(),
        messages: c.messages.len(),
        first_concern: c.first_concern,
        detected_at: None,
        max_grooming_risk: 0.0,
        first_grooming_warn: None,
    };
    for (i, m) in c.messages.iter().enumerate() {
        let p = d.step(&id, m.direction, m.age_band, &m.text);
        r.max_grooming_risk = r.max_grooming_risk.max(p.grooming_risk);
        if p.grooming_warn && r.first_grooming_warn.is_none() {
            r.first_grooming_warn = Some(i);
        }
        let detected = match c.label {
            Label::Grooming | Label::Sexual => p.grooming_warn,
            Label::SelfHarm => p.self_harm_score > 0.0,
            Label::Benign => p.warn,
        };
        if detected && r.detected_at.is_none() {
            r.detected_at = Some(i);
        }
    }
    d.forget(&id);
    r
}

fn delay(r: &ConversationResult) -> Option<i64> {
    let at = i64::try_from(r.detected_at?).ok()?;
    let concern = i64::try_from(r.first_concern?).ok()?;
    Some(at - concern)
}

fn eval_conversations(
    args: &TextEvalArgs,
    d: &Detector,
    dir: &Path,
    files: &[PathBuf],
) -> Result<ConversationsReport, String> {
    let mut results = Vec::new();
    for (n, f) in files.iter().enumerate() {
        let c = read_conversation(f).map_err(|e| e.to_string())?;
        results.push(run_conversation(d, &c, n));
    }
    let is = |r: &ConversationResult, l: Label| r.label == l.as_str();
    let mut counts = Counts::default();
    let mut tp_ks = Vec::new();
    let (mut alerted, mut early, mut sh, mut benign) = (
        Rate::default(),
        Rate::default(),
        Rate::default(),
        Rate::default(),
    );
    let (mut g_delays, mut sh_delays) = (Vec::new(), Vec::new());
    for r in &results {
        let grooming = is(r, Label::Grooming);
        counts.add(grooming, r.first_grooming_warn.is_some());
        if grooming {
            alerted.add(r.detected_at.is_some());
            if let Some(k) = r.detected_at {
                tp_ks.push(k as u64 + 1);
            }
            let dl = delay(r);
            early.add(dl.is_some_and(|x| x <= 0));
            g_delays.extend(dl);
        } else if is(r, Label::SelfHarm) {
            sh.add(r.detected_at.is_some());
            sh_delays.extend(delay(r));
        } else if is(r, Label::Benign) {
            benign.add(r.detected_at.is_some());
        }
    }
    let as_f64 = |v: &[i64]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    let scored: Vec<(f32, bool)> = results
        .iter()
        .map(|r| (r.max_grooming_risk, is(r, Label::Grooming)))
        .collect();
    Ok(ConversationsReport {
        dir: dir.display().to_string(),
        conversations: results.len(),
        grooming_alerted: alerted,
        grooming_alert_at_or_before_concern: early,
        grooming_median_delay: median(&as_f64(&g_delays)),
        grooming_delays: g_delays,
        grooming_conversation: counts.summary(),
        grooming_latency_f1: latency_weighted_f1(&counts, &tp_ks, args.latency_p),
        grooming_risk_auc: roc_auc(&scored),
        self_harm_detected: sh,
        self_harm_median_delay: median(&as_f64(&sh_delays)),
        self_harm_delays: sh_delays,
        benign_warned: benign,
        per_conversation: results,
    })
}

/// Figures of a scored real-world set (PAN segments, tweets).
#[derive(Serialize)]
struct ScoredSetReport {
    file: String,
    items: usize,
    positives: usize,
    /// ROC AUC of the score (PAN: highest uncalibrated conversation grooming risk; tweets: the
    /// graded own self-harm, `graded_own_self_harm`).
    auc: Option<f64>,
    /// Best recall at the false-positive budget.
    at_max_fpr: Option<OperatingPoint>,
    max_fpr: f64,
    /// The product's own decision (PAN: grooming warning; tweets: self-harm signal).
    flagged: Scores,
    /// PAN only: any grooming or sexual lexicon signal on any chunk.
    any_signal: Option<Scores>,
    /// Tweets only: rows whose UTF-8 had been read as Latin-1, scored as typed
    /// (`undo_latin1_mojibake`).
    #[serde(skip_serializing_if = "Option::is_none")]
    repaired_encoding: Option<usize>,
}

/// Figures of the Columbia-scale Reddit users.
#[derive(Serialize)]
struct RedditReport {
    file: String,
    users: usize,
    /// Per severity label: users flagged by any post, by the writer's state and sustained
    /// (see `eval_users.rs`), and the highest own level reached.
    by_label: BTreeMap<String, RedditLabel>,
}

/// Appends one TSV row per scored item (1-based row in its file) to `out`.
fn write_scores(out: &Path, file: &str, scored: &[(f32, bool)]) -> std::io::Result<()> {
    use std::io::Write;
    let f = std::fs::OpenOptions::new().append(true).open(out)?;
    let mut w = std::io::BufWriter::new(f);
    for (i, (score, positive)) in scored.iter().enumerate() {
        writeln!(w, "{file}\t{}\t{}\t{score}", i + 1, u8::from(*positive))?;
    }
    w.flush()
}

fn eval_csv(
    args: &TextEvalArgs,
    d: &Detector,
    path: &Path,
    report: &mut Report,
) -> Result<(), String> {
    let (kind, mut reader) = open_csv(path).map_err(|e| e.to_string())?;
    let mut rec = csv::StringRecord::new();
    let mut scored: Vec<(f32, bool)> = Vec::new();
    let (mut flagged, mut any) = (Counts::default(), Counts::default());
    let mut reddit: BTreeMap<String, RedditLabel> = BTreeMap::new();
    let mut users = 0;
    let mut repaired_encoding = 0usize;
    let mut n = 0usize;
    while next_record(path, &mut reader, &mut rec).map_err(|e| e.to_string())? {
        n += 1;
        let id = format!("eval-csv-{n}");
        match kind {
            CsvKind::PanSegments => {
                let positive = rec.get(1).is_some_and(|l| l.trim() == "1");
                let segment = rec.get(0).unwrap_or("");
                // The raw risk is negative without any sign of a minor: start below every value.
                let (mut risk, mut warn, mut sig) = (f32::MIN, false, false);
                for chunk in split_segment(segment, args.pan_chunk_words) {
                    let p = d.step(&id, Direction::Received, AgeBand::Unknown, &chunk);
                    risk = risk.max(p.grooming_raw);
                    warn |= p.grooming_warn;
                    sig |= p.grooming || p.sexual;
                }
                d.forget(&id);
                scored.push((risk, positive));
                flagged.add(positive, warn);
                any.add(positive, sig);
            }
            CsvKind::Tweets => {
                let positive = rec.get(1).is_some_and(|l| l.trim() == "1");
                let raw = rec.get(0).unwrap_or("");
                // Scored as typed: a row stored with its UTF-8 read as Latin-1 is read back.
                let repaired = undo_latin1_mojibake(raw);
                repaired_encoding += usize::from(repaired.is_some());
                let p = d.message(
                    Direction::Sent,
                    AgeBand::Unknown,
                    repaired.as_deref().unwrap_or(raw),
                );
                scored.push((p.own_self_harm_graded, positive));
                flagged.add(positive, p.self_harm_score > 0.0);
            }
            CsvKind::RedditUsers => {
                users += 1;
                let posts = python_string_list(rec.get(1).unwrap_or(""))
                    .unwrap_or_else(|| vec![rec.get(1).unwrap_or("").to_string()]);
                let label = rec.get(2).unwrap_or("").trim().to_string();
                let reading = users::read_user(d, &id, &posts);
                reddit.entry(label).or_default().add(&reading);
            }
        }
    }
    let file = path.display().to_string();
    if let Some(out) = &args.scores {
        write_scores(out, &file, &scored).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let positives = scored.iter().filter(|x| x.1).count();
    let set = |any_signal| ScoredSetReport {
        file: file.clone(),
        items: scored.len(),
        positives,
        auc: roc_auc(&scored),
        at_max_fpr: recall_at_fpr(&scored, args.max_fpr),
        max_fpr: args.max_fpr,
        flagged: flagged.summary(),
        any_signal,
        repaired_encoding: None,
    };
    match kind {
        CsvKind::PanSegments => report.pan_segments.push(set(Some(any.summary()))),
        CsvKind::Tweets => report.suicide_tweets.push(ScoredSetReport {
            repaired_encoding: Some(repaired_encoding),
            ..set(None)
        }),
        CsvKind::RedditUsers => report.reddit_users.push(RedditReport {
            file: file.clone(),
            users,
            by_label: reddit,
        }),
    }
    Ok(())
}
