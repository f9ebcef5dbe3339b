//! Fuzz target: lexicon TOML parsing, validation and compilation. Arbitrary text must give a
//! typed `LexiconError` or a working engine, never a panic or stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::text::{LexiconSet, TextEngine};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
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
