//! Animated images and video scans end to end (issue 13): a listed image hidden in frame 3 of
//! a GIF, APNG and animated WebP is blocked with the frame named; frames pushed by the app are
//! sampled, hashed and matched, with an early "match certain"; listed videos match the vPDQ way
//! (target/query percentages) and share the PDQ index with stills.

use crate::common;

use image::codecs::gif::GifEncoder;
use image::{Delay, Frame, RgbImage, RgbaImage};
use preflight::hash::pdq;
use preflight::lists::video::VideoInput;
use preflight::lists::{HashKind, IssuerSecretKey, ListBuilder};
use preflight::media::{Orientation, PixelBuffer, PixelFormat};
use preflight::video::vpdq::VpdqFeature;
use preflight::video::SamplingConfig;
use preflight::{Action, Evidence, FrameOutcome, Policy, Scanner, ScannerConfig, VideoScanOptions};

fn key() -> IssuerSecretKey {
    common::issuer_key(13)
}

/// A picture of a few flat, coloured rectangles (survives GIF's 256-colour palette); `seed`
/// places and colours them.
pub(crate) fn picture(seed: u32, w: u32, h: u32) -> RgbImage {
    let mut rng = preflight::lists::random::SplitMix64(u64::from(seed) * 0x9e37_79b9 + 1);
    let mut img = RgbImage::from_pixel(w, h, image::Rgb([40, 40, 40]));
    for _ in 0..7 {
        let r = rng.next();
        let (x0, y0) = ((r % u64::from(w)) as u32, ((r >> 16) % u64::from(h)) as u32);
        let (rw, rh) = (
            w / 6 + ((r >> 32) % u64::from(w / 2)) as u32,
            h / 6 + ((r >> 40) % u64::from(h / 2)) as u32,
        );
        let c = image::Rgb([(r >> 48) as u8, (r >> 56) as u8, (r >> 8) as u8]);
        for y in y0..(y0 + rh).min(h) {
            for x in x0..(x0 + rw).min(w) {
                img.put_pixel(x, y, c);
            }
        }
    }
    img
}

pub(crate) fn pdq_of(img: &RgbImage) -> pdq::PdqDihedral {
    pdq::hash_pixels(pdq::PixelsRef::Rgb8 {
        data: img.as_raw(),
        width: img.width() as usize,
        height: img.height() as usize,
    })
    .unwrap()
}

fn scanner_with(list: Vec<u8>, policy: Policy) -> Scanner {
    let s = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key().public().to_hex()],
        policy,
        ..ScannerConfig::default()
    })
    .unwrap();
    s.apply_list_update(&list, false).unwrap();
    s
}

/// A list holding the still `known`.
fn still_list(known: &RgbImage) -> Vec<u8> {
    let mut b = ListBuilder::new(1, 1_700_000_000);
    let org = b.add_org("org-a").unwrap();
    b.add(
        HashKind::Pdq,
        &pdq_of(known).hashes[0].0,
        1 << org,
        "known-still",
        "test",
    )
    .unwrap();
    b.build(&key()).unwrap()
}

/// Five frames of one second each; frame 3 is `known`, the others differ.
pub(crate) fn frames_with_known_at_3(known: &RgbImage) -> Vec<RgbaImage> {
    (0..5)
        .map(|i| {
            let rgb = if i == 3 {
                known.clone()
            } else {
                picture(10 + i, 240, 180)
            };
            image::DynamicImage::ImageRgb8(rgb).into_rgba8()
        })
        .collect()
}

pub(crate) fn gif(frames: &[RgbaImage], delay_ms: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new_with_speed(&mut out, 10);
        for f in frames {
            let d = Delay::from_numer_denom_ms(delay_ms, 1);
            enc.encode_frame(Frame::from_parts(f.clone(), 0, 0, d))
                .unwrap();
        }
    }
    out
}

