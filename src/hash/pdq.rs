//! PDQ, Meta's 256-bit perceptual image hash: a faithful port of the C++ reference
//! (`pdq/cpp/hashing/pdqhashing.cpp` and `pdq/cpp/downscaling/downscaling.cpp` in
//! facebook/ThreatExchange).
//!
//! Pipeline, step for step as the reference does it:
//! 1. Images larger than 512 px on either side are first resized to 512x512 by nearest
//!    neighbour (the reference's `pdqHash256FromFile`, via CImg's default resize).
//! 2. Luminance `0.299 R + 0.587 G + 0.114 B` in `f32` (grey images use the grey value as is).
//! 3. Two passes of a Jarosz tent filter (box filters along rows then columns) with window
//!    `ceil(dim / 128)`, then decimation to 64x64 at the window centres.
//! 4. Quality: the sum of quantised 64x64 gradients / 90, capped at 100.
//! 5. A 2D DCT keeping frequencies 1..=16 on each axis (16x16), thresholded at its median.
//!
//! Every floating-point operation is performed in the reference's order and precision, so on
//! the same pixels the hashes are bit-identical; the only speed-ups are ones that keep that
//! property (the column passes run across all columns at once, and the second filter pass
//! only divides where the decimation will sample).
//!
//! The eight dihedral variants (rotations and flips) come from the one DCT by sign changes and
//! transposition, exactly as `pdqDihedralHash256esFromFloatLuma` does.

use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::OnceLock;

/// Images smaller than this on either side hash to all zeros with quality 0 (reference rule).
pub const MIN_HASHABLE_DIM: usize = 5;
/// The reference resizes images larger than this (on either side) to this size square first.
pub const REFERENCE_DOWNSAMPLE_DIM: usize = 512;
/// Quality below which Meta recommends not trusting a PDQ hash for matching.
pub const RECOMMENDED_MIN_QUALITY: u8 = 50;

const LUMA_R: f32 = 0.299;
const LUMA_G: f32 = 0.587;
const LUMA_B: f32 = 0.114;
const JAROSZ_PASSES: usize = 2;

/// A 256-bit PDQ hash, stored as 32 bytes in the order of its usual 64-character hex form
/// (byte 0 is the first two hex digits). Bit `k = row*16 + col` of the 16x16 DCT grid is bit
/// `k % 16` of 16-bit word `k / 16`, and the hex form prints word 15 first, as the reference.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PdqHash(pub [u8; 32]);

/// A malformed hex PDQ hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a PDQ hash is 64 hex digits; got {got:?}")]
pub struct PdqParseError {
    /// The text that failed to parse (truncated to 80 characters).
    pub got: String,
}

impl PdqHash {
    /// Parses the 64-hex-digit form (upper or lower case).
    pub fn from_hex(text: &str) -> Result<Self, PdqParseError> {
        let err = || PdqParseError {
            got: text.chars().take(80).collect(),
        };
        crate::hex::decode(text)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(PdqHash)
            .ok_or_else(err)
    }

    /// The lowercase 64-hex-digit form, as Meta's tools print it.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }

    /// Hamming distance (number of differing bits).
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    /// Byte index and mask of grid bit `k` (0..256) in the hex-ordered byte array.
    fn locate(k: usize) -> (usize, u8) {
        let word = k >> 4;
        let bit = k & 15;
        let byte = (15 - word) * 2 + usize::from(bit < 8);
        (byte, 1u8 << (bit & 7))
    }

    /// Bit `k = row*16 + col` of the 16x16 DCT sign grid.
    pub fn bit(&self, k: usize) -> bool {
        let (byte, mask) = Self::locate(k & 255);
        self.0[byte] & mask != 0
    }

    fn set_bit(&mut self, k: usize) {
        let (byte, mask) = Self::locate(k & 255);
        self.0[byte] |= mask;
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PdqHash({})", self.to_hex())
    }
}

impl Serialize for PdqHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// The eight dihedral transforms of an image, in the reference's order. The variant hash `V`
/// of image `I` is (up to rounding) the hash of `I` transformed by `V`.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dihedral {
    /// As is.
    Original = 0,
    /// Rotated 90 degrees anticlockwise.
    Rotate90 = 1,
    /// Rotated 180 degrees.
    Rotate180 = 2,
    /// Rotated 270 degrees anticlockwise.
    Rotate270 = 3,
    /// Mirrored top to bottom.
    #[serde(rename = "flipx")]
    FlipX = 4,
    /// Mirrored left to right.
    #[serde(rename = "flipy")]
    FlipY = 5,
    /// Transposed about the main diagonal.
    FlipPlus1 = 6,
    /// Transposed about the anti-diagonal.
    FlipMinus1 = 7,
}

