//! `preflight demo`: the main job of the README. Builds a demo hash list from
//! `samples/lists/*.hma`, signs it with a throwaway key, installs it in a [`Scanner`] that uses
//! the embedded default lexicons, then scans every bundled image and every bundled chat
//! (message by message, as an app would) and prints the verdicts with their evidence.

use clap::Args;
use preflight::lists::{import_hma, IssuerSecretKey, ListBuilder};
use preflight::text::ChatLine;
use preflight::{Action, Evidence, Scanner, ScannerConfig, Verdict};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `preflight demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// The samples directory (with images/, lists/ and chats/).
    #[arg(default_value = "samples")]
    samples: PathBuf,
    /// Print each verdict as a JSON line instead of text.
    #[arg(long)]
    json: bool,
}

fn files(dir: &Path, ext: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .and_then(|x| x.to_str())
                        .is_some_and(|x| ext.contains(&x))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn summary(v: &Verdict) -> String {
    let mut parts = Vec::new();
    for s in &v.signals {
        let why: Vec<String> = s
            .evidence
            .iter()
            .map(|e| match e {
                Evidence::ListMatch {
                    kind,
                    distance,
                    variant,
                    label,
                    ..
                } => {
                    format!("{kind} match '{label}' at distance {distance} via {variant}")
                }
                Evidence::FrameMatch {
                    frame_index,
                    timestamp_ms,
                    label,
                    distance,
                    ..
                } => format!(
                    "frame {frame_index} ({timestamp_ms} ms) matches '{label}' at distance {distance}"
                ),
                Evidence::VideoMatch {
                    label,
                    query_match_pct,
                    target_match_pct,
                    ..
                } => format!(
                    "video '{label}' matched: {target_match_pct:.1}% of its frames, \
                     {query_match_pct:.1}% of the scanned ones"
                ),
                Evidence::IssuerMatch {
                    corroborated,
                    issuers,
                    required,
                    ..
                } => {
                    let names: Vec<&str> = issuers.iter().map(|i| i.issuer.as_str()).collect();
                    let state = if *corroborated { "" } else { "not " };
                    format!(
                        "on the lists of {} ({state}corroborated, {required} required)",
                        names.join(", ")
                    )
                }
                Evidence::Lexicon {
                    excerpt,
                    lexicon_id,
                    ..
                } => format!("\"{excerpt}\" ({lexicon_id})"),
                Evidence::ConversationRisk { stages, .. } => {
                    let names: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
                    format!("stages: {}", names.join(", "))
                }
                Evidence::SelfHarmLevel { own, peer } => format!(
                    "level own={} peer={}",
                    own.map_or("-", |l| l.as_str()),
                    peer.map_or("-", |l| l.as_str())
                ),
                Evidence::Classifier {
                    model,
                    label,
                    score,
                } => format!("{model} {label} {score:.2}"),
            })
            .collect();
        parts.push(format!(
            "{} {:.2} [{}]",
            s.category.name(),
            s.score,
            why.join("; ")
        ));
    }
    if v.support_suggested {
        parts.push("support suggested".into());
    }
    parts.join(" | ")
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Allow => "ALLOW",
        Action::Warn => "WARN ",
        Action::Block => "BLOCK",
    }
}

fn build_demo_list(lists_dir: &Path, key: &IssuerSecretKey) -> Result<Vec<u8>, String> {
    let mut builder = ListBuilder::new(1, 0);
    for path in files(lists_dir, &["hma", "txt"]) {
        let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        import_hma(
            std::io::BufReader::new(file),
            &mut builder,
            Some("demo"),
            "demo",
            "known_imagery",
        )
        .and_then(|r| r.into_result())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    builder.build(key).map_err(|e| e.to_string())
}

/// Runs the demo; exit code 0 when everything expected happened.
pub fn run(args: DemoArgs) -> ExitCode {
    let scanner = match demo_scanner(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("preflight demo: {e}");
            return ExitCode::from(2);
        }
    };
    scan_images(&scanner, &args);
    for path in files(&args.samples.join("chats"), &["jsonl"]) {
        scan_chat(&scanner, &path, args.json);
    }
    ExitCode::SUCCESS
}

/// A scanner trusting a throwaway key, with the demo list built from the samples, signed with
/// that key and installed; prints the list's header line.
fn demo_scanner(args: &DemoArgs) -> Result<Scanner, String> {
    let key = IssuerSecretKey::generate().map_err(|e| e.to_string())?;
    let scanner = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key.public().to_hex()],
        ..ScannerConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let list = build_demo_list(&args.samples.join("lists"), &key)
        .and_then(|bytes| {
            scanner
                .apply_list_update(&bytes, false)
                .map_err(|e| e.to_string())
        })
        .map_err(|e| format!("demo list: {e}"))?;
    if !args.json {
        println!(
            "demo list v{} digest {} ({} PDQ hashes), default English lexicons\n",
            list.version, list.digest_hex, list.counts.pdq
        );
        println!("== images");
    }
    Ok(scanner)
}

/// Scans every sample image and prints one line (or JSON record) per image.
fn scan_images(scanner: &Scanner, args: &DemoArgs) {
    for path in files(
        &args.samples.join("images"),
        &["jpg", "jpeg", "png", "webp", "gif", "bmp"],
    ) {
        let name = path.display().to_string();
        let result = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| scanner.scan_image(&b).map_err(|e| e.to_string()));
        match (result, args.json) {
            (Ok(v), true) => println!("{}", serde_json::json!({"image": name, "verdict": v})),
            (Ok(v), false) => println!("{} {name}  {}", action_name(v.action), summary(&v)),
            (Err(e), true) => println!("{}", serde_json::json!({"image": name, "error": e})),
            (Err(e), false) => println!("ERROR {name}  {e}"),
        }
    }
}

/// Scans one sample chat (JSON lines) message by message, printing each verdict; a bad line is
/// reported and skipped.
fn scan_chat(scanner: &Scanner, path: &Path, json: bool) {
    if !json {
        println!("\n== chat {}", path.display());
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("preflight demo: {}: {e}", path.display());
            return;
        }
    };
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let verdict = serde_json::from_str::<ChatLine>(line)
            .map_err(|e| e.to_string())
            .and_then(|msg| {
                scanner
                    .scan_text(&msg.conversation, msg.direction, msg.age_band, &msg.text)
                    .map(|v| (msg, v))
                    .map_err(|e| e.to_string())
            });
        match verdict {
            Ok((msg, v)) => print_chat_verdict(path, n + 1, &msg, &v, json),
            Err(e) => eprintln!("preflight demo: {}:{}: {e}", path.display(), n + 1),
        }
    }
}

/// One chat message's verdict: a JSON record, or the action, line, direction and text with the
/// signal summary below.
fn print_chat_verdict(path: &Path, line: usize, msg: &ChatLine, v: &Verdict, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::json!({"chat": path.display().to_string(), "line": line, "verdict": v})
        );
        return;
    }
    let dir = format!("{:?}", msg.direction).to_lowercase();
    println!("{} {line:>3} {dir:>8}: {}", action_name(v.action), msg.text);
    if !v.signals.is_empty() {
        println!("              {}", summary(v));
    }
}
