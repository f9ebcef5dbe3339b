//! The FFI surface exercised from Rust exactly as the bindings call it (owned `String`s and
//! `Vec<u8>`s, records in and out): configuration validation, typed errors, the committed demo
//! lists, conversation export/import and the report bundle. The same scenarios run again on the
//! JVM through the generated Kotlin (tests/kotlin), which proves the marshalling.

use preflight_ffi::{
    default_policy, library_version, Action, AgeBand, Category, Direction, Evidence, HashKind,
    PreflightError, ReportMessage, Scanner, ScannerConfig, SourcePolicy,
};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap()
}

fn test_key() -> String {
    String::from_utf8(read("tests/fixtures/ffi/test-issuer.pub"))
        .unwrap()
        .trim()
        .to_string()
}

/// A fresh store directory, kept for the test's duration (leaked: removed with the temp dir).
fn store() -> String {
    tempfile::tempdir().unwrap().keep().display().to_string()
}

/// The defaults with the test issuer's key, in a fresh store.
fn config() -> ScannerConfig {
    ScannerConfig {
        trusted_list_keys: vec![test_key()],
        ..ScannerConfig::new(store())
    }
}

fn scanner() -> std::sync::Arc<Scanner> {
    Scanner::new(config()).unwrap()
}

#[test]
fn list_update_then_image_scans_block_listed_images_only() {
    let s = scanner();
    assert_eq!(s.list_info().version, 0);
    let info = s
        .apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .unwrap();
    assert_eq!(info.version, 1);
    assert_eq!(info.counts.pdq, 1);
    assert_eq!(s.list_info(), info);

    let v = s
        .scan_image(read("tests/fixtures/pdq/images/bridge-2-rotate-90.jpg"))
        .unwrap();
    assert_eq!(v.action, Action::Block);
    assert_eq!(v.signals[0].category, Category::KnownCsam);
    match &v.signals[0].evidence[0] {
        Evidence::ListMatch {
            kind,
            label,
            sources,
            list_digest,
            ..
        } => {
            assert_eq!(*kind, HashKind::Pdq);
            assert_eq!(label, "demo-bridge");
            assert_eq!(sources.len(), 2);
            assert_eq!(list_digest, &info.digest_hex);
        }
        other => panic!("{other:?}"),
    }
    let wee = read("tests/fixtures/pdq/images/wee.jpg");
    assert_eq!(s.scan_image(wee.clone()).unwrap().action, Action::Allow);

    // The v1 -> v2 delta adds wee.jpg's MD5; v1 again is a rollback.
    let v2 = s
        .apply_list_update(read("tests/fixtures/ffi/demo-delta-v1-v2.pfdelta"), false)
        .unwrap();
    assert_eq!((v2.version, v2.counts.md5), (2, 1));
    assert_eq!(s.scan_image(wee).unwrap().action, Action::Block);
    let err = s
        .apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .unwrap_err();
    assert!(
        matches!(err, PreflightError::ListRejected(ref m) if m.contains("rollback")),
        "{err}"
    );
    assert_eq!(s.list_info().version, 2);
}

#[test]
fn bad_inputs_are_typed_errors_with_clear_messages() {
    let s = scanner();
    let err = s
        .scan_image(b"definitely not an image".to_vec())
        .unwrap_err();
    assert!(matches!(err, PreflightError::InvalidImage(_)), "{err}");
    assert!(
        err.to_string().contains("unrecognised image format"),
        "{err}"
    );
    assert!(matches!(
        s.scan_image(Vec::new()),
        Err(PreflightError::InvalidImage(_))
    ));

    let err = s.apply_list_update(b"garbage".to_vec(), false).unwrap_err();
    assert!(matches!(err, PreflightError::ListRejected(_)), "{err}");

    let err = s
        .import_conversation("not a state document".into())
        .unwrap_err();
    assert!(matches!(err, PreflightError::InvalidState(_)), "{err}");

    let bad_key = Scanner::new(ScannerConfig {
        trusted_list_keys: vec!["abc".into()],
        ..ScannerConfig::new(store())
    });
    assert!(matches!(bad_key, Err(PreflightError::InvalidConfig(_))));
    let bad_policy = Scanner::new(ScannerConfig {
        policy: Some(preflight_ffi::Policy {
            grooming_warn: f32::NAN,
            sources: SourcePolicy {
                min_sources: 2,
                counted_orgs: u64::MAX,
            },
            ..default_policy()
        }),
        ..ScannerConfig::new(store())
    });
    assert!(
        matches!(bad_policy, Err(PreflightError::InvalidConfig(ref m)) if m.contains("grooming_warn"))
    );
    for dir in ["", "relative/store"] {
        let no_store = Scanner::new(ScannerConfig::new(dir));
        assert!(
            matches!(no_store, Err(PreflightError::InvalidConfig(ref m)) if m.contains("list_store_dir")),
            "{dir:?}"
        );
    }
}

