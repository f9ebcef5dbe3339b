//! Fuzz target: vPDQ text files (`frame_number,quality,pdq_hex,timestamp`, what `list build
//! --vpdq` reads from policy teams) and the bag matching run on what parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::video::vpdq::{match_bags, parse_vpdq};
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

fn bounds(len: usize) -> Bounds {
    Bounds {
        what: "parse + self-match one vPDQ file",
        max_heap: mib(4) + 16 * len,
        max_time: Duration::from_millis(500),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    within_bounds(bounds(data.len()), || {
        let Ok(features) = parse_vpdq(text) else {
            return;
        };
        let m = match_bags(&features, &features, 31, 50);
        for pct in [m.query_match_pct, m.target_match_pct] {
            assert!((0.0..=100.0).contains(&pct), "match percentage {pct}");
        }
    });
});
