//! Hostile files given to the FFmpeg video path (`preflight hash VIDEO`, feature `video`): a
//! playlist posing as a video must not make FFmpeg open the files or URLs it names, and the
//! real containers still open. Found while writing the `video_container` fuzz target (a review
//! of what its inputs reach): HLS is one of the demuxers FFmpeg probes by content, and FFmpeg
//! 5.1 then reads every local segment the playlist names (`../../any/video.ts`), hashing
//! files the user never gave; it already refuses http from a local playlist.
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