fn assert_blocked_at_frame_3(v: &preflight::Verdict) {
    assert_eq!(v.action, Action::Block, "{v:?}");
    let ev = &v.signals[0].evidence;
    assert!(
        ev.iter().any(|e| matches!(e, Evidence::FrameMatch { frame_index: 3, timestamp_ms: 3000, label, .. } if label == "known-still")),
        "{ev:?}"
    );
}

#[test]
fn a_listed_image_in_frame_3_of_a_gif_is_blocked_and_the_frame_named() {
    let known = picture(1, 240, 180);
    let s = scanner_with(still_list(&known), Policy::default());
    let bytes = gif(&frames_with_known_at_3(&known), 1000);
    // Before issue 13 only frame 0 was hashed: it is far from the listed image.
    let first = pdq_of(&picture(10, 240, 180)).hashes[0];
    assert!(first.distance(&pdq_of(&known).hashes[0]) > 31);
    assert_blocked_at_frame_3(&s.scan_image(&bytes).unwrap());
    // The same animation without the listed frame is allowed.
    let mut clean = frames_with_known_at_3(&known);
    clean[3] = image::DynamicImage::ImageRgb8(picture(20, 240, 180)).into_rgba8();
    let v = s.scan_image(&gif(&clean, 1000)).unwrap();
    assert_eq!(v.action, Action::Allow, "{v:?}");
}

#[test]
fn apng_and_animated_webp_are_scanned_frame_by_frame_too() {
    let known = picture(2, 240, 180);
    let s = scanner_with(still_list(&known), Policy::default());
    let frames = frames_with_known_at_3(&known);
    let mut png = Vec::new();
    {
        let mut w = png_encoder(&mut png, 240, 180, frames.len() as u32)
            .write_header()
            .unwrap();
        for f in &frames {
            w.set_frame_delay(1, 1).unwrap();
            w.write_image_data(f.as_raw()).unwrap();
        }
        w.finish().unwrap();
    }
    assert_blocked_at_frame_3(&s.scan_image(&png).unwrap());
    let webp = animated_webp(&frames);
    assert_blocked_at_frame_3(&s.scan_image(&webp).unwrap());
}

fn png_encoder(out: &mut Vec<u8>, w: u32, h: u32, frames: u32) -> png::Encoder<'_, &mut Vec<u8>> {
    let mut enc = png::Encoder::new(out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_animated(frames, 0).unwrap();
    enc
}

/// An animated WebP of lossless frames (1 s each), assembled from single-frame encodes: the
/// `image` crate encodes stills only, so the ANIM/ANMF chunks are written here.
fn animated_webp(frames: &[RgbaImage]) -> Vec<u8> {
    let (w, h) = frames[0].dimensions();
    let mut body = Vec::new();
    let chunk = |out: &mut Vec<u8>, tag: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(tag);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
    };
    let mut vp8x = vec![0x12, 0, 0, 0]; // animation + alpha
    vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    chunk(&mut body, b"VP8X", &vp8x);
    chunk(&mut body, b"ANIM", &[255, 255, 255, 255, 0, 0]);
    for f in frames {
        let mut still = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut still)
            .encode(f.as_raw(), w, h, image::ExtendedColorType::Rgba8)
            .unwrap();
        // still = RIFF....WEBP + the VP8L chunk.
        let mut anmf = vec![0u8; 6];
        anmf.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        anmf.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        anmf.extend_from_slice(&1000u32.to_le_bytes()[..3]);
        anmf.push(0);
        anmf.extend_from_slice(&still[12..]);
        chunk(&mut body, b"ANMF", &anmf);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    out
}

pub(crate) fn rgb_frame(img: &RgbImage) -> PixelBuffer {
    PixelBuffer {
        width: img.width(),
        height: img.height(),
        row_stride: img.width() * 3,
        format: PixelFormat::Rgb888,
        orientation: Orientation::Up,
        bytes: img.as_raw().clone(),
    }
}

