//! Animations and video frames against the lists of several issuers: each sampled frame is
//! matched against every issuer's list; a frame that `k` independently signed lists hold
//! blocks (and ends a pushed-frame scan early), one that fewer lists hold warns; the evidence
//! names the issuers and the frame. The animation file's own digests are matched too.

use super::video_scan::{frames_with_known_at_3, gif, pdq_of, picture, rgb_frame, video_features};
use crate::common;

use image::RgbImage;
use preflight::hash::crypto::CryptoHashes;
use preflight::lists::{HashKind, IssuerConfig, IssuerPolicy, ListBuilder, TrustedKeys};
use preflight::{
    Action, Category, Evidence, FrameOutcome, ScannedFrame, Scanner, ScannerConfig, Verdict,
    VideoScanOptions,
};

/// A list by issuer `seed` holding `entries` (kind, hash).
fn list(seed: u8, entries: &[(HashKind, Vec<u8>)]) -> Vec<u8> {
    let mut b = ListBuilder::new(1, 1_700_000_000);
    let org = b.add_org(&format!("org-{seed}")).unwrap();
    for (kind, hash) in entries {
        b.add(
            *kind,
            hash,
            1 << org,
            &format!("case-{seed}"),
            "known-abuse",
        )
        .unwrap();
    }
    b.build(&common::issuer_key(seed)).unwrap()
}

fn pdq_entry(img: &RgbImage) -> (HashKind, Vec<u8>) {
    (HashKind::Pdq, pdq_of(img).hashes[0].0.to_vec())
}

/// Issuers "alpha" (key 41) and "beta" (key 42), "k of 2"; `listing` says which of them list
/// the entries.
fn scanner(
    dir: &std::path::Path,
    k: u32,
    listing: [bool; 2],
    entries: &[(HashKind, Vec<u8>)],
) -> Scanner {
    let names = ["alpha", "beta"];
    let configs = names
        .iter()
        .zip([41u8, 42])
        .map(|(name, seed)| {
            let keys = TrustedKeys::new(vec![common::issuer_key(seed).public()]);
            IssuerConfig::new(name, dir.join(name), keys, "known-abuse")
        })
        .collect();
    let s =
        Scanner::with_issuers(ScannerConfig::default(), configs, IssuerPolicy::k_of_n(k)).unwrap();
    for ((name, seed), listed) in names.iter().zip([41u8, 42]).zip(listing) {
        let held: &[(HashKind, Vec<u8>)] = if listed { entries } else { &[] };
        s.apply_issuer_update(name, &list(seed, held), false)
            .unwrap();
    }
    s
}

/// The issuer evidence items of a verdict: (corroborated, issuer names, frame).
fn issuer_matches(v: &Verdict) -> Vec<(bool, Vec<String>, Option<ScannedFrame>)> {
    v.signals_of(Category::KnownCsam)
        .flat_map(|s| &s.evidence)
        .filter_map(|e| match e {
            Evidence::IssuerMatch {
                corroborated,
                issuers,
                frame,
                ..
            } => Some((
                *corroborated,
                issuers.iter().map(|i| i.issuer.clone()).collect(),
                *frame,
            )),
            _ => None,
        })
        .collect()
}

const FRAME_3: ScannedFrame = ScannedFrame {
    frame_index: 3,
    timestamp_ms: 3000,
};

#[test]
fn a_gif_frame_on_two_issuers_lists_blocks_and_names_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    let known = picture(1, 240, 180);
    let s = scanner(dir.path(), 2, [true, true], &[pdq_entry(&known)]);
    let v = s
        .scan_image(&gif(&frames_with_known_at_3(&known), 1000))
        .unwrap();
    assert_eq!(v.action, Action::Block, "{v:?}");
    assert_eq!(
        issuer_matches(&v),
        [(true, vec!["alpha".into(), "beta".into()], Some(FRAME_3))]
    );
    // Without the listed frame, nothing matches.
    let mut clean = frames_with_known_at_3(&known);
    clean[3] = image::DynamicImage::ImageRgb8(picture(20, 240, 180)).into_rgba8();
    let v = s.scan_image(&gif(&clean, 1000)).unwrap();
    assert_eq!(v.action, Action::Allow, "{v:?}");
}

#[test]
fn a_frame_on_one_issuers_list_only_warns_when_two_are_required() {
    let dir = tempfile::tempdir().unwrap();
    let known = picture(1, 240, 180);
    let s = scanner(dir.path(), 2, [true, false], &[pdq_entry(&known)]);
    let v = s
        .scan_image(&gif(&frames_with_known_at_3(&known), 1000))
        .unwrap();
    assert_eq!(v.action, Action::Warn, "{v:?}");
    assert_eq!(
        issuer_matches(&v),
        [(false, vec!["alpha".into()], Some(FRAME_3))]
    );
    // With k = 1 the same single list decides.
    let dir = tempfile::tempdir().unwrap();
    let s = scanner(dir.path(), 1, [true, false], &[pdq_entry(&known)]);
    let v = s
        .scan_image(&gif(&frames_with_known_at_3(&known), 1000))
        .unwrap();
    assert_eq!(v.action, Action::Block, "{v:?}");
}

