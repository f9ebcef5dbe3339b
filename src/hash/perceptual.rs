//! pHash and dHash exactly as Python `imagehash` 4.3.2 computes them, so lists made with the
//! usual tools match:
//! - **pHash** (`imagehash.phash`): grey (`convert("L")`), resize to 32x32 with Pillow's
//!   Lanczos, DCT-II over the columns then the rows (`scipy.fftpack.dct`, unnormalised), keep
//!   the top-left 8x8 block (DC included), set each bit whose coefficient is above the block's
//!   median. About half the bits are set on any picture.
//! - **dHash** (`imagehash.dhash`): grey, Lanczos resize to 9x8, a bit per horizontal pair whose
//!   right pixel is brighter than its left one.
//!
//! Bits are in row-major order, most significant first, which is also `str(ImageHash)`: the 16
//! hex digits of [`hex64`] are what `imagehash` prints.
//!
//! Why not `image_hasher` (which this module used before): it converts to grey with Rec. 709
//! weights instead of Pillow's 601 ones, resizes with `image`'s `f32` filters (no 8-bit
//! intermediate, other pass order), and its "DCT mean" mode thresholds a differently scaled
//! DCT at the mean, not the median. Its pHash was 32 bits from `imagehash` on the same photo
//! and set ~10 of 64 bits, so distinct photos collided (issue 12). The pipeline here is ported
//! from Pillow and imagehash ([`super::pil_resize`]) and checked against pip `imagehash` in
//! `tests/it/image_match_phash.rs`.
//!
//! A pHash is a weak identifier (64 bits; see `Policy::phash_radius` for the measured
//! distributions): the scanner never blocks on a pHash match alone.

use super::pil_resize::{lanczos_resize_luma, pil_luma};
use crate::media::Pixels;
use image::DynamicImage;
use serde::Serialize;

/// The two 64-bit perceptual hashes of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PerceptualHashes {
    /// pHash: 8x8 low frequencies of a 32x32 DCT, thresholded at their median (`imagehash.phash`).
    pub phash: u64,
    /// dHash: signs of horizontal gradients on a 9x8 thumbnail (`imagehash.dhash`).
    pub dhash: u64,
}

/// Pillow's `convert("L")` of normalised pixels, row-major.
pub fn luma(pixels: &Pixels) -> Vec<u8> {
    match pixels {
        Pixels::Luma8(i) => i.as_raw().clone(),
        Pixels::Rgb8(i) => i
            .as_raw()
            .chunks_exact(3)
            .map(|p| pil_luma(p[0], p[1], p[2]))
            .collect(),
    }
}

/// Packs booleans, first = most significant bit.
fn pack(bits: impl Iterator<Item = bool>) -> u64 {
    bits.fold(0u64, |acc, b| (acc << 1) | u64::from(b))
}

/// Unnormalised DCT-II of `n` samples read with `stride` (scipy's default: 2·Σ x·cos(...)).
fn dct_ii(
    input: &[f64],
    cos: &[f64],
    n: usize,
    k_max: usize,
    start: usize,
    stride: usize,
) -> Vec<f64> {
    (0..k_max)
        .map(|k| {
            2.0 * (0..n)
                .map(|i| input[start + i * stride] * cos[k * n + i])
                .sum::<f64>()
        })
        .collect()
}

/// `imagehash.phash` of a grey image (`width` x `height`, row-major). 0 for an empty image.
pub fn phash_luma(grey: &[u8], size: (usize, usize)) -> u64 {
    const N: usize = 32;
    const K: usize = 8;
    let small = lanczos_resize_luma(grey, size, (N, N));
    if small.len() != N * N {
        return 0;
    }
    let cos: Vec<f64> = (0..N * N)
        .map(|i| {
            let (k, n) = (i / N, i % N);
            (std::f64::consts::PI * k as f64 * (2 * n + 1) as f64 / (2 * N) as f64).cos()
        })
        .collect();
    let pixels: Vec<f64> = small.iter().map(|&v| f64::from(v)).collect();
    // axis=0 (down each column), keeping the K lowest vertical frequencies: cols[x][k].
    let cols: Vec<Vec<f64>> = (0..N).map(|x| dct_ii(&pixels, &cos, N, K, x, N)).collect();
    // axis=1 (along each row of that result), K lowest horizontal frequencies.
    let mut block = Vec::with_capacity(K * K);
    for k in 0..K {
        let row: Vec<f64> = cols.iter().map(|c| c[k]).collect();
        block.extend(dct_ii(&row, &cos, N, K, 0, 1));
    }
    // Snap to 1e-6: coefficients that are exactly equal (or zero, as on a flat picture) in exact
    // arithmetic come out exactly equal here as they do from scipy's FFT, instead of differing
    // by rounding noise that would decide their bits at random.
    for v in &mut block {
        *v = (*v * 1e6).round() / 1e6;
    }
    let mut sorted = block.clone();
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[K * K / 2 - 1] + sorted[K * K / 2]) / 2.0;
    pack(block.iter().map(|&v| v > median))
}

