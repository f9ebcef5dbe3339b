//! Animations (GIF, APNG, animated WebP) scanned within the 48 MB budget of issue 12 item 5, and
//! composited exactly as the `image` crate composites them.
//!
//! The fixtures are generated here (nothing is stored): animations whose frames cover the whole
//! canvas, a part of it, with transparency, and every disposal and blend mode. Each memory test
//! builds its animation in a child process of its own, resets the peak (`/proc/self/clear_refs`),
//! and measures how far the peak resident memory grows while `Scanner::scan_image` (the path
//! every app uses) scans it. The equivalence tests decode the same files with `image`'s own
//! `AnimationDecoder` (what the scanner used before) and check that every frame's PDQ hash is
//! identical, and below the sampling size that every pixel is.

use crate::common;

use image::{AnimationDecoder, RgbaImage};
use preflight::hash::pdq;
use preflight::media::animation::{sniff, AnimationError, AnimationFrames, AnimationLimits};
use preflight::media::{DecodeLimits, Pixels};
use preflight::{Action, Scanner, ScannerConfig};
use std::borrow::Cow;
use std::time::Instant;

const PEAK_LIMIT_KIB: u64 = 48 * 1024;

/// One frame of a generated animation: its rectangle on the canvas, a seed for its picture, and
/// how it is composited.
#[derive(Clone, Copy)]
struct Part {
    left: u32,
    top: u32,
    width: u32,
    height: u32,
    seed: u32,
    /// GIF: dispose method 0-3 (any, keep, background, previous); APNG: dispose op 0-2.
    dispose: u8,
    /// Part of the frame is transparent (GIF: the transparent index; APNG, WebP: alpha 0 and 128).
    holes: bool,
    /// APNG and WebP: alpha-blend over the canvas (else replace).
    blend: bool,
}

fn part(left: u32, top: u32, width: u32, height: u32, seed: u32) -> Part {
    Part {
        left,
        top,
        width,
        height,
        seed,
        dispose: 1,
        holes: false,
        blend: false,
    }
}

/// A frame sequence exercising every mode: a full frame, a transparent patch disposed to the
/// background, an alpha-blended patch disposed to the previous canvas, and a last patch.
fn parts(w: u32, h: u32) -> Vec<Part> {
    vec![
        part(0, 0, w, h, 1),
        Part {
            dispose: 2,
            holes: true,
            ..part(w / 4, h / 4, w / 2, h / 2, 2)
        },
        Part {
            dispose: 3,
            holes: true,
            blend: true,
            ..part(w / 3, h / 5, w / 2, h / 3, 3)
        },
        Part {
            blend: true,
            holes: true,
            ..part(w / 8, h / 2, w / 2, h / 3, 4)
        },
    ]
}

/// Palette index of pixel (x, y) of a frame: blocks of 16 colours, placed by the seed; index 15
/// is the transparent one when the frame has holes.
fn index(x: u32, y: u32, seed: u32) -> u8 {
    let (bx, by) = (x / (37 + seed * 11), y / (29 + seed * 7));
    ((bx * 7 + by * 3 + seed * 5 + (bx * by) % 5) % 16) as u8
}

fn palette() -> Vec<u8> {
    (0..16u32)
        .flat_map(|i| {
            [
                (i * 53 % 256) as u8,
                (i * 97 % 256) as u8,
                (i * 151 % 256) as u8,
            ]
        })
        .collect()
}

/// RGBA pixels of a frame (for APNG and WebP): the palette colours, alpha 0 on index 15 and 128
/// on index 14 when the frame has holes.
fn rgba(p: &Part) -> RgbaImage {
    let pal = palette();
    RgbaImage::from_fn(p.width, p.height, |x, y| {
        let i = usize::from(index(x, y, p.seed));
        let a = match i {
            15 if p.holes => 0,
            14 if p.holes => 128,
            _ => 255,
        };
        image::Rgba([pal[i * 3], pal[i * 3 + 1], pal[i * 3 + 2], a])
    })
}

fn gif_of(w: u32, h: u32, parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w as u16, h as u16, &palette()).unwrap();
        for (n, p) in parts.iter().enumerate() {
            let buffer: Vec<u8> = (0..p.height)
                .flat_map(|y| (0..p.width).map(move |x| index(x, y, p.seed)))
                .collect();
            let frame = gif::Frame {
                delay: 10,
                dispose: gif::DisposalMethod::from_u8(p.dispose).unwrap(),
                transparent: p.holes.then_some(15),
                left: p.left as u16,
                top: p.top as u16,
                width: p.width as u16,
                height: p.height as u16,
                interlaced: n == 1,
                buffer: Cow::Owned(buffer),
                ..gif::Frame::default()
            };
            enc.write_frame(&frame).unwrap();
        }
    }
    out
}

