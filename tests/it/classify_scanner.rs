//! Classifiers inside the Scanner: their signals join the hash signals in one Verdict with the
//! model and label as evidence; a missing runtime is a typed error, never a crash, and never
//! hides a known-image match. Needs `scripts/setup-onnx.sh` (the suite runs it).
#![cfg(feature = "onnx")]

use crate::common;

use crate::classify_support;

use classify_support::{fixture, model, runtime};
use preflight::classify::ClassifierConfig;
use preflight::lists::{HashKind, IssuerSecretKey, ListBuilder};
use preflight::{Action, Category, Error, Evidence, Scanner, ScannerConfig};

fn config(classifiers: ClassifierConfig, key: &IssuerSecretKey) -> ScannerConfig {
    ScannerConfig {
        trusted_list_keys: vec![key.public().to_hex()],
        classifiers: Some(classifiers),
        ..ScannerConfig::default()
    }
}

fn bridge() -> Vec<u8> {
    std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pdq/images/bridge-1-original.jpg"),
    )
    .unwrap()
}

#[test]
fn nsfw_score_joins_the_verdict_with_model_evidence() {
    let key = IssuerSecretKey::from_seed(&[3u8; 32]);
    let classifiers = ClassifierConfig {
        runtime_path: runtime(),
        nsfw_model: Some(model("open-nsfw.onnx")),
        ..ClassifierConfig::default()
    };
    let s = Scanner::new(config(classifiers, &key)).unwrap();
    assert!(s.has_classifiers());
    let img = std::fs::read(fixture("coffee.png")).unwrap();
    let v = s.scan_image(&img).unwrap();
    let nudity = v
        .signals_of(Category::Nudity)
        .next()
        .expect("a nudity signal");
    assert!(nudity.score < 0.2, "benign fixture scored {}", nudity.score);
    assert_eq!(v.action, Action::Allow);
    match &nudity.evidence[0] {
        Evidence::Classifier {
            model,
            label,
            score,
        } => {
            assert_eq!(model, "open_nsfw");
            assert!(!label.is_empty());
            assert_eq!(*score, nudity.score);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_runtime_is_a_typed_error_but_known_matches_still_block() {
    let key = IssuerSecretKey::from_seed(&[4u8; 32]);
    let classifiers = ClassifierConfig {
        runtime_path: "/nonexistent/libonnxruntime.so".into(),
        nsfw_model: Some(model("open-nsfw.onnx")),
        ..ClassifierConfig::default()
    };
    let s = Scanner::new(config(classifiers, &key)).unwrap(); // lazy: nothing loaded yet
    let img = std::fs::read(fixture("coffee.png")).unwrap();
    let err = s.scan_image(&img).unwrap_err();
    assert!(matches!(err, Error::Classify(_)), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/libonnxruntime.so"),
        "{err}"
    );

    let mut b = ListBuilder::new(1, 0);
    let h = common::drawn_pdq("bridge-1-original.jpg");
    b.add(HashKind::Pdq, &h.0, 0, "demo", "test").unwrap();
    s.apply_list_update(&b.build(&key).unwrap(), false).unwrap();
    assert_eq!(s.scan_image(&bridge()).unwrap().action, Action::Block);
}
