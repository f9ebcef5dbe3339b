//! Animated images and video (issue 13): every frame that matters is checked.
//!
//! - [`FrameSampler`]: which frames are hashed, by their timestamps: the first, then the first
//!   frame at or after each interval boundary (default one a second), and the last, capped at a
//!   configurable count ([`SamplingConfig`], default 64).
//! - [`VideoScan`] ([`session`]): a scan session the app feeds with decoded frames
//!   ([`crate::media::PixelBuffer`] + timestamp), from `Scanner::begin_video`. It samples, hashes
//!   (PDQ with its 8 dihedral variants) and matches each sampled frame as it arrives, says when a
//!   match is certain so the app can stop decoding, and returns a [`crate::Verdict`] at the end.
//!   Animated GIF/APNG/WebP go through the same per-frame matching from `Scanner::scan_image`.
//! - [`vpdq`]: Meta's vPDQ: the per-frame feature, its text format
//!   (`frame_number,quality,pdq_hex,timestamp`), and the bag-of-hashes comparison with query and
//!   target match percentages.
//! - `ffmpeg` (feature `video`): decodes a video file with FFmpeg and hashes its frames exactly
//!   as Meta's vPDQ does (`preflight hash VIDEO`).
//! - `mp4_tables` (feature `video`): refuses an MP4/MOV whose sample tables declare more
//!   entries than they hold, before FFmpeg allocates for them.

pub(crate) mod bags;
#[cfg(feature = "video")]
pub mod ffmpeg;
#[cfg(feature = "video")]
mod mp4_tables;
pub mod session;
pub mod vpdq;

pub use session::{FrameOutcome, VideoScan, VideoScanOptions};

use crate::media::animation::AnimationError;
use crate::media::PixelError;
use thiserror::Error;

/// Why a video or animation could not be scanned or hashed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VideoError {
    /// A pushed frame's pixel buffer is invalid.
    #[error("frame {frame}: {source}")]
    Pixels {
        /// Index of the frame.
        frame: u32,
        /// What is wrong with it.
        source: PixelError,
    },
    /// An animated image could not be decoded or exceeded a limit.
    #[error(transparent)]
    Animation(#[from] AnimationError),
    /// Frames must come in presentation order.
    #[error("frame {frame} has timestamp {timestamp_ms} ms, before the previous frame's {previous_ms} ms")]
    TimestampBackwards {
        /// Index of the frame.
        frame: u32,
        /// Its timestamp.
        timestamp_ms: u64,
        /// The previous frame's.
        previous_ms: u64,
    },
    /// More frames were pushed than [`SamplingConfig::max_frames`] allows.
    #[error("more than {max} frames were pushed to the video scan")]
    TooManyFrames {
        /// The limit.
        max: u32,
    },
    /// A line of a vPDQ hash file is malformed.
    #[error("vPDQ line {line}: {detail}")]
    InvalidVpdq {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// The video file could not be opened or decoded (feature `video`).
    #[error("video {path}: {detail}")]
    Decode {
        /// The file.
        path: String,
        /// FFmpeg's or our message.
        detail: String,
        /// FFmpeg's own error, when it gave one.
        #[source]
        cause: Option<crate::BoxError>,
    },
}

/// How frames are sampled (animations and pushed video frames alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SamplingConfig {
    /// One frame per this many milliseconds (default 1000), plus the first and the last.
    pub interval_ms: u64,
    /// Most frames hashed, first and last included (default 64; at least 1).
    pub max_sampled_frames: u32,
    /// Most frames accepted in all (default 100 000, over an hour at 25 fps); more is an error.
    pub max_frames: u32,
    /// How many sampled frames the on-device classifiers (feature `onnx`) see (default 3: the
    /// first ones sampled).
    pub classified_frames: u32,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        SamplingConfig {
            interval_ms: 1000,
            max_sampled_frames: 64,
            max_frames: 100_000,
            classified_frames: 3,
        }
    }
}

/// Video and animation settings of a [`crate::Scanner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VideoConfig {
    /// Frame sampling for animated images (and the default for video scans).
    pub sampling: SamplingConfig,
    /// Frame count and canvas caps for animated images.
    pub animation: crate::media::animation::AnimationLimits,
}

/// Decides frame by frame which frames to hash (see the module docs). The last frame is not
/// known until the stream ends: [`FrameSampler::take_last`] says whether it may still be hashed.
#[derive(Debug, Clone)]
pub struct FrameSampler {
    cfg: SamplingConfig,
    next_due_ms: u64,
    sampled: u32,
}

impl FrameSampler {
    /// A sampler for one stream.
    pub fn new(cfg: SamplingConfig) -> FrameSampler {
        FrameSampler {
            cfg: SamplingConfig {
                interval_ms: cfg.interval_ms.max(1),
                max_sampled_frames: cfg.max_sampled_frames.max(1),
                ..cfg
            },
            next_due_ms: 0,
            sampled: 0,
        }
    }

    /// Whether the frame with this index, shown from `start_ms`, is hashed. One slot is kept
    /// for the last frame.
    pub fn take(&mut self, index: u32, start_ms: u64) -> bool {
        let room = self.sampled + 1 < self.cfg.max_sampled_frames || self.sampled == 0;
        if !room || (index != 0 && self.sampled != 0 && start_ms < self.next_due_ms) {
            return false;
        }
        self.sampled += 1;
        self.next_due_ms =
            (start_ms / self.cfg.interval_ms + 1).saturating_mul(self.cfg.interval_ms);
        true
    }

    /// At the end of the stream: whether the last frame (if it was not taken) is hashed.
    pub fn take_last(&mut self) -> bool {
        if self.sampled < self.cfg.max_sampled_frames {
            self.sampled += 1;
            true
        } else {
            false
        }
    }

    /// Frames taken so far.
    pub fn sampled(&self) -> u32 {
        self.sampled
    }

    /// The configuration in force.
    pub fn config(&self) -> &SamplingConfig {
        &self.cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(cfg: SamplingConfig, times: &[u64]) -> Vec<u32> {
        let mut s = FrameSampler::new(cfg);
        let mut out: Vec<u32> = (0..times.len() as u32)
            .filter(|&i| s.take(i, times[i as usize]))
            .collect();
        let last = times.len() as u32 - 1;
        if out.last() != Some(&last) && s.take_last() {
            out.push(last);
        }
        out
    }

    #[test]
    fn first_last_and_one_per_second() {
        // 25 fps for 3.5 s: frames at 0, 40, 80 ... ms.
        let t: Vec<u64> = (0..88).map(|i| i * 40).collect();
        assert_eq!(picks(SamplingConfig::default(), &t), [0, 25, 50, 75, 87]);
        // Irregular timestamps: the first frame at or after each boundary.
        assert_eq!(
            picks(SamplingConfig::default(), &[0, 900, 1300, 1800, 2100, 2150]),
            [0, 2, 4, 5]
        );
    }

    #[test]
    fn cap_keeps_room_for_the_last_frame() {
        let t: Vec<u64> = (0..100).map(|i| i * 1000).collect();
        let cfg = SamplingConfig {
            max_sampled_frames: 4,
            ..SamplingConfig::default()
        };
        assert_eq!(picks(cfg, &t), [0, 1, 2, 99]);
        let one = SamplingConfig {
            max_sampled_frames: 1,
            ..SamplingConfig::default()
        };
        assert_eq!(picks(one, &t), [0]);
        assert_eq!(picks(SamplingConfig::default(), &[0]), [0]);
    }
}