#[test]
fn an_animation_files_digest_on_both_lists_blocks_before_any_frame_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    // No frame of this animation is listed; the file itself is, by SHA-256.
    let frames: Vec<_> = (0..3)
        .map(|i| image::DynamicImage::ImageRgb8(picture(60 + i, 120, 90)).into_rgba8())
        .collect();
    let bytes = gif(&frames, 500);
    let digest = CryptoHashes::of(&bytes).sha256.to_vec();
    let s = scanner(dir.path(), 2, [true, true], &[(HashKind::Sha256, digest)]);
    let v = s.scan_image(&bytes).unwrap();
    assert_eq!(v.action, Action::Block, "{v:?}");
    assert_eq!(
        issuer_matches(&v),
        [(true, vec!["alpha".into(), "beta".into()], None)]
    );
}

#[test]
fn pushed_video_frames_on_two_issuers_lists_end_the_scan_early() {
    let dir = tempfile::tempdir().unwrap();
    let known = picture(3, 160, 120);
    let s = scanner(dir.path(), 2, [true, true], &[pdq_entry(&known)]);
    let mut scan = s.begin_video(VideoScanOptions::default());
    // 10 fps; the listed picture is shown from 2.0 s; frames are sampled once a second.
    let mut pushed = 0;
    for i in 0..60u64 {
        let img = if (20..30).contains(&i) {
            known.clone()
        } else {
            picture(40 + (i / 10) as u32, 160, 120)
        };
        pushed += 1;
        if scan.push_frame(rgb_frame(&img), i * 100).unwrap() == FrameOutcome::MatchCertain {
            break;
        }
    }
    assert_eq!(pushed, 21, "certain at frame 20 (t = 2 s)");
    let v = scan.finish().unwrap();
    assert_eq!(v.action, Action::Block);
    let frame = ScannedFrame {
        frame_index: 20,
        timestamp_ms: 2000,
    };
    assert_eq!(
        issuer_matches(&v),
        [(true, vec!["alpha".into(), "beta".into()], Some(frame))]
    );
}

#[test]
fn a_video_scan_keeps_the_issuers_lists_it_began_with() {
    let dir = tempfile::tempdir().unwrap();
    let known = picture(3, 160, 120);
    let s = scanner(dir.path(), 1, [false, false], &[pdq_entry(&known)]);
    let mut scan = s.begin_video(VideoScanOptions::default());
    // An update lands while the scan runs: the scan matches against the lists it began with.
    s.apply_issuer_update(
        "alpha",
        &{
            let mut b = ListBuilder::new(2, 1_700_000_000);
            let org = b.add_org("org-41").unwrap();
            b.add(
                HashKind::Pdq,
                &pdq_entry(&known).1,
                1 << org,
                "late",
                "known-abuse",
            )
            .unwrap();
            b.build(&common::issuer_key(41)).unwrap()
        },
        false,
    )
    .unwrap();
    assert_eq!(
        scan.push_frame(rgb_frame(&known), 0).unwrap(),
        FrameOutcome::Hashed
    );
    assert_eq!(scan.finish().unwrap().action, Action::Allow);
    // A scan begun after the update sees it.
    let mut scan = s.begin_video(VideoScanOptions::default());
    assert_eq!(
        scan.push_frame(rgb_frame(&known), 0).unwrap(),
        FrameOutcome::MatchCertain
    );
}

#[test]
fn one_frame_of_a_video_on_an_issuers_list_does_not_decide_a_video_scan() {
    use preflight::lists::video::VideoInput;
    let dir = tempfile::tempdir().unwrap();
    let s = scanner(dir.path(), 1, [false, false], &[]);
    // Issuer alpha lists a video of ten scenes (vPDQ features), no stills.
    let scenes: Vec<RgbImage> = (0..10).map(|i| picture(60 + i, 160, 120)).collect();

    let mut b = ListBuilder::new(2, 1_700_000_000);
    let org = b.add_org("org-41").unwrap();
    b.add_video(
        VideoInput::from_vpdq(&video_features(&scenes)),
        1 << org,
        "video",
        "known-abuse",
    )
    .unwrap();
    s.apply_issuer_update("alpha", &b.build(&common::issuer_key(41)).unwrap(), false)
        .unwrap();
    // A video that shows only the listed video's first scene (a title card, say) among
    // others of its own is not matched frame by frame.
    let mut scan = s.begin_video(VideoScanOptions::default());
    for i in 0..5u64 {
        let img = if i == 0 {
            scenes[0].clone()
        } else {
            picture(90 + i as u32, 160, 120)
        };
        assert_ne!(
            scan.push_frame(rgb_frame(&img), i * 1000).unwrap(),
            FrameOutcome::MatchCertain
        );
    }
    let v = scan.finish().unwrap();
    assert!(issuer_matches(&v).is_empty(), "{v:?}");
    // The same frame as a still image is matched: stills are matched against every entry.
    let v = s.scan_pixels(&rgb_frame(&scenes[0])).unwrap();
    assert_eq!(issuer_matches(&v).len(), 1, "{v:?}");
}
