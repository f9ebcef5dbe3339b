//! Frame-by-frame scanning: the [`VideoScan`] session an app feeds with the frames it decodes
//! (AVFoundation, MediaCodec), and the animated-image path of `Scanner::scan_image`.
//!
//! Each sampled frame ([`super::FrameSampler`]) is PDQ-hashed with its 8 dihedral variants and
//! matched against the live list as it arrives. A frame within the PDQ radius of a listed
//! entry decides the verdict (`Block`, evidence [`Evidence::FrameMatch`] naming the frame index
//! and time), so scanning stops at the first such frame and [`FrameOutcome::MatchCertain`]
//! tells the app it can stop decoding. Frames of listed *videos* are compared the vPDQ way
//! instead (see [`super::bags`]): the video matches once enough of its frames are matched.
//!
//! Video frames are hashed at full resolution, as vPDQ hashes them; animation frames as
//! stills are (the reference's 512 px pre-resize above 512 px), since they are matched against
//! lists of stills. The classifiers (feature `onnx`) see the first
//! [`super::SamplingConfig::classified_frames`] sampled frames.
//!
//! ```
//! use preflight::media::{Orientation, PixelBuffer, PixelFormat};
//! use preflight::{FrameOutcome, Scanner, ScannerConfig, VideoScanOptions};
//! let scanner = Scanner::new(ScannerConfig::default())?;
//! let mut scan = scanner.begin_video(VideoScanOptions::default());
//! for i in 0..30u64 {
//!     let frame = PixelBuffer {
//!         width: 64, height: 48, row_stride: 64, format: PixelFormat::Gray8,
//!         orientation: Orientation::Up, bytes: vec![(i * 8) as u8; 64 * 48],
//!     };
//!     if scan.push_frame(frame, i * 100)? == FrameOutcome::MatchCertain {
//!         break; // the app may stop decoding
//!     }
//! }
//! let verdict = scan.finish()?;
//! assert_eq!(verdict.action, preflight::Action::Allow);
//! # Ok::<(), preflight::Error>(())
//! ```

use super::bags::VideoBags;
use super::{FrameSampler, SamplingConfig, VideoError};
use crate::hash::pdq::{self, Dihedral, PdqDihedral};
use crate::lists::{HashList, ListMatch};
use crate::media::animation::{AnimationError, AnimationFrame, AnimationFrames, AnimationKind};
use crate::media::{DecodeLimits, PixelBuffer, Pixels};
use crate::policy::Policy;
use crate::scanner_issuers::{known_image_signal, IssuerLists};
use crate::text::AgeBand;
use crate::verdict::{Category, Evidence, ScannedFrame, Signal, Verdict};
use crate::{ScanError, Scanner};
use std::sync::Arc;

/// Options of one video scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VideoScanOptions {
    /// Frame sampling; `None` uses the scanner's ([`crate::video::VideoConfig::sampling`]).
    pub sampling: Option<SamplingConfig>,
    /// The video's duration if the app knows it: the sampling interval is then widened so the
    /// sampled frames span the whole video instead of stopping at the cap.
    pub duration_ms: Option<u64>,
}

/// What happened to a pushed frame.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOutcome {
    /// Not sampled (kept only as the candidate last frame).
    Skipped,
    /// Hashed and matched; no decision yet.
    Hashed,
    /// A match is certain: the verdict will block whatever follows; the app may stop decoding.
    MatchCertain,
}

/// Most uncorroborated issuer matches (one per frame) kept in the evidence of one scan.
const MAX_UNCORROBORATED_FRAMES: usize = 16;

/// Per-frame matching shared by video scans and animated images.
pub(crate) struct FrameMatcher {
    list: Arc<HashList>,
    policy: Policy,
    evidence: Vec<Evidence>,
    bags: VideoBags,
    /// The issuers' lists ([`Scanner::with_issuers`]) as they were when the scan began.
    issuers: Option<IssuerLists>,
    /// Issuer matches the policy does not count (they warn), the first frames' only.
    uncorroborated: Vec<Evidence>,
}

impl FrameMatcher {
    pub(crate) fn new(
        list: Arc<HashList>,
        policy: Policy,
        issuers: Option<IssuerLists>,
    ) -> FrameMatcher {
        FrameMatcher {
            bags: VideoBags::new(&policy),
            list,
            policy,
            evidence: Vec::new(),
            issuers,
            uncorroborated: Vec::new(),
        }
    }

