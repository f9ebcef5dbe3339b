//! Fuzz target: the user-initiated report bundle (`preflight_ffi::Scanner::report_bundle`,
//! docs/report-schema.md) with hostile conversation ids, message strings, counts and imported
//! conversation-state documents. The report must be valid JSON of schema `preflight.report`
//! version 2, carry exactly the messages it promises, and stay within its documented size.
//!
//! Input: byte 0 picks `maxMessages` (0: none given, 254: 0, 255: `u32::MAX`, else the byte);
//! the rest (lossy UTF-8, as a binding's strings) is split at U+001E into the conversation id,
//! a state document (imported when not empty) and the messages (first char `<`: sent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::text::{AgeBand, Direction};
use preflight_ffi::{ReportMessage, Scanner, ScannerConfig};
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Messages scanned into the conversation when no state document is imported.
const SCANNED: usize = 8;

/// Scanning up to 8 messages and building the report: text bounds (linear in the input).
fn bounds(len: usize) -> Bounds {
    Bounds {
        what: "scan + build one report bundle",
        max_heap: mib(8) + 64 * len,
        max_time: Duration::from_millis(300) + Duration::from_nanos(1_000 * len as u64),
    }
}

fn scanner() -> &'static Arc<Scanner> {
    static S: OnceLock<Arc<Scanner>> = OnceLock::new();
    S.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("preflight-fuzz-report-{}", std::process::id()));
        Scanner::new(ScannerConfig::new(dir.display().to_string()))
        .expect("scanner with the default configuration")
    })
}

fn message(text: &str) -> ReportMessage {
    let direction = if text.starts_with('<') {
        Direction::Sent
    } else {
        Direction::Received
    };
    ReportMessage {
        direction,
        sent_at_ms: (text.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        text: text.to_string(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let max = match pick {
        0 => None,
        254 => Some(0),
        255 => Some(u32::MAX),
        b => Some(u32::from(b)),
    };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.split('\u{1e}');
    let mut id = parts.next().unwrap_or("").to_string();
    let document = parts.next().unwrap_or("");
    let messages: Vec<ReportMessage> = parts.take(200).map(message).collect();
    let s = scanner();
    let bundle = within_bounds(bounds(data.len()), || {
        let mut known = false;
        if !document.is_empty() {
            if let Ok(imported) = s.import_conversation(document.to_string()) {
                id = imported;
                known = true;
            }
        }
        if !known {
            for m in messages.iter().take(SCANNED) {
                let _ = s.scan_text(id.clone(), m.direction, AgeBand::Unknown, m.text.clone());
                known = true;
            }
        }
        let b = s.report_bundle(id.clone(), messages.clone(), max);
        (known, b)
    });
    let (known, bundle) = bundle;
    let bundle = bundle.expect("report_bundle never fails for a known conversation");
    assert_eq!(
        bundle.is_some(),
        known,
        "a report exists exactly for a known conversation"
    );
    if let Some(b) = bundle {
        check(&b.json, &id, &messages, max);
    }
    s.forget_conversation(id);
});

/// The JSON is the documented schema, with the last `max` messages, within the size bound.
fn check(json: &str, id: &str, given: &[ReportMessage], max: Option<u32>) {
    let v: serde_json::Value = serde_json::from_str(json).expect("report is valid JSON");
    assert_eq!(v["schema"], "preflight.report");
    assert_eq!(v["schema_version"], 2);
    for key in [
        "library_version",
        "list",
        "models",
        "conversation",
        "messages",
    ] {
        assert!(v.get(key).is_some(), "report lacks `{key}`");
    }
    assert_eq!(v["conversation"]["conversation_id"], id);
    let keep = max.unwrap_or(5).min(100) as usize;
    let kept = &given[given.len().saturating_sub(keep)..];
    let out = v["messages"].as_array().expect("messages is an array");
    assert_eq!(out.len(), kept.len(), "messages kept");
    for (o, m) in out.iter().zip(kept) {
        assert_eq!(o["text"], m.text.as_str());
        assert_eq!(o["sent_at_ms"], m.sent_at_ms);
    }
    let texts: usize = kept.iter().map(|m| m.text.len()).sum();
    let bound = preflight_ffi::report_json_bound(id.len(), texts);
    assert!(
        json.len() <= bound,
        "report of {} bytes over its bound of {bound}",
        json.len()
    );
}
