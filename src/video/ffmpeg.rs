//! Video files through FFmpeg (feature `video`; Debian's `libavcodec-dev`, `libavformat-dev`,
//! `libswscale-dev`), hashed exactly as Meta's vPDQ (`vpdq/cpp/vpdq/cpp/hashing/filehasher.cpp`)
//! does, so the output can be compared line by line with `vpdq-hash-video` / pip `vpdq`:
//!
//! - the first video stream is decoded in decoding order; frame `n` is the `n`-th frame the
//!   decoder returns (0-based), and it is hashed when `n % mod == 0` ([`vpdq_frame_mod`]);
//! - the frame rate is the stream's average rate, else its base rate (`r_frame_rate`);
//! - a hashed frame is converted to RGB24 at the stream's size by swscale with `SWS_AREA`, and
//!   PDQ-hashed at full resolution (no 512 px pre-resize);
//! - its timestamp is `n / frame_rate` in single precision, as the reference computes it.
//!
//! An MP4/MOV is first checked by `mp4_tables`: a sample table that declares more entries than
//! its box holds is refused before FFmpeg allocates for the declared count.
//!
//! The file is opened with the `file` protocol only and a fixed set of container demuxers
//! (`CONTAINERS`): a playlist (HLS `.m3u8`, DASH, concat) posing as a video would otherwise
//! make FFmpeg read (and us hash) the local files it names, or fetch URLs where FFmpeg allows.
//!
//! Unlike the reference, decoding uses FFmpeg's frame threads (the decoded pixels are the same;
//! the reference only enables slice threads, which most H.264 files cannot use), and frames
//! that are not sampled are never converted.

use super::vpdq::{vpdq_frame_mod, VpdqFeature};
use super::VideoError;
use crate::hash::pdq::{self, PixelsRef};
use ffmpeg_next as ff;
use std::path::Path;

/// How [`hash_video_file`] samples and decodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoHashOptions {
    /// Seconds between hashed frames (vPDQ's `seconds_per_hash`); 0 hashes every frame.
    pub seconds_per_hash: f64,
    /// Decoder threads (0 = FFmpeg chooses, one per core).
    pub threads: usize,
    /// Refuse videos with more pixels a frame than this (default 8K UHD, 7680x4320 = 33.2 MP).
    /// The decoder's memory grows with the frame size a stream declares, not with the file's
    /// size: a 1.2 KB WebM declaring 58 MP 4:4:4 frames took 590 MB resident under the old 64 MP
    /// default (session 13). Frames larger than any camera records are refused while probing.
    pub max_frame_pixels: u64,
}

impl Default for VideoHashOptions {
    fn default() -> Self {
        VideoHashOptions {
            seconds_per_hash: 0.0,
            threads: 0,
            max_frame_pixels: 7680 * 4320,
        }
    }
}

struct Ctx<'a> {
    path: &'a Path,
}

impl Ctx<'_> {
    fn err(&self, detail: impl std::fmt::Display) -> VideoError {
        VideoError::Decode {
            path: self.path.display().to_string(),
            detail: detail.to_string(),
            cause: None,
        }
    }

    /// The error `e` (FFmpeg's or the hasher's) while doing `what` (empty: no prefix), kept as the source.
    fn ff(&self, what: &str, e: impl std::error::Error + Send + Sync + 'static) -> VideoError {
        let detail = if what.is_empty() {
            e.to_string()
        } else {
            format!("{what}: {e}")
        };
        VideoError::Decode {
            path: self.path.display().to_string(),
            detail,
            cause: Some(Box::new(e)),
        }
    }
}

/// Decodes `path` and returns its vPDQ features (see the module docs).
pub fn hash_video_file(
    path: &Path,
    opts: &VideoHashOptions,
) -> Result<Vec<VpdqFeature>, VideoError> {
    let mut out = Vec::new();
    for_each_hashed_frame(path, opts, |f| {
        out.push(f);
        true
    })?;
    Ok(out)
}