#[test]
fn escalating_conversation_warns_and_survives_export_import() {
    let s = scanner();
    let id = "conv-1".to_string();
    let first = s
        .scan_text(
            id.clone(),
            Direction::Received,
            AgeBand::Age13To15,
            "hey how was school".into(),
        )
        .unwrap();
    assert_eq!(first.action, Action::Allow);
    for line in [
        "you're so mature for your age",
        "don't tell your parents we talk, it's our little secret",
        "add me on snap, it's easier",
        "send me a pic of you, nobody will see it but me",
    ] {
        s.scan_text(
            id.clone(),
            Direction::Received,
            AgeBand::Age13To15,
            line.into(),
        )
        .unwrap();
    }
    let v = s
        .scan_text(
            id.clone(),
            Direction::Received,
            AgeBand::Age13To15,
            "delete this chat after ok?".into(),
        )
        .unwrap();
    assert_eq!(v.action, Action::Warn, "{v:?}");
    assert!(v.signals.iter().any(|g| g.category == Category::Grooming));

    let doc = s.export_conversation(id.clone()).unwrap().unwrap();
    let other = scanner();
    assert_eq!(other.import_conversation(doc).unwrap(), id);
    let messages: Vec<ReportMessage> = (0..7)
        .map(|i| ReportMessage {
            direction: Direction::Received,
            sent_at_ms: 1_700_000_000_000 + i,
            text: format!("message {i}"),
        })
        .collect();
    let bundle = other
        .report_bundle(id.clone(), messages.clone(), None)
        .unwrap()
        .unwrap();
    assert_eq!(bundle.messages, messages[2..], "the last 5 by default");
    assert_eq!(bundle.schema_version, 2);
    let doc: serde_json::Value = serde_json::from_str(&bundle.json).unwrap();
    assert_eq!(doc["schema"], "preflight.report");
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["messages"].as_array().unwrap().len(), 5);
    assert_eq!(doc["messages"][4]["text"], "message 6");
    assert_eq!(doc["messages"][0]["direction"], "received");
    assert_eq!(doc["list"]["version"], 0);
    assert!(doc["models"].as_array().unwrap().is_empty());
    let two = other
        .report_bundle(id.clone(), messages, Some(2))
        .unwrap()
        .unwrap();
    assert_eq!(two.messages.len(), 2);
    assert_eq!(bundle.conversation.messages, 6);
    assert!(bundle.conversation.grooming_alert);
    assert_eq!(bundle.library_version, library_version());
    assert!(bundle.json.contains("\"conversation_id\":\"conv-1\""));
    assert!(other
        .report_bundle("unknown".into(), vec![], None)
        .unwrap()
        .is_none());
    assert!(other.forget_conversation(id.clone()));
    assert!(other.export_conversation(id).unwrap().is_none());
}

#[test]
fn threads_per_scan_is_validated_and_one_thread_scans_the_same() {
    let mut c = ScannerConfig {
        threads_per_scan: Some(0),
        ..config()
    };
    let e = Scanner::new(c.clone()).unwrap_err();
    assert!(
        matches!(&e, PreflightError::InvalidConfig(m) if m.contains("threads_per_scan")),
        "{e}"
    );
    c.threads_per_scan = Some(1);
    let one = Scanner::new(c).unwrap();
    one.apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .unwrap();
    let default = scanner();
    default
        .apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .unwrap();
    for image in [
        "tests/fixtures/pdq/images/bridge-1-original.jpg",
        "tests/fixtures/pdq/images/exif-rotn-6.jpg",
    ] {
        let v = one.scan_image(read(image)).unwrap();
        assert_eq!(v, default.scan_image(read(image)).unwrap(), "{image}");
    }
    assert_eq!(
        one.scan_image(read("tests/fixtures/pdq/images/bridge-1-original.jpg"))
            .unwrap()
            .action,
        Action::Block
    );
}

#[test]
fn without_excerpts_the_exported_state_and_report_hold_no_message_text() {
    let s = Scanner::new(ScannerConfig {
        keep_conversation_excerpts: false,
        ..config()
    })
    .unwrap();
    let lines = [
        "you're so mature for your age",
        "don't tell your parents we talk, it's our little secret",
        "send me a pic of you, nobody will see it but me",
        "delete this chat after ok?",
    ];
    let mut spans = Vec::new();
    for line in lines {
        let v = s
            .scan_text(
                "c".into(),
                Direction::Received,
                AgeBand::Age13To15,
                line.into(),
            )
            .unwrap();
        // The verdict itself still quotes the span (the app has the message anyway).
        for e in v.signals.iter().flat_map(|g| &g.evidence) {
            if let preflight_ffi::Evidence::Lexicon { excerpt, .. } = e {
                spans.push(excerpt.clone());
            }
        }
    }
    assert!(spans.len() >= 3, "{spans:?}");
    let doc = s.export_conversation("c".into()).unwrap().unwrap();
    // No message and no quoted span: every excerpt field is empty. (A one-word span such as
    // "send" may still appear inside a lexicon id, which names the rule, not the message.)
    for text in lines {
        assert!(!doc.contains(text), "{text:?} in\n{doc}");
    }
    for text in spans.iter().filter(|t| t.contains(' ')) {
        assert!(!doc.contains(text.as_str()), "{text:?} in\n{doc}");
    }
    for line in doc
        .lines()
        .filter(|l| l.trim_start().starts_with("excerpt"))
    {
        assert_eq!(line.trim(), "excerpt = \"\"", "in\n{doc}");
    }
    let bundle = s.report_bundle("c".into(), vec![], None).unwrap().unwrap();
    assert!(bundle.conversation.evidence.len() >= 3);
    assert!(bundle
        .conversation
        .evidence
        .iter()
        .all(|e| e.excerpt.is_empty()));
    for text in spans
        .iter()
        .filter(|t| t.contains(' '))
        .map(String::as_str)
        .chain(lines)
    {
        assert!(!bundle.json.contains(text), "{text:?} in the report");
    }
}
