//! The video scan session over the FFI (issue 13), exactly as the bindings call it: a listed
//! still pushed as frame k of a synthetic sequence blocks with the frame named and tells the app
//! to stop decoding; a listed video matches by vPDQ's query/target percentages; an unlisted
//! sequence allows; bad frames and misuse are typed `InvalidVideo` errors. The same scenarios
//! run on the JVM in tests/kotlin/VideoTest.kt.

use preflight::hash::pdq;
use preflight::lists::video::VideoInput;
use preflight::lists::{IssuerSecretKey, ListBuilder};
use preflight::video::vpdq::VpdqFeature;
use preflight_ffi::{
    Action, Evidence, FrameOutcome, Orientation, PixelBuffer, PixelFormat, PreflightError, Scanner,
    ScannerConfig, VideoScanOptions,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap()
}

fn config(dir: &Path, key: String) -> ScannerConfig {
    ScannerConfig {
        trusted_list_keys: vec![key],
        ..ScannerConfig::new(dir.display().to_string())
    }
}

/// A scanner with the demo list (it holds the bridge fixture's PDQ).
fn demo_scanner(dir: &Path) -> Arc<Scanner> {
    let key = String::from_utf8(read("tests/fixtures/ffi/test-issuer.pub")).unwrap();
    let s = Scanner::new(config(dir, key.trim().to_string())).unwrap();
    s.apply_list_update(read("tests/fixtures/ffi/demo-list-v1.pflist"), false)
        .unwrap();
    s
}

/// The bridge fixture decoded in full into tightly packed RGBA (as a platform decoder would).
fn bridge_frame() -> PixelBuffer {
    let limits = preflight::media::DecodeLimits::default();
    let bytes = read("tests/fixtures/pdq/images/bridge-1-original.jpg");
    let decoded = preflight::media::decode_for_hashing(&bytes, &limits, u32::MAX).unwrap();
    let img = decoded.pixels.to_dynamic().to_rgba8();
    PixelBuffer {
        width: img.width(),
        height: img.height(),
        row_stride: img.width() * 4,
        format: PixelFormat::Rgba8888,
        orientation: Orientation::Up,
        bytes: img.into_raw(),
    }
}

/// A synthetic 160x120 RGB frame of flat blocks, different for every `seed`.
fn scene(seed: u64) -> PixelBuffer {
    let (w, h) = (160u32, 120u32);
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let blocks: Vec<[u8; 3]> = (0..48)
        .map(|_| {
            let r = next();
            [r as u8, (r >> 8) as u8, (r >> 16) as u8]
        })
        .collect();
    let mut bytes = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            bytes.extend_from_slice(&blocks[((y / 20) * 8 + x / 20) as usize]);
        }
    }
    PixelBuffer {
        width: w,
        height: h,
        row_stride: w * 3,
        format: PixelFormat::Rgb888,
        orientation: Orientation::Up,
        bytes,
    }
}

#[test]
fn a_listed_still_held_for_a_second_blocks_with_the_frame_named_and_stops_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_scanner(dir.path());
    let scan = s.begin_video(None).unwrap();
    // 10 fps for 6 s; the listed picture is on screen from 2.0 s to 2.9 s (frames 20..30).
    let mut pushed = 0;
    for i in 0..60u64 {
        let frame = if (20..30).contains(&i) {
            bridge_frame()
        } else {
            scene(i / 10)
        };
        pushed += 1;
        if scan.push_frame(frame, i * 100).unwrap() == FrameOutcome::MatchCertain {
            break;
        }
    }
    assert_eq!(pushed, 21, "the app is told to stop at frame 20");
    assert!(scan.is_match_certain());
    assert_eq!((scan.frames_pushed(), scan.frames_hashed()), (21, 3));
    let v = scan.finish().unwrap();
    assert_eq!(v.action, Action::Block);
    let found = v.signals[0].evidence.iter().find_map(|e| match e {
        Evidence::FrameMatch {
            frame_index,
            timestamp_ms,
            label,
            ..
        } => Some((*frame_index, *timestamp_ms, label.clone())),
        _ => None,
    });
    let (index, ts, label) = found.expect("frame evidence");
    assert_eq!((index, ts), (20, 2000));
    assert!(!label.is_empty());
}

#[test]
fn every_frame_sampled_finds_a_single_listed_frame_k() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_scanner(dir.path());
    let every_frame = VideoScanOptions {
        interval_ms: Some(1),
        ..VideoScanOptions::default()
    };
    let scan = s.begin_video(Some(every_frame)).unwrap();
    let k = 7u64;
    for i in 0..12u64 {
        let frame = if i == k {
            bridge_frame()
        } else {
            scene(100 + i)
        };
        let o = scan.push_frame(frame, i * 40).unwrap();
        let expected = if i < k {
            FrameOutcome::Hashed
        } else {
            FrameOutcome::MatchCertain
        };
        assert_eq!(o, expected, "frame {i}");
    }
    assert_eq!(
        scan.frames_pushed(),
        8,
        "frames after the match are ignored"
    );
    let v = scan.finish().unwrap();
    assert_eq!(v.action, Action::Block);
    assert!(matches!(
        v.signals[0].evidence[0],
        Evidence::FrameMatch {
            frame_index: 7,
            timestamp_ms: 280,
            ..
        }
    ));
}

