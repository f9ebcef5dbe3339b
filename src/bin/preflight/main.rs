//! `preflight`: the command line tool for policy teams (hashing, lists, text scanning, benchmarks).

mod list_cmd;

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
    /// Generate an ed25519 issuer keypair for signing lists.
    Keygen(list_cmd::KeygenArgs),
    /// Build, verify, inspect, diff and apply signed hash lists.
    List(list_cmd::ListArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Keygen(args) => list_cmd::keygen(args),
        Command::List(args) => list_cmd::run(args),
    }
}
