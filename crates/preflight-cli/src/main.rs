//! `preflight`: the command line tool for policy teams (hashing, lists, text scanning, benchmarks).

mod bench_cmd;
mod bench_lists;
mod bench_text;
mod demo_cmd;
mod eval_cmd;
mod eval_formats;
mod hash_cmd;
mod lexicon_cmd;
mod list_cmd;
mod list_log_cmd;
mod scan_batch;
mod scan_cmd;
mod scan_image_cmd;
mod text_calibrate;
mod text_embed_args;
mod text_model_cmd;
mod video_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[cfg(feature = "onnx")]
mod classify_cmd;

/// Preflight's policy-team tool: hash images, build and verify hash lists, scan text.
#[derive(Parser)]
#[command(name = "preflight", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan the bundled samples (images against a demo list, chats with the default lexicons).
    Demo(demo_cmd::DemoArgs),
    /// Hash image files (PDQ, pHash, dHash, MD5, SHA-1, SHA-256) as TSV or JSON lines.
    Hash(hash_cmd::HashArgs),
    /// Scan images against a signed list or store, or a message or chat transcript for grooming,
    /// self-harm and sexual-content signals.
    Scan(scan_cmd::ScanArgs),
    /// Measure the text signals on labelled messages, conversations and real-world sets.
    Eval(eval_cmd::EvalArgs),
    /// Lint lexicon files or run their examples.
    Lexicon(lexicon_cmd::LexiconArgs),
    /// Run the ONNX classifiers on images or texts.
    #[cfg(feature = "onnx")]
    Classify(classify_cmd::ClassifyArgs),
    /// Generate an ed25519 issuer keypair for signing lists.
    Keygen(list_cmd::KeygenArgs),
    /// Build, verify, inspect, diff and apply signed hash lists.
    List(list_cmd::ListArgs),
    /// Train and measure the on-device message classifier (text-corpus/ -> models/text-model.pftm).
    TextModel(text_model_cmd::TextModelArgs),
    /// Time JPEG -> PDQ and list queries against in-run baselines (runs on a device as is).
    Bench(bench_cmd::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(args) => demo_cmd::run(args),
        Command::Hash(args) => hash_cmd::run(args),
        Command::Scan(args) => scan_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Lexicon(args) => lexicon_cmd::run(args),
        #[cfg(feature = "onnx")]
        Command::Classify(args) => classify_cmd::run(args),
        Command::Keygen(args) => list_cmd::keygen(args),
        Command::List(args) => list_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
        Command::TextModel(args) => text_model_cmd::run(args),
    }
}
