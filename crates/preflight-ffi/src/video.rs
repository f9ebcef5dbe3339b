//! Video handed over by the app (issue 13): `Scanner.beginVideo` returns a [`VideoScan`] the
//! app feeds with the frames it decodes (AVFoundation, MediaCodec) as [`PixelBuffer`]s with
//! their presentation time. Sampled frames (first, last, one a second, at most 64 by default)
//! are PDQ-hashed and matched as they arrive; `pushFrame` answers
//! [`FrameOutcome::MatchCertain`] as soon as the verdict will block, so the app can stop
//! decoding, and `finish` returns the verdict with typed evidence (`Evidence.FrameMatch` naming
//! the frame index and time; `Evidence.VideoMatch` with the query/target match percentages and
//! the matched frames of a listed video).

use crate::error::PreflightError;
use crate::scanner::Scanner;
use preflight::media::PixelBuffer;
use preflight::video::SamplingConfig;
use preflight::{FrameOutcome, ScanError, Verdict};
use std::sync::{Arc, Mutex};

/// How one video scan samples its frames; every field is optional (`null`/`nil`: the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct VideoScanOptions {
    /// The video's duration in milliseconds, if known: the sampling interval is widened so the
    /// sampled frames span the whole video instead of stopping at the cap.
    #[uniffi(default)]
    pub duration_ms: Option<u64>,
    /// One frame per this many milliseconds (default 1000), plus the first and the last.
    #[uniffi(default)]
    pub interval_ms: Option<u64>,
    /// Most frames hashed, first and last included (default 64, at least 1).
    #[uniffi(default)]
    pub max_sampled_frames: Option<u32>,
    /// Most frames accepted in all (default 100 000); one more is refused (`InvalidVideo`).
    #[uniffi(default)]
    pub max_frames: Option<u32>,
}

impl VideoScanOptions {
    fn to_core(self) -> Result<preflight::VideoScanOptions, PreflightError> {
        let d = SamplingConfig::default();
        let sampling = SamplingConfig {
            interval_ms: self.interval_ms.unwrap_or(d.interval_ms),
            max_sampled_frames: self.max_sampled_frames.unwrap_or(d.max_sampled_frames),
            max_frames: self.max_frames.unwrap_or(d.max_frames),
            classified_frames: d.classified_frames,
        };
        if sampling.interval_ms == 0 || sampling.max_sampled_frames == 0 || sampling.max_frames == 0
        {
            return Err(PreflightError::InvalidConfig(format!(
                "video scan options: interval_ms, max_sampled_frames and max_frames must be at \
                 least 1 (got {}, {}, {})",
                sampling.interval_ms, sampling.max_sampled_frames, sampling.max_frames
            )));
        }
        Ok(preflight::VideoScanOptions {
            sampling: Some(sampling),
            duration_ms: self.duration_ms,
        })
    }
}

/// Errors of a video scan: frame-level problems (layout, timestamps, the frame cap) are
/// `InvalidVideo`; the rest keep their usual variant.
fn video_error(e: ScanError) -> PreflightError {
    match e {
        ScanError::Video(v) => PreflightError::InvalidVideo(v.to_string()),
        ScanError::Pixels(p) => PreflightError::InvalidVideo(p.to_string()),
        other => other.into(),
    }
}

fn finished() -> PreflightError {
    PreflightError::InvalidVideo("the video scan was already finished".into())
}

/// One video scan session. Push the decoded frames in presentation order with `pushFrame`,
/// then call `finish` once for the verdict. Thread-safe (calls are serialised); it holds a
/// snapshot of the list in force when it began, so a list update meanwhile does not change it.
#[derive(Debug, uniffi::Object)]
pub struct VideoScan {
    inner: Mutex<Option<preflight::VideoScan>>,
}

impl VideoScan {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut preflight::VideoScan) -> Result<T, PreflightError>,
    ) -> Result<T, PreflightError> {
        // A poisoned lock only means a panic in another call; the session data is still sound.
        let mut slot = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(slot.as_mut().ok_or_else(finished)?)
    }
}

#[uniffi::export]
impl VideoScan {
    /// Pushes the next decoded frame; `timestampMs` is its presentation time from the start of
    /// the video (never decreasing). Sampled frames are hashed and matched now, the others only
    /// checked for a valid layout. Returns `MatchCertain` once the verdict will block: stop
    /// decoding and call `finish` (further frames are ignored). Throws `InvalidVideo` for a bad
    /// layout, a timestamp before the previous one, more frames than `maxFrames`, or a scan
    /// already finished.
    pub fn push_frame(
        &self,
        frame: PixelBuffer,
        timestamp_ms: u64,
    ) -> Result<FrameOutcome, PreflightError> {
        self.with(|scan| scan.push_frame(frame, timestamp_ms).map_err(video_error))
    }

    /// Whether a match is already certain (the verdict will block).
    pub fn is_match_certain(&self) -> bool {
        self.with(|scan| Ok(scan.is_match_certain()))
            .unwrap_or(false)
    }

    /// Frames pushed so far (0 after `finish`).
    pub fn frames_pushed(&self) -> u32 {
        self.with(|scan| Ok(scan.frames_pushed())).unwrap_or(0)
    }

    /// Frames hashed so far (0 after `finish`).
    pub fn frames_hashed(&self) -> u32 {
        self.with(|scan| Ok(scan.frames_hashed())).unwrap_or(0)
    }

    /// Ends the scan and returns the verdict: `Block` with `KnownCsam` evidence naming the
    /// matched frame (`FrameMatch`: index and time) or the listed video (`VideoMatch`: query and
    /// target match percentages, the matched frames), else the classifier signals, else
    /// `Allow`. Throws `InvalidVideo` if called twice, `Classifier` if a configured classifier
    /// failed and no known-image match decided the verdict.
    pub fn finish(&self) -> Result<Verdict, PreflightError> {
        let scan = self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(finished)?;
        scan.finish().map_err(video_error)
    }
}

#[uniffi::export]
impl Scanner {
    /// Starts a video scan against the list in force now; `options` `null`/`nil` samples as the
    /// defaults say (first, last and one frame a second, at most 64). Throws `InvalidConfig`
    /// for a zero interval or cap.
    pub fn begin_video(
        &self,
        options: Option<VideoScanOptions>,
    ) -> Result<Arc<VideoScan>, PreflightError> {
        let options = options.unwrap_or_default().to_core()?;
        Ok(Arc::new(VideoScan {
            inner: Mutex::new(Some(self.inner.begin_video(options))),
        }))
    }
}

// Frames may be pushed from the app's decoder thread and finished on another.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<VideoScan>();
};
