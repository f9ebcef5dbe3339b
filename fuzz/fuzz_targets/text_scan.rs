//! Fuzz target: text normalization and matching with the embedded English lexicons, plus the
//! conversation model. Checks that every reported span lies on character boundaries of the
//! original text and that its excerpt is exactly that slice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::text::{AgeBand, Conversations, Direction};
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

/// Text scanning is linear (ARCHITECTURE.md: at most 32 matches per entry and 256 per message,
/// bounded gap windows; about 0.1 s and 50-60 bytes of working memory per input byte per MB).
/// The time bound allows 2 µs a byte: under ASan, 256 KB of spaced letters ("k i l l m y s e
/// l f", repeated) took 1.38-1.47 s in this build and in the previous session's, against well
/// under 0.1 s in a release build; 0.5 µs a byte failed on it. Quadratic work on 256 KB would
/// still exceed it many times over (tests/it/hostile_text.rs bounds the release build's
/// growth from 1 MB to 10 MB).
fn bounds(len: usize) -> Bounds {
    Bounds {
        what: "analyse + observe one message",
        max_heap: mib(8) + 64 * len,
        max_time: Duration::from_millis(200) + Duration::from_micros(2 * len as u64),
    }
}

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 is what an FFI caller might hand over; the API takes &str, so the
    // binding converts lossily, as the app would.
    let text = String::from_utf8_lossy(data);
    let c = preflight_fuzz::english_conversations();
    within_bounds(bounds(data.len()), || one_message(c, data, &text));
});

fn one_message(c: &Conversations, data: &[u8], text: &str) {
    let a = c.engine().analyze(text);
    for m in &a.matches {
        assert!(m.start <= m.end && m.end <= text.len(), "span out of range");
        assert!(
            text.is_char_boundary(m.start) && text.is_char_boundary(m.end),
            "span splits a char"
        );
        assert_eq!(
            &text[m.start..m.end],
            m.matched,
            "excerpt differs from span"
        );
    }
    let dir = if data.first().is_some_and(|b| b & 1 == 1) {
        Direction::Sent
    } else {
        Direction::Received
    };
    let a = c.observe("fuzz", dir, AgeBand::Age13To15, text);
    assert!(a.grooming_risk.is_finite() && (0.0..=1.0).contains(&a.grooming_risk));
}
