//! `preflight bench`'s text figure: the whole `Scanner::scan_text` with the learned classifier
//! against the same scanner with lexicons only, on ~85-byte chat messages, in the same run.

use preflight::text::model::TextModel;
use preflight::text::{AgeBand, Direction};
use preflight::{Scanner, ScannerConfig, TextModelChoice};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

/// ~85-byte chat messages, mostly benign, some concerning.
pub const MESSAGES: [&str; 8] = [
    "hey did you finish the maths homework yet? i'm stuck on question 4 and it's due tmrw",
    "you're so mature for your age, honestly most people on here are so immature and boring",
    "don't tell your parents we talk ok? they wouldn't understand. it's our little secret :)",
    "i just want to die, everything is going wrong and nobody would even notice if i left",
    "practice got cancelled because of the rain so i'm just at home watching films all day",
    "r u home alone rn? what r u wearing? i can come to your place when your mum leaves",
    "we're going to the beach in the summer, my dad rented a house near the coast for a week",
    "that new song is so good i've been listening to it on repeat all day, you need to hear",
];

fn best_ms(scanner: &Scanner, rounds: usize, n: usize) -> Result<f64, String> {
    let mut best = f64::INFINITY;
    for r in 0..rounds.max(1) + 1 {
        let t = Instant::now();
        for i in 0..n {
            let m = MESSAGES[i % MESSAGES.len()];
            let id = format!("c{}", i % 64);
            black_box(
                scanner
                    .scan_text(&id, Direction::Received, AgeBand::Age13To15, black_box(m))
                    .map_err(|e| e.to_string())?,
            );
        }
        if r > 0 {
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok(best)
}

/// Times `n` messages through both scanners; returns (with model ms, lexicon-only ms).
pub fn scan_text_ms(rounds: usize, n: usize) -> Result<(f64, f64), String> {
    let with = Scanner::new(ScannerConfig::default()).map_err(|e| e.to_string())?;
    let without = Scanner::new(ScannerConfig {
        text_model: TextModelChoice::Off,
        ..ScannerConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let mut a = f64::INFINITY;
    let mut b = f64::INFINITY;
    for _ in 0..2 {
        a = a.min(best_ms(&with, rounds, n)?);
        b = b.min(best_ms(&without, rounds, n)?);
    }
    Ok((a, b))
}

/// Times `n` messages through a scanner with the classifier file at `path`.
pub fn scan_text_model_ms(path: &std::path::Path, rounds: usize, n: usize) -> Result<f64, String> {
    let model = TextModel::from_path(path).map_err(|e| e.to_string())?;
    let scanner = Scanner::new(ScannerConfig {
        text_model: TextModelChoice::Model(Arc::new(model)),
        ..ScannerConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let mut best = f64::INFINITY;
    for _ in 0..2 {
        best = best.min(best_ms(&scanner, rounds, n)?);
    }
    Ok(best)
}
