//! `preflight lexicon lint|test`: check lexicon files for errors and weak spots, and run the
//! `examples` / `counter_examples` every entry declares.

use crate::scan_cmd::LexiconOpts;
use clap::{Args, Subcommand};
use preflight::text::normalize::{normalize, NormalizeOptions};
use preflight::text::{Boundary, LexiconSet, TextEngine};
use serde::Serialize;
use std::collections::HashMap;
use std::process::ExitCode;

/// `preflight lexicon ...`
#[derive(Args, Debug)]
pub struct LexiconArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Parse, validate and compile lexicons; warn about weak spots. Without --lexicon, checks
    /// the embedded English lexicons.
    Lint {
        #[command(flatten)]
        lexicons: LexiconOpts,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run every entry's examples (must match) and counter_examples (must not match).
    Test {
        #[command(flatten)]
        lexicons: LexiconOpts,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the `lexicon` command.
pub fn run(args: LexiconArgs) -> ExitCode {
    let (opts, json, lint) = match args.action {
        Action::Lint { lexicons, json } => (lexicons, json, true),
        Action::Test { lexicons, json } => (lexicons, json, false),
    };
    let set = match opts.load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let engine = match TextEngine::compile(&set) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if lint {
        lint_set(&set, engine.automaton_bytes(), json)
    } else {
        test_set(&engine, json)
    }
}

#[derive(Serialize)]
struct LintReport {
    lexicons: usize,
    entries: usize,
    patterns: usize,
    modifiers: usize,
    safelist: usize,
    automaton_bytes: usize,
    warnings: Vec<String>,
}

fn skeleton(s: &str) -> String {
    normalize(s, NormalizeOptions::default())
        .as_str()
        .trim_matches(|c: char| c == ' ' || c == '.')
        .to_string()
}

fn lint_set(set: &LexiconSet, automaton_bytes: usize, json: bool) -> ExitCode {
    let mut warnings = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let safelist: Vec<String> = set.safelist.iter().map(|s| skeleton(s)).collect();
    let mut patterns = 0;
    for e in &set.entries {
        if e.examples.is_empty() {
            warnings.push(format!("{}: entry `{}` has no examples", e.source, e.id));
        }
        for p in &e.patterns {
            patterns += 1;
            let sk = skeleton(p);
            if let Some(other) = seen.get(&sk) {
                if other != &e.id {
                    warnings.push(format!(
                        "{}: `{}` pattern {p:?} normalizes like a pattern of `{other}` ({sk:?})",
                        e.source, e.id
                    ));
                }
            } else {
                seen.insert(sk.clone(), e.id.clone());
            }
            if e.boundary == Boundary::None && sk.chars().count() < 4 {
                warnings.push(format!(
                    "{}: `{}` pattern {p:?} matches inside words but is under 4 letters",
                    e.source, e.id
                ));
            }
            if safelist.contains(&sk) {
                warnings.push(format!(
                    "{}: `{}` pattern {p:?} is itself safelisted and can never fire",
                    e.source, e.id
                ));
            }
        }
    }
    let report = LintReport {
        lexicons: set.lexicons.len(),
        entries: set.entries.len(),
        patterns,
        modifiers: set.modifiers.len(),
        safelist: set.safelist.len(),
        automaton_bytes,
        warnings,
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        for w in &report.warnings {
            println!("warning: {w}");
        }
        println!(
            "ok: {} lexicon(s), {} entries, {} patterns, {} modifier sets, {} safelist phrases, automaton {} KiB, {} warning(s)",
            report.lexicons,
            report.entries,
            report.patterns,
            report.modifiers,
            report.safelist,
            report.automaton_bytes / 1024,
            report.warnings.len()
        );
    }
    ExitCode::SUCCESS
}

fn test_set(engine: &TextEngine, json: bool) -> ExitCode {
    let total: usize = engine
        .entries()
        .iter()
        .map(|e| e.examples.len() + e.counter_examples.len())
        .sum();
    let failures = engine.check_examples();
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            cases: usize,
            failures: &'a [preflight::text::ExampleFailure],
        }
        match serde_json::to_string_pretty(&Out {
            cases: total,
            failures: &failures,
        }) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        for f in &failures {
            println!(
                "FAIL {}: {:?} should {}match (matched: {:?})",
                f.lexicon_id,
                f.text,
                if f.expected_match { "" } else { "not " },
                f.found
            );
        }
        println!(
            "{} of {total} example(s) passed",
            total.saturating_sub(failures.len())
        );
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
