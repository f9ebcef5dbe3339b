//! Progressive JPEG at 1/8 scale from the DC scans alone.
//!
//! A progressive file sends each block's DC coefficient in DC scans (`Ss = Se = 0`): a first
//! scan with the DC differences shifted right by `Al` bits, then optionally refinement scans
//! (`Ah > 0`) that add one bit each (successive approximation, G.1.2.1). At 1/8 scale libjpeg's
//! pixel is the 1x1 IDCT of the final DC coefficient alone, so the AC scans (most of the file)
//! do not change the Y plane: they are skipped without decoding, only their end (the next
//! marker) is looked for. The DC scans are small and decoded on the calling thread.
//!
//! Everything between scans is followed as libjpeg follows it: Huffman tables and restart
//! intervals may be redefined, and each component's quantisation table is latched when the
//! component first appears in a scan (`jdinput.c` `latch_quant_tables`). Scan parameters are
//! checked as `jdphuff.c` checks them (a bad progression is corrupt). At most [`MAX_SCANS`]
//! scans are accepted, the cap libjpeg-turbo's own fuzzers use: a file can hold thousands of
//! tiny scans, each of which makes libjpeg walk its whole coefficient buffer.

use super::huffman::{decode_dc, BitReader};
use super::{corrupt, destuff_scan, parse_dht, parse_dqt, DcError, Header, Layout, Planes};
use crate::media::MediaError;

/// Most scans a JPEG may have (libjpeg-turbo's fuzz targets stop at 500 too).
pub(in crate::media) const MAX_SCANS: usize = 500;

/// One scan header (B.2.3).
struct Scan {
    /// Frame component indices, in scan order.
    comps: Vec<usize>,
    /// DC table of each scan component.
    dc_tables: Vec<usize>,
    ss: u8,
    se: u8,
    ah: u8,
    al: u8,
}

fn be16(b: &[u8], i: usize) -> Option<usize> {
    Some(usize::from(*b.get(i)?) << 8 | usize::from(*b.get(i + 1)?))
}

/// Offset of the next marker at or after `i` that ends entropy-coded data (not a stuffed zero,
/// not a restart marker, not a fill byte), or `bytes.len()` when there is none.
pub(super) fn skip_entropy(bytes: &[u8], mut i: usize) -> usize {
    while let Some(k) = bytes.get(i..).and_then(|rest| memchr::memchr(0xFF, rest)) {
        let at = i + k;
        match bytes.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7 | 0xFF) => i = at + 1,
            Some(_) => return at,
            None => return bytes.len(),
        }
    }
    bytes.len()
}

/// A marker segment or scan met while walking a JPEG.
pub(super) struct Segment<'a> {
    /// The marker code (the byte after 0xFF).
    pub marker: u8,
    /// The segment's payload (after the length field); empty for markers without one.
    pub data: &'a [u8],
    /// Offset just after the payload (where a scan's entropy data starts).
    pub end: usize,
}

/// Reads the marker at `i` (after any fill bytes): `Ok(None)` at the end of the data.
pub(super) fn segment_at(bytes: &[u8], mut i: usize) -> Result<Option<Segment<'_>>, DcError> {
    while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
        i += 1;
    }
    let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
        return Ok(None);
    };
    if matches!(marker, 0xD0..=0xD9 | 0x01) {
        return Ok(Some(Segment {
            marker,
            data: &[],
            end: i + 2,
        }));
    }
    let cut = || corrupt("truncated in a marker segment");
    let len = be16(bytes, i + 2).ok_or_else(cut)?;
    if len < 2 {
        return Err(cut());
    }
    let data = bytes.get(i + 4..i + 2 + len).ok_or_else(cut)?;
    Ok(Some(Segment {
        marker,
        data,
        end: i + 2 + len,
    }))
}

/// Counts the scans of a JPEG (start-of-scan markers, walking the marker segments and skipping
/// entropy data), stopping once the count passes `MAX_SCANS`. Malformed structure just ends
/// the count: the decoder reports it.
pub(in crate::media) fn count_scans(bytes: &[u8]) -> usize {
    let mut i = 2usize;
    let mut scans = 0usize;
    while let Ok(Some(seg)) = segment_at(bytes, i) {
        i = seg.end;
        match seg.marker {
            0xD9 => break,
            0xDA => {
                scans += 1;
                if scans > MAX_SCANS {
                    break;
                }
                i = skip_entropy(bytes, i);
            }
            _ => {}
        }
    }
    scans
}

fn too_many_scans() -> DcError {
    DcError::Failed(MediaError::LimitExceeded {
        format: "JPEG",
        what: "scans",
        count: MAX_SCANS as u64 + 1,
        max: MAX_SCANS as u64,
    })
}