fn apng_of(w: u32, h: u32, parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    enc.set_animated(parts.len() as u32, 0).unwrap();
    let mut wr = enc.write_header().unwrap();
    for p in parts {
        wr.set_frame_dimension(p.width, p.height).unwrap();
        wr.set_frame_position(p.left, p.top).unwrap();
        wr.set_frame_delay(1, 10).unwrap();
        wr.set_dispose_op(match p.dispose {
            2 => png::DisposeOp::Background,
            3 => png::DisposeOp::Previous,
            _ => png::DisposeOp::None,
        })
        .unwrap();
        wr.set_blend_op(if p.blend {
            png::BlendOp::Over
        } else {
            png::BlendOp::Source
        })
        .unwrap();
        wr.write_image_data(rgba(p).as_raw()).unwrap();
    }
    wr.finish().unwrap();
    out
}

fn riff_chunk(out: &mut Vec<u8>, tag: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(tag);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

fn u24(v: u32) -> [u8; 3] {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// The chunks of a still WebP that go into an ANMF chunk (all but VP8X).
fn frame_chunks(still: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 12;
    while at + 8 <= still.len() {
        let len = u32::from_le_bytes(still[at + 4..at + 8].try_into().unwrap()) as usize;
        let end = (at + 8 + len + (len & 1)).min(still.len());
        if &still[at..at + 4] != b"VP8X" {
            out.extend_from_slice(&still[at..end]);
        }
        at = end;
    }
    out
}

/// A frame as a still WebP: lossless (`image-webp`), or lossy with an alpha chunk (libwebp).
fn webp_still(p: &Part, lossy: bool) -> Vec<u8> {
    let pixels = rgba(p);
    if lossy {
        let (w, h) = (p.width as usize, p.height as usize);
        return crate::image_decode_cases::webp_lossy_of(pixels.as_raw(), w, h, 4, 80.0);
    }
    let mut still = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut still)
        .encode(
            pixels.as_raw(),
            p.width,
            p.height,
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    still
}

/// An animated WebP; ANMF offsets are even, so parts are placed on even positions. Dispose 2
/// disposes to the background, others keep.
fn webp_of(w: u32, h: u32, parts: &[Part]) -> Vec<u8> {
    webp_frames_of(w, h, parts, false)
}

fn webp_frames_of(w: u32, h: u32, parts: &[Part], lossy: bool) -> Vec<u8> {
    let mut body = Vec::new();
    let mut vp8x = vec![0x12, 0, 0, 0]; // animation + alpha
    vp8x.extend_from_slice(&u24(w - 1));
    vp8x.extend_from_slice(&u24(h - 1));
    riff_chunk(&mut body, b"VP8X", &vp8x);
    riff_chunk(&mut body, b"ANIM", &[255, 255, 255, 255, 0, 0]);
    for p in parts {
        let mut anmf = Vec::new();
        anmf.extend_from_slice(&u24(p.left / 2));
        anmf.extend_from_slice(&u24(p.top / 2));
        anmf.extend_from_slice(&u24(p.width - 1));
        anmf.extend_from_slice(&u24(p.height - 1));
        anmf.extend_from_slice(&u24(100));
        anmf.push(u8::from(p.dispose == 2) | (u8::from(!p.blend) << 1));
        anmf.extend_from_slice(&frame_chunks(&webp_still(p, lossy)));
        riff_chunk(&mut body, b"ANMF", &anmf);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    out
}

/// Parts on even positions, as WebP requires.
fn even(parts: Vec<Part>) -> Vec<Part> {
    parts
        .into_iter()
        .map(|p| Part {
            left: p.left & !1,
            top: p.top & !1,
            ..p
        })
        .collect()
}

fn build(format: &str, w: u32, h: u32) -> Vec<u8> {
    match format {
        "GIF" => gif_of(w, h, &parts(w, h)),
        "APNG" => apng_of(w, h, &parts(w, h)),
        "WebP" => webp_of(w, h, &even(parts(w, h))),
        _ => webp_frames_of(w, h, &even(parts(w, h)), true),
    }
}

/// Builds the animation, then scans it with the peak reset first; returns the growth in KiB.
fn scan_growth(format: &str, w: u32, h: u32) -> u64 {
    let bytes = build(format, w, h);
    let scanner = Scanner::new(ScannerConfig::default()).unwrap();
    if !common::reset_peak_rss() {
        assert!(
            !common::require_all(),
            "the kernel refused /proc/self/clear_refs"
        );
        eprintln!("skipped: the kernel refused /proc/self/clear_refs, so the peak cannot be reset");
        return 0;
    }
    let base = common::rss_kib();
    let start = Instant::now();
    let verdict = scanner.scan_image(&bytes).expect("the animation scans");
    let ms = start.elapsed().as_millis();
    let growth = common::peak_rss_kib().saturating_sub(base);
    eprintln!(
        "{format} {w}x{h}, {} frames, {} bytes: peak growth {growth} KiB, {ms} ms",
        parts(w, h).len(),
        bytes.len()
    );
    assert_eq!(verdict.action, Action::Allow, "{verdict:?}");
    growth
}

fn assert_within_budget(format: &str, w: u32, h: u32) {
    let growth = scan_growth(format, w, h);
    if common::optimised_build_or_skip("an animation's peak memory bound") {
        assert!(
            growth <= PEAK_LIMIT_KIB,
            "{format} {w}x{h}: peak growth {growth} KiB over 48 MB"
        );
    }
}

#[test]
fn a_gif_at_the_canvas_cap_scans_within_48_mb() {
    common::in_own_process(
        module_path!(),
        "a_gif_at_the_canvas_cap_scans_within_48_mb",
        || assert_within_budget("GIF", 4000, 4000),
    );
}

#[test]
fn an_apng_at_the_canvas_cap_scans_within_48_mb() {
    common::in_own_process(
        module_path!(),
        "an_apng_at_the_canvas_cap_scans_within_48_mb",
        || assert_within_budget("APNG", 4000, 4000),
    );
}

#[test]
fn an_animated_webp_at_its_canvas_cap_scans_within_48_mb() {
    let cap = AnimationLimits::default().max_webp_canvas_pixels;
    assert_eq!(cap, 2048 * 1024);
    common::in_own_process(
        module_path!(),
        "an_animated_webp_at_its_canvas_cap_scans_within_48_mb",
        || {
            assert_within_budget("WebP", 2048, 1024);
            assert_within_budget("lossy WebP", 2048, 1024);
        },
    );
}

#[test]
fn an_animated_webp_over_its_canvas_cap_is_refused_before_decoding() {
    let bytes = webp_of(2050, 1024, &[part(0, 0, 2050, 1024, 1)]);
    let kind = sniff(&bytes).expect("an animated WebP");
    let err = AnimationFrames::open(
        &bytes,
        kind,
        &DecodeLimits::default(),
        &AnimationLimits::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            AnimationError::CanvasTooLarge {
                format: "WebP",
                width: 2050,
                height: 1024,
                max_pixels: 2_097_152
            }
        ),
        "{err}"
    );
    // The scanner reports it as the typed animation error, not as a decoding failure.
    let scanner = Scanner::new(ScannerConfig::default()).unwrap();
    let e = scanner.scan_image(&bytes).unwrap_err();
    assert!(e.to_string().contains("over the limit"), "{e}");
}

/// RGBA composited on white, as the scanner normalises frames.
fn on_white(img: &RgbaImage) -> image::RgbImage {
    image::RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let p = img.get_pixel(x, y).0;
        let a = u32::from(p[3]);
        image::Rgb([0, 1, 2].map(|c| ((u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8))
    })
}

/// The frames as `image`'s own `AnimationDecoder` composites them.
fn reference_frames(format: &str, bytes: &[u8]) -> Vec<image::RgbImage> {
    use image::codecs::{gif::GifDecoder, png::PngDecoder, webp::WebPDecoder};
    let cursor = std::io::Cursor::new(bytes);
    let frames = match format {
        "GIF" => GifDecoder::new(cursor).unwrap().into_frames(),
        "APNG" => PngDecoder::new(cursor)
            .unwrap()
            .apng()
            .unwrap()
            .into_frames(),
        _ => WebPDecoder::new(cursor).unwrap().into_frames(),
    };
    frames.map(|f| on_white(f.unwrap().buffer())).collect()
}

fn pdq_of(img: &image::RgbImage) -> pdq::PdqDihedral {
    pdq::hash_pixels(pdq::PixelsRef::Rgb8 {
        data: img.as_raw(),
        width: img.width() as usize,
        height: img.height() as usize,
    })
    .unwrap()
}

/// Every frame of our decode against `image`'s: the same PDQ hashes (all eight variants), and
/// the same pixels (whole, or at PDQ's nearest-neighbour sample positions above 1 MP).
fn assert_composited_like_image(format: &str, w: u32, h: u32) {
    let bytes = build(format, w, h);
    let expected = reference_frames(format, &bytes);
    let ours: Vec<_> = AnimationFrames::open(
        &bytes,
        sniff(&bytes).unwrap(),
        &DecodeLimits::default(),
        &AnimationLimits::default(),
    )
    .unwrap()
    .map(Result::unwrap)
    .collect();
    assert_eq!(ours.len(), expected.len(), "{format} {w}x{h}");
    assert_eq!(ours.len(), 4);
    let sampled = u64::from(w) * u64::from(h) > 1_000_000;
    for (f, want) in ours.iter().zip(&expected) {
        let Pixels::Rgb8(got) = &f.pixels else {
            panic!("frames are RGB")
        };
        let want_sample = if sampled {
            image::RgbImage::from_fn(512, 512, |j, k| *want.get_pixel(j * w / 512, k * h / 512))
        } else {
            want.clone()
        };
        assert_eq!(
            got.dimensions(),
            want_sample.dimensions(),
            "{format} {w}x{h}"
        );
        let differ = got
            .pixels()
            .zip(want_sample.pixels())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differ, 0, "{format} {w}x{h} frame {}", f.index);
        assert_eq!(
            pdq_of(got).hashes,
            pdq_of(want).hashes,
            "{format} {w}x{h} frame {}",
            f.index
        );
    }
    // Frames differ from each other, so the comparison above is not of four equal pictures.
    assert_ne!(expected[0], expected[1]);
}

#[test]
fn gif_frames_are_composited_exactly_as_image_composites_them() {
    for (w, h) in [(300, 200), (1500, 1000), (3000, 400)] {
        assert_composited_like_image("GIF", w, h);
    }
}

#[test]
fn apng_frames_are_composited_exactly_as_image_composites_them() {
    for (w, h) in [(300, 200), (1500, 1000), (3000, 400)] {
        assert_composited_like_image("APNG", w, h);
    }
}

#[test]
fn webp_frames_are_composited_exactly_as_image_composites_them() {
    for (w, h) in [(300, 200), (1500, 1000)] {
        assert_composited_like_image("WebP", w, h);
        assert_composited_like_image("lossy WebP", w, h);
    }
}

#[test]
fn typical_animations_scan_within_48_mb() {
    common::in_own_process(
        module_path!(),
        "typical_animations_scan_within_48_mb",
        || {
            for format in ["GIF", "APNG", "WebP"] {
                assert_within_budget(format, 1500, 1000);
            }
        },
    );
}

/// 24 full frames of 16 MP (384 MP to decode) in a 21 MB GIF: refused once the frames add up
/// to the decoding budget (256 MP), before the time bound is spent.
#[test]
fn a_gif_of_many_full_canvas_frames_stops_at_the_decoding_budget() {
    let (w, h) = (4000u16, 4000u16);
    let buffer: Vec<u8> = (0..u32::from(h))
        .flat_map(|y| (0..u32::from(w)).map(move |x| index(x, y, 1)))
        .collect();
    let mut frame = gif::Frame {
        delay: 10,
        width: w,
        height: h,
        buffer: Cow::Owned(buffer),
        ..gif::Frame::default()
    };
    frame.make_lzw_pre_encoded();
    let mut bytes = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut bytes, w, h, &palette()).unwrap();
        for _ in 0..24 {
            enc.write_lzw_pre_encoded_frame(&frame).unwrap();
        }
    }
    let limits = AnimationLimits::default();
    let start = Instant::now();
    let frames: Vec<_> = AnimationFrames::open(
        &bytes,
        sniff(&bytes).unwrap(),
        &DecodeLimits::default(),
        &limits,
    )
    .unwrap()
    .collect();
    let ms = start.elapsed().as_millis();
    eprintln!(
        "{} bytes, {} frames decoded in {ms} ms",
        bytes.len(),
        frames.len() - 1
    );
    // 256 MP is 16 frames of 16 MP: the 17th goes over, so the 18th call reports the budget.
    assert_eq!(frames.len(), 18);
    assert!(frames[..17].iter().all(Result::is_ok));
    assert!(
        matches!(
            frames[17],
            Err(AnimationError::TooMuchToDecode { frames: 17, .. })
        ),
        "{:?}",
        frames[17]
    );
    // The scanner reports it as the typed animation error.
    let scanner = Scanner::new(ScannerConfig::default()).unwrap();
    let e = scanner.scan_image(&bytes).unwrap_err();
    assert!(e.to_string().contains("decoded pixels"), "{e}");
}
