//! Videos in lists (issue 13): the `0x50 VIDEOS` section, its builder input and its reader.
//!
//! A listed video is the set of its distinct frame PDQ hashes of quality >= 50 (vPDQ's filter,
//! applied when the list is built) with the video's metadata, label, category and sources. Its
//! frames are also merged into the list's PDQ section with the video's tag, so they share the
//! PDQ index: a still image or a GIF frame matches a listed video's frame like any PDQ entry,
//! and a video scan finds the candidate videos of each frame hit through the section's
//! inverted table, then compares bags of frames the vPDQ way (`crate::video::bags`).
//!
//! ```text
//! section 0x50 VIDEOS (full lists), count = number of videos v
//!   n_videos u64, n_refs u64, 48 zero bytes
//!   v records of 64 bytes: id [32] (SHA-256 of the sorted distinct frame hashes), tag u32,
//!     first_ref u32, ref_count u32 (>= 1), source_frames u32 (lines of the vPDQ file),
//!     duration_ms u64, 8 zero bytes; records sorted by id, refs contiguous in record order
//!   n_refs u32: PDQ entry indexes of each video's frames, ascending within a video
//!   zero padding to 8
//!   n_refs pairs (pdq_entry u32, video u32), sorted ascending: the inverted table
//! ```

use crate::hash::pdq::{PdqHash, RECOMMENDED_MIN_QUALITY};
use crate::lists::ListError;
use crate::video::vpdq::{distinct_good, VpdqFeature};
use sha2::{Digest, Sha256};
use std::ops::Range;

/// Section kind of the video table in full lists.
pub const SEC_VIDEOS: u32 = 0x50;
const HEADER: usize = 64;
const RECORD: usize = 64;

/// A video as the builder takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInput {
    /// The distinct frame hashes of quality >= 50, sorted (see [`VideoInput::from_vpdq`]).
    pub frames: Vec<PdqHash>,
    /// Lines of the vPDQ file it came from.
    pub source_frames: u32,
    /// Duration in milliseconds (the last timestamp).
    pub duration_ms: u64,
}

impl VideoInput {
    /// From vPDQ features: distinct hashes of quality >= 50, sorted.
    pub fn from_vpdq(features: &[VpdqFeature]) -> VideoInput {
        let mut frames = distinct_good(features, RECOMMENDED_MIN_QUALITY);
        frames.sort_unstable();
        let last = features.iter().map(|f| f.timestamp).fold(0.0f64, f64::max);
        VideoInput {
            frames,
            source_frames: u32::try_from(features.len()).unwrap_or(u32::MAX),
            duration_ms: (last * 1000.0).round() as u64,
        }
    }

    /// The video's id: SHA-256 over its sorted frame hashes.
    pub fn id(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for f in &self.frames {
            h.update(f.0);
        }
        h.finalize().into()
    }
}

/// One listed video as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoRecord {
    /// Position in the section.
    pub index: u32,
    /// SHA-256 of its sorted frame hashes.
    pub id: [u8; 32],
    /// Tag index (sources, label, category).
    pub tag: u32,
    /// Range into the refs array.
    pub refs: Range<usize>,
    /// Lines of the source vPDQ file.
    pub source_frames: u32,
    /// Duration in milliseconds.
    pub duration_ms: u64,
}