#[test]
fn pushed_frames_stop_at_the_first_still_match() {
    let known = picture(3, 160, 120);
    let s = scanner_with(still_list(&known), Policy::default());
    let mut scan = s.begin_video(VideoScanOptions::default());
    let mut outcomes = Vec::new();
    // 10 fps for 6 s; the listed picture is shown from 2.0 s to 2.9 s.
    for i in 0..60u64 {
        let img = if (20..30).contains(&i) {
            known.clone()
        } else {
            picture(40 + (i / 10) as u32, 160, 120)
        };
        let o = scan.push_frame(rgb_frame(&img), i * 100).unwrap();
        outcomes.push(o);
        if o == FrameOutcome::MatchCertain {
            break;
        }
    }
    assert_eq!(outcomes.len(), 21, "stops at frame 20 (t = 2 s)");
    assert_eq!(outcomes[0], FrameOutcome::Hashed);
    assert_eq!(outcomes[1], FrameOutcome::Skipped);
    assert_eq!(outcomes[10], FrameOutcome::Hashed);
    assert_eq!(scan.frames_hashed(), 3);
    let v = scan.finish().unwrap();
    assert_eq!(v.action, Action::Block);
    assert!(v.signals[0].evidence.iter().any(|e| matches!(
        e,
        Evidence::FrameMatch {
            frame_index: 20,
            timestamp_ms: 2000,
            ..
        }
    )));
}

#[test]
fn pushed_frames_are_checked_and_timestamps_must_not_go_back() {
    let s = Scanner::new(ScannerConfig::default()).unwrap();
    let mut scan = s.begin_video(VideoScanOptions::default());
    let img = picture(5, 32, 32);
    scan.push_frame(rgb_frame(&img), 100).unwrap();
    let e = scan
        .push_frame(rgb_frame(&img), 50)
        .unwrap_err()
        .to_string();
    assert!(e.contains("before the previous frame"), "{e}");
    let mut bad = rgb_frame(&img);
    bad.row_stride = 10;
    let e = scan.push_frame(bad, 200).unwrap_err().to_string();
    assert!(e.contains("frame 1") && e.contains("stride"), "{e}");
    let capped = SamplingConfig {
        max_frames: 2,
        ..SamplingConfig::default()
    };
    let mut scan = s.begin_video(VideoScanOptions {
        sampling: Some(capped),
        duration_ms: None,
    });
    scan.push_frame(rgb_frame(&img), 0).unwrap();
    scan.push_frame(rgb_frame(&img), 1).unwrap();
    assert!(scan.push_frame(rgb_frame(&img), 2).is_err());
    assert_eq!(scan.finish().unwrap().action, Action::Allow);
}

/// A listed video of ten distinct one-second scenes, as vPDQ features.
fn video_scenes() -> Vec<RgbImage> {
    (0..10).map(|i| picture(60 + i, 160, 120)).collect()
}

/// The vPDQ features of `scenes`, one a second.
pub(crate) fn video_features(scenes: &[RgbImage]) -> Vec<VpdqFeature> {
    scenes
        .iter()
        .enumerate()
        .map(|(i, img)| {
            let d = pdq::hash_pixels_full_resolution(pdq::PixelsRef::Rgb8 {
                data: img.as_raw(),
                width: 160,
                height: 120,
            })
            .unwrap();
            VpdqFeature {
                frame_number: i as u64 * 30,
                quality: d.quality,
                hash: d.hashes[0],
                timestamp: i as f64,
            }
        })
        .collect()
}

fn video_list(scenes: &[RgbImage]) -> Vec<u8> {
    let mut b = ListBuilder::new(1, 1_700_000_000);
    let org = b.add_org("org-v").unwrap();
    b.add_video(
        VideoInput::from_vpdq(&video_features(scenes)),
        1 << org,
        "known-video",
        "test",
    )
    .unwrap();
    b.build(&key()).unwrap()
}