/// As [`hash_video_file`], handing each feature to `sink` as it is computed; `sink` returns
/// false to stop decoding early.
pub fn for_each_hashed_frame(
    path: &Path,
    opts: &VideoHashOptions,
    mut sink: impl FnMut(VpdqFeature) -> bool,
) -> Result<(), VideoError> {
    let cx = Ctx { path };
    ff::init().map_err(|e| cx.ff("", e))?;
    ff::util::log::set_level(ff::util::log::Level::Fatal);
    // SAFETY: `av_max_alloc` only stores the size FFmpeg's allocator refuses above.
    unsafe { ff::ffi::av_max_alloc(MAX_FFMPEG_ALLOCATION) };
    // FFmpeg 5.1 allocates an MP4 sample table from its declared count before reading it.
    match super::mp4_tables::table_fault(path) {
        Ok(()) => {}
        Err(super::mp4_tables::TableFault::Corrupt(why)) => {
            return Err(cx.err(format!("corrupt MP4/MOV: {why}")))
        }
        Err(super::mp4_tables::TableFault::Io(e)) => {
            return Err(cx.err(format!("cannot read: {e}")))
        }
    }
    let mut input = open_input(&cx, opts.max_frame_pixels)?;
    let stream = input
        .streams()
        .find(|s| s.parameters().medium() == ff::media::Type::Video)
        .ok_or_else(|| cx.err("no video stream"))?;
    let index = stream.index();
    let rate = {
        let avg = stream.avg_frame_rate();
        let r = if avg.numerator() == 0 || avg.denominator() == 0 {
            stream.rate()
        } else {
            avg
        };
        f64::from(r.numerator()) / f64::from(r.denominator())
    };
    if !rate.is_finite() || rate <= 0.0 {
        return Err(cx.err("the video's frame rate is zero or unknown"));
    }
    let mut ctx = ff::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| cx.ff("", e))?;
    ctx.set_threading(ff::threading::Config {
        kind: ff::threading::Type::Frame,
        count: opts.threads,
        ..ff::threading::Config::default()
    });
    // The frame-size limit goes to FFmpeg as well: a stream's own headers can declare frames
    // far larger than the container says (a VP8 key frame may claim 16383x16383 inside a
    // 32x24 WebM track), and the decoder allocates for them before any frame reaches us.
    let codec = ff::decoder::find(ctx.id()).ok_or_else(|| cx.err("no decoder for its codec"))?;
    let mut options = ff::Dictionary::new();
    options.set("max_pixels", &opts.max_frame_pixels.max(1).to_string());
    let mut decoder = ctx
        .decoder()
        .open_as_with(codec, options)
        .and_then(|d| d.video())
        .map_err(|e| cx.ff("no decoder", e))?;
    let (width, height) = (decoder.width(), decoder.height());
    if width == 0 || height == 0 {
        return Err(cx.err("width or height is 0"));
    }
    if u64::from(width) * u64::from(height) > opts.max_frame_pixels {
        return Err(cx.err(format!(
            "{width}x{height} frames, over the {}-pixel limit",
            opts.max_frame_pixels
        )));
    }
    let mut hasher = FrameHasher {
        width,
        height,
        rate,
        frame_mod: vpdq_frame_mod(opts.seconds_per_hash, rate),
        scaler: None,
        decoded: ff::frame::Video::empty(),
        rgb: ff::frame::Video::empty(),
        packed: Vec::new(),
        next: 0,
    };
    let mut go_on = true;
    for (s, packet) in input.packets() {
        if s.index() != index {
            continue;
        }
        decoder
            .send_packet(&packet)
            .map_err(|e| cx.ff("cannot decode", e))?;
        go_on = hasher.drain(&cx, &mut decoder, &mut sink)?;
        if !go_on {
            break;
        }
    }
    if go_on {
        decoder.send_eof().map_err(|e| cx.ff("", e))?;
        hasher.drain(&cx, &mut decoder, &mut sink)?;
    }
    Ok(())
}

/// Largest single allocation FFmpeg may make (`av_max_alloc`, process-wide; FFmpeg's default is
/// 2 GiB). The MP4 table check reads the boxes FFmpeg descends into, but FFmpeg also parses a
/// table nested where it does not belong (inside an `stsd` sample entry whose size swallowed
/// the rest of `stbl`), and allocated 1.1 GB for its declared count (a `video_container`
/// finding of the CI suite, session 13). A 16-bit plane of an 8K frame is 66 MB.
pub const MAX_FFMPEG_ALLOCATION: usize = 256 << 20;

/// Containers FFmpeg may open (its demuxer names): the formats videos are shared in. Anything
/// else is refused, above all playlists and manifests (HLS, DASH, concat), which make FFmpeg
/// open further files (and URLs) named inside the file.
const CONTAINERS: &str = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,mpegvideo,\
                          ogg,asf,gif,h264,hevc,m4v,ivf,obu,mjpeg,yuv4mpegpipe";

