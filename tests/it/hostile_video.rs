//! Hostile files given to the FFmpeg video path (`preflight hash VIDEO`, feature `video`): a
//! playlist posing as a video must not make FFmpeg open the files or URLs it names, and the
//! real containers still open. Found while writing the `video_container` fuzz target (a review
//! of what its inputs reach): HLS is one of the demuxers FFmpeg probes by content, and FFmpeg
//! 5.1 then reads every local segment the playlist names (`../../any/video.ts`), hashing
//! files the user never gave; it already refuses http from a local playlist. And a stream whose
//! own headers declare frames far larger than its container says must be refused by FFmpeg
//! before it allocates for them (found by the `video_container` fuzz target in session 9).
#![cfg(feature = "video")]

use preflight::video::ffmpeg::{hash_video_file, VideoHashOptions};
use std::io::ErrorKind;
use std::net::TcpListener;

#[test]
fn an_hls_playlist_is_refused_without_touching_the_network_or_other_files() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    // A local segment the playlist names: FFmpeg's HLS demuxer would read and decode it.
    let local = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/corpus/video_container/mpeg2.ts"
    ))
    .unwrap();
    std::fs::write(dir.path().join("local.ts"), local).unwrap();
    let playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nlocal.ts\n\
         #EXTINF:2.0,\nhttp://127.0.0.1:{port}/remote.ts\n#EXT-X-ENDLIST\n"
    );
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, playlist).unwrap();
    let err = hash_video_file(&path, &VideoHashOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("not an accepted video container"),
        "{err}"
    );
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("FFmpeg connected to the URL in the playlist: {other:?}"),
    }
}

#[test]
fn the_seed_containers_still_open_and_hash() {
    for name in ["h264.mp4", "h264.mkv", "vp9.webm", "mpeg4.avi", "mpeg2.ts"] {
        let path = format!(
            "{}/fuzz/corpus/video_container/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let frames = hash_video_file(path.as_ref(), &VideoHashOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(frames.len(), 6, "{name}: six drawn frames");
    }
}

/// The fuzz target's finding: a WebM whose VP8 key frame claims 16383x16383 inside a 32x24
/// track made FFmpeg allocate 452 MB for the frame (the 1 MP frame limit was checked on the
/// container's size only). The limit now goes to FFmpeg as `max_pixels`, so the decoder refuses
/// the frame before allocating it. This test checks what a caller sees (a typed error, bounded
/// resident memory); the allocation itself is never touched, so resident memory does not show
/// it either way: the `video_container` fuzz target's heap bound is what catches it (on the
/// fuzzer's input: 452 MB before the fix, within its 160 MiB bound after).
#[test]
fn a_key_frame_larger_than_its_track_is_refused_before_it_is_allocated() {
    let seed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/corpus/video_container/vp8.webm"
    ))
    .unwrap();
    let opts = VideoHashOptions {
        max_frame_pixels: 1 << 20,
        ..VideoHashOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.webm");
    std::fs::write(&good, &seed).unwrap();
    assert!(!hash_video_file(&good, &opts).unwrap().is_empty());
    // Every key frame's header (start code 9d 01 2a, then 14-bit width and height) claims
    // 16383x16383.
    let mut bad = seed.clone();
    let mut patched = 0;
    let mut at = 0;
    while let Some(i) = bad[at..].windows(3).position(|w| w == [0x9d, 0x01, 0x2a]) {
        let size = at + i + 3;
        bad[size..size + 4].copy_from_slice(&[0xff, 0x3f, 0xff, 0x3f]);
        patched += 1;
        at = size + 4;
    }
    assert!(patched >= 1);
    let path = dir.path().join("bad.webm");
    std::fs::write(&path, &bad).unwrap();
    let before = crate::common::peak_rss_kib();
    let err = hash_video_file(&path, &opts).unwrap_err();
    assert!(err.to_string().contains("cannot decode"), "{err}");
    let grown = crate::common::peak_rss_kib().saturating_sub(before);
    assert!(grown < 200 * 1024, "peak RSS grew {grown} KiB");
}

/// The path of the hostile fixture `name`.
fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name)
}

/// The error `hash_video_file` gives for the hostile fixture `name`.
fn fixture_error(name: &str) -> String {
    hash_video_file(&fixture(name), &VideoHashOptions::default())
        .unwrap_err()
        .to_string()
}

/// `video_container` fuzz finding (session 13): a 1.3 KB MP4 whose `stco` box declares 138
/// million chunk offsets made FFmpeg 5.1 allocate 1.1 GB for them before it read any (and then
/// fail at the end of the file). The sample-table check refuses it as corrupt before FFmpeg
/// opens the file, naming the box; the fuzz target's heap bound is what shows the allocation.
#[test]
fn a_sample_table_longer_than_its_box_is_refused_before_ffmpeg_allocates_it() {
    let err = fixture_error("mp4-stco-count-beyond-box.mp4");
    assert!(
        err.contains("corrupt MP4/MOV") && err.contains("'stco'") && err.contains("138576516"),
        "{err}"
    );
}

/// The second finding of that run: a 1.3 KB MP4 (the AV1 seed) whose last sample claims 537 MB.
/// FFmpeg 5.1 spun in `av_read_frame` for minutes; the check refuses a sample larger than the
/// file at once.
#[test]
fn a_sample_larger_than_the_file_is_refused_at_once() {
    // The second: the same file with its first box renamed ("Ytyp"), which FFmpeg still
    // reads as an MP4.
    for name in [
        "mp4-sample-larger-than-file.mp4",
        "mp4-renamed-ftyp-sample-larger-than-file.mp4",
    ] {
        let err = fixture_error(name);
        assert!(
            err.contains("corrupt MP4/MOV") && err.contains("536870932"),
            "{name}: {err}"
        );
    }
}

/// `video_container` finding (session 13, seed 13): a 1.2 KB WebM whose VP9 frames are
/// 2358x24833 (58.5 MP, 4:4:4). FFmpeg's stream probing decoded a frame before our limit was
/// applied (590 MB resident under the old 64 MP default). The probe now gets `max_pixels`, and
/// the default limit is 8K UHD: a typed error, with resident memory barely moved.
#[test]
fn a_58_megapixel_vp9_frame_is_refused_while_probing() {
    let before = crate::common::peak_rss_kib();
    let err = hash_video_file(
        &fixture("webm-vp9-58mp-frame.webm"),
        &VideoHashOptions::default(),
    )
    .unwrap_err();
    let grown = crate::common::peak_rss_kib().saturating_sub(before);
    assert!(
        matches!(err, preflight::video::VideoError::Decode { .. }),
        "{err}"
    );
    assert!(grown < 100 * 1024, "peak RSS grew {grown} KiB");
}

/// The CI fuzz suite's finding after those fixes: an `stsd` that claims 16 MB swallows the `stco`
/// after it, which FFmpeg then parses inside the sample entry (the box walk does not look
/// there) and allocated 1.1 GB for. FFmpeg's single allocations are capped, so it is refused.
#[test]
fn a_table_hidden_inside_a_sample_entry_is_refused() {
    let err = fixture_error("mp4-stco-inside-stsd-entry.mp4");
    assert!(err.contains("Cannot allocate memory"), "{err}");
}
