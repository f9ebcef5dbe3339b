//! `preflight text-model calibrate`: runs the corpus conversations through the conversation
//! model (with a classifier trained on the corpus's train split only), fits the Platt scaling
//! of the raw grooming risk on the train conversations' prefixes, prints the constants and the
//! operating points they give (the alert and report thresholds of the raw risk the product
//! keeps, [`preflight::text::conversation::ALERT_RAW`] and `REPORT_RAW`, expressed as
//! probabilities), and reports, on the test conversations, detection, delay after the first
//! concerning message, benign alerts, self-harm fading and the reliability of the constants in
//! use and of the refit (Brier score, a 10-bin table), the one in use drawn as an SVG plot.
//!
//! To adopt a refit: copy the printed `PLATT_A`, `PLATT_B`, `DEFAULT_ALERT_RISK` and
//! `DEFAULT_REPORT_RISK` into `src/text/conversation.rs`, rebuild and run the command again so
//! the plot shows the constants in use.

use preflight::text::conversation::{calibrate, ALERT_RAW, REPORT_RAW};
use preflight::text::model::train::{corpus_digest, parse_corpus, train_model, TrainConfig};
use preflight::text::model::TextModel;
use preflight::text::{ChatLine, ConversationConfig, Conversations, TextEngine};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// One labelled conversation of the corpus.
pub struct LabelledConversation {
    /// Conversation id.
    pub id: String,
    /// `grooming`, `self_harm` or `benign`.
    pub label: String,
    /// Benign kind (hard-negative type), if any.
    pub kind: String,
    /// `train` or `test`.
    pub split: String,
    /// Index of the first concerning message.
    pub first: Option<usize>,
    /// Its lines.
    pub lines: Vec<ChatLine>,
}

