//! Plain-text tables for `preflight eval text` (the `--json` report carries the same figures).

use super::{ConversationsReport, MessagesReport, RedditReport, Report, ScoredSetReport};
use preflight::text::eval::{Rate, Scores};
use std::collections::BTreeMap;

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{:.1}%", x * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"))
}

fn rate(r: &Rate) -> String {
    format!("{}/{} ({})", r.hits, r.total, pct(r.value()))
}

fn scores_line(name: &str, s: &Scores) {
    println!(
        "  {name:<10} precision {:>6}  recall {:>6}  F1 {:>5}   (tp {} fp {} fn {} tn {})",
        pct(s.precision),
        pct(s.recall),
        num(s.f1),
        s.counts.tp,
        s.counts.fp,
        s.counts.fn_,
        s.counts.tn
    );
}

fn rates(title: &str, map: &BTreeMap<String, Rate>) {
    if map.is_empty() {
        return;
    }
    println!("  {title}:");
    for (k, r) in map {
        println!("    {k:<34} {}", rate(r));
    }
}

/// Prints every section of the report.
pub fn print_report(r: &Report, errors: bool) {
    println!("detector: {}", r.detector);
    for m in &r.messages {
        messages(m, errors);
    }
    for c in &r.conversations {
        conversations(c, errors);
    }
    for s in &r.pan_segments {
        scored(
            "PAN-2012 segments (score: highest uncalibrated conversation grooming risk)",
            s,
        );
    }
    for s in &r.suicide_tweets {
        scored(
            "suicidal tweets (score: graded own self-harm; flagged: the self-harm signal)",
            s,
        );
    }
    for s in &r.reddit_users {
        reddit(s);
    }
}

fn messages(m: &MessagesReport, errors: bool) {
    println!("\nmessages: {} ({} messages)", m.file, m.messages);
    scores_line("grooming", &m.grooming);
    scores_line("self_harm", &m.self_harm);
    if let Some(s) = &m.sexual {
        scores_line("sexual", s);
    }
    println!("  benign with any signal: {}", rate(&m.benign_signal_rate));
    println!(
        "  support suggested on help-seeking/third-person benign: {}",
        rate(&m.support_on_help_seeking)
    );
    println!(
        "  self-harm level exact (of detected): {}",
        rate(&m.self_harm_level_exact)
    );
    rates("grooming recall by stage", &m.grooming_recall_by_stage);
    rates("self-harm recall by level", &m.self_harm_recall_by_level);
    rates("recall by technique", &m.recall_by_technique);
    rates("benign signal rate by kind", &m.benign_by_kind);
    if errors {
        println!("  errors ({}):", m.errors.len());
        for e in &m.errors {
            println!(
                "    line {:>4} {:<9} {:<18} got [{}]  {}",
                e.line,
                e.label,
                e.detail,
                e.predicted.join(","),
                e.text
            );
        }
    }
}

fn conversations(c: &ConversationsReport, errors: bool) {
    println!("\nconversations: {} ({})", c.dir, c.conversations);
    println!("  grooming alerted: {}", rate(&c.grooming_alerted));
    println!(
        "  alert at or before the first concerning message: {}",
        rate(&c.grooming_alert_at_or_before_concern)
    );
    println!(
        "  grooming delay after first concern: median {}  all {:?}",
        num(c.grooming_median_delay),
        c.grooming_delays
    );
    scores_line("conv", &c.grooming_conversation);
    println!(
        "  latency-weighted F1: {}   grooming-risk ROC AUC: {}",
        num(c.grooming_latency_f1),
        num(c.grooming_risk_auc)
    );
    println!(
        "  self-harm detected: {}  median delay {}",
        rate(&c.self_harm_detected),
        num(c.self_harm_median_delay)
    );
    println!("  benign conversations warned: {}", rate(&c.benign_warned));
    if errors {
        for r in &c.per_conversation {
            let bad = if r.label == "benign" {
                r.detected_at.is_some()
            } else {
                r.detected_at.is_none()
            };
            println!(
                "    {} {:<28} {:<9} msgs {:>3} concern {:>4} detected {:>4} risk {:.2}  {}",
                if bad { "x" } else { " " },
                r.name,
                r.label,
                r.messages,
                r.first_concern.map_or("-".into(), |x| x.to_string()),
                r.detected_at.map_or("-".into(), |x| x.to_string()),
                r.max_grooming_risk,
                r.note
            );
        }
    }
}

fn scored(title: &str, s: &ScoredSetReport) {
    println!(
        "\n{title}: {} ({} items, {} positive)",
        s.file, s.items, s.positives
    );
    println!("  ROC AUC: {}", num(s.auc));
    if let Some(p) = &s.at_max_fpr {
        println!(
            "  recall at <= {} FPR: {} (FPR {}, threshold {:.3})",
            pct(Some(s.max_fpr)),
            pct(Some(p.recall)),
            pct(Some(p.false_positive_rate)),
            p.threshold
        );
    }
    let f = &s.flagged;
    println!(
        "  flagged: recall {}  FPR {}  precision {}",
        pct(f.recall),
        pct(Some(
            f.counts.fp as f64 / (f.counts.fp + f.counts.tn).max(1) as f64
        )),
        pct(f.precision)
    );
    if let Some(n) = s.repaired_encoding {
        println!("  rows read back from UTF-8 decoded as Latin-1: {n}");
    }
    if let Some(a) = &s.any_signal {
        println!(
            "  any grooming/sexual signal: recall {}  FPR {}",
            pct(a.recall),
            pct(Some(
                a.counts.fp as f64 / (a.counts.fp + a.counts.tn).max(1) as f64
            ))
        );
    }
}

fn reddit(r: &RedditReport) {
    println!(
        "\nColumbia-scale Reddit users: {} ({} users)",
        r.file, r.users
    );
    for (label, l) in &r.by_label {
        let levels: Vec<String> = l
            .highest_level
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        println!(
            "  {label:<12} flagged: any post {}  writer's state {}  sustained {}   highest own level [{}]",
            rate(&l.flagged),
            rate(&l.writer_state),
            rate(&l.sustained),
            levels.join(" ")
        );
    }
}
