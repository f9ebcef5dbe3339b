//! Hostile conversation-state documents (what an app persists and hands back on restart, and
//! what a tampered backup may contain): evidence the library could never have written must be
//! refused with a typed `StateError`, so it cannot reach later assessments and report bundles.
//! Found by the `report_bundle` fuzz target's size bound (a 1 MB excerpt in an imported
//! document made every report of that conversation megabytes long).

use preflight::text::{ConversationConfig, Conversations, StateError, TextEngine};
use std::sync::Arc;

fn conversations() -> Conversations {
    let engine = Arc::new(TextEngine::default_english().unwrap());
    Conversations::new(engine, ConversationConfig::default())
}

/// The committed seed document (an export of state version 1) with its first evidence item's
/// `field = ...` line replaced.
fn seed_with(field: &str, value: &str) -> String {
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/corpus/state_import/seed-v1-grooming.toml"
    ))
    .unwrap();
    let prefix = format!("{field} = ");
    let mut done = false;
    let lines: Vec<String> = seed
        .lines()
        .map(|l| {
            if !done && l.starts_with(&prefix) {
                done = true;
                format!("{prefix}{value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(done, "the seed has no `{field}` line");
    lines.join("\n")
}

fn malformed(doc: &str) -> String {
    match conversations().import_state(doc) {
        Err(StateError::Malformed { message, .. }) => message,
        other => panic!("expected a Malformed error, got {other:?}"),
    }
}

#[test]
fn the_unmodified_seed_imports() {
    let c = conversations();
    let doc = seed_with("excerpt", "\"mature for ur age\"");
    assert_eq!(c.import_state(&doc).unwrap(), "seed");
    assert_eq!(c.assessment("seed").unwrap().evidence.len(), 3);
}

#[test]
fn an_excerpt_longer_than_any_the_library_writes_is_refused() {
    let at_limit = format!("\"{}\"", "a".repeat(80));
    assert!(conversations()
        .import_state(&seed_with("excerpt", &at_limit))
        .is_ok());
    let huge = format!("\"{}\"", "a".repeat(1 << 20));
    let m = malformed(&seed_with("excerpt", &huge));
    assert!(m.contains("excerpt over 80 bytes"), "{m}");
}

#[test]
fn a_huge_lexicon_id_repeated_modifiers_and_non_finite_contributions_are_refused() {
    let id = format!("\"{}\"", "x".repeat(257));
    assert!(malformed(&seed_with("lexicon_id", &id)).contains("lexicon id over 256 bytes"));
    let many = format!("[{}]", vec!["\"negation\""; 100_000].join(","));
    assert!(malformed(&seed_with("modifiers", &many)).contains("modifier is repeated"));
    assert!(
        malformed(&seed_with("modifiers", "[\"hyperbole\", \"hyperbole\"]"))
            .contains("modifier is repeated")
    );
    assert!(conversations()
        .import_state(&seed_with("modifiers", "[\"negation\", \"hyperbole\"]"))
        .is_ok());
    for bad in ["nan", "inf", "-inf"] {
        assert!(malformed(&seed_with("contribution", bad)).contains("not a finite number"));
    }
}
