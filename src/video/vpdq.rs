//! Meta's vPDQ (facebook/ThreatExchange `vpdq/`): one PDQ hash per sampled video frame, compared
//! as an unordered bag of hashes.
//!
//! - [`VpdqFeature`] and its text line `frame_number,quality,pdq_hex,timestamp` (timestamp in
//!   seconds with three decimals), as `vpdq-hash-video` and the `vpdq` Python package write it;
//!   [`parse_vpdq`] / [`format_vpdq`] read and write whole files.
//! - [`vpdq_frame_mod`]: which frames vPDQ hashes at a given rate (`frame_number % mod == 0`,
//!   `mod = trunc(seconds_per_hash * frame_rate)`, at least 1).
//! - [`match_bags`]: the comparison of Meta's README and of `python-threatexchange`'s brute-force
//!   matcher: both sides deduplicated by exact hash and filtered by quality, then the share of
//!   each side that has a frame of the other within the distance.
//!
//! ```
//! use preflight::video::vpdq::{match_bags, parse_vpdq};
//! let q = parse_vpdq("0,100,b2dc981be36c994787bc16811edcda81d20b855627b6bff86e8ba1050b44ff86,0.000\n")?;
//! let m = match_bags(&q, &q, 31, 50);
//! assert_eq!((m.query_match_pct, m.target_match_pct), (100.0, 100.0));
//! # Ok::<(), preflight::video::VideoError>(())
//! ```

use super::VideoError;
use crate::hash::pdq::PdqHash;
use std::collections::HashSet;

/// One hashed frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpdqFeature {
    /// 0-based frame number in decoding order.
    pub frame_number: u64,
    /// PDQ quality (0..=100).
    pub quality: u8,
    /// The frame's PDQ hash.
    pub hash: PdqHash,
    /// Presentation time in seconds (`frame_number / frame_rate` in vPDQ).
    pub timestamp: f64,
}

impl VpdqFeature {
    /// Meta's line: `frame_number,quality,pdq_hex,timestamp` (3 decimals).
    pub fn to_line(&self) -> String {
        format!(
            "{},{},{},{:.3}",
            self.frame_number,
            self.quality,
            self.hash.to_hex(),
            self.timestamp
        )
    }

    /// Parses one line (`frame_number,quality,pdq_hex,timestamp`; surrounding blanks ignored).
    pub fn from_line(line: &str, line_no: usize) -> Result<VpdqFeature, VideoError> {
        let bad = |detail: String| VideoError::InvalidVpdq {
            line: line_no,
            detail,
        };
        let parts: Vec<&str> = line.trim().split(',').map(str::trim).collect();
        let [frame, quality, hex, time] = parts.as_slice() else {
            return Err(bad(format!(
                "expected 4 comma-separated fields (frame_number,quality,pdq_hex,timestamp), got {}",
                parts.len()
            )));
        };
        let frame_number = frame.parse::<u64>().map_err(|_| {
            bad(format!(
                "frame number {frame:?} is not a non-negative integer"
            ))
        })?;
        let quality = quality
            .parse::<u8>()
            .ok()
            .filter(|q| *q <= 100)
            .ok_or_else(|| bad(format!("quality {quality:?} is not an integer 0..=100")))?;
        let hash = PdqHash::from_hex(hex).map_err(|e| bad(e.to_string()))?;
        let timestamp = time
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| bad(format!("timestamp {time:?} is not a non-negative number")))?;
        Ok(VpdqFeature {
            frame_number,
            quality,
            hash,
            timestamp,
        })
    }
}

/// Parses a vPDQ file (one feature a line; blank lines and `#` comments skipped).
pub fn parse_vpdq(text: &str) -> Result<Vec<VpdqFeature>, VideoError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| VpdqFeature::from_line(l, i + 1))
        .collect()
}

/// Writes features as Meta's format, one line each, newline-terminated.
pub fn format_vpdq(features: &[VpdqFeature]) -> String {
    let mut out = String::with_capacity(features.len() * 80);
    for f in features {
        out.push_str(&f.to_line());
        out.push('\n');
    }
    out
}

/// vPDQ's frame stride for `seconds_per_hash` (0 = every frame) at `frame_rate`: frame `n` is
/// hashed when `n % mod == 0`, `mod = trunc(seconds_per_hash * frame_rate)`, at least 1 (the
/// same `double` arithmetic as the reference, so 1 s at 29.97 fps hashes every 29th frame).
pub fn vpdq_frame_mod(seconds_per_hash: f64, frame_rate: f64) -> u64 {
    let m = seconds_per_hash * frame_rate;
    if m.is_finite() && m >= 1.0 {
        m as u64
    } else {
        1
    }
}

/// The outcome of comparing two bags of frame hashes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BagMatch {
    /// Percentage of the query's distinct good-quality frames within the distance of some
    /// target frame (0 when either side has none).
    pub query_match_pct: f64,
    /// Percentage of the target's distinct good-quality frames within the distance of some
    /// query frame.
    pub target_match_pct: f64,
}