    /// Matches one hashed frame; true once a match is certain.
    pub(crate) fn check(&mut self, index: u32, timestamp_ms: u64, d: &PdqDihedral) -> bool {
        if d.quality < self.policy.pdq_min_quality {
            return self.is_certain();
        }
        let variants: Vec<[u8; 32]> = d.hashes.iter().map(|h| h.0).collect();
        let hits = self.list.match_pdq(&variants, self.policy.pdq_radius);
        let stills = self
            .bags
            .observe(&self.list, index, timestamp_ms, &d.hashes[0], hits);
        let digest = crate::hex::encode(&self.list.digest());
        for m in self.policy.sources.filter(stills) {
            self.evidence
                .push(frame_evidence(m, index, timestamp_ms, &self.list, &digest));
        }
        self.check_issuers(&variants, index, timestamp_ms);
        self.is_certain()
    }

    /// Matches one frame against the issuers' lists: a frame that `k` issuers list (the
    /// policy counts it) decides as a frame of the single list does; otherwise it warns.
    fn check_issuers(&mut self, variants: &[[u8; 32]], index: u32, timestamp_ms: u64) {
        let Some(issuers) = &self.issuers else {
            return;
        };
        let frame = ScannedFrame {
            frame_index: index,
            timestamp_ms,
        };
        match issuers.frame_evidence(variants, frame) {
            Some((true, e)) => self.evidence.push(e),
            Some((false, e)) if self.uncorroborated.len() < MAX_UNCORROBORATED_FRAMES => {
                self.uncorroborated.push(e);
            }
            _ => {}
        }
    }

    pub(crate) fn is_certain(&self) -> bool {
        !self.evidence.is_empty() || self.bags.is_certain()
    }

    /// The known-image signal (frame matches and video matches), if any.
    pub(crate) fn into_signals(self) -> Vec<Signal> {
        let mut evidence = self.evidence;
        evidence.extend(self.bags.evidence(&self.list));
        let mut signals = Vec::new();
        if !evidence.is_empty() {
            signals.push(known_image_signal(true, evidence));
        }
        if !self.uncorroborated.is_empty() {
            signals.push(known_image_signal(false, self.uncorroborated));
        }
        signals
    }
}

fn frame_evidence(
    m: ListMatch,
    frame_index: u32,
    timestamp_ms: u64,
    list: &HashList,
    digest: &str,
) -> Evidence {
    Evidence::FrameMatch {
        frame_index,
        timestamp_ms,
        kind: m.kind,
        entry: m.entry,
        hash: m.hash_hex,
        distance: m.distance,
        variant: Dihedral::from_index(usize::from(m.variant)).unwrap_or(Dihedral::Original),
        label: m.label,
        list_category: m.category,
        sources: m.source_org_names,
        list_version: list.version(),
        list_digest: digest.to_string(),
    }
}

/// Runs the classifiers on sampled frames while there is room; remembers a failure, which
/// only surfaces when no known-image match decides the verdict.
#[derive(Default)]
struct FrameClassifier {
    #[cfg(feature = "onnx")]
    set: Option<Arc<crate::classify::ClassifierSet>>,
    left: u32,
    signals: Vec<Signal>,
    error: Option<ScanError>,
}

impl FrameClassifier {
    fn new(scanner: &Scanner, frames: u32) -> FrameClassifier {
        #[cfg(not(feature = "onnx"))]
        let _ = scanner;
        FrameClassifier {
            #[cfg(feature = "onnx")]
            set: scanner.classifier_set(),
            left: frames,
            ..FrameClassifier::default()
        }
    }

    fn offer(&mut self, pixels: &Pixels) {
        if self.left == 0 || self.error.is_some() {
            return;
        }
        self.left -= 1;
        #[cfg(feature = "onnx")]
        if let Err(e) =
            crate::scanner::classify_pixels(self.set.as_deref(), pixels, &mut self.signals)
        {
            self.error = Some(e);
        }
        #[cfg(not(feature = "onnx"))]
        let _ = pixels;
    }

    /// Adds the classifier signals (one per category, strongest score) to `signals`.
    fn finish(self, signals: &mut Vec<Signal>) -> Result<(), ScanError> {
        if let Some(e) = self.error {
            if !signals.iter().any(|s| s.category == Category::KnownCsam) {
                return Err(e);
            }
        }
        for s in self.signals {
            match signals.iter_mut().find(|x| x.category == s.category) {
                Some(x) => {
                    x.score = x.score.max(s.score);
                    x.evidence.extend(s.evidence);
                }
                None => signals.push(s),
            }
        }
        Ok(())
    }
}