/// Parses a scan header against the frame, with libjpeg's progression checks.
fn parse_scan(seg: &[u8], h: &Header) -> Result<Scan, DcError> {
    let cut = || corrupt("truncated scan header");
    let n = usize::from(*seg.first().ok_or_else(cut)?);
    if n == 0 || n > 4 {
        return Err(corrupt("a scan with no or more than four components"));
    }
    let mut scan = Scan {
        comps: Vec::with_capacity(n),
        dc_tables: Vec::with_capacity(n),
        ss: 0,
        se: 0,
        ah: 0,
        al: 0,
    };
    for c in 0..n {
        let d = seg.get(1 + 2 * c..3 + 2 * c).ok_or_else(cut)?;
        let ci = h
            .comps
            .iter()
            .position(|comp| comp.id == d[0])
            .ok_or_else(|| corrupt("a scan names a component the frame does not have"))?;
        if scan.comps.contains(&ci) {
            return Err(corrupt("a scan names a component twice"));
        }
        scan.comps.push(ci);
        scan.dc_tables.push(usize::from(d[1] >> 4));
    }
    let tail = seg.get(1 + 2 * n..4 + 2 * n).ok_or_else(cut)?;
    (scan.ss, scan.se, scan.ah, scan.al) = (tail[0], tail[1], tail[2] >> 4, tail[2] & 15);
    // jdphuff.c start_pass_phuff_decoder.
    let bad = if scan.ss == 0 {
        scan.se != 0
    } else {
        scan.se < scan.ss || scan.se > 63 || n != 1
    } || (scan.ah != 0 && scan.al + 1 != scan.ah)
        || scan.al > 13;
    if bad {
        return Err(corrupt("invalid progressive scan parameters"));
    }
    Ok(scan)
}

/// Where each component's blocks sit in the MCU-major DC array.
struct Placement {
    mcus_x: usize,
    bpm: usize,
    /// Per frame component: (h, v, offset of its first block in an MCU).
    comps: Vec<(usize, usize, usize)>,
}

impl Placement {
    fn new(h: &Header, lay: &Layout) -> Self {
        let single = h.comps.len() == 1;
        let mut off = 0;
        let comps = h
            .comps
            .iter()
            .map(|c| {
                let (ch, cv) = if single { (1, 1) } else { (c.h, c.v) };
                let at = (ch, cv, off);
                off += ch * cv;
                at
            })
            .collect();
        Placement {
            mcus_x: lay.mcus_x,
            bpm: lay.blocks_per_mcu,
            comps,
        }
    }

    /// Index of block (bx, by) of component `c` (block coordinates within the component).
    #[inline]
    fn index(&self, c: usize, bx: usize, by: usize) -> usize {
        let (ch, cv, off) = self.comps[c];
        ((by / cv) * self.mcus_x + bx / ch) * self.bpm + off + (by % cv) * ch + bx % ch
    }
}