impl BagMatch {
    /// vPDQ's decision: `target_match_pct >= target_threshold && query_match_pct >= query_threshold`.
    pub fn is_match(&self, query_threshold: f64, target_threshold: f64) -> bool {
        self.target_match_pct >= target_threshold && self.query_match_pct >= query_threshold
    }
}

/// Distinct hashes of quality `>= min_quality`, in first-seen order (vPDQ's dedupe + filter).
pub fn distinct_good(features: &[VpdqFeature], min_quality: u8) -> Vec<PdqHash> {
    let mut seen = HashSet::new();
    features
        .iter()
        .filter(|f| f.quality >= min_quality)
        .filter(|f| seen.insert(f.hash))
        .map(|f| f.hash)
        .collect()
}

/// Brute-force vPDQ comparison (see the module docs): `distance` is inclusive (Meta's README
/// and `python-threatexchange` use `<= 31`).
pub fn match_bags(
    query: &[VpdqFeature],
    target: &[VpdqFeature],
    distance: u32,
    min_quality: u8,
) -> BagMatch {
    let q = distinct_good(query, min_quality);
    let t = distinct_good(target, min_quality);
    if q.is_empty() || t.is_empty() {
        return BagMatch {
            query_match_pct: 0.0,
            target_match_pct: 0.0,
        };
    }
    let hits = |a: &[PdqHash], b: &[PdqHash]| {
        a.iter()
            .filter(|x| b.iter().any(|y| x.distance(y) <= distance))
            .count()
    };
    BagMatch {
        query_match_pct: hits(&q, &t) as f64 * 100.0 / q.len() as f64,
        target_match_pct: hits(&t, &q) as f64 * 100.0 / t.len() as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feat(n: u64, q: u8, bits: &[usize]) -> VpdqFeature {
        let mut h = [0u8; 32];
        for &b in bits {
            h[b / 8] |= 1 << (b % 8);
        }
        VpdqFeature {
            frame_number: n,
            quality: q,
            hash: PdqHash(h),
            timestamp: n as f64 / 30.0,
        }
    }

    #[test]
    fn lines_round_trip_in_metas_format() {
        let line = "12,87,b6da98dae76e894705be12815edcdaa1d20995562fb69ff8668ba1050f449b86,0.400";
        let f = VpdqFeature::from_line(line, 1).unwrap();
        assert_eq!((f.frame_number, f.quality), (12, 87));
        assert_eq!(f.to_line(), line);
        let all = parse_vpdq(&format!("# comment\n{line}\n\n{line}\n")).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(format_vpdq(&all), format!("{line}\n{line}\n"));
    }

    #[test]
    fn malformed_lines_name_the_line() {
        for (text, needle) in [
            ("1,2,3", "4 comma-separated"),
            ("x,50,00,0.0", "frame number"),
            ("1,101,00,0.0", "quality"),
            ("1,50,zz,0.0", "64"),
            (
                "1,50,0000000000000000000000000000000000000000000000000000000000000000,-1",
                "timestamp",
            ),
        ] {
            let e = parse_vpdq(&format!("\n{text}")).unwrap_err().to_string();
            assert!(e.contains("line 2") && e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn frame_mod_truncates_like_the_reference() {
        assert_eq!(vpdq_frame_mod(1.0, 30.0), 30);
        assert_eq!(vpdq_frame_mod(1.0, 29.97), 29);
        assert_eq!(vpdq_frame_mod(0.0, 30.0), 1);
        assert_eq!(vpdq_frame_mod(1.0, 0.5), 1);
        assert_eq!(vpdq_frame_mod(0.5, 25.0), 12);
    }

    #[test]
    fn bag_match_dedupes_filters_and_counts_both_ways() {
        // Query: A, A (dup), B, low-quality C. Target: A' (A at distance 31), D (far).
        let a = feat(0, 90, &[]);
        let a_dup = feat(1, 90, &[]);
        let b = feat(2, 90, &(0..100).collect::<Vec<_>>());
        let c = feat(3, 10, &(0..200).collect::<Vec<_>>());
        let a31 = feat(0, 90, &(200..231).collect::<Vec<_>>());
        let d = feat(1, 90, &(0..150).collect::<Vec<_>>());
        let m = match_bags(&[a, a_dup, b, c], &[a31, d], 31, 50);
        assert_eq!(m.query_match_pct, 50.0); // A of {A, B}
        assert_eq!(m.target_match_pct, 50.0); // A' of {A', D}
        assert!(m.is_match(0.0, 50.0) && !m.is_match(0.0, 80.0) && !m.is_match(60.0, 0.0));
        // Distance 32 no longer matches; nothing good on one side gives 0/0.
        let a32 = feat(0, 90, &(200..232).collect::<Vec<_>>());
        assert_eq!(match_bags(&[a], &[a32], 31, 50).target_match_pct, 0.0);
        assert_eq!(match_bags(&[c], &[a], 31, 50).query_match_pct, 0.0);
    }
}