impl fmt::Display for Dihedral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Dihedral {
    /// All eight, index = variant number.
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Original,
        Dihedral::Rotate90,
        Dihedral::Rotate180,
        Dihedral::Rotate270,
        Dihedral::FlipX,
        Dihedral::FlipY,
        Dihedral::FlipPlus1,
        Dihedral::FlipMinus1,
    ];

    /// The variant for a number 0..8.
    pub fn from_index(i: usize) -> Option<Dihedral> {
        Self::ALL.get(i).copied()
    }

    /// Its stable name.
    pub fn name(self) -> &'static str {
        match self {
            Dihedral::Original => "original",
            Dihedral::Rotate90 => "rotate90",
            Dihedral::Rotate180 => "rotate180",
            Dihedral::Rotate270 => "rotate270",
            Dihedral::FlipX => "flipx",
            Dihedral::FlipY => "flipy",
            Dihedral::FlipPlus1 => "flip_plus1",
            Dihedral::FlipMinus1 => "flip_minus1",
        }
    }

    /// Applies the transform to a 16x16 DCT block (the reference's `dct16OriginalTo*`).
    fn apply(self, a: &Grid16, b: &mut Grid16) {
        for i in 0..16 {
            for j in 0..16 {
                let v = a[i][j];
                match self {
                    Dihedral::Original => b[i][j] = v,
                    Dihedral::Rotate90 => b[j][i] = if j & 1 == 1 { v } else { -v },
                    Dihedral::Rotate180 => b[i][j] = if (i + j) & 1 == 1 { -v } else { v },
                    Dihedral::Rotate270 => b[j][i] = if i & 1 == 1 { v } else { -v },
                    Dihedral::FlipX => b[i][j] = if i & 1 == 1 { v } else { -v },
                    Dihedral::FlipY => b[i][j] = if j & 1 == 1 { v } else { -v },
                    Dihedral::FlipPlus1 => b[j][i] = v,
                    Dihedral::FlipMinus1 => b[j][i] = if (i + j) & 1 == 1 { -v } else { v },
                }
            }
        }
    }
}

/// A PDQ hash with its quality (0..=100; below 50 Meta advises not to match on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pdq {
    /// The hash.
    pub hash: PdqHash,
    /// The reference's gradient-based quality metric.
    pub quality: u8,
}

/// The hashes of all eight dihedral variants, computed from one DCT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PdqDihedral {
    /// Index = [`Dihedral`] number; `hashes[0]` is the image as is.
    pub hashes: [PdqHash; 8],
    /// Quality of the image (shared by all variants).
    pub quality: u8,
}

impl PdqDihedral {
    /// The hash of the image as is, with its quality.
    pub fn original(&self) -> Pdq {
        Pdq {
            hash: self.hashes[0],
            quality: self.quality,
        }
    }

    /// The hash of one variant.
    pub fn variant(&self, v: Dihedral) -> PdqHash {
        self.hashes[v as usize]
    }
}

type Grid16 = [[f32; 16]; 16];
type Grid64 = [[f32; 64]; 64];

/// A borrowed 8-bit image for hashing: packed rows, no padding.
#[derive(Debug, Clone, Copy)]
pub enum PixelsRef<'a> {
    /// One grey byte per pixel.
    Luma8 {
        /// Pixel bytes, `width * height` long.
        data: &'a [u8],
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// Three bytes (R, G, B) per pixel.
    Rgb8 {
        /// Pixel bytes, `3 * width * height` long.
        data: &'a [u8],
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
}

/// The pixel buffer does not match its stated size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pixel buffer holds {got} bytes but {width}x{height} needs {expected}")]
pub struct PixelSizeError {
    /// Stated width.
    pub width: usize,
    /// Stated height.
    pub height: usize,
    /// Bytes needed.
    pub expected: usize,
    /// Bytes given.
    pub got: usize,
}

impl PixelsRef<'_> {
    fn dims(&self) -> (usize, usize) {
        match *self {
            PixelsRef::Luma8 { width, height, .. } | PixelsRef::Rgb8 { width, height, .. } => {
                (width, height)
            }
        }
    }

    fn check(&self) -> Result<(), PixelSizeError> {
        let (data, per, width, height) = match *self {
            PixelsRef::Luma8 {
                data,
                width,
                height,
            } => (data, 1, width, height),
            PixelsRef::Rgb8 {
                data,
                width,
                height,
            } => (data, 3, width, height),
        };
        let expected = width.saturating_mul(height).saturating_mul(per);
        if data.len() != expected {
            return Err(PixelSizeError {
                width,
                height,
                expected,
                got: data.len(),
            });
        }
        Ok(())
    }
}

