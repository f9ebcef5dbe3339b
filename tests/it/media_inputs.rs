//! Bad and hostile image inputs: every one gets a typed error with a clear message, no panic,
//! and no large allocation (limits are checked from the header before decoding).

use crate::common;

use preflight::media::{self, DecodeLimits, MediaError};

/// A PNG whose header claims `width x height` (8-bit RGB), with a tiny IDAT and IEND.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    common::png_claiming(width, height, 8, 2, 0)
}

/// A GIF whose logical screen and single frame claim `width x height`.
fn gif_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut g = b"GIF89a".to_vec();
    g.extend_from_slice(&width.to_le_bytes());
    g.extend_from_slice(&height.to_le_bytes());
    g.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]); // 2-colour global table
    g.push(0x2C);
    g.extend_from_slice(&[0, 0, 0, 0]);
    g.extend_from_slice(&width.to_le_bytes());
    g.extend_from_slice(&height.to_le_bytes());
    g.push(0);
    g.extend_from_slice(&[2, 2, 0x4C, 0x01, 0, 0x3B]);
    g
}

/// Rewrites the first SOF0/SOF2 frame size of a real JPEG.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut j = common::drawn("square-128x128.jpg");
    let pos = j
        .windows(2)
        .position(|w| w == [0xFF, 0xC0] || w == [0xFF, 0xC2])
        .expect("SOF marker");
    j[pos + 5..pos + 7].copy_from_slice(&height.to_be_bytes());
    j[pos + 7..pos + 9].copy_from_slice(&width.to_be_bytes());
    j
}

fn decode(bytes: &[u8]) -> Result<media::DecodedImage, MediaError> {
    media::decode_for_hashing(
        bytes,
        &DecodeLimits::default(),
        preflight::hash::PDQ_DECODE_MIN_SIDE,
    )
}

#[test]
fn empty_input() {
    assert!(matches!(decode(&[]), Err(MediaError::Empty)));
}

#[test]
fn unknown_formats() {
    for bytes in [&b"hello, this is not an image at all"[..], &[0u8; 64]] {
        let err = decode(bytes).unwrap_err();
        assert!(matches!(err, MediaError::UnknownFormat), "{err:?}");
        assert!(err.to_string().contains("unrecognised image format"));
    }
    // A TIFF header alone is recognised now (issue 12): a typed TIFF error, corrupt with the
    // `tiff` feature, unsupported without it.
    let err = decode(b"II*\x00\x08\x00\x00\x00").unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::Corrupt { format: "TIFF", .. }
                | MediaError::Unsupported { format: "TIFF", .. }
        ),
        "{err:?}"
    );
}

#[test]
fn bomb_headers_are_refused_before_decoding() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("png 100k x 100k", png_claiming(100_000, 100_000)),
        ("png 20k x 20k", png_claiming(20_000, 20_000)),
        ("gif 65535 x 65535", gif_claiming(65_535, 65_535)),
        ("jpeg 65535 x 65535", jpeg_claiming(65_535, 65_535)),
    ];
    for (what, bytes) in cases {
        let err = decode(&bytes).unwrap_err();
        match &err {
            MediaError::TooLarge { .. } => {
                let msg = err.to_string();
                assert!(msg.contains("refused before decoding"), "{what}: {msg}");
            }
            other => panic!("{what}: expected TooLarge, got {other:?}"),
        }
    }
}

#[test]
fn limits_are_configurable() {
    let small = DecodeLimits {
        max_pixels: 100 * 100,
        ..DecodeLimits::default()
    };
    let err = media::decode(&common::drawn("square-128x128.jpg"), &small).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::TooLarge {
                width: 128,
                height: 128,
                ..
            }
        ),
        "{err:?}"
    );
    let tiny_input = DecodeLimits {
        max_input_bytes: 1000,
        ..DecodeLimits::default()
    };
    let err = media::decode(&common::drawn("square-128x128.jpg"), &tiny_input).unwrap_err();
    assert!(matches!(err, MediaError::InputTooLarge { .. }), "{err:?}");
}

