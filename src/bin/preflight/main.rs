//! `preflight`: the command line tool for policy teams (hashing, lists, text scanning, benchmarks).

mod lexicon_cmd;
mod scan_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Preflight's policy-team tool.
#[derive(Parser)]
#[command(name = "preflight", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a message or a chat transcript for grooming, self-harm and sexual-content signals.
    Scan(scan_cmd::ScanArgs),
    /// Lint lexicon files or run their examples.
    Lexicon(lexicon_cmd::LexiconArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan_cmd::run(args),
        Command::Lexicon(args) => lexicon_cmd::run(args),
    }
}