fn verdict(policy: &Policy, signals: Vec<Signal>) -> Verdict {
    Verdict {
        action: policy.decide(&signals, AgeBand::Unknown),
        support_suggested: false,
        signals,
    }
}

/// A scan over frames the app decodes and pushes in presentation order. Owned data only: it
/// holds a snapshot of the list in force when it began, and may move between threads.
pub struct VideoScan {
    matcher: FrameMatcher,
    policy: Policy,
    limits: DecodeLimits,
    sampler: FrameSampler,
    classifier: FrameClassifier,
    frames: u32,
    hashed: u32,
    last_ts: Option<u64>,
    pending_last: Option<(u32, u64, PixelBuffer)>,
}

impl std::fmt::Debug for VideoScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoScan")
            .field("frames", &self.frames)
            .field("hashed", &self.hashed)
            .field("match_certain", &self.is_match_certain())
            .finish()
    }
}

impl Scanner {
    /// Starts a video scan against the list in force now (see [`VideoScan`]).
    pub fn begin_video(&self, options: VideoScanOptions) -> VideoScan {
        let (list, policy, limits, video) = self.parts();
        let mut sampling = options.sampling.unwrap_or(video.sampling);
        if let Some(d) = options.duration_ms {
            let slots = u64::from(sampling.max_sampled_frames.max(2) - 1);
            sampling.interval_ms = sampling.interval_ms.max(d.div_ceil(slots));
        }
        VideoScan {
            matcher: FrameMatcher::new(list, policy, self.issuer_lists()),
            policy,
            limits,
            sampler: FrameSampler::new(sampling),
            classifier: FrameClassifier::new(self, sampling.classified_frames),
            frames: 0,
            hashed: 0,
            last_ts: None,
            pending_last: None,
        }
    }

    /// `scan_image` for animated GIF/APNG/WebP: exact digests first, then sampled frames, one
    /// decoded at a time, until the first match.
    pub(crate) fn scan_animation(
        &self,
        bytes: &[u8],
        kind: AnimationKind,
        list: &Arc<HashList>,
        exact: Vec<Signal>,
    ) -> Result<Verdict, ScanError> {
        let (_, policy, limits, video) = self.parts();
        if exact.iter().any(|s| s.score >= 1.0) {
            return Ok(verdict(&policy, exact));
        }
        let mut matcher = FrameMatcher::new(list.clone(), policy, self.issuer_lists());
        let mut classifier = FrameClassifier::new(self, video.sampling.classified_frames);
        let mut failed = None;
        // Hashes and matches one decoded frame; false once the scan is decided (or failed).
        let mut on_frame = |frame: Result<AnimationFrame, AnimationError>| {
            let hashed = frame.map_err(animation_error).and_then(|f| {
                let d = pdq::hash_pixels(f.pixels.as_pdq_input()).map_err(|e| corrupt(kind, e))?;
                Ok((f, d))
            });
            match hashed {
                Err(e) => {
                    failed = Some(e);
                    false
                }
                Ok((f, d)) if matcher.check(f.index, f.start_ms, &d) => false,
                Ok((f, _)) => {
                    classifier.offer(&f.pixels);
                    true
                }
            }
        };
        if self.scan_threads().is_some_and(|n| n.get() == 1) {
            // One thread per scan: decode and hash in turn on the caller's thread.
            decode_sampled(bytes, kind, &limits, &video, &mut on_frame);
        } else {
            // Decoding (and sampling) runs on a second thread, hashing and matching here, so
            // the two overlap; the channel holds one frame, so at most three canvases are
            // alive. When a match is certain the receiver is dropped and the decoder stops at
            // its next send.
            std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel(1);
                let send = move |f| tx.send(f).is_ok();
                scope.spawn(move || decode_sampled(bytes, kind, &limits, &video, send));
                for frame in rx {
                    if !on_frame(frame) {
                        break;
                    }
                }
            });
        }
        if let Some(e) = failed {
            return Err(e);
        }
        let mut signals = matcher.into_signals();
        signals.extend(exact);
        classifier.finish(&mut signals)?;
        Ok(verdict(&policy, signals))
    }
}

