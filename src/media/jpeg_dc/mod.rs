//! JPEG decoding at 1/8 scale straight from the DC coefficients, with the entropy decoding split
//! across threads.
//!
//! Why: a 12 MP photo decoded by libjpeg at 1/8 scale still spends ~95% of its time in serial
//! Huffman decoding of every AC coefficient, which no libjpeg option avoids. At 1/8 scale each
//! 8x8 block becomes one pixel whose value depends only on the block's DC coefficient, so this
//! decoder keeps DC values only, skips the AC symbols with a lookahead table, and decodes the
//! entropy data in parallel: split at restart markers when the file has them, otherwise by
//! speculative self-synchronising decoding (see `parallel`).
//!
//! The pixels are libjpeg's: the 1x1 IDCT (`jpeg_idct_1x1`), the 1/8 output size
//! `ceil(w/8) x ceil(h/8)`, and for colour the chroma DC replicated over the luma blocks it
//! covers, then libjpeg's fixed-point YCbCr->RGB (`jdcolor.c`). The grey (Y) plane is
//! bit-identical to libjpeg's at scale 1/8; libjpeg decodes subsampled chroma at 1/8 with a 2x2
//! IDCT, so chroma (and so RGB) can differ by a few levels.
//!
//! Supported: baseline and extended sequential Huffman, 8-bit, grey or YCbCr, one interleaved
//! scan holding every component, luma sampling at the maximum and chroma factors dividing it,
//! optional restart intervals; and progressive Huffman files of the same kinds, whose DC scans
//! alone are decoded (`progressive`: every AC scan is skipped unread). Anything else is [`DcError::Unsupported`] and the caller decodes
//! with libjpeg as before. Corrupt entropy data is a [`DcError::Corrupt`], never a panic; the
//! result is the same whatever the number of threads.

mod huffman;
mod parallel;
mod progressive;
#[cfg(test)]
mod tests;

use super::{check_dims, DecodeLimits, MediaError};
use huffman::{BlockTables, Table};
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, RgbImage};

/// Why the DC decoder did not produce an image.
#[derive(Debug)]
pub(super) enum DcError {
    /// A JPEG variant this decoder does not handle: decode with libjpeg instead.
    #[allow(dead_code)] // the reason is for tests and Debug output
    Unsupported(&'static str),
    /// The file is broken (or over the limits): the caller reports it.
    Failed(MediaError),
}

fn corrupt(detail: impl Into<String>) -> DcError {
    DcError::Failed(MediaError::Corrupt {
        format: "JPEG",
        detail: detail.into(),
        cause: None,
    })
}

/// How to split the entropy decoding (production uses [`Parallelism::auto`]).
#[derive(Debug, Clone, Default)]
pub(super) struct Parallelism {
    /// Number of threads; 0 = `available_parallelism`, capped at [`MAX_THREADS`].
    pub threads: usize,
    /// Entropy data smaller than this (in bytes) is decoded on the calling thread only.
    pub min_bytes: usize,
    /// Tests: the bit positions (in the destuffed entropy data) where speculative chunks start,
    /// instead of equal splits. Ignored for files with restart markers.
    pub splits: Option<Vec<u64>>,
    /// Benchmarks: do not use the DC decoder at all (libjpeg decodes at 1/8 scale, as before).
    pub disabled: bool,
}

/// At most this many threads: the entropy data of a phone photo is a few MB, and every extra
/// chunk adds a synchronisation step.
pub(super) const MAX_THREADS: usize = 8;

impl Parallelism {
    /// All available cores (at most [`MAX_THREADS`]) for entropy data over 256 KB.
    pub(super) fn auto() -> Self {
        Parallelism {
            threads: 0,
            min_bytes: 256 << 10,
            splits: None,
            disabled: false,
        }
    }

    fn thread_count(&self) -> usize {
        let n = if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        };
        n.clamp(1, MAX_THREADS)
    }
}

/// A decoded 1/8-scale image, before orientation.
pub(super) struct DcImage {
    /// The pixels at 1/8 scale, as stored (not yet oriented).
    pub image: DynamicImage,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// The last EXIF orientation found in an APP1 segment.
    pub orientation: Orientation,
}

/// One frame component.
#[derive(Debug, Clone, Copy)]
struct Component {
    id: u8,
    h: usize,
    v: usize,
    tq: usize,
    dc_table: usize,
    ac_table: usize,
}

