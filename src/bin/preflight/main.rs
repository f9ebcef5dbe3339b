//! `preflight`: the command line tool for policy teams (hashing, lists, text scanning, benchmarks).

mod hash_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Preflight's policy-team tool: hash images, build and verify hash lists, scan text.
#[derive(Parser)]
#[command(name = "preflight", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Hash image files (PDQ, pHash, dHash, MD5, SHA-1, SHA-256) as TSV or JSON lines.
    Hash(hash_cmd::HashArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Hash(args) => hash_cmd::run(args),
    }
}
