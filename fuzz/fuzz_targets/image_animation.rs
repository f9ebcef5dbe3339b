//! Fuzz target: animated GIF / APNG / WebP, frame by frame (what `Scanner::scan_image` samples).
//! Every frame must decode within the canvas limit or end the iteration with a typed error;
//! memory stays that of one canvas, never the whole animation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::media::animation::{sniff, AnimationFrames, AnimationLimits};
use preflight::media::DecodeLimits;
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

/// A 1024x1024 canvas (4 MiB as RGBA, a few copies while compositing) and up to 64 frames.
const BOUNDS: Bounds = Bounds {
    what: "decode every frame of one animation",
    max_heap: mib(48),
    max_time: Duration::from_secs(2),
};

fuzz_target!(|data: &[u8]| {
    let Some(kind) = sniff(data) else {
        return;
    };
    let limits = DecodeLimits {
        max_input_bytes: 1 << 20,
        max_pixels: 1024 * 1024,
        max_dimension: 4096,
        max_alloc_bytes: 32 << 20,
    };
    let anim = AnimationLimits {
        max_frames: 64,
        max_canvas_pixels: 1024 * 1024,
        ..AnimationLimits::default()
    };
    within_bounds(BOUNDS, || {
        let Ok(frames) = AnimationFrames::open(data, kind, &limits, &anim) else {
            return;
        };
        let mut last_start = 0;
        for frame in frames.take(64) {
            let Ok(frame) = frame else { break };
            assert!(frame.start_ms >= last_start, "frame times go backwards");
            last_start = frame.start_ms;
            let _ = preflight::hash::pdq::hash_pixels(frame.pixels.as_pdq_input());
        }
    });
});
