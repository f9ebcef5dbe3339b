//! `preflight`: the command line tool for policy teams (hashing, lists, text scanning, benchmarks).

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
enum Command {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {}
}
