//! Fuzz target: bounded image decoding and every hash (PDQ with dihedrals, pHash/dHash,
//! crypto digests) on arbitrary bytes. Any panic, abort, timeout or out-of-memory is a bug:
//! every bad input must become a typed `MediaError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::media::DecodeLimits;
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

/// Decoding is bounded by `DecodeLimits::max_alloc_bytes` (64 MiB here) and by ARCHITECTURE.md's
/// "<= 1 s for JPEG, <= 2 s for other formats" per image.
const BOUNDS: Bounds = Bounds {
    what: "decode + hash one image",
    max_heap: mib(64),
    max_time: Duration::from_secs(2),
};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast and make the "refused before decoding" paths reachable
    // from small inputs; the checks are the same code as with the default limits. 2048x2048
    // is the smallest image decoded at 1/8 scale, so the DC decoder (media::jpeg_dc) is reached.
    let limits = DecodeLimits {
        max_input_bytes: 1 << 20,
        max_pixels: 2048 * 2048,
        max_dimension: 8_192,
        max_alloc_bytes: 64 << 20,
    };
    if let Ok(h) = within_bounds(BOUNDS, || preflight::hash::hash_image_bytes(data, &limits)) {
        let (w, hgt) = h.decoded_size;
        assert!(w > 0 && hgt > 0, "decoded an image with no pixels");
        assert!(
            u64::from(w) * u64::from(hgt) <= limits.max_pixels,
            "decoded past the pixel limit"
        );
    }
});
