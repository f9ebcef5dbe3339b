//! Robustness: pseudo-random mixes of lexicon phrases, evasion characters, broken HTML and
//! arbitrary Unicode never panic, and every reported span slices the original text on char
//! boundaries and equals the reported `matched` text.

use preflight::text::normalize::{normalize, Leet, NormalizeOptions};
use preflight::text::TextEngine;

const PIECES: &[&str] = &[
    "kill myself",
    "k i l l",
    "don't tell your parents",
    "send me a pic",
    "scunthorpe",
    "<b>",
    "</b",
    "<",
    ">",
    "&",
    "&#107;",
    "&#xZZ;",
    "&#1114112;",
    "&amp",
    "\u{200b}",
    "\u{202e}",
    "\u{200d}",
    "\u{fe0f}",
    "😀",
    "👨\u{200d}👩",
    "é",
    "e\u{301}",
    "ｋ",
    "𝐤",
    "кі",
    "ß",
    "ﬁ",
    "ǅ",
    "İ",
    "\u{fdfa}",
    "1",
    "!",
    "|",
    "@",
    "$",
    "0",
    " ",
    "  ",
    ".",
    ",",
    "\n",
    "\t",
    "'",
    "not",
    "never",
    "my friend",
    "lol",
    "want to die",
    "*",
    "ab",
    "x",
    "13",
    "\u{0}",
    "\u{10ffff}",
];

fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn random_inputs_never_panic_and_spans_are_exact() {
    let engine = TextEngine::default_english().unwrap();
    let mut seed = 42u64;
    let mut matched = 0;
    for _ in 0..4000 {
        let mut t = String::new();
        for _ in 0..(lcg(&mut seed) % 14 + 1) {
            t.push_str(PIECES[lcg(&mut seed) as usize % PIECES.len()]);
        }
        for opts in [
            NormalizeOptions::default(),
            NormalizeOptions {
                join_spaced: true,
                leet: Leet::OneAsL,
            },
        ] {
            let n = normalize(&t, opts);
            let len = n.as_str().len();
            for i in 0..len {
                let span = n.original_span(i..i + 1).unwrap();
                assert!(t.get(span.clone()).is_some(), "{t:?} byte {i} -> {span:?}");
            }
            assert!(n.original_span(len..len + 1).is_none());
        }
        let a = engine.analyze(&t);
        for m in &a.matches {
            assert_eq!(t.get(m.start..m.end), Some(m.matched.as_str()), "{t:?}");
            matched += 1;
        }
    }
    assert!(
        matched > 100,
        "the generator should produce matches too ({matched})"
    );
}

/// The state_import fuzz target's seed is a real exported document (regenerate with
/// `PREFLIGHT_WRITE_FUZZ_SEEDS=1`). It was written by state version 1, so it also proves that a
/// version-1 document still imports after any version bump.
#[test]
fn fuzz_seed_is_an_exported_conversation_state() {
    use preflight::text::{AgeBand, ConversationConfig, Conversations, Direction, TextEngine};
    let engine = std::sync::Arc::new(TextEngine::default_english().unwrap());
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus/state_import/seed-v1-grooming.toml");
    if std::env::var_os("PREFLIGHT_WRITE_FUZZ_SEEDS").is_some() {
        let c = Conversations::new(engine.clone(), ConversationConfig::default());
        for (dir, text) in [
            (Direction::Received, "hey ur so mature for ur age"),
            (Direction::Received, "dont tell ur mom we talk ok"),
            (Direction::Sent, "i want to die"),
        ] {
            c.observe("seed", dir, AgeBand::Age13To15, text);
        }
        let doc = c.export_state("seed").unwrap().unwrap();
        std::fs::create_dir_all(seed.parent().unwrap()).unwrap();
        std::fs::write(&seed, doc).unwrap();
    }
    let doc = std::fs::read_to_string(&seed).unwrap();
    let c = Conversations::new(engine, ConversationConfig::default());
    let id = c.import_state(&doc).unwrap();
    assert_eq!(id, "seed");
    let a = c.assessment("seed").unwrap();
    assert!(
        a.grooming_risk > 0.0,
        "the imported state lost its evidence"
    );
}
