//! `preflight scan batch`: many independent messages (one per line, or a TSV of
//! `direction<TAB>age_band<TAB>text`), each scanned alone, one result line each. Streams the
//! input: memory does not grow with the file.

use crate::scan_cmd::{action_name, scanner, LexiconOpts};
use clap::Args;
use preflight::text::{AgeBand, Direction};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// Options of `preflight scan batch`.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// The input file (`-` for standard input).
    file: PathBuf,
    #[command(flatten)]
    lexicons: LexiconOpts,
    /// Lines are `direction<TAB>age_band<TAB>text` (direction `sent`/`received`; age band
    /// `under13`, `13-15`, `16-17`, `adult`, `unknown`) instead of bare messages.
    #[arg(long)]
    tsv: bool,
    /// Print JSON Lines (one verdict per input line).
    #[arg(long)]
    json: bool,
}

fn parse_tsv(line: &str) -> Result<(Direction, AgeBand, &str), String> {
    let mut cols = line.splitn(3, '\t');
    let (Some(d), Some(a), Some(t)) = (cols.next(), cols.next(), cols.next()) else {
        return Err("expected direction<TAB>age_band<TAB>text".into());
    };
    let direction = match d {
        "sent" => Direction::Sent,
        "received" => Direction::Received,
        other => return Err(format!("unknown direction {other:?}")),
    };
    let age = serde_json::from_value::<AgeBand>(serde_json::Value::String(a.to_string()))
        .map_err(|_| format!("unknown age band {a:?}"))?;
    Ok((direction, age, t))
}

/// Runs `scan batch`. Bad lines are reported and skipped; the exit status is then 2.
pub fn run(args: &BatchArgs) -> Result<(), String> {
    let scanner = scanner(&args.lexicons)?;
    let input: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(&args.file)
            .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
        Box::new(std::io::BufReader::new(f))
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let w = |e: std::io::Error| e.to_string();
    let mut skipped = 0usize;
    for (i, raw) in input.split(b'\n').enumerate() {
        let line_no = i + 1;
        let raw = raw.map_err(w)?;
        let parsed = std::str::from_utf8(&raw)
            .map_err(|e| format!("invalid UTF-8 ({e})"))
            .map(|l| l.trim_end_matches('\r'))
            .and_then(|l| {
                if args.tsv {
                    parse_tsv(l)
                } else {
                    Ok((Direction::Sent, AgeBand::Unknown, l))
                }
            });
        let (direction, age, text) = match parsed {
            Ok(x) if x.2.trim().is_empty() => continue,
            Ok(x) => x,
            Err(e) => {
                skipped += 1;
                eprintln!("{}:{line_no}: {e} (skipped)", args.file.display());
                continue;
            }
        };
        let v = scanner
            .scan_text("batch", direction, age, text)
            .map_err(|e| e.to_string())?;
        scanner.forget_conversation("batch");
        if args.json {
            let rec =
                serde_json::json!({"line": line_no, "action": action_name(v.action), "verdict": v});
            writeln!(out, "{rec}").map_err(w)?;
        } else {
            let cats: Vec<&str> = v.signals.iter().map(|s| s.category.name()).collect();
            writeln!(
                out,
                "{line_no}\t{}\t{}\t{text}",
                action_name(v.action),
                if cats.is_empty() {
                    "-".to_string()
                } else {
                    cats.join(",")
                }
            )
            .map_err(w)?;
        }
    }
    out.flush().map_err(w)?;
    if skipped > 0 {
        return Err(format!(
            "{}: {skipped} line(s) skipped",
            args.file.display()
        ));
    }
    Ok(())
}
