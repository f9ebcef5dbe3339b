//! `ScannerConfig.text_model`: the app passes the message classifier as a file path or as its
//! bytes (an asset), or turns it off; a file that does not load is `InvalidConfig`.

use preflight_ffi::{
    AgeBand, Direction, Evidence, PreflightError, Scanner, ScannerConfig, TextModelSource,
};
use std::path::PathBuf;

fn model_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/text-model.pftm"
    ))
}

fn config(text_model: Option<TextModelSource>) -> ScannerConfig {
    ScannerConfig {
        text_model,
        ..ScannerConfig::new(tempfile::tempdir().unwrap().keep().display().to_string())
    }
}

/// Lexicon ids of the classifier's evidence ("model:<label>") in a verdict.
fn model_evidence(s: &Scanner, text: &str) -> Vec<String> {
    let v = s
        .scan_text(
            "c".into(),
            Direction::Received,
            AgeBand::Age13To15,
            text.into(),
        )
        .unwrap();
    v.signals
        .iter()
        .flat_map(|s| s.evidence.iter())
        .filter_map(|e| match e {
            Evidence::Lexicon { lexicon_id, .. } if lexicon_id.starts_with("model:") => {
                Some(lexicon_id.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_model_from_bytes_or_a_path_is_used_and_off_turns_it_off() {
    let text = "dont tell ur mom we talk ok, its our secret";
    let bytes = std::fs::read(model_path()).unwrap();
    let from_bytes = Scanner::new(config(Some(TextModelSource::Bytes { bytes }))).unwrap();
    let got = model_evidence(&from_bytes, text);
    assert!(
        got.iter().any(|id| id.starts_with("model:grooming")),
        "{got:?}"
    );
    let path = model_path().display().to_string();
    let from_path = Scanner::new(config(Some(TextModelSource::Path { path }))).unwrap();
    assert_eq!(model_evidence(&from_path, text), got);
    let off = Scanner::new(config(Some(TextModelSource::Off))).unwrap();
    assert!(model_evidence(&off, text).is_empty());
}

#[test]
fn a_model_that_does_not_load_is_invalid_config() {
    let garbage = Scanner::new(config(Some(TextModelSource::Bytes {
        bytes: b"PFTM but not really".to_vec(),
    })));
    assert!(
        matches!(garbage, Err(PreflightError::InvalidConfig(ref m)) if m.starts_with("text model")),
        "{garbage:?}"
    );
    let missing = Scanner::new(config(Some(TextModelSource::Path {
        path: "/nonexistent/text-model.pftm".into(),
    })));
    assert!(
        matches!(missing, Err(PreflightError::InvalidConfig(ref m)) if m.starts_with("text model")),
        "{missing:?}"
    );
}