/// Opens the file with only the `file` protocol (no network, whatever the file says) and only
/// the `CONTAINERS` demuxers, and probes its streams with `max_pixels` as each stream's
/// `max_pixels` codec option. ffmpeg-next's `format::input_with_dictionary` probes
/// (`avformat_find_stream_info`, which decodes a frame or more of each stream) with no codec
/// options, so a stream whose frames are far over the limit was decoded during probing: 189 MB
/// of heap for a 58 MP VP9 frame in a 1.2 KB WebM under a 1 MP limit, 590 MB resident under the
/// default one (a `video_container` finding, session 13). This is that function with the
/// options array filled in.
fn open_input(cx: &Ctx<'_>, max_pixels: u64) -> Result<ff::format::context::Input, VideoError> {
    use ff::ffi;
    use std::ptr;
    let mut options = ff::Dictionary::new();
    options.set("protocol_whitelist", "file");
    options.set("format_whitelist", CONTAINERS);
    let path = path_cstring(cx.path).ok_or_else(|| cx.err("the path contains a NUL byte"))?;
    let max = max_pixels.max(1).to_string();
    let refused = |e: ff::Error| {
        cx.err(format!(
            "cannot open (or not an accepted video container): {e}"
        ))
    };
    // SAFETY: the calls follow `format::input_with_dictionary` of ffmpeg-next 7.1: `ps` starts
    // null and is owned by us until `Input::wrap` takes it (closed on every error path after a
    // successful open); each dictionary given to FFmpeg is disowned first and owned (freed)
    // again after the call, whatever FFmpeg left in it; the options array holds exactly
    // `nb_streams` entries, the length `avformat_find_stream_info` reads.
    unsafe {
        let mut ps: *mut ffi::AVFormatContext = ptr::null_mut();
        let mut opts = options.disown();
        let res = ffi::avformat_open_input(&mut ps, path.as_ptr(), ptr::null_mut(), &mut opts);
        drop(ff::Dictionary::own(opts));
        if res != 0 || ps.is_null() {
            return Err(refused(ff::Error::from(res)));
        }
        let streams = (*ps).nb_streams as usize;
        let mut per_stream: Vec<*mut ffi::AVDictionary> = (0..streams)
            .map(|_| {
                let mut d = ff::Dictionary::new();
                d.set("max_pixels", &max);
                d.disown()
            })
            .collect();
        let array = if per_stream.is_empty() {
            ptr::null_mut()
        } else {
            per_stream.as_mut_ptr()
        };
        let res = ffi::avformat_find_stream_info(ps, array);
        for d in per_stream {
            drop(ff::Dictionary::own(d));
        }
        if res < 0 {
            ffi::avformat_close_input(&mut ps);
            return Err(refused(ff::Error::from(res)));
        }
        Ok(ff::format::context::Input::wrap(ps))
    }
}

/// The path as FFmpeg takes it: its bytes (any encoding on Unix), `None` if it holds a NUL.
fn path_cstring(path: &Path) -> Option<std::ffi::CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    std::ffi::CString::new(bytes).ok()
}

struct FrameHasher {
    width: u32,
    height: u32,
    rate: f64,
    frame_mod: u64,
    scaler: Option<ff::software::scaling::Context>,
    decoded: ff::frame::Video,
    rgb: ff::frame::Video,
    packed: Vec<u8>,
    next: u64,
}

impl FrameHasher {
    /// Receives every frame the decoder has ready; false when the sink asked to stop.
    fn drain(
        &mut self,
        cx: &Ctx<'_>,
        decoder: &mut ff::decoder::Video,
        sink: &mut impl FnMut(VpdqFeature) -> bool,
    ) -> Result<bool, VideoError> {
        while decoder.receive_frame(&mut self.decoded).is_ok() {
            let n = self.next;
            self.next += 1;
            if !n.is_multiple_of(self.frame_mod) {
                continue;
            }
            let f = self.hash(cx, n)?;
            if !sink(f) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn hash(&mut self, cx: &Ctx<'_>, n: u64) -> Result<VpdqFeature, VideoError> {
        let d = &self.decoded;
        if self.scaler.is_none() {
            let s = ff::software::scaling::Context::get(
                d.format(),
                d.width(),
                d.height(),
                ff::format::Pixel::RGB24,
                self.width,
                self.height,
                ff::software::scaling::Flags::AREA,
            )
            .map_err(|e| cx.ff("no scaler", e))?;
            self.scaler = Some(s);
        }
        if let Some(s) = self.scaler.as_mut() {
            s.run(d, &mut self.rgb)
                .map_err(|e| cx.ff(&format!("cannot convert frame {n}"), e))?;
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let stride = self.rgb.stride(0);
        let data = self.rgb.data(0);
        self.packed.clear();
        for y in 0..h {
            let row = data
                .get(y * stride..y * stride + w * 3)
                .ok_or_else(|| cx.err(format!("frame {n}: short RGB plane")))?;
            self.packed.extend_from_slice(row);
        }
        let p = pdq::hash_pixels_full_resolution(PixelsRef::Rgb8 {
            data: &self.packed,
            width: w,
            height: h,
        })
        .map_err(|e| cx.ff("", e))?;
        Ok(VpdqFeature {
            frame_number: n,
            quality: p.quality,
            hash: p.hashes[0],
            timestamp: f64::from(n as f32 / self.rate as f32),
        })
    }
}