/// Hashes 8-bit pixels exactly as the reference tool does (512x512 nearest-neighbour
/// pre-resize for large images), returning all eight dihedral variants.
pub fn hash_pixels(pixels: PixelsRef<'_>) -> Result<PdqDihedral, PixelSizeError> {
    let (cols, rows, mut luma) = reference_luma(pixels)?;
    Ok(hash_luma(&mut luma, cols, rows))
}

/// Hashes 8-bit pixels at full resolution, without the reference tool's 512x512 pre-resize:
/// what Meta's vPDQ does with every video frame (`pdqHash256FromFloatLuma` on the whole frame).
pub fn hash_pixels_full_resolution(pixels: PixelsRef<'_>) -> Result<PdqDihedral, PixelSizeError> {
    pixels.check()?;
    let (width, height) = pixels.dims();
    let mut luma = luma_nearest(pixels, width, height);
    Ok(hash_luma(&mut luma, width, height))
}

/// The luma plane the reference tool hashes: `(cols, rows, plane)` after its 512x512
/// nearest-neighbour pre-resize of large images.
pub(crate) fn reference_luma(
    pixels: PixelsRef<'_>,
) -> Result<(usize, usize, Vec<f32>), PixelSizeError> {
    pixels.check()?;
    let (width, height) = pixels.dims();
    let (cols, rows) = if width > REFERENCE_DOWNSAMPLE_DIM || height > REFERENCE_DOWNSAMPLE_DIM {
        (REFERENCE_DOWNSAMPLE_DIM, REFERENCE_DOWNSAMPLE_DIM)
    } else {
        (width, height)
    };
    Ok((cols, rows, luma_nearest(pixels, cols, rows)))
}

/// Fills an `out_cols x out_rows` luma plane from the pixels, sampling source pixel
/// `(x*W/out_cols, y*H/out_rows)` (CImg's nearest-neighbour rule); identity when sizes match.
fn luma_nearest(pixels: PixelsRef<'_>, out_cols: usize, out_rows: usize) -> Vec<f32> {
    let (width, height) = pixels.dims();
    let xs: Vec<usize> = (0..out_cols).map(|x| x * width / out_cols.max(1)).collect();
    let mut luma = Vec::with_capacity(out_cols * out_rows);
    for y in 0..out_rows {
        let sy = y * height / out_rows.max(1);
        match pixels {
            PixelsRef::Luma8 { data, .. } => {
                let row = &data[sy * width..(sy + 1) * width];
                luma.extend(xs.iter().map(|&sx| f32::from(row[sx])));
            }
            PixelsRef::Rgb8 { data, .. } => {
                let row = &data[sy * width * 3..(sy + 1) * width * 3];
                luma.extend(xs.iter().map(|&sx| {
                    let p = &row[sx * 3..sx * 3 + 3];
                    LUMA_R * f32::from(p[0]) + LUMA_G * f32::from(p[1]) + LUMA_B * f32::from(p[2])
                }));
            }
        }
    }
    luma
}

/// Hashes a row-major `f32` luma plane (the reference's `pdqDihedralHash256esFromFloatLuma`).
/// The plane is used as scratch. Planes under 5 px on a side give zero hashes and quality 0.
pub fn hash_luma(luma: &mut [f32], cols: usize, rows: usize) -> PdqDihedral {
    let zero = PdqDihedral {
        hashes: [PdqHash::default(); 8],
        quality: 0,
    };
    if rows < MIN_HASHABLE_DIM || cols < MIN_HASHABLE_DIM || luma.len() != rows * cols {
        return zero;
    }
    let mut grid = Box::new([[0f32; 64]; 64]);
    if rows == 64 && cols == 64 {
        for (dst, src) in grid.iter_mut().zip(luma.chunks_exact(64)) {
            dst.copy_from_slice(src);
        }
    } else {
        jarosz_decimate(luma, rows, cols, &mut grid);
    }
    let quality = quality_metric(&grid);
    let dct = dct64_to_16(&grid);
    let mut hashes = [PdqHash::default(); 8];
    let mut aux = [[0f32; 16]; 16];
    for (slot, v) in hashes.iter_mut().zip(Dihedral::ALL) {
        v.apply(&dct, &mut aux);
        *slot = bits_from_grid(&aux);
    }
    PdqDihedral { hashes, quality }
}