#[test]
fn an_unlisted_sequence_allows() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_scanner(dir.path());
    let scan = s.begin_video(None).unwrap();
    for i in 0..50u64 {
        assert_ne!(
            scan.push_frame(scene(200 + i / 10), i * 100).unwrap(),
            FrameOutcome::MatchCertain
        );
    }
    assert!(!scan.is_match_certain());
    let v = scan.finish().unwrap();
    assert_eq!(v.action, Action::Allow);
    assert!(v.signals.is_empty(), "{v:?}");
}

fn full_res_pdq(frame: &PixelBuffer) -> pdq::PdqDihedral {
    pdq::hash_pixels_full_resolution(pdq::PixelsRef::Rgb8 {
        data: &frame.bytes,
        width: frame.width as usize,
        height: frame.height as usize,
    })
    .unwrap()
}

#[test]
fn a_listed_video_matches_with_query_and_target_percentages() {
    let key = IssuerSecretKey::from_seed(&[21u8; 32]);
    let scenes: Vec<PixelBuffer> = (0..10).map(|i| scene(300 + i)).collect();
    let features: Vec<VpdqFeature> = scenes
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let d = full_res_pdq(f);
            VpdqFeature {
                frame_number: i as u64 * 25,
                quality: d.quality,
                hash: d.hashes[0],
                timestamp: i as f64,
            }
        })
        .collect();
    let mut b = ListBuilder::new(1, 1_700_000_000);
    let org = b.add_org("org-v").unwrap();
    b.add_video(
        VideoInput::from_vpdq(&features),
        1 << org,
        "known-video",
        "test",
    )
    .unwrap();
    let list = b.build(&key).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let s = Scanner::new(config(dir.path(), key.public().to_hex())).unwrap();
    s.apply_list_update(list, false).unwrap();
    let scan = s.begin_video(None).unwrap();
    let mut certain_at = None;
    // The whole video re-pushed at 5 fps: certain once 80% of its 10 scenes were seen.
    for i in 0..50u64 {
        let frame = scenes[(i / 5) as usize].clone();
        if scan.push_frame(frame, i * 200).unwrap() == FrameOutcome::MatchCertain {
            certain_at = Some(i);
            break;
        }
    }
    assert_eq!(certain_at, Some(35), "the 8th scene makes 80%");
    let v = scan.finish().unwrap();
    assert_eq!(v.action, Action::Block);
    let Evidence::VideoMatch {
        label,
        query_match_pct,
        target_match_pct,
        matched_frames,
        ..
    } = &v.signals[0].evidence[0]
    else {
        panic!("{v:?}")
    };
    assert_eq!(label, "known-video");
    assert_eq!((*query_match_pct, *target_match_pct), (100.0, 80.0));
    assert_eq!(matched_frames.len(), 8);
    assert_eq!(
        (
            matched_frames[7].frame_index,
            matched_frames[7].timestamp_ms
        ),
        (35, 7000)
    );
}

#[test]
fn bad_frames_and_misuse_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo_scanner(dir.path());
    let scan = s.begin_video(None).unwrap();
    scan.push_frame(scene(1), 100).unwrap();
    let e = scan.push_frame(scene(1), 50).unwrap_err();
    assert!(
        matches!(&e, PreflightError::InvalidVideo(m) if m.contains("before the previous frame")),
        "{e}"
    );
    let mut bad = scene(2);
    bad.row_stride = 10;
    let e = scan.push_frame(bad, 200).unwrap_err();
    assert!(
        matches!(&e, PreflightError::InvalidVideo(m) if m.contains("frame 1")),
        "{e}"
    );
    assert_eq!(scan.finish().unwrap().action, Action::Allow);
    assert!(matches!(
        scan.push_frame(scene(3), 300),
        Err(PreflightError::InvalidVideo(_))
    ));
    assert!(matches!(
        scan.finish(),
        Err(PreflightError::InvalidVideo(_))
    ));
    assert_eq!(scan.frames_pushed(), 0);

    let capped = VideoScanOptions {
        max_frames: Some(2),
        ..VideoScanOptions::default()
    };
    let scan = s.begin_video(Some(capped)).unwrap();
    scan.push_frame(scene(4), 0).unwrap();
    scan.push_frame(scene(4), 1).unwrap();
    let e = scan.push_frame(scene(4), 2).unwrap_err();
    assert!(
        matches!(&e, PreflightError::InvalidVideo(m) if m.contains("more than 2 frames")),
        "{e}"
    );

    let zero = VideoScanOptions {
        interval_ms: Some(0),
        ..VideoScanOptions::default()
    };
    assert!(matches!(
        s.begin_video(Some(zero)),
        Err(PreflightError::InvalidConfig(_))
    ));
}