/// Reads `conversations.jsonl` and `conversations_labels.tsv` from `dir`.
pub fn load_conversations(dir: &Path) -> Result<Vec<LabelledConversation>, String> {
    let read = |n: &str| {
        std::fs::read_to_string(dir.join(n)).map_err(|e| format!("{}: {e}", dir.join(n).display()))
    };
    let mut lines: BTreeMap<String, Vec<ChatLine>> = BTreeMap::new();
    for (i, l) in read("conversations.jsonl")?.lines().enumerate() {
        let c: ChatLine = serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1))?;
        lines.entry(c.conversation.clone()).or_default().push(c);
    }
    let mut out = Vec::new();
    for l in read("conversations_labels.tsv")?.lines().skip(1) {
        let c: Vec<&str> = l.split('\t').collect();
        let [id, label, kind, _age, split, first, _n] = c[..] else {
            return Err(format!("bad label line: {l}"));
        };
        out.push(LabelledConversation {
            id: id.to_string(),
            label: label.to_string(),
            kind: kind.to_string(),
            split: split.to_string(),
            first: first.parse().ok(),
            lines: lines.remove(id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Per-message outputs of one conversation.
struct Trace {
    raw: Vec<f32>,
    risk: Vec<f32>,
    /// The conversation model's own alert (`grooming_alert`) after each message.
    alert: Vec<bool>,
    self_harm: Vec<bool>,
}

fn trace(c: &Conversations, conv: &LabelledConversation) -> Trace {
    let mut t = Trace {
        raw: vec![],
        risk: vec![],
        alert: vec![],
        self_harm: vec![],
    };
    for l in &conv.lines {
        let a = c.observe(&l.conversation, l.direction, l.age_band, &l.text);
        t.raw.push(a.grooming_raw);
        t.risk.push(a.grooming_risk);
        t.alert.push(a.grooming_alert);
        t.self_harm
            .push(a.self_harm_level.is_some() || a.peer_self_harm_level.is_some());
    }
    t
}

/// Fits `p = σ(a·x + b)` by Newton's method on (x, y) pairs.
fn platt(points: &[(f32, bool)]) -> (f64, f64) {
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-6, 0.0, 1e-6);
        for &(x, y) in points {
            let x = f64::from(x);
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            let e = p - if y { 1.0 } else { 0.0 };
            ga += e * x;
            gb += e;
            let w = p * (1.0 - p);
            haa += w * x * x;
            hab += w * x;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        a -= (hbb * ga - hab * gb) / det;
        b -= (haa * gb - hab * ga) / det;
    }
    (a, b)
}

fn prefix_points(convs: &[&LabelledConversation], traces: &[Trace]) -> Vec<(f32, f32, bool)> {
    let mut pts = Vec::new();
    for (c, t) in convs.iter().zip(traces) {
        for (k, (&raw, &risk)) in t.raw.iter().zip(&t.risk).enumerate() {
            match (c.label.as_str(), c.first) {
                ("grooming", Some(f)) if k >= f => pts.push((raw, risk, true)),
                ("grooming", _) => {}
                _ => pts.push((raw, risk, false)),
            }
        }
    }
    pts
}

/// Runs the calibration report; writes the reliability plot to `svg`.
pub fn run(corpus: &Path, conv_dir: &Path, svg: &Path) -> Result<(), String> {
    let tsv = std::fs::read_to_string(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let examples = parse_corpus(&tsv).map_err(|e| e.to_string())?;
    let (model, _) = train_model(
        &examples,
        &["train"],
        corpus_digest(&tsv),
        &TrainConfig::default(),
    )
    .map_err(|e| e.to_string())?;
    let engine = Arc::new(TextEngine::default_english().map_err(|e| e.to_string())?);
    let convs = load_conversations(conv_dir)?;
    let run_split = |split: &str, model: Option<Arc<TextModel>>| {
        let chosen: Vec<&LabelledConversation> =
            convs.iter().filter(|c| c.split == split).collect();
        let c = Conversations::with_model(engine.clone(), model, ConversationConfig::default());
        let traces: Vec<Trace> = chosen.iter().map(|v| trace(&c, v)).collect();
        (chosen, traces)
    };
    let model = Arc::new(model);
    let (train_c, train_t) = run_split("train", Some(model.clone()));
    let (a, b) = platt(
        &prefix_points(&train_c, &train_t)
            .iter()
            .map(|p| (p.0, p.2))
            .collect::<Vec<_>>(),
    );
    let refit = |raw: f32| 1.0 / (1.0 + (-(a * f64::from(raw) + b)).exp());
    println!("platt fit on train conversations: PLATT_A = {a:.3}, PLATT_B = {b:.3}");
    println!(
        "  operating points on the refit: DEFAULT_ALERT_RISK = {:.4} (raw {ALERT_RAW}), \
         DEFAULT_REPORT_RISK = {:.4} (raw {REPORT_RAW})",
        refit(ALERT_RAW),
        refit(REPORT_RAW)
    );
    println!(
        "  in use: DEFAULT_ALERT_RISK = {:.4}, DEFAULT_REPORT_RISK = {:.4}",
        calibrate(ALERT_RAW),
        calibrate(REPORT_RAW)
    );
    for (name, m) in [
        ("lexicon + model", Some(model.clone())),
        ("lexicon only", None),
    ] {
        let (test_c, test_t) = run_split("test", m);
        println!("== test conversations, {name}");
        report(&test_c, &test_t);
        if name == "lexicon + model" {
            let pts = prefix_points(&test_c, &test_t);
            let refitted: Vec<(f32, f32, bool)> = pts
                .iter()
                .map(|&(raw, _, y)| (raw, refit(raw) as f32, y))
                .collect();
            println!("  constants in use:");
            let bins = reliability(&pts);
            println!("  refit:");
            reliability(&refitted);
            std::fs::write(svg, plot(&bins, brier(&pts), pts.len()))
                .map_err(|e| format!("{}: {e}", svg.display()))?;
        }
    }
    Ok(())
}

fn report(convs: &[&LabelledConversation], traces: &[Trace]) {
    let mut delays = Vec::new();
    let (mut groom, mut alerted, mut benign, mut benign_alerted) = (0, 0, 0, 0);
    let (mut sh, mut sh_faded) = (0, 0);
    let mut scored: Vec<(f32, bool)> = Vec::new();
    for (c, t) in convs.iter().zip(traces) {
        let first_alert = t.alert.iter().position(|&a| a);
        let max = t.risk.iter().copied().fold(0.0, f32::max);
        scored.push((max, c.label == "grooming"));
        match c.label.as_str() {
            "grooming" => {
                groom += 1;
                if let (Some(a), Some(f)) = (first_alert, c.first) {
                    alerted += 1;
                    delays.push(a as i64 - f as i64);
                }
            }
            "self_harm" => {
                sh += 1;
                let flagged = t.self_harm.iter().filter(|x| **x).count();
                let last_two = t.self_harm.iter().rev().take(2).any(|x| *x);
                if flagged >= 1 && !last_two {
                    sh_faded += 1;
                }
                benign += 1;
                benign_alerted += usize::from(first_alert.is_some());
            }
            _ => {
                benign += 1;
                if first_alert.is_some() {
                    benign_alerted += 1;
                    println!("  benign alerted: {} ({})", c.id, c.kind);
                }
            }
        }
    }
    delays.sort_unstable();
    let median = delays.get(delays.len() / 2).copied().unwrap_or(-99);
    let early = delays.iter().filter(|d| **d <= 0).count();
    println!(
        "  grooming alerted {alerted}/{groom}; delay after first concerning message: median {median}, \
         at or before it {early}/{alerted}, within 2 {}/{alerted}",
        delays.iter().filter(|d| **d <= 2).count()
    );
    println!("  non-grooming conversations alerted {benign_alerted}/{benign}");
    println!(
        "  self-harm conversations flagged on the message and faded by the end {sh_faded}/{sh}"
    );
    println!("  AUC of max risk (grooming vs rest) {:.3}", auc(&scored));
}

/// ROC AUC by the rank-sum formula (ties count half).
pub fn auc(scored: &[(f32, bool)]) -> f64 {
    let pos: Vec<f32> = scored.iter().filter(|s| s.1).map(|s| s.0).collect();
    let neg: Vec<f32> = scored.iter().filter(|s| !s.1).map(|s| s.0).collect();
    let mut sum = 0.0;
    for p in &pos {
        for n in &neg {
            sum += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    sum / (pos.len() * neg.len()).max(1) as f64
}

/// Brier score of (raw, probability, label) points.
fn brier(points: &[(f32, f32, bool)]) -> f64 {
    points
        .iter()
        .map(|&(_, p, y)| (f64::from(p) - if y { 1.0 } else { 0.0 }).powi(2))
        .sum::<f64>()
        / points.len().max(1) as f64
}

/// One reliability bin: points, positives, sum of predicted probabilities.
type Bin = (usize, usize, f64);

/// Prints the Brier score and the 10-bin reliability table of (raw, probability, label)
/// points; returns the bins.
fn reliability(points: &[(f32, f32, bool)]) -> [Bin; 10] {
    let mut bins = [(0usize, 0usize, 0f64); 10];
    for &(_, p, y) in points {
        let i = ((p * 10.0) as usize).min(9);
        if let Some(b) = bins.get_mut(i) {
            b.0 += 1;
            b.1 += usize::from(y);
            b.2 += f64::from(p);
        }
    }
    println!(
        "  reliability (test prefixes, {} points, Brier {:.3}):",
        points.len(),
        brier(points)
    );
    for (i, (n, pos, sum)) in bins.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        println!(
            "    bin {:.1}-{:.1}: n {n:>4}, mean predicted {:.2}, observed {:.2}",
            i as f64 / 10.0,
            (i + 1) as f64 / 10.0,
            sum / *n as f64,
            *pos as f64 / *n as f64
        );
    }
    bins
}

/// The reliability plot (SVG) of `bins`.
fn plot(bins: &[Bin; 10], brier: f64, points: usize) -> String {
    let mut dots = String::new();
    for (n, pos, sum) in bins {
        if *n == 0 {
            continue;
        }
        let mean = sum / *n as f64;
        let frac = *pos as f64 / *n as f64;
        let r = 3.0 + (*n as f64).sqrt().min(12.0);
        dots.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\" fill=\"#3465a4\" fill-opacity=\"0.7\"><title>n={n}</title></circle>\n",
            40.0 + mean * 300.0,
            340.0 - frac * 300.0
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"380\" height=\"390\" font-family=\"sans-serif\" font-size=\"12\">\n\
<rect width=\"380\" height=\"390\" fill=\"white\"/>\n\
<line x1=\"40\" y1=\"340\" x2=\"340\" y2=\"40\" stroke=\"#999\" stroke-dasharray=\"4\"/>\n\
<rect x=\"40\" y=\"40\" width=\"300\" height=\"300\" fill=\"none\" stroke=\"black\"/>\n\
<text x=\"190\" y=\"370\" text-anchor=\"middle\">predicted grooming risk (test conversation prefixes)</text>\n\
<text x=\"15\" y=\"190\" transform=\"rotate(-90 15 190)\" text-anchor=\"middle\">observed share concerning</text>\n\
<text x=\"190\" y=\"25\" text-anchor=\"middle\">Reliability, Brier {brier:.3}, {points} prefixes</text>\n\
<text x=\"40\" y=\"355\">0</text><text x=\"335\" y=\"355\">1</text><text x=\"28\" y=\"44\">1</text>\n{dots}</svg>\n"
    )
}