/// What the headers say, up to the start of the entropy data.
struct Header {
    width: u32,
    height: u32,
    comps: Vec<Component>,
    /// Entry 0 of each quantisation table (the DC step), when defined.
    q0: [Option<u16>; 4],
    dc_tables: [Option<Table>; 4],
    ac_tables: [Option<Table>; 4],
    restart_interval: usize,
    orientation: Orientation,
    /// Sequential: offset of the first entropy-coded byte. Progressive: offset of the first
    /// start-of-scan marker (`progressive` reads every scan header itself).
    scan_start: usize,
    /// A progressive (SOF2) frame.
    progressive: bool,
}

/// The MCU layout of a frame.
pub(super) struct Layout {
    /// MCUs per row and rows of MCUs.
    pub mcus_x: usize,
    pub mcus_y: usize,
    /// Largest sampling factors (those of the luma component).
    pub hmax: usize,
    pub vmax: usize,
    /// Blocks per MCU.
    pub blocks_per_mcu: usize,
}

impl Layout {
    pub(super) fn total_mcus(&self) -> usize {
        self.mcus_x * self.mcus_y
    }
}

fn be16(b: &[u8], i: usize) -> Option<usize> {
    Some(usize::from(*b.get(i)?) << 8 | usize::from(*b.get(i + 1)?))
}

/// Reads the markers up to the first SOS. Unsupported variants return early.
fn parse_header(bytes: &[u8]) -> Result<Header, DcError> {
    let cut = || corrupt("truncated in the headers");
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(corrupt("missing start-of-image marker"));
    }
    let mut h = Header {
        width: 0,
        height: 0,
        comps: Vec::new(),
        q0: [None; 4],
        dc_tables: [None, None, None, None],
        ac_tables: [None, None, None, None],
        restart_interval: 0,
        orientation: Orientation::NoTransforms,
        scan_start: 0,
        progressive: false,
    };
    let mut saw_frame = false;
    let mut saw_jfif = false;
    let mut adobe_transform: Option<u8> = None;
    let mut i = 2usize;
    loop {
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            return Err(cut());
        };
        i += 2;
        match marker {
            0xD0..=0xD7 | 0x01 => continue,
            0xD8 | 0xD9 => return Err(corrupt("no image data before the end-of-image marker")),
            _ => {}
        }
        let len = be16(bytes, i).ok_or_else(cut)?;
        if len < 2 {
            return Err(cut());
        }
        let seg = bytes.get(i + 2..i + len).ok_or_else(cut)?;
        match marker {
            0xC0..=0xC2 => {
                if saw_frame {
                    return Err(DcError::Unsupported("two frame headers"));
                }
                saw_frame = true;
                h.progressive = marker == 0xC2;
                parse_sof(seg, &mut h)?;
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(DcError::Unsupported(
                    "lossless, hierarchical or arithmetic-coded JPEG",
                ))
            }
            0xC4 => parse_dht(seg, &mut h)?,
            0xDB => parse_dqt(seg, &mut h)?,
            0xDD => {
                h.restart_interval = be16(seg, 0).ok_or_else(cut)?;
            }
            0xDA => {
                if !saw_frame {
                    return Err(corrupt("no frame header (SOF) before the image data"));
                }
                if h.progressive {
                    h.scan_start = i - 2;
                    break;
                }
                parse_sos(seg, &mut h)?;
                h.scan_start = i + len;
                break;
            }
            0xE0 => saw_jfif |= seg.len() >= 14 && seg.starts_with(b"JFIF\0"),
            0xE1 => {
                if let Some(o) = super::jpeg::exif_orientation(seg) {
                    h.orientation = o;
                }
            }
            0xEE if seg.len() >= 12 && seg.starts_with(b"Adobe") => {
                adobe_transform = Some(seg[11]);
            }
            0xDC => return Err(DcError::Unsupported("DNL marker")),
            _ => {} // other APPn, COM, ...
        }
        i += len;
    }
    // libjpeg's colour-space guess (jdapimin.c): JFIF means YCbCr; otherwise an Adobe transform
    // of 0 or component ids 'R','G','B' mean RGB, which is left to libjpeg.
    if h.comps.len() == 3 && !saw_jfif {
        let ids: Vec<u8> = h.comps.iter().map(|c| c.id).collect();
        if adobe_transform == Some(0) || (adobe_transform.is_none() && ids == b"RGB") {
            return Err(DcError::Unsupported("RGB (not YCbCr) JPEG"));
        }
    }
    Ok(h)
}

