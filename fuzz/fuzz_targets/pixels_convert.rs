//! Fuzz target: raw pixel buffers from the app (`scan_pixels`, video frames): hostile sizes,
//! strides, formats and orientations. Validation must refuse what does not fit before touching
//! the bytes; what passes converts and hashes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::media::{DecodeLimits, Orientation, PixelBuffer, PixelFormat};
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::time::Duration;

const FORMATS: [PixelFormat; 6] = [
    PixelFormat::Rgba8888,
    PixelFormat::Bgra8888,
    PixelFormat::Rgb888,
    PixelFormat::Gray8,
    PixelFormat::Nv12,
    PixelFormat::Nv21,
];

/// Converting one buffer of at most 64 KiB (the fuzzer's input) costs a few copies of it.
const BOUNDS: Bounds = Bounds {
    what: "validate + convert + hash one pixel buffer",
    max_heap: mib(16),
    max_time: Duration::from_millis(500),
};

fuzz_target!(|data: &[u8]| {
    // Header: width u16, height u16, stride u16, format, orientation; then the pixels.
    let Some((head, bytes)) = data.split_first_chunk::<8>() else {
        return;
    };
    let le = |i: usize| u32::from(u16::from_le_bytes([head[i], head[i + 1]]));
    let buffer = PixelBuffer {
        width: le(0),
        height: le(2),
        row_stride: le(4),
        format: FORMATS[usize::from(head[6]) % FORMATS.len()],
        orientation: Orientation::from_exif(head[7] % 9).unwrap_or(Orientation::Up),
        bytes: bytes.to_vec(),
    };
    let limits = DecodeLimits::default();
    within_bounds(BOUNDS, || {
        let valid = buffer.validate(&limits).is_ok();
        match buffer.to_pixels(&limits) {
            Ok(pixels) => {
                assert!(valid, "converted a buffer that validation refuses");
                let _ = preflight::hash::pdq::hash_pixels(pixels.as_pdq_input());
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    });
});