/// Encodes the section body. `videos` must be sorted by id with their tags resolved;
/// `pdq_sorted` is the list's sorted PDQ hash array, which holds every frame.
pub(crate) fn encode_section(
    videos: &[(VideoInput, u32)],
    pdq_sorted: &[[u8; 32]],
) -> Result<Vec<u8>, ListError> {
    let n_refs: usize = videos.iter().map(|(v, _)| v.frames.len()).sum();
    let mut out = Vec::with_capacity(HEADER + videos.len() * RECORD + n_refs * 12 + 8);
    out.extend_from_slice(&(videos.len() as u64).to_le_bytes());
    out.extend_from_slice(&(n_refs as u64).to_le_bytes());
    out.extend_from_slice(&[0u8; 48]);
    let mut refs: Vec<u32> = Vec::with_capacity(n_refs);
    let mut inverted: Vec<(u32, u32)> = Vec::with_capacity(n_refs);
    for (vi, (v, tag)) in videos.iter().enumerate() {
        let first = refs.len() as u32;
        for f in &v.frames {
            let e = pdq_sorted.binary_search(&f.0).map_err(|_| {
                ListError::Malformed(format!("video frame {f} is missing from the PDQ section"))
            })? as u32;
            refs.push(e);
            inverted.push((e, vi as u32));
        }
        out.extend_from_slice(&v.id());
        for x in [*tag, first, v.frames.len() as u32, v.source_frames] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.extend_from_slice(&v.duration_ms.to_le_bytes());
        out.extend_from_slice(&[0u8; 8]);
    }
    refs.iter()
        .for_each(|r| out.extend_from_slice(&r.to_le_bytes()));
    while out.len() % 8 != 0 {
        out.push(0);
    }
    inverted.sort_unstable();
    for (e, v) in inverted {
        out.extend_from_slice(&e.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// The parsed, validated location of a video section inside the list bytes.
#[derive(Debug, Clone)]
pub struct VideoSection {
    records: Range<usize>,
    refs: Range<usize>,
    inverted: Range<usize>,
    n_videos: usize,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | (u64::from(u32_at(b, at + 4)) << 32)
}

impl VideoSection {
    /// Validates the section at `range` of `bytes` (count from the section table) against the
    /// PDQ entry count and tag count of the list.
    pub(crate) fn parse(
        bytes: &[u8],
        range: Range<usize>,
        count: u64,
        pdq_entries: usize,
        tags: usize,
    ) -> Result<VideoSection, ListError> {
        let bad = |m: String| ListError::Malformed(format!("video section: {m}"));
        let b = bytes
            .get(range.clone())
            .ok_or_else(|| bad("out of bounds".into()))?;
        let n = u64_at(b, 0);
        let n_refs = u64_at(b, 8);
        if b.len() < HEADER || n != count || n > u64::from(u32::MAX) || n_refs > u64::from(u32::MAX)
        {
            return Err(bad(format!(
                "header claims {n} videos / {n_refs} refs (table: {count})"
            )));
        }
        let (n, n_refs) = (n as usize, n_refs as usize);
        let refs_at = HEADER + n * RECORD;
        let inv_at = (refs_at + n_refs * 4).div_ceil(8) * 8;
        if b.len() != inv_at + n_refs * 8 {
            return Err(bad(format!(
                "{} bytes, layout needs {}",
                b.len(),
                inv_at + n_refs * 8
            )));
        }
        let mut next_ref = 0usize;
        let mut prev_id: Option<&[u8]> = None;
        for i in 0..n {
            let r = HEADER + i * RECORD;
            let id = &b[r..r + 32];
            let (tag, first, len) = (u32_at(b, r + 32), u32_at(b, r + 36), u32_at(b, r + 40));
            if prev_id.is_some_and(|p| p >= id)
                || tag as usize >= tags
                || len == 0
                || first as usize != next_ref
            {
                return Err(bad(format!("video {i}: bad order, tag or frame range")));
            }
            prev_id = Some(id);
            next_ref += len as usize;
            let frames = (first as usize..next_ref).map(|k| u32_at(b, refs_at + 4 * k));
            let mut prev = None;
            for e in frames {
                if e as usize >= pdq_entries || prev.is_some_and(|p| p >= e) {
                    return Err(bad(format!(
                        "video {i}: frame entry {e} out of order or range"
                    )));
                }
                prev = Some(e);
            }
        }
        if next_ref != n_refs {
            return Err(bad(format!("records cover {next_ref} of {n_refs} refs")));
        }
        let mut prev = None;
        for k in 0..n_refs {
            let pair = (u32_at(b, inv_at + 8 * k), u32_at(b, inv_at + 8 * k + 4));
            if pair.1 as usize >= n || prev.is_some_and(|p| p >= pair) {
                return Err(bad(format!("inverted pair {k} out of order or range")));
            }
            prev = Some(pair);
        }
        Ok(VideoSection {
            records: range.start + HEADER..range.start + refs_at,
            refs: range.start + refs_at..range.start + refs_at + n_refs * 4,
            inverted: range.start + inv_at..range.end,
            n_videos: n,
        })
    }

    /// Number of videos.
    pub fn len(&self) -> usize {
        self.n_videos
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.n_videos == 0
    }

    /// Video `i`'s record.
    pub fn record(&self, bytes: &[u8], i: usize) -> Option<VideoRecord> {
        if i >= self.n_videos {
            return None;
        }
        let r = self.records.start + i * RECORD;
        let id: [u8; 32] = bytes.get(r..r + 32)?.try_into().ok()?;
        let first = u32_at(bytes, r + 36) as usize;
        Some(VideoRecord {
            index: i as u32,
            id,
            tag: u32_at(bytes, r + 32),
            refs: first..first + u32_at(bytes, r + 40) as usize,
            source_frames: u32_at(bytes, r + 44),
            duration_ms: u64_at(bytes, r + 48),
        })
    }

    /// PDQ entry index of ref `k`.
    pub fn frame_entry(&self, bytes: &[u8], k: usize) -> u32 {
        u32_at(bytes, self.refs.start + 4 * k)
    }

    /// The videos that hold PDQ entry `entry` (binary search in the inverted table).
    pub fn videos_of_entry(&self, bytes: &[u8], entry: u32) -> Vec<u32> {
        let n = (self.inverted.end - self.inverted.start) / 8;
        let at = |k: usize| u32_at(bytes, self.inverted.start + 8 * k);
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if at(mid) < entry {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..n)
            .take_while(|&k| at(k) == entry)
            .map(|k| u32_at(bytes, self.inverted.start + 8 * k + 4))
            .collect()
    }
}
