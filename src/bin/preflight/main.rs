//! `preflight`: the command line tool for policy teams (hashing, lists, text scanning, benchmarks).

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[cfg(feature = "onnx")]
mod classify_cmd;

/// Preflight's policy-team tool.
#[derive(Parser)]
#[command(name = "preflight", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the ONNX classifiers on images or texts.
    #[cfg(feature = "onnx")]
    Classify(classify_cmd::ClassifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        #[cfg(feature = "onnx")]
        Command::Classify(args) => classify_cmd::run(args),
    }
}
