//! Lexicon files from disk: typed errors with file, line and field; I/O errors; engines built
//! from files only; every shipped lexicon's examples pass.

use preflight::text::{Category, LexiconError, LexiconSet, TextEngine};
use std::path::PathBuf;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn malformed_file_reports_file_line_and_field() {
    let err = TextEngine::from_lexicon_files(&[repo("tests/fixtures/text/malformed_lexicon.toml")])
        .unwrap_err();
    match &err {
        LexiconError::Field {
            source_name,
            line,
            id,
            field,
            ..
        } => {
            assert!(source_name.ends_with("malformed_lexicon.toml"));
            assert_eq!((*line, id.as_str(), *field), (12, "broken.entry", "level"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(":12:") && msg.contains("broken.entry"),
        "{msg}"
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let err = TextEngine::from_lexicon_files(&[repo("tests/fixtures/text/nope.toml")]).unwrap_err();
    assert!(matches!(err, LexiconError::Io { .. }), "{err:?}");
}

#[test]
fn file_only_engine_has_only_its_entries() {
    let e = TextEngine::from_lexicon_files(&[repo("lexicons/es/self_harm.toml")]).unwrap();
    assert!(e.entries().iter().all(|x| x.language == "es"));
    assert!(e.analyze("i want to kill myself").is_empty());
    let a = e.analyze("me quiero morir");
    assert_eq!(a.matches[0].category, Category::SelfHarm);
}

#[test]
fn every_shipped_lexicon_passes_its_examples() {
    let mut set = LexiconSet::english().unwrap();
    for f in std::fs::read_dir(repo("lexicons/es")).unwrap() {
        set.add_file(f.unwrap().path()).unwrap();
    }
    let e = TextEngine::compile(&set).unwrap();
    let examples: usize = e
        .entries()
        .iter()
        .map(|x| x.examples.len() + x.counter_examples.len())
        .sum();
    assert!(examples > 80, "{examples}");
    assert_eq!(e.check_examples(), vec![]);
}

#[test]
fn embedded_english_files_match_the_repository_copies() {
    // The binary embeds lexicons/en/*.toml; loading them from disk gives the same entries.
    let embedded = LexiconSet::english().unwrap();
    let mut disk = LexiconSet::new();
    for name in ["grooming", "self_harm", "sexual", "modifiers", "safelist"] {
        disk.add_file(repo(&format!("lexicons/en/{name}.toml")))
            .unwrap();
    }
    assert_eq!(embedded.entries.len(), disk.entries.len());
    assert_eq!(embedded.safelist, disk.safelist);
    for (a, b) in embedded.entries.iter().zip(&disk.entries) {
        assert_eq!((&a.id, &a.patterns), (&b.id, &b.patterns));
    }
}