/// The decoding side of `scan_animation`: opens the animation, decodes every frame in turn and
/// hands the sampled ones (and the last, if the cap allows) to `sink`; stops when `sink`
/// returns false (the scan is decided, or the receiving thread is gone).
fn decode_sampled(
    bytes: &[u8],
    kind: AnimationKind,
    limits: &DecodeLimits,
    video: &super::VideoConfig,
    mut sink: impl FnMut(Result<AnimationFrame, AnimationError>) -> bool,
) {
    let frames = match AnimationFrames::open(bytes, kind, limits, &video.animation) {
        Ok(f) => f,
        Err(e) => {
            sink(Err(e));
            return;
        }
    };
    let mut sampler = FrameSampler::new(video.sampling);
    let mut last: Option<AnimationFrame> = None;
    for frame in frames {
        match frame {
            Err(e) => {
                sink(Err(e));
                return;
            }
            Ok(f) if sampler.take(f.index, f.start_ms) => {
                last = None;
                if !sink(Ok(f)) {
                    return;
                }
            }
            Ok(f) => last = Some(f),
        }
    }
    if let Some(f) = last.filter(|_| sampler.take_last()) {
        sink(Ok(f));
    }
}

/// Decoding errors keep the shape stills have (`Error::Media`); animation caps are `Error::Video`.
fn animation_error(e: AnimationError) -> ScanError {
    match e {
        AnimationError::Media(m) => ScanError::Media(m),
        other => VideoError::Animation(other).into(),
    }
}

fn corrupt(kind: AnimationKind, e: pdq::PixelSizeError) -> ScanError {
    ScanError::Media(crate::media::MediaError::corrupt_from(kind.name(), e))
}

impl VideoScan {
    /// Pushes the next frame (presentation order; `timestamp_ms` from the start of the video).
    /// Sampled frames are hashed and matched now; others are only checked for a valid layout.
    /// After [`FrameOutcome::MatchCertain`] further frames are ignored.
    pub fn push_frame(
        &mut self,
        frame: PixelBuffer,
        timestamp_ms: u64,
    ) -> Result<FrameOutcome, ScanError> {
        if self.is_match_certain() {
            return Ok(FrameOutcome::MatchCertain);
        }
        let index = self.frames;
        if index >= self.sampler.config().max_frames {
            return Err(VideoError::TooManyFrames {
                max: self.sampler.config().max_frames,
            }
            .into());
        }
        if let Some(prev) = self.last_ts.filter(|p| timestamp_ms < *p) {
            return Err(VideoError::TimestampBackwards {
                frame: index,
                timestamp_ms,
                previous_ms: prev,
            }
            .into());
        }
        frame
            .validate(&self.limits)
            .map_err(|source| VideoError::Pixels {
                frame: index,
                source,
            })?;
        self.frames += 1;
        self.last_ts = Some(timestamp_ms);
        if !self.sampler.take(index, timestamp_ms) {
            self.pending_last = Some((index, timestamp_ms, frame));
            return Ok(FrameOutcome::Skipped);
        }
        self.pending_last = None;
        self.hash(index, timestamp_ms, &frame)
    }

    fn hash(
        &mut self,
        index: u32,
        timestamp_ms: u64,
        frame: &PixelBuffer,
    ) -> Result<FrameOutcome, ScanError> {
        let pixels = frame
            .to_pixels(&self.limits)
            .map_err(|source| VideoError::Pixels {
                frame: index,
                source,
            })?;
        let d = pdq::hash_pixels_full_resolution(pixels.as_pdq_input()).map_err(|e| {
            ScanError::Media(crate::media::MediaError::corrupt_from("video frame", e))
        })?;
        self.hashed += 1;
        if self.matcher.check(index, timestamp_ms, &d) {
            return Ok(FrameOutcome::MatchCertain);
        }
        self.classifier.offer(&pixels);
        Ok(FrameOutcome::Hashed)
    }

    /// Whether a match is already certain (the verdict will block).
    pub fn is_match_certain(&self) -> bool {
        self.matcher.is_certain()
    }

    /// Frames pushed so far.
    pub fn frames_pushed(&self) -> u32 {
        self.frames
    }

    /// Frames hashed so far.
    pub fn frames_hashed(&self) -> u32 {
        self.hashed
    }

    /// Ends the scan: hashes the last frame if it was not sampled (and the cap allows), and
    /// returns the verdict. An error from the classifiers is returned only when no known-image
    /// match decides the verdict.
    pub fn finish(mut self) -> Result<Verdict, ScanError> {
        if let Some((index, ts, frame)) = self.pending_last.take() {
            if !self.is_match_certain() && self.sampler.take_last() {
                self.hash(index, ts, &frame)?;
            }
        }
        let mut signals = self.matcher.into_signals();
        self.classifier.finish(&mut signals)?;
        Ok(verdict(&self.policy, signals))
    }
}

// A scan session may move to another thread (owned data only).
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<VideoScan>();
};