/// `imagehash.dhash` of a grey image (`width` x `height`, row-major). 0 for an empty image.
pub fn dhash_luma(grey: &[u8], size: (usize, usize)) -> u64 {
    let small = lanczos_resize_luma(grey, size, (9, 8));
    if small.len() != 72 {
        return 0;
    }
    pack(
        small
            .chunks_exact(9)
            .flat_map(|r| r.windows(2).map(|p| p[1] > p[0])),
    )
}

/// Computes pHash and dHash of decoded pixels.
///
/// ```
/// use preflight::media::Pixels;
/// let img = image::GrayImage::from_fn(64, 48, |x, y| image::Luma([(x * 4 + y) as u8]));
/// let h = preflight::hash::perceptual::hash_pixels(&Pixels::Luma8(img));
/// assert_eq!(h.phash.count_ones(), 32); // thresholded at the median
/// ```
pub fn hash_pixels(pixels: &Pixels) -> PerceptualHashes {
    let grey = luma(pixels);
    let size = (pixels.width() as usize, pixels.height() as usize);
    PerceptualHashes {
        phash: phash_luma(&grey, size),
        dhash: dhash_luma(&grey, size),
    }
}

/// Computes pHash and dHash of any `image` image (normalised first: alpha on white).
pub fn hash(img: &DynamicImage) -> PerceptualHashes {
    hash_pixels(&crate::media::normalize(img.clone()))
}

/// 16 lowercase hex digits (what `str(imagehash.ImageHash)` prints).
pub fn hex64(v: u64) -> String {
    format!("{v:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, flip: bool) -> Pixels {
        Pixels::Luma8(image::GrayImage::from_fn(w, h, |x, y| {
            let v = ((x * 200) / w + (y * 40) / h) as u8;
            image::Luma([if flip { 255 - v } else { v }])
        }))
    }

    #[test]
    fn resizing_barely_moves_the_hashes_and_inversion_does() {
        let a = hash_pixels(&gradient(256, 256, false));
        let b = hash_pixels(&gradient(180, 180, false));
        let c = hash_pixels(&gradient(256, 256, true));
        assert!((a.phash ^ b.phash).count_ones() <= 6);
        assert!((a.dhash ^ b.dhash).count_ones() <= 6);
        assert!((a.dhash ^ c.dhash).count_ones() >= 32);
        assert_ne!(a.phash, c.phash);
    }

    #[test]
    fn phash_sets_half_the_bits_and_rgb_goes_through_pillow_luma() {
        let rgb = image::RgbImage::from_fn(40, 30, |x, y| {
            image::Rgb([(x * 6) as u8, (y * 8) as u8, ((x + y) * 3) as u8])
        });
        let grey = image::GrayImage::from_fn(40, 30, |x, y| {
            let p = rgb.get_pixel(x, y).0;
            image::Luma([pil_luma(p[0], p[1], p[2])])
        });
        let a = hash_pixels(&Pixels::Rgb8(rgb));
        let b = hash_pixels(&Pixels::Luma8(grey));
        assert_eq!(a, b);
        assert_eq!(a.phash.count_ones(), 32);
    }

    #[test]
    fn dhash_of_a_left_to_right_ramp_is_all_ones() {
        let h = hash_pixels(&gradient(90, 80, false));
        assert_eq!(h.dhash, u64::MAX);
        assert_eq!(hash_pixels(&gradient(90, 80, true)).dhash, 0);
        assert_eq!(hex64(0xab), "00000000000000ab");
        // A flat picture: every AC coefficient is 0, only the DC bit is above the median (0),
        // as imagehash gives (8000000000000000), not bits decided by rounding noise.
        let flat = Pixels::Luma8(image::GrayImage::from_pixel(77, 51, image::Luma([255])));
        assert_eq!(hash_pixels(&flat).phash, 1 << 63);
    }
}
