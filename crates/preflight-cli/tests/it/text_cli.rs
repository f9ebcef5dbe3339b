//! The `preflight scan` and `preflight lexicon` commands, run as a user would.

use crate::common;

fn preflight(args: &[&str]) -> (i32, String, String) {
    common::run_cli(env!("CARGO_BIN_EXE_preflight"), args)
}

#[test]
fn scan_text_json_reports_span_and_modifiers() {
    let (code, out, _) = preflight(&["scan", "text", "--json", "I would never k<b>il</b>l myself"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["analysis"]["matches"][0];
    assert_eq!(m["lexicon_id"], "sh.ideation.kill_myself");
    assert_eq!(m["matched"], "k<b>il</b>l myself");
    assert_eq!(m["modifiers"][0], "negation");
    assert_eq!(v["self_harm_level"], serde_json::Value::Null);
}

#[test]
fn scan_chat_prints_alert_for_the_grooming_sample() {
    let (code, out, _) = preflight(&["scan", "chat", "samples/chats/grooming_escalation.jsonl"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("conversation demo-grooming (16 messages)"),
        "{out}"
    );
    assert!(out.lines().last().unwrap().contains("ALERT"), "{out}");
    let (_, out, _) = preflight(&[
        "scan",
        "chat",
        "--json",
        "samples/chats/benign_friends.jsonl",
    ]);
    // JSON Lines: one record per message, then one per conversation.
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(last["conversation"]["grooming_alert"], false);
}

#[test]
fn bad_inputs_exit_non_zero_with_a_message() {
    let (code, _, err) = preflight(&[
        "lexicon",
        "lint",
        "--no-default",
        "--lexicon",
        "tests/fixtures/text/malformed_lexicon.toml",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("malformed_lexicon.toml:12"), "{err}");
    let (code, _, err) = preflight(&["scan", "chat", "Cargo.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("Cargo.toml:1: invalid chat line"), "{err}");
}

#[test]
fn lexicon_test_passes_for_shipped_lexicons() {
    let (code, out, _) = preflight(&[
        "lexicon",
        "test",
        "--lexicon",
        "lexicons/es/grooming.toml",
        "--lexicon",
        "lexicons/es/self_harm.toml",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("passed"));
}