/// The reference's window size for the tent filter: `(old + 2*new - 1) / (2*new)`.
pub(crate) fn jarosz_window(old_dim: usize, new_dim: usize) -> usize {
    old_dim.div_ceil(2 * new_dim)
}

/// Where the decimation samples: `floor((i + 0.5) * n / 64)` in `f64`, as the reference.
fn sample_points(n: usize) -> [usize; 64] {
    let mut p = [0usize; 64];
    for (i, slot) in p.iter_mut().enumerate() {
        *slot = (((i as f64 + 0.5) * n as f64) / 64.0) as usize;
    }
    p
}

/// Box-filter phase lengths for one 1D pass (reference `box1DFloat`).
struct Phases {
    p1: usize,
    p2: usize,
    p3: usize,
    p4: usize,
}

impl Phases {
    fn new(len: usize, window: usize) -> Phases {
        let half = (window + 2) / 2;
        Phases {
            p1: half - 1,
            p2: window + 1 - half,
            p3: len - window,
            p4: half - 1,
        }
    }
}

/// One 1D box pass along a contiguous row, in the reference's operation order. `want` says
/// which outputs are needed (`None` = all); skipped outputs save only the division.
fn box_row(input: &[f32], out: &mut [f32], window: usize, want: Option<&[bool]>) {
    let ph = Phases::new(input.len(), window);
    let mut sum = 0f32;
    let mut cws = 0usize;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let needed = |o: usize| want.is_none_or(|w| w[o]);
    for _ in 0..ph.p1 {
        sum += input[ri];
        cws += 1;
        ri += 1;
    }
    for _ in 0..ph.p2 {
        sum += input[ri];
        cws += 1;
        if needed(oi) {
            out[oi] = sum / cws as f32;
        }
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p3 {
        sum += input[ri];
        sum -= input[li];
        if needed(oi) {
            out[oi] = sum / cws as f32;
        }
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p4 {
        sum -= input[li];
        cws -= 1;
        if needed(oi) {
            out[oi] = sum / cws as f32;
        }
        li += 1;
        oi += 1;
    }
}

/// One 1D box pass down every column at once (same per-element operation order as the
/// reference's strided `box1DFloat`, but row-at-a-time so it vectorises). Only the columns in
/// `cols_wanted` (all when `None`) are computed, and only the rows in `rows_wanted` divided.
fn box_cols(
    input: &[f32],
    out: &mut [f32],
    rows: usize,
    cols: usize,
    window: usize,
    rows_wanted: Option<&[bool]>,
) {
    let ph = Phases::new(rows, window);
    let mut sums = vec![0f32; cols];
    let mut cws = 0usize;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let row = |r: usize| &input[r * cols..(r + 1) * cols];
    for _ in 0..ph.p1 {
        add_row(&mut sums, row(ri));
        cws += 1;
        ri += 1;
    }
    for _ in 0..ph.p2 {
        add_row(&mut sums, row(ri));
        cws += 1;
        write_row(out, oi, cols, &sums, cws, rows_wanted);
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p3 {
        add_row(&mut sums, row(ri));
        sub_row(&mut sums, row(li));
        write_row(out, oi, cols, &sums, cws, rows_wanted);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p4 {
        sub_row(&mut sums, row(li));
        cws -= 1;
        write_row(out, oi, cols, &sums, cws, rows_wanted);
        li += 1;
        oi += 1;
    }
}

#[inline]
fn add_row(sums: &mut [f32], row: &[f32]) {
    for (s, v) in sums.iter_mut().zip(row) {
        *s += *v;
    }
}

#[inline]
fn sub_row(sums: &mut [f32], row: &[f32]) {
    for (s, v) in sums.iter_mut().zip(row) {
        *s -= *v;
    }
}

#[inline]
fn write_row(
    out: &mut [f32],
    r: usize,
    cols: usize,
    sums: &[f32],
    cws: usize,
    want: Option<&[bool]>,
) {
    if want.is_none_or(|w| w[r]) {
        let d = cws as f32;
        for (o, s) in out[r * cols..(r + 1) * cols].iter_mut().zip(sums) {
            *o = *s / d;
        }
    }
}

/// Two Jarosz passes (rows then columns, twice) and decimation to 64x64. The last row pass
/// only divides at the 64 sampled columns, and the last column pass only runs on those 64
/// columns and divides at the 64 sampled rows; every value that is sampled is computed with
/// exactly the reference's operations.
fn jarosz_decimate(buf1: &mut [f32], rows: usize, cols: usize, grid: &mut Grid64) {
    let win_rows = jarosz_window(cols, 64);
    let win_cols = jarosz_window(rows, 64);
    let mut buf2 = vec![0f32; rows * cols];
    let row_pts = sample_points(rows);
    let col_pts = sample_points(cols);
    let mut col_wanted = vec![false; cols];
    for &c in &col_pts {
        col_wanted[c] = true;
    }
    let mut row_wanted = vec![false; rows];
    for &r in &row_pts {
        row_wanted[r] = true;
    }
    for pass in 0..JAROSZ_PASSES {
        let last = pass + 1 == JAROSZ_PASSES;
        for (src, dst) in buf1.chunks_exact(cols).zip(buf2.chunks_exact_mut(cols)) {
            box_row(src, dst, win_rows, last.then_some(&col_wanted[..]));
        }
        if last {
            // Gather the 64 sampled columns (their other entries were never written) and run
            // the final column pass on them alone.
            let mut narrow = vec![0f32; rows * 64];
            for (r, dst) in narrow.chunks_exact_mut(64).enumerate() {
                let src = &buf2[r * cols..(r + 1) * cols];
                for (d, &c) in dst.iter_mut().zip(&col_pts) {
                    *d = src[c];
                }
            }
            let mut narrow_out = vec![0f32; rows * 64];
            box_cols(
                &narrow,
                &mut narrow_out,
                rows,
                64,
                win_cols,
                Some(&row_wanted),
            );
            for (g, &r) in grid.iter_mut().zip(&row_pts) {
                g.copy_from_slice(&narrow_out[r * 64..(r + 1) * 64]);
            }
        } else {
            box_cols(&buf2, buf1, rows, cols, win_cols, None);
        }
    }
}

/// The reference's `pdqImageDomainQualityMetric`.
fn quality_metric(g: &Grid64) -> u8 {
    let mut gradient_sum: i64 = 0;
    for (upper, lower) in g.iter().zip(g.iter().skip(1)) {
        for (u, v) in upper.iter().zip(lower.iter()) {
            let d = ((u - v) * 100.0 / 255.0) as i32;
            gradient_sum += i64::from(d.unsigned_abs());
        }
    }
    for row in g.iter() {
        for pair in row.windows(2) {
            let d = ((pair[0] - pair[1]) * 100.0 / 255.0) as i32;
            gradient_sum += i64::from(d.unsigned_abs());
        }
    }
    (gradient_sum / 90).min(100) as u8
}

/// The reference's 16x64 DCT matrix: `f32(sqrt(2/64)) * cos(pi/128 * (i+1) * (2j+1))`,
/// multiplied in `f64` and stored as `f32`.
fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static MATRIX: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        let mut d = [[0f32; 64]; 16];
        for (i, row) in d.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let angle =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *v = (f64::from(scale) * angle.cos()) as f32;
            }
        }
        d
    })
}