fn parse_sof(seg: &[u8], h: &mut Header) -> Result<(), DcError> {
    let cut = || corrupt("truncated frame header");
    if seg.len() < 6 {
        return Err(cut());
    }
    if seg[0] != 8 {
        return Err(DcError::Unsupported("not 8-bit samples"));
    }
    h.height = (u32::from(seg[1]) << 8) | u32::from(seg[2]);
    h.width = (u32::from(seg[3]) << 8) | u32::from(seg[4]);
    if h.height == 0 {
        return Err(DcError::Unsupported("height defined by a DNL marker"));
    }
    let n = usize::from(seg[5]);
    if n != 1 && n != 3 {
        return Err(DcError::Unsupported(
            "neither grey nor three-component colour",
        ));
    }
    for c in 0..n {
        let d = seg.get(6 + 3 * c..9 + 3 * c).ok_or_else(cut)?;
        let (hs, vs) = (usize::from(d[1] >> 4), usize::from(d[1] & 15));
        if !(1..=4).contains(&hs) || !(1..=4).contains(&vs) || d[2] > 3 {
            return Err(corrupt("invalid sampling factors or quantisation table"));
        }
        if h.comps.iter().any(|o| o.id == d[0]) {
            return Err(DcError::Unsupported("duplicate component ids"));
        }
        h.comps.push(Component {
            id: d[0],
            h: hs,
            v: vs,
            tq: usize::from(d[2]),
            dc_table: 0,
            ac_table: 0,
        });
    }
    Ok(())
}

pub(super) use progressive::{count_scans, MAX_SCANS};

fn parse_dqt(mut seg: &[u8], h: &mut Header) -> Result<(), DcError> {
    while let Some((&pq_tq, rest)) = seg.split_first() {
        let (precision, id) = (pq_tq >> 4, usize::from(pq_tq & 15));
        let size = match precision {
            0 => 64,
            1 => 128,
            _ => return Err(corrupt("invalid quantisation table precision")),
        };
        if id > 3 || rest.len() < size {
            return Err(corrupt("invalid or truncated quantisation table"));
        }
        h.q0[id] = Some(if precision == 0 {
            u16::from(rest[0])
        } else {
            u16::from(rest[0]) << 8 | u16::from(rest[1])
        });
        seg = &rest[size..];
    }
    Ok(())
}

fn parse_dht(mut seg: &[u8], h: &mut Header) -> Result<(), DcError> {
    while let Some((&tc_th, rest)) = seg.split_first() {
        let (class, id) = (tc_th >> 4, usize::from(tc_th & 15));
        if class > 1 || id > 3 {
            return Err(corrupt("invalid Huffman table class or id"));
        }
        let counts: &[u8; 16] = rest
            .first_chunk::<16>()
            .ok_or_else(|| corrupt("truncated Huffman table"))?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 {
            return Err(corrupt("a Huffman table has more than 256 codes"));
        }
        let symbols = rest
            .get(16..16 + total)
            .ok_or_else(|| corrupt("truncated Huffman table"))?;
        let table = Table::new(counts, symbols, class == 0).map_err(corrupt)?;
        if class == 0 {
            h.dc_tables[id] = Some(table);
        } else {
            h.ac_tables[id] = Some(table);
        }
        seg = &rest[16 + total..];
    }
    Ok(())
}

fn parse_sos(seg: &[u8], h: &mut Header) -> Result<(), DcError> {
    let cut = || corrupt("truncated scan header");
    let n = usize::from(*seg.first().ok_or_else(cut)?);
    if n != h.comps.len() {
        return Err(DcError::Unsupported(
            "the first scan does not hold every component",
        ));
    }
    for c in 0..n {
        let d = seg.get(1 + 2 * c..3 + 2 * c).ok_or_else(cut)?;
        // libjpeg decodes components in scan order; we require it to be the frame order.
        if d[0] != h.comps[c].id {
            return Err(DcError::Unsupported("scan components not in frame order"));
        }
        h.comps[c].dc_table = usize::from(d[1] >> 4);
        h.comps[c].ac_table = usize::from(d[1] & 15);
    }
    let tail = seg.get(1 + 2 * n..4 + 2 * n).ok_or_else(cut)?;
    if tail != [0, 63, 0] {
        return Err(DcError::Unsupported("scan is not a full sequential scan"));
    }
    Ok(())
}

