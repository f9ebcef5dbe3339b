//! Fuzz target: HEIC/HEIF and AVIF through the `heif` feature's decoder (libheif via
//! libheif-rs), decoded for hashing and hashed, with the whole heap counted (libheif and its
//! HEVC/AV1 decoders are C, so their allocations are part of the bound). Inputs that are not
//! an ISO BMFF file (`ftyp` at offset 4) are skipped: the other formats have `image_decode_hash`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::media::DecodeLimits;
use preflight_fuzz::{mib, within_native_bounds, Bounds};
use std::time::Duration;

/// ARCHITECTURE.md: "<= 2 s for other formats" per image; memory: what libheif decodes whole
/// is allowed 44 MiB (`media::heif` LIBHEIF_BUDGET), a single item FFmpeg decodes (feature
/// `video`) 34 MiB of frame (`media::heif_ffmpeg::FRAME_BUDGET`), for images within
/// `DecodeLimits`, plus PDQ's sample. 4 MP images (the limits below) stay under 96 MiB.
const BOUNDS: Bounds = Bounds {
    what: "decode + hash one HEIF/AVIF image (C heap included)",
    max_heap: mib(96),
    max_time: Duration::from_secs(2),
};

fuzz_target!(|data: &[u8]| {
    if data.get(4..8) != Some(b"ftyp") {
        return;
    }
    let limits = DecodeLimits {
        max_input_bytes: 1 << 20,
        max_pixels: 2048 * 2048,
        max_dimension: 8_192,
        max_alloc_bytes: 64 << 20,
    };
    let out = within_native_bounds(BOUNDS, || preflight::hash::hash_image_bytes(data, &limits));
    if let Ok(h) = out {
        let (w, hgt) = h.decoded_size;
        assert!(w > 0 && hgt > 0, "decoded an image with no pixels");
        let (iw, ih) = h.image_size;
        assert!(
            u64::from(iw) * u64::from(ih) <= limits.max_pixels,
            "decoded a {iw}x{ih} image past the pixel limit"
        );
    }
});