#[test]
fn a_listed_video_matches_by_vpdq_percentages_and_its_frames_match_as_stills() {
    let scenes = video_scenes();
    let s = scanner_with(video_list(&scenes), Policy::default());
    // The whole video, re-pushed at 5 fps: certain once 80% of its 10 frames are matched.
    let mut scan = s.begin_video(VideoScanOptions::default());
    let mut certain_at = None;
    for i in 0..50u64 {
        if scan
            .push_frame(rgb_frame(&scenes[(i / 5) as usize]), i * 200)
            .unwrap()
            == FrameOutcome::MatchCertain
        {
            certain_at = Some(i);
            break;
        }
    }
    assert_eq!(certain_at, Some(35), "8th scene = 80%");
    let v = scan.finish().unwrap();
    assert_eq!(v.action, Action::Block, "{v:?}");
    let Evidence::VideoMatch {
        target_match_pct,
        query_match_pct,
        matched_frames,
        label,
        ..
    } = &v.signals[0].evidence[0]
    else {
        panic!("{v:?}")
    };
    assert_eq!(
        (*target_match_pct, *query_match_pct, label.as_str()),
        (80.0, 100.0, "known-video")
    );
    assert_eq!(matched_frames.len(), 8);
    assert_eq!(
        (
            matched_frames[7].frame_index,
            matched_frames[7].timestamp_ms,
            matched_frames[7].listed_frame > 0
        ),
        (35, 7000, true)
    );

    // Half of the video: 50% of its frames, under the default 80% -> allowed, as vPDQ decides.
    let mut scan = s.begin_video(VideoScanOptions::default());
    for i in 0..5u64 {
        assert_ne!(
            scan.push_frame(rgb_frame(&scenes[i as usize]), i * 1000)
                .unwrap(),
            FrameOutcome::MatchCertain
        );
    }
    assert_eq!(scan.finish().unwrap().action, Action::Allow);
    // ... unless the policy asks for 50%.
    let lax = scanner_with(
        video_list(&scenes),
        Policy {
            video_target_match_pct: 50.0,
            ..Policy::default()
        },
    );
    let mut scan = lax.begin_video(VideoScanOptions::default());
    for i in 0..5u64 {
        scan.push_frame(rgb_frame(&scenes[i as usize]), i * 1000)
            .unwrap();
    }
    assert_eq!(scan.finish().unwrap().action, Action::Block);

    // A still of one scene matches the listed video through the shared PDQ index.
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(scenes[4].clone())
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let v = s.scan_image(&png).unwrap();
    assert_eq!(v.action, Action::Block);
    assert!(
        matches!(&v.signals[0].evidence[0], Evidence::ListMatch { label, .. } if label == "known-video")
    );
}

#[test]
fn video_sections_round_trip_and_merge_frames_into_the_pdq_index() {
    let scenes = video_scenes();
    let list = preflight::lists::HashList::from_bytes(
        video_list(&scenes),
        &preflight::lists::TrustedKeys::new(vec![key().public()]),
    )
    .unwrap();
    assert_eq!(list.len(HashKind::Pdq), 10);
    let sec = list.videos().unwrap();
    assert_eq!(sec.len(), 1);
    let rec = sec.record(list.as_bytes(), 0).unwrap();
    assert_eq!(
        (rec.refs.len(), rec.source_frames, rec.duration_ms),
        (10, 10, 9000)
    );
    for k in rec.refs.clone() {
        let e = sec.frame_entry(list.as_bytes(), k);
        assert_eq!(sec.videos_of_entry(list.as_bytes(), e), vec![0]);
    }
    // Video entries with no good frame are refused.
    let mut b = ListBuilder::new(1, 0);
    let e = b.add_video(
        VideoInput {
            frames: vec![],
            source_frames: 3,
            duration_ms: 0,
        },
        0,
        "x",
        "y",
    );
    assert!(e.is_err());
}