/// The MCU layout, or unsupported sampling.
fn layout(h: &Header) -> Result<Layout, DcError> {
    let (w, ht) = (h.width as usize, h.height as usize);
    if h.comps.len() == 1 {
        // A single-component scan is not interleaved: one block per MCU, whatever the factors.
        return Ok(Layout {
            mcus_x: w.div_ceil(8),
            mcus_y: ht.div_ceil(8),
            hmax: 1,
            vmax: 1,
            blocks_per_mcu: 1,
        });
    }
    let hmax = h.comps.iter().map(|c| c.h).max().unwrap_or(1);
    let vmax = h.comps.iter().map(|c| c.v).max().unwrap_or(1);
    let luma = h.comps[0];
    if luma.h != hmax || luma.v != vmax {
        return Err(DcError::Unsupported(
            "luma is not the most sampled component",
        ));
    }
    if h.comps.iter().any(|c| hmax % c.h != 0 || vmax % c.v != 0) {
        return Err(DcError::Unsupported("non-integral chroma sampling ratio"));
    }
    let blocks_per_mcu: usize = h.comps.iter().map(|c| c.h * c.v).sum();
    if blocks_per_mcu > 10 {
        return Err(corrupt("more than 10 blocks per MCU"));
    }
    Ok(Layout {
        mcus_x: w.div_ceil(8 * hmax),
        mcus_y: ht.div_ceil(8 * vmax),
        hmax,
        vmax,
        blocks_per_mcu,
    })
}

/// Destuffed entropy data of the scan, split at restart markers.
pub(super) struct Entropy {
    /// The data with `0xFF 0x00` replaced by `0xFF` and restart markers removed.
    pub data: Vec<u8>,
    /// Start offset in `data` of each restart interval (the first is 0).
    pub segments: Vec<usize>,
}

impl Entropy {
    /// The destuffed bytes of restart interval `s`.
    pub(super) fn segment(&self, s: usize) -> &[u8] {
        let start = self.segments.get(s).copied().unwrap_or(self.data.len());
        let end = self.segments.get(s + 1).copied().unwrap_or(self.data.len());
        self.data.get(start..end).unwrap_or(&[])
    }
}

/// Whether any byte of `w` is 0xFF.
#[inline]
fn has_ff(w: u64) -> bool {
    let v = !w;
    (v.wrapping_sub(0x0101_0101_0101_0101) & !v & 0x8080_8080_8080_8080) != 0
}

/// Removes byte stuffing from the scan starting at `bytes[start]` and splits it at restart
/// markers; stops at the first other marker, which must be the end of image.
fn destuff(bytes: &[u8], start: usize) -> Result<Entropy, DcError> {
    let (entropy, end) = destuff_scan(bytes, start)?;
    if bytes.get(end + 1) != Some(&0xD9) {
        return Err(DcError::Unsupported(
            "a marker other than EOI after the scan",
        ));
    }
    Ok(entropy)
}

/// Removes byte stuffing from the scan starting at `bytes[start]` and splits it at restart
/// markers, up to the first other marker; returns the data and that marker's offset.
fn destuff_scan(bytes: &[u8], start: usize) -> Result<(Entropy, usize), DcError> {
    let src = bytes.get(start..).unwrap_or(&[]);
    let mut data = Vec::with_capacity(src.len());
    let mut segments = vec![0usize];
    let mut expected_rst = 0u8;
    let mut i = 0usize;
    loop {
        // Copy the run of plain bytes, eight at a time while no 0xFF shows up.
        let run_start = i;
        while let Some(w) = src.get(i..).and_then(|r| r.first_chunk::<8>()) {
            if has_ff(u64::from_ne_bytes(*w)) {
                break;
            }
            i += 8;
        }
        while src.get(i).is_some_and(|&b| b != 0xFF) {
            i += 1;
        }
        data.extend_from_slice(&src[run_start..i]);
        if i >= src.len() {
            return Err(corrupt(
                "truncated: the image data ends without an end-of-image marker",
            ));
        }
        // src[i] == 0xFF
        match src.get(i + 1) {
            Some(0x00) => {
                data.push(0xFF);
                i += 2;
            }
            Some(&m @ 0xD0..=0xD7) => {
                if m - 0xD0 != expected_rst {
                    return Err(DcError::Unsupported("restart markers out of sequence"));
                }
                expected_rst = (expected_rst + 1) & 7;
                segments.push(data.len());
                i += 2;
            }
            Some(0xFF) => {
                // Fill bytes before a marker.
                i += 1;
            }
            Some(_) => break,
            None => {
                return Err(corrupt(
                    "truncated: the image data ends without an end-of-image marker",
                ))
            }
        }
    }
    Ok((Entropy { data, segments }, start + i))
}