/// Calls `f(unit, component, index in the DC array)` for every block of a scan in coding
/// order; `unit` counts restart units (MCUs, or single blocks for a non-interleaved scan).
fn for_each_block(
    scan: &Scan,
    h: &Header,
    lay: &Layout,
    place: &Placement,
    mut f: impl FnMut(usize, usize, usize) -> Result<(), DcError>,
) -> Result<(), DcError> {
    if let [c] = scan.comps[..] {
        // Non-interleaved: the component's own block grid, without the MCU padding (A.2.2).
        let (ch, cv, _) = place.comps[c];
        let cw = (h.width as usize * ch).div_ceil(lay.hmax.max(1));
        let chh = (h.height as usize * cv).div_ceil(lay.vmax.max(1));
        let bw = cw.div_ceil(8);
        for by in 0..chh.div_ceil(8) {
            for bx in 0..bw {
                f(by * bw + bx, c, place.index(c, bx, by))?;
            }
        }
        return Ok(());
    }
    for my in 0..lay.mcus_y {
        for mx in 0..lay.mcus_x {
            let unit = my * lay.mcus_x + mx;
            for &c in &scan.comps {
                let (ch, cv, _) = place.comps[c];
                for v in 0..cv {
                    for u in 0..ch {
                        f(unit, c, place.index(c, mx * ch + u, my * cv + v))?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Restart units in a scan (see [`for_each_block`]).
fn unit_count(scan: &Scan, h: &Header, lay: &Layout, place: &Placement) -> usize {
    if let [c] = scan.comps[..] {
        let (ch, cv, _) = place.comps[c];
        let cw = (h.width as usize * ch).div_ceil(lay.hmax.max(1));
        let chh = (h.height as usize * cv).div_ceil(lay.vmax.max(1));
        cw.div_ceil(8) * chh.div_ceil(8)
    } else {
        lay.total_mcus()
    }
}

/// Decodes one DC scan whose entropy data starts at `bytes[start]` into `dc`; returns the
/// offset of the marker that ends it.
fn decode_dc_scan(
    bytes: &[u8],
    start: usize,
    scan: &Scan,
    h: &Header,
    lay: &Layout,
    dc: &mut [i16],
) -> Result<usize, DcError> {
    let place = Placement::new(h, lay);
    let (entropy, end) = destuff_scan(bytes, start)?;
    let units = unit_count(scan, h, lay, &place);
    let interval = if h.restart_interval > 0 {
        h.restart_interval
    } else {
        units.max(1)
    };
    if entropy.segments.len() != units.div_ceil(interval).max(1) {
        return Err(DcError::Unsupported(
            "restart marker count does not match the restart interval in a DC scan",
        ));
    }
    // The Huffman table of each frame component in this scan.
    let mut tables = [None; 4];
    for (&c, &t) in scan.comps.iter().zip(&scan.dc_tables) {
        tables[c] = h.dc_tables.get(t).and_then(Option::as_ref);
    }
    let mut segment = 0usize;
    let mut r = BitReader::new(entropy.segment(0), 0);
    let mut preds = [0i32; 4];
    let ran_out = || corrupt("the image data ends before the last block of a scan");
    for_each_block(scan, h, lay, &place, |unit, c, at| {
        if unit / interval != segment {
            if r.pos() > entropy.segment(segment).len() as u64 * 8 {
                return Err(ran_out());
            }
            segment = unit / interval;
            r = BitReader::new(entropy.segment(segment), 0);
            preds = [0; 4];
        }
        let slot = dc
            .get_mut(at)
            .ok_or_else(|| corrupt("a block outside the frame"))?;
        if scan.ah == 0 {
            let table = tables[c]
                .ok_or_else(|| corrupt("a scan component uses an undefined Huffman table"))?;
            let diff = decode_dc(&mut r, table).map_err(|f| corrupt(f.describe()))?;
            preds[c] = preds[c].wrapping_add(diff);
            *slot = (preds[c] as u32).wrapping_shl(u32::from(scan.al)) as i16;
        } else if r.bit() == 1 {
            *slot |= 1 << scan.al;
        }
        Ok(())
    })?;
    if r.pos() > entropy.segment(segment).len() as u64 * 8 {
        return Err(ran_out());
    }
    Ok(end)
}

/// Decodes the DC values of a progressive file whose headers up to the first scan are in `h`.
pub(super) fn decode(bytes: &[u8], mut h: Header, lay: Layout) -> Result<Planes, DcError> {
    let mut dc = vec![0i16; lay.total_mcus() * lay.blocks_per_mcu];
    let mut latched: [Option<i32>; 3] = [None; 3];
    let mut scans = 0usize;
    let mut i = h.scan_start;
    loop {
        let Some(seg) = segment_at(bytes, i)? else {
            return Err(corrupt(
                "truncated: the image data ends without an end-of-image marker",
            ));
        };
        i = seg.end;
        match seg.marker {
            0xD9 => break,
            0xDA => {
                scans += 1;
                if scans > MAX_SCANS {
                    return Err(too_many_scans());
                }
                let scan = parse_scan(seg.data, &h)?;
                for &c in &scan.comps {
                    if latched[c].is_none() {
                        let q = h.q0[h.comps[c].tq].ok_or_else(|| {
                            corrupt("a component uses an undefined quantisation table")
                        })?;
                        latched[c] = Some(i32::from(q));
                    }
                }
                i = if scan.ss == 0 {
                    decode_dc_scan(bytes, i, &scan, &h, &lay, &mut dc)?
                } else {
                    skip_entropy(bytes, i)
                };
            }
            0xC4 => parse_dht(seg.data, &mut h)?,
            0xDB => parse_dqt(seg.data, &mut h)?,
            0xDD => h.restart_interval = be16(seg.data, 0).ok_or_else(|| corrupt("short DRI"))?,
            0xD0..=0xD7 | 0x01 | 0xE0..=0xEF | 0xFE => {}
            0xC0..=0xCF => return Err(DcError::Unsupported("a second frame header")),
            _ => return Err(DcError::Unsupported("an unexpected marker between scans")),
        }
    }
    let mut q0 = [0i32; 3];
    for (c, q) in q0.iter_mut().enumerate().take(h.comps.len()) {
        *q = latched[c].ok_or(DcError::Unsupported("a component without any scan"))?;
    }
    Ok(Planes {
        header: h,
        layout: lay,
        dc,
        q0,
    })
}