/// `B = D A Dᵀ` keeping frequencies 1..=16, summing in the reference's order.
fn dct64_to_16(a: &Grid64) -> Grid16 {
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for (trow, drow) in t.iter_mut().zip(d.iter()) {
        // T[i][j] = sum_k D[i][k] * A[k][j], k ascending; vectorised across j.
        for (k, arow) in a.iter().enumerate() {
            let dik = drow[k];
            for (tv, av) in trow.iter_mut().zip(arow.iter()) {
                *tv += dik * *av;
            }
        }
    }
    let mut b = [[0f32; 16]; 16];
    for (brow, trow) in b.iter_mut().zip(t.iter()) {
        for (bv, drow) in brow.iter_mut().zip(d.iter()) {
            let mut sum = 0f32;
            for (tv, dv) in trow.iter().zip(drow.iter()) {
                sum += *tv * *dv;
            }
            *bv = sum;
        }
    }
    b
}

/// Bits where the coefficient exceeds the median (the 128th smallest, as Torben's method gives).
fn bits_from_grid(g: &Grid16) -> PdqHash {
    let mut flat = [0f32; 256];
    for (dst, row) in flat.chunks_exact_mut(16).zip(g.iter()) {
        dst.copy_from_slice(row);
    }
    let mut sorted = flat;
    sorted.select_nth_unstable_by(127, f32::total_cmp);
    let median = sorted[127];
    let mut hash = PdqHash::default();
    for (k, v) in flat.iter().enumerate() {
        if *v > median {
            hash.set_bit(k);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_bit_layout() {
        let hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
        let h = PdqHash::from_hex(hex).unwrap();
        assert_eq!(h.to_hex(), hex);
        // Bit 0 is the lowest bit of word 0, i.e. of the last hex pair: 0x22 -> bit 0 clear,
        // bit 1 set. Bit 255 is the top bit of word 15: 0xd8 -> set.
        assert!(!h.bit(0));
        assert!(h.bit(1));
        assert!(h.bit(255));
        let mut g = PdqHash::default();
        g.set_bit(1);
        assert_eq!(g.to_hex(), format!("{}02", "0".repeat(62)));
        assert!(PdqHash::from_hex("xyz").is_err());
        assert!(PdqHash::from_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn distance_counts_bits() {
        let a = PdqHash([0xff; 32]);
        let b = PdqHash([0x0f; 32]);
        assert_eq!(a.distance(&b), 128);
        assert_eq!(a.distance(&a), 0);
    }

    #[test]
    fn tiny_images_hash_to_zero_with_zero_quality() {
        let data = vec![128u8; 4 * 4];
        let out = hash_pixels(PixelsRef::Luma8 {
            data: &data,
            width: 4,
            height: 4,
        })
        .unwrap();
        assert_eq!(out.quality, 0);
        assert_eq!(out.hashes[0], PdqHash::default());
    }

    #[test]
    fn wrong_buffer_size_is_an_error() {
        let data = vec![0u8; 10];
        let err = hash_pixels(PixelsRef::Rgb8 {
            data: &data,
            width: 4,
            height: 4,
        })
        .unwrap_err();
        assert_eq!(err.expected, 48);
    }

    /// The reference's strided column pass, written the reference's way, to check that the
    /// row-at-a-time version is bit-identical.
    fn reference_box_cols(input: &[f32], out: &mut [f32], rows: usize, cols: usize, w: usize) {
        for j in 0..cols {
            let col: Vec<f32> = (0..rows).map(|r| input[r * cols + j]).collect();
            let mut o = vec![0f32; rows];
            box_row(&col, &mut o, w, None);
            for r in 0..rows {
                out[r * cols + j] = o[r];
            }
        }
    }

    #[test]
    fn vectorised_column_pass_matches_reference_order() {
        let (rows, cols) = (37, 23);
        let input: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 7919) % 251) as f32 * 0.731)
            .collect();
        for w in [1, 2, 3, 4, 7, 8] {
            let mut a = vec![0f32; rows * cols];
            let mut b = vec![0f32; rows * cols];
            box_cols(&input, &mut a, rows, cols, w, None);
            reference_box_cols(&input, &mut b, rows, cols, w);
            assert_eq!(a, b, "window {w}");
        }
    }

    #[test]
    fn dihedral_variants_are_self_consistent() {
        // Rotating the pixels by 90 degrees and hashing must give (close to) the rotate90
        // variant of the unrotated image; on a synthetic image the match is exact or near.
        let (w, h) = (96usize, 64usize);
        let img: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                ((x * x + 3 * y * x / 7 + 5 * y) % 256) as u8
            })
            .collect();
        let base = hash_pixels(PixelsRef::Luma8 {
            data: &img,
            width: w,
            height: h,
        })
        .unwrap();
        // Rotate 90 degrees anticlockwise: new(x', y') = old(w-1-y', x'), size h x w.
        let mut rot = vec![0u8; w * h];
        for y2 in 0..w {
            for x2 in 0..h {
                rot[y2 * h + x2] = img[x2 * w + (w - 1 - y2)];
            }
        }
        let rotated = hash_pixels(PixelsRef::Luma8 {
            data: &rot,
            width: h,
            height: w,
        })
        .unwrap();
        let best = base
            .hashes
            .iter()
            .map(|v| v.distance(&rotated.hashes[0]))
            .min()
            .unwrap();
        assert!(best <= 16, "closest variant is {best} bits away");
        assert!(base.hashes[0].distance(&rotated.hashes[0]) > 64);
    }
}
