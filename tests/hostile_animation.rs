//! Regression tests for animated-image findings of the `image_animation` fuzz target.

use preflight::media::animation::{sniff, AnimationError, AnimationFrames, AnimationLimits};
use preflight::media::DecodeLimits;

/// A 392-byte animated WebP (24x16 canvas) whose frame bitstream claims a far larger picture:
/// the decoder would allocate by the bitstream's size (371 MB seen). Refused before decoding.
#[test]
fn webp_frame_larger_than_its_canvas_is_refused_before_decoding() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile/webp-frame-larger-than-canvas.webp"
    ))
    .unwrap();
    let kind = sniff(&bytes).expect("an animated WebP");
    let Err(err) = AnimationFrames::open(
        &bytes,
        kind,
        &DecodeLimits::default(),
        &AnimationLimits::default(),
    ) else {
        panic!("the oversized frame was not refused");
    };
    assert!(
        matches!(err, AnimationError::CanvasTooLarge { format: "WebP", .. }),
        "{err}"
    );
}