#[test]
fn zero_sized_images() {
    for bytes in [
        png_claiming(0, 10),
        gif_claiming(0, 0),
        jpeg_claiming(0, 16),
    ] {
        let err = decode(&bytes).unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::ZeroSize { .. } | MediaError::Corrupt { .. }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn truncated_files_decode_what_is_there_flagged_partial() {
    // Policy (media::partial): a file cut after its headers decodes, flagged partial; a file
    // cut inside its headers is a typed Corrupt error.
    for name in [
        "bridge-1-original.jpg",
        "wee.jpg",
        "bridge-2-rotate-90.jpg",
        "mode-P.png",
        "pytx-LA.png",
    ] {
        let full = common::drawn(name);
        assert!(!decode(&full).unwrap().partial, "{name} complete");
        for cut in [full.len() / 3, full.len() / 2, full.len() - 3] {
            match decode(&full[..cut]) {
                Ok(d) => {
                    assert!(d.partial, "{name} cut at {cut} not flagged partial");
                    assert!(d.pixels.width() > 0 && d.pixels.height() > 0);
                }
                Err(e) => {
                    assert!(
                        matches!(e, MediaError::Corrupt { .. }),
                        "{name} cut at {cut}: {e:?}"
                    );
                    assert!(!e.to_string().is_empty());
                }
            }
        }
        // Dropping only the end (EOI / IEND) always still gives the picture.
        let cut = if name.ends_with(".jpg") {
            full.len() - 2
        } else {
            full.len() - 12
        };
        let d = decode(&full[..cut]).unwrap_or_else(|e| panic!("{name} without its end: {e}"));
        assert!(d.partial);
        let whole = decode(&full).unwrap();
        assert_eq!(
            (d.pixels.width(), d.pixels.height()),
            (whole.pixels.width(), whole.pixels.height()),
            "{name}: only the end marker was missing, nothing to crop"
        );
    }
}

#[test]
fn garbage_after_a_valid_header_is_corrupt() {
    let mut j = common::drawn("square-256x256.jpg");
    let n = j.len();
    for b in &mut j[n / 2..n - 2] {
        *b = 0xFF; // a run of marker prefixes through the scan data
    }
    // libjpeg may recover with grey (it is a warning for it) or fail; either way no panic, and
    // a failure is typed.
    if let Err(e) = decode(&j) {
        assert!(matches!(e, MediaError::Corrupt { .. }), "{e:?}");
    }
    let mut p = common::drawn("pytx-LA.png");
    let n = p.len();
    for b in &mut p[n / 2..n / 2 + 64] {
        *b ^= 0x5A;
    }
    assert!(matches!(decode(&p), Err(MediaError::Corrupt { .. })));
}

#[test]
fn every_prefix_of_a_small_jpeg_is_handled() {
    // Exhaustive truncation of a small progressive JPEG: never a panic; a prefix gives either
    // a typed error (cut in the headers) or an image flagged partial, never a complete one.
    let full = common::drawn("wee.jpg");
    let mut partial = 0;
    for cut in 0..full.len() - 2 {
        match decode(&full[..cut]) {
            Ok(d) => {
                assert!(d.partial, "prefix of {cut} bytes decoded as complete");
                partial += 1;
            }
            Err(e) => assert!(
                matches!(
                    e,
                    MediaError::Corrupt { .. } | MediaError::Empty | MediaError::UnknownFormat
                ),
                "prefix of {cut} bytes: {e:?}"
            ),
        }
    }
    assert!(partial > 0, "no prefix past the headers decoded");
    assert!(!decode(&full).unwrap().partial);
}

#[test]
fn scaled_decode_reports_its_scale() {
    let d = decode(&common::drawn("exif-rotn-6.jpg")).unwrap();
    assert_eq!(d.scale_denominator, 8);
    assert_eq!((d.source_width, d.source_height), (4032, 3024));
    assert_eq!((d.pixels.width(), d.pixels.height()), (378, 504));
    let small = decode(&common::drawn("square-512x512.jpg")).unwrap();
    assert_eq!(small.scale_denominator, 1);
}

#[test]
fn fuzz_seeds_reach_the_dc_decoder() {
    // The image fuzz target's limits; its large JPEG seeds must exercise media::jpeg_dc.
    let limits = DecodeLimits {
        max_input_bytes: 1 << 20,
        max_pixels: 2048 * 2048,
        max_dimension: 8_192,
        max_alloc_bytes: 64 << 20,
    };
    for name in ["dc-grey-2048.jpg", "dc-restart-2048.jpg"] {
        let path = format!(
            "{}/fuzz/corpus/image_decode_hash/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(path).unwrap();
        let (d, used) = media::decode_for_hashing_threads(
            &bytes,
            &limits,
            preflight::hash::PDQ_DECODE_MIN_SIDE,
            Some(2),
        )
        .unwrap();
        assert!(used, "{name} did not reach the DC decoder");
        assert_eq!(d.scale_denominator, 8);
        assert!(preflight::hash::hash_image_bytes(&bytes, &limits).is_ok());
    }
}