/// The decoded DC values and what is needed to turn them into pixels.
struct Planes {
    header: Header,
    layout: Layout,
    /// DC coefficient of every block, MCU-major (the blocks of MCU m at `m * blocks_per_mcu..`).
    dc: Vec<i16>,
    /// Each component's DC quantisation step.
    q0: [i32; 3],
}

/// Parses the headers and entropy-decodes the DC values.
fn decode_planes(
    bytes: &[u8],
    limits: &DecodeLimits,
    par: &Parallelism,
) -> Result<Planes, DcError> {
    let h = parse_header(bytes)?;
    check_dims(h.width, h.height, limits).map_err(DcError::Failed)?;
    let lay = layout(&h)?;
    if h.progressive {
        return progressive::decode(bytes, h, lay);
    }
    // Tables of every block position in the MCU.
    let mut blocks: Vec<BlockTables<'_>> = Vec::with_capacity(lay.blocks_per_mcu);
    let mut q0 = [0i32; 3];
    for (ci, c) in h.comps.iter().enumerate() {
        let dc = h.dc_tables.get(c.dc_table).and_then(Option::as_ref);
        let ac = h.ac_tables.get(c.ac_table).and_then(Option::as_ref);
        let (Some(dc), Some(ac)) = (dc, ac) else {
            return Err(corrupt("a scan component uses an undefined Huffman table"));
        };
        q0[ci] = i32::from(
            h.q0[c.tq]
                .ok_or_else(|| corrupt("a component uses an undefined quantisation table"))?,
        );
        let n = if h.comps.len() == 1 { 1 } else { c.h * c.v };
        for _ in 0..n {
            blocks.push(BlockTables { comp: ci, dc, ac });
        }
    }
    let entropy = destuff(bytes, h.scan_start)?;
    let dc = if h.restart_interval > 0 {
        let expected = lay.total_mcus().div_ceil(h.restart_interval);
        if entropy.segments.len() != expected {
            return Err(DcError::Unsupported(
                "restart marker count does not match the restart interval",
            ));
        }
        parallel::decode_restart(&entropy, h.restart_interval, &lay, &blocks, par)?
    } else if entropy.segments.len() > 1 {
        return Err(DcError::Unsupported(
            "restart markers without a restart interval",
        ));
    } else {
        parallel::decode_speculative(&entropy.data, &lay, &blocks, par)?
    };
    drop(blocks);
    Ok(Planes {
        header: h,
        layout: lay,
        dc,
        q0,
    })
}

/// Decodes `bytes` at 1/8 scale. `limits` bounds the frame size (the caller has usually
/// checked the size the container claims already).
pub(super) fn decode(
    bytes: &[u8],
    limits: &DecodeLimits,
    par: &Parallelism,
) -> Result<DcImage, DcError> {
    let p = decode_planes(bytes, limits, par)?;
    let image = to_pixels(&p);
    Ok(DcImage {
        image,
        width: p.header.width,
        height: p.header.height,
        orientation: p.header.orientation,
    })
}

/// libjpeg's 1x1 IDCT (`jpeg_idct_1x1`): the dequantised DC, descaled by 3 bits, level-shifted
/// and range-limited.
#[inline]
fn idct_1x1(dc: i16, q0: i32) -> u8 {
    let v = (i32::from(dc) * q0 + 4) >> 3;
    (v + 128).clamp(0, 255) as u8
}

/// libjpeg's YCbCr->RGB tables (`jdcolor.c` `build_ycc_rgb_table`): 16-bit fixed point with
/// ONE_HALF rounding, indexed by the chroma sample.
struct YccTables {
    cr_r: [i32; 256],
    cb_b: [i32; 256],
    cr_g: [i32; 256],
    cb_g: [i32; 256],
}

