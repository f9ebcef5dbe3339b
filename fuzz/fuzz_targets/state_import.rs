//! Fuzz target: conversation-state documents (what an app stored with `export_conversation`
//! and hands back after a restart: possibly old, truncated or tampered with). Import must give
//! a typed `StateError` or a conversation that can be observed and exported again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::text::{AgeBand, Direction};
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

/// A state document of up to 64 KiB imports in linear time; memory a small multiple of it.
fn bounds(len: usize) -> Bounds {
    Bounds {
        what: "import + observe + export one state document",
        max_heap: mib(4) + 32 * len,
        max_time: Duration::from_millis(200),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(document) = std::str::from_utf8(data) else {
        return;
    };
    let c = preflight_fuzz::english_conversations();
    within_bounds(bounds(data.len()), || {
        let id = match c.import_state(document) {
            Ok(id) => id,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        };
        let a = c.observe(&id, Direction::Received, AgeBand::Age13To15, "hi");
        assert!(a.grooming_risk.is_finite() && (0.0..=1.0).contains(&a.grooming_risk));
        let again = c.export_state(&id).expect("an imported state exports");
        assert!(again.is_some(), "imported conversation vanished");
        c.forget(&id);
    });
});