#[test]
fn deltas_add_and_remove_videos_and_rebuild_the_signed_list() {
    let scenes = video_scenes();
    let feats = |range: std::ops::Range<usize>| -> Vec<VpdqFeature> {
        range
            .map(|i| {
                let d = pdq_of(&scenes[i]);
                VpdqFeature {
                    frame_number: i as u64,
                    quality: d.quality,
                    hash: d.hashes[0],
                    timestamp: i as f64,
                }
            })
            .collect()
    };
    let build = |version: u64, videos: &[(std::ops::Range<usize>, &str)]| {
        let mut b = ListBuilder::new(version, 1_700_000_000 + version);
        let org = b.add_org("org-v").unwrap();
        b.add(
            HashKind::Pdq,
            &pdq_of(&picture(99, 160, 120)).hashes[0].0,
            1 << org,
            "a-still",
            "test",
        )
        .unwrap();
        for (r, label) in videos {
            b.add_video(
                VideoInput::from_vpdq(&feats(r.clone())),
                1 << org,
                label,
                "test",
            )
            .unwrap();
        }
        b.build(&key()).unwrap()
    };
    // v1: videos A (scenes 0..6) and B (4..10, sharing scenes 4 and 5); v2: A gone, C added.
    let v1 = build(1, &[(0..6, "video-a"), (4..10, "video-b")]);
    let v2 = build(2, &[(4..10, "video-b"), (7..10, "video-c")]);
    let keys = preflight::lists::TrustedKeys::new(vec![key().public()]);
    let (l1, l2) = (
        preflight::lists::HashList::from_bytes(v1.clone(), &keys).unwrap(),
        preflight::lists::HashList::from_bytes(v2.clone(), &keys).unwrap(),
    );
    let delta = preflight::lists::make_delta(&l1, &l2, &key()).unwrap();
    let parsed = preflight::lists::parse_delta(&delta, &keys).unwrap();
    assert_eq!(
        (parsed.videos.adds.len(), parsed.videos.removes.len()),
        (1, 1)
    );
    assert_eq!(parsed.videos.adds[0].label, "video-c");
    // The summary (`list inspect`/`list diff`) and the list info count the videos.
    let summary = parsed.summary();
    assert_eq!((summary.adds.videos, summary.removes.videos), (1, 1));
    assert_eq!((l1.info().counts.videos, l2.info().counts.videos), (2, 2));
    assert_eq!(preflight::lists::apply_delta(&l1, &parsed).unwrap(), v2);
    // On a device: the delta installs, and scene 0 (only in the removed video) no longer matches.
    let s = scanner_with(v1, Policy::default());
    s.apply_list_update(&delta, false).unwrap();
    assert_eq!(s.list_info().version, 2);
    let png = |img: &RgbImage| {
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img.clone())
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    assert_eq!(
        s.scan_image(&png(&scenes[0])).unwrap().action,
        Action::Allow
    );
    assert_eq!(
        s.scan_image(&png(&scenes[8])).unwrap().action,
        Action::Block
    );
}

#[test]
fn one_thread_per_scan_gives_the_same_animation_verdict() {
    let known = picture(1, 240, 180);
    let one = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key().public().to_hex()],
        scan_threads: std::num::NonZeroUsize::new(1),
        ..ScannerConfig::default()
    })
    .unwrap();
    one.apply_list_update(&still_list(&known), false).unwrap();
    let bytes = gif(&frames_with_known_at_3(&known), 1000);
    let v = one.scan_image(&bytes).unwrap();
    assert_blocked_at_frame_3(&v);
    let default = scanner_with(still_list(&known), Policy::default());
    assert_eq!(default.scan_image(&bytes).unwrap(), v);
    // A decoding error surfaces the same way on the caller's thread.
    let cut = &bytes[..bytes.len() / 2];
    assert_eq!(
        one.scan_image(cut).map_err(|e| e.to_string()),
        default.scan_image(cut).map_err(|e| e.to_string())
    );
}
