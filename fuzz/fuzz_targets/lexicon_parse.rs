//! Fuzz target: lexicon TOML parsing, validation and compilation. Arbitrary text must give a
//! typed `LexiconError` or a working engine, never a panic or stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::text::{LexiconSet, TextEngine};
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

/// A lexicon file of up to 64 KiB parses and compiles in linear time and small memory.
const BOUNDS: Bounds = Bounds {
    what: "parse + compile one lexicon",
    max_heap: mib(64),
    max_time: Duration::from_secs(1),
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    within_bounds(BOUNDS, || {
        let mut set = LexiconSet::new();
        if let Err(e) = set.add_toml("fuzz.toml", text) {
            // Errors must render (Display walks every field).
            let _ = e.to_string();
            return;
        }
        if let Ok(engine) = TextEngine::compile(&set) {
            // Run the lexicon's own examples through the matcher as well.
            let _ = engine.check_examples();
        }
    });
});