impl YccTables {
    fn new() -> Self {
        const SCALEBITS: i32 = 16;
        const ONE_HALF: i64 = 1 << (SCALEBITS - 1);
        let fix = |x: f64| (x * f64::from(1 << SCALEBITS) + 0.5) as i64;
        let mut t = YccTables {
            cr_r: [0; 256],
            cb_b: [0; 256],
            cr_g: [0; 256],
            cb_g: [0; 256],
        };
        for i in 0..256usize {
            let x = i as i64 - 128;
            t.cr_r[i] = ((fix(1.40200) * x + ONE_HALF) >> SCALEBITS) as i32;
            t.cb_b[i] = ((fix(1.77200) * x + ONE_HALF) >> SCALEBITS) as i32;
            t.cr_g[i] = (-fix(0.71414) * x) as i32;
            t.cb_g[i] = (-fix(0.34414) * x + ONE_HALF) as i32;
        }
        t
    }

    #[inline]
    fn rgb(&self, y: u8, cb: u8, cr: u8) -> [u8; 3] {
        let y = i32::from(y);
        let (cb, cr) = (usize::from(cb), usize::from(cr));
        let r = y + self.cr_r[cr];
        let g = y + ((self.cb_g[cb] + self.cr_g[cr]) >> 16);
        let b = y + self.cb_b[cb];
        [r, g, b].map(|v| v.clamp(0, 255) as u8)
    }
}

/// The 1/8-scale picture from the MCU-major DC values, cropped to `ceil(w/8) x ceil(h/8)`.
fn to_pixels(p: &Planes) -> DynamicImage {
    let (h, lay, dc, q0) = (&p.header, &p.layout, &p.dc, &p.q0);
    let ow = (h.width as usize).div_ceil(8);
    let oh = (h.height as usize).div_ceil(8);
    let bpm = lay.blocks_per_mcu;
    if h.comps.len() == 1 {
        let mut out = Vec::with_capacity(ow * oh);
        for row in dc.chunks_exact(lay.mcus_x).take(oh) {
            out.extend(row.iter().take(ow).map(|&v| idct_1x1(v, q0[0])));
        }
        return match GrayImage::from_raw(ow as u32, oh as u32, out) {
            Some(g) => DynamicImage::ImageLuma8(g),
            None => DynamicImage::new_luma8(ow as u32, oh as u32),
        };
    }
    let t = YccTables::new();
    // Offset of each component's blocks in the MCU.
    let (c0, c1, c2) = (h.comps[0], h.comps[1], h.comps[2]);
    let off1 = c0.h * c0.v;
    let off2 = off1 + c1.h * c1.v;
    let (hmax, vmax) = (lay.hmax, lay.vmax);
    let mut out = Vec::with_capacity(ow * oh * 3);
    // Per output column: the offset of its MCU in a row of MCUs, and of its luma and chroma
    // blocks within the MCU (for luma row 0 of the MCU; rows add `row_off` below).
    let cols: Vec<(usize, [usize; 3])> = (0..ow)
        .map(|x| {
            let (mx, lx) = (x / hmax, x % hmax);
            (
                mx * bpm,
                [lx, off1 + lx * c1.h / hmax, off2 + lx * c2.h / hmax],
            )
        })
        .collect();
    for y in 0..oh {
        let (my, ly) = (y / vmax, y % vmax);
        let row_off = [ly * c0.h, ly * c1.v / vmax * c1.h, ly * c2.v / vmax * c2.h];
        let row = dc.get(my * lay.mcus_x * bpm..).unwrap_or(&[]);
        for &(base, offs) in &cols {
            let at = |c: usize| row.get(base + offs[c] + row_off[c]).copied().unwrap_or(0);
            let yv = idct_1x1(at(0), q0[0]);
            let cb = idct_1x1(at(1), q0[1]);
            let cr = idct_1x1(at(2), q0[2]);
            out.extend_from_slice(&t.rgb(yv, cb, cr));
        }
    }
    match RgbImage::from_raw(ow as u32, oh as u32, out) {
        Some(i) => DynamicImage::ImageRgb8(i),
        None => DynamicImage::new_rgb8(ow as u32, oh as u32),
    }
}
