//! Fuzz target: the text-model file (an app asset, so untrusted bytes on a compromised or
//! corrupted install). Loading must give a typed `ModelError` or a model whose scores are
//! probabilities; allocation is bounded by the file, never by a size field in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::text::model::TextModel;
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

fn bounds(len: usize) -> Bounds {
    Bounds {
        what: "load one model file and classify two messages",
        max_heap: mib(8) + 4 * len,
        max_time: Duration::from_millis(500),
    }
}

fuzz_target!(|data: &[u8]| {
    within_bounds(bounds(data.len()), || {
        let model = match TextModel::from_bytes(data) {
            Ok(m) => m,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        };
        for text in ["hey whats up", "dont tell ur mom ok"] {
            let s = model.classify(text);
            for p in [s.grooming(), s.sexual(), s.self_harm()] {
                assert!(
                    p.is_finite() && (0.0..=1.0).contains(&p),
                    "score {p} out of range"
                );
            }
        }
    });
});
