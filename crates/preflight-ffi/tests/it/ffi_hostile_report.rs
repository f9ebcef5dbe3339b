//! Hostile report bundles (the `report_bundle` fuzz target's checks as tests): control
//! characters and quotes in the conversation id and the reported messages, `u32::MAX` as the
//! message count, and a tampered imported state. The JSON must parse, keep at most 100
//! messages, and stay within `report_json_bound`.

use preflight_ffi::{
    report_json_bound, AgeBand, Direction, PreflightError, ReportMessage, Scanner, ScannerConfig,
};

fn scanner() -> std::sync::Arc<Scanner> {
    Scanner::new(ScannerConfig::new(
        tempfile::tempdir().unwrap().keep().display().to_string(),
    ))
    .unwrap()
}

#[test]
fn escaped_ids_and_texts_and_huge_counts_stay_within_the_bound() {
    let s = scanner();
    // Every byte of these escapes to six (`\u00XX`): the worst case the bound allows for.
    let id = "\u{1}\"\\".repeat(300);
    let text = "\u{0}\u{1f}".repeat(2000);
    s.scan_text(
        id.clone(),
        Direction::Received,
        AgeBand::Unknown,
        "ur so mature for ur age".into(),
    )
    .unwrap();
    let messages: Vec<ReportMessage> = (0..150u64)
        .map(|i| ReportMessage {
            direction: Direction::Received,
            sent_at_ms: u64::MAX - i,
            text: text.clone(),
        })
        .collect();
    let b = s
        .report_bundle(id.clone(), messages, Some(u32::MAX))
        .unwrap()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&b.json).unwrap();
    assert_eq!(v["conversation"]["conversation_id"], id.as_str());
    assert_eq!(v["messages"].as_array().unwrap().len(), 100);
    assert_eq!(v["messages"][99]["sent_at_ms"], u64::MAX - 149);
    let bound = report_json_bound(id.len(), 100 * text.len());
    assert!(b.json.len() <= bound, "{} > {bound}", b.json.len());
    assert!(
        b.json.len() > bound / 2,
        "the bound is not loose by more than 2x here"
    );
}

#[test]
fn a_tampered_state_with_a_huge_excerpt_is_refused_not_reported() {
    let s = scanner();
    s.scan_text(
        "c".into(),
        Direction::Received,
        AgeBand::Unknown,
        "dont tell ur parents".into(),
    )
    .unwrap();
    let doc = s.export_conversation("c".into()).unwrap().unwrap();
    assert!(doc.contains("excerpt = "), "{doc}");
    let tampered: String = doc
        .lines()
        .map(|l| {
            if l.starts_with("excerpt = ") {
                format!("excerpt = \"{}\"\n", "a".repeat(1 << 20))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    s.forget_conversation("c".into());
    match s.import_conversation(tampered) {
        Err(PreflightError::InvalidState(m)) => assert!(m.contains("excerpt"), "{m}"),
        other => panic!("expected InvalidState, got {other:?}"),
    }
    assert!(s.report_bundle("c".into(), vec![], None).unwrap().is_none());
}
