//! Text throughput: `TextEngine::analyze` with the full embedded English lexicons against
//! rustrict (`Censor::analyze`, its default word list) on the same corpus of ~85-byte chat
//! messages, in the same run. Target: ≥ 10× rustrict.
//!
//! Run: `cargo bench --bench text`. Compare the two `thrpt` lines of the `chat_85b` group,
//! and the final `interleaved:` line, which alternates the two engines in short rounds so
//! that load on a shared machine affects both equally.

use criterion::{criterion_group, Criterion, Throughput};
use preflight::text::TextEngine;
use std::hint::black_box;

#[path = "common/text_corpus.rs"]
mod text_corpus;
use text_corpus::CORPUS;

fn bench(c: &mut Criterion) {
    let engine = TextEngine::default_english().expect("embedded lexicons compile");
    let bytes: usize = CORPUS.iter().map(|m| m.len()).sum();
    eprintln!(
        "corpus: {} messages, {:.1} bytes on average",
        CORPUS.len(),
        bytes as f64 / CORPUS.len() as f64
    );
    let mut group = c.benchmark_group("chat_85b");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("preflight_analyze", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in CORPUS {
                n += engine.analyze(black_box(m)).matches.len();
            }
            n
        })
    });
    group.bench_function("preflight_normalize_only", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in CORPUS {
                n += preflight::text::normalize::normalize(black_box(m), Default::default())
                    .as_str()
                    .len();
            }
            n
        })
    });
    group.bench_function("rustrict_analyze", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for m in CORPUS {
                let t = rustrict::Censor::from_str(black_box(m)).analyze();
                n += u32::from(t.is(rustrict::Type::INAPPROPRIATE));
            }
            n
        })
    });
    group.finish();
    scan_text_group(c);
}

/// The whole `Scanner::scan_text` (lexicons + learned classifier + conversation model) against
/// the lexicon-only scanner, per message. Target: ≥ 20,000 85-byte messages/s on one core.
fn scan_text_group(c: &mut Criterion) {
    use preflight::text::model::TextModel;
    use preflight::text::{AgeBand, Direction};
    use preflight::{Scanner, ScannerConfig, TextModelChoice};
    use std::sync::Arc;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/text-model.pftm");
    let model = Arc::new(TextModel::from_path(&path).expect("committed model loads"));
    let mut group = c.benchmark_group("scan_text_85b");
    group.throughput(Throughput::Elements(CORPUS.len() as u64));
    for (name, choice) in [
        ("with_classifier", TextModelChoice::Model(model)),
        ("lexicons_only", TextModelChoice::Off),
    ] {
        let scanner = Scanner::new(ScannerConfig {
            text_model: choice,
            ..ScannerConfig::default()
        })
        .expect("scanner");
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0;
                for (i, m) in CORPUS.iter().enumerate() {
                    let id = if i % 2 == 0 { "a" } else { "b" };
                    let v = scanner
                        .scan_text(id, Direction::Received, AgeBand::Age13To15, black_box(m))
                        .expect("scan");
                    n += v.signals.len();
                }
                n
            })
        });
    }
    group.finish();
}

/// Times both engines in alternating short rounds, so machine load (these runners are shared)
/// hits both equally, and prints the throughput ratio measured in the same run.
fn interleaved_ratio() {
    use std::time::{Duration, Instant};
    let engine = TextEngine::default_english().expect("embedded lexicons compile");
    let bytes: usize = CORPUS.iter().map(|m| m.len()).sum();
    let reps = 200;
    let (mut ours, mut theirs) = (Duration::ZERO, Duration::ZERO);
    let mut sink = 0usize;
    for _ in 0..30 {
        let t = Instant::now();
        for _ in 0..reps {
            for m in CORPUS {
                sink += engine.analyze(black_box(m)).matches.len();
            }
        }
        ours += t.elapsed();
        let t = Instant::now();
        for _ in 0..reps / 10 {
            for m in CORPUS {
                let ty = rustrict::Censor::from_str(black_box(m)).analyze();
                sink += usize::from(ty.is(rustrict::Type::INAPPROPRIATE));
            }
        }
        theirs += t.elapsed() * 10;
    }
    let total = (bytes * reps * 30) as f64 / 1e6;
    let ours_mbs = total / ours.as_secs_f64();
    let theirs_mbs = total / theirs.as_secs_f64();
    println!(
        "interleaved: preflight {ours_mbs:.1} MB/s, rustrict {theirs_mbs:.2} MB/s, ratio {:.1}x (sink {})",
        ours_mbs / theirs_mbs,
        sink % 7
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    interleaved_ratio();
    Criterion::default().configure_from_args().final_summary();
}
