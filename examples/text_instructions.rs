//! Runs one text engine over the `benches/text.rs` chat corpus a given number of times, for
//! counting CPU instructions per message with a tool (the timing benches are noisy on shared
//! machines; instruction counts are not).
//!
//! Usage: `text_instructions (preflight|rustrict) ROUNDS`, or `text_instructions dump FILE...`
//! (prints the analysis of every line, to compare two builds). Both engines are warmed up with one
//! round first (rustrict builds its word trie lazily), so the difference between two runs with
//! different ROUNDS is the per-round cost:
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.0 target/release/examples/text_instructions preflight 0
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.10 target/release/examples/text_instructions preflight 10
//! ```
//!
//! then (Ir of the second - Ir of the first) / (10 × 24 messages).

use preflight::text::TextEngine;
use std::hint::black_box;

#[path = "../benches/common/text_corpus.rs"]
mod text_corpus;
use text_corpus::CORPUS;

fn main() {
    let mut args = std::env::args().skip(1);
    let engine_name = args.next().unwrap_or_else(|| "preflight".into());
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut sink = 0usize;
    match engine_name.as_str() {
        "preflight" => {
            let engine = TextEngine::default_english().expect("embedded lexicons compile");
            eprintln!("automaton {} bytes", engine.automaton_bytes());
            for _ in 0..=rounds {
                for m in CORPUS {
                    sink += engine.analyze(black_box(m)).matches.len();
                }
            }
        }
        "dump" => {
            // Equivalence check for speed work: every line of the given files (and the last
            // tab-separated field of each), analyzed, printed in full.
            let engine = TextEngine::default_english().expect("embedded lexicons compile");
            let embedded = TextEngine::default_embedded().expect("embedded lexicons compile");
            for f in std::env::args().skip(2) {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                for line in text.lines() {
                    let last = line.rsplit('\t').next().unwrap_or(line);
                    for m in [line, last] {
                        println!("{:?}", engine.analyze(m));
                        println!("{:?}", embedded.analyze(m));
                    }
                }
            }
            return;
        }
        "rustrict" => {
            for _ in 0..=rounds {
                for m in CORPUS {
                    let t = rustrict::Censor::from_str(black_box(m)).analyze();
                    sink += usize::from(t.is(rustrict::Type::INAPPROPRIATE));
                }
            }
        }
        other => {
            eprintln!("unknown engine {other:?}: preflight or rustrict");
            std::process::exit(2);
        }
    }
    println!("{} messages per round, sink {sink}", CORPUS.len());
}
