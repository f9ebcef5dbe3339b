//! Pillow's `Image.resize(size, Image.LANCZOS)` for 8-bit single-channel ("L") images, bit for
//! bit, and Pillow's `convert("L")`. This is what Python `imagehash` runs before its pHash and
//! dHash, so reproducing it exactly is what makes our hashes equal to the ones lists made with
//! the usual tools carry.
//!
//! Pillow (`libImaging/Resample.c`): a separable convolution whose Lanczos-3 kernel is widened
//! by the downscale factor (antialiased), weights normalised per output pixel and rounded to
//! 22-bit fixed point, horizontal pass first into an 8-bit intermediate image restricted to the
//! rows the vertical pass reads, then the vertical pass, each output clipped to 0..=255.
//!
//! Why hand-written: `image::imageops` resizes in `f32` with no 8-bit intermediate and another
//! pass order, and `fast_image_resize` uses its own fixed-point precision; both land a few grey
//! levels away from Pillow, which flips pHash bits near the median. `classify::resample` holds
//! the same algorithm for Pillow's bilinear filter on RGB (behind the `onnx` feature).

/// Pillow's fixed-point precision for 8-bit images (`PRECISION_BITS` in Resample.c).
const PRECISION_BITS: u32 = 32 - 8 - 2;

/// Pillow's `sinc_filter`.
fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

/// Pillow's `lanczos_filter`: sinc windowed by sinc, support 3.
fn lanczos(x: f64) -> f64 {
    if (-3.0..3.0).contains(&x) {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}

/// Lanczos-3 support in source pixels at scale 1.
const LANCZOS_SUPPORT: f64 = 3.0;

/// One output pixel's source window (`start`, `len`) and its fixed-point weights.
struct Kernel {
    start: usize,
    weights: Vec<i32>,
}

/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for a resize of `in_size` to
/// `out_size` (the whole image, no box).
fn kernels(in_size: usize, out_size: usize) -> Vec<Kernel> {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = LANCZOS_SUPPORT * filterscale;
    let ss = 1.0 / filterscale;
    (0..out_size)
        .map(|xx| {
            let center = (xx as f64 + 0.5) * scale;
            // C's (int) cast truncates toward zero; clamped to the image right after.
            let xmin = ((center - support + 0.5) as i64).max(0) as usize;
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            let raw: Vec<f64> = (xmin..xmax.max(xmin))
                .map(|x| lanczos((x as f64 - center + 0.5) * ss))
                .collect();
            let ww: f64 = raw.iter().sum();
            let weights = raw
                .iter()
                .map(|&k| {
                    let w = if ww != 0.0 { k / ww } else { k };
                    let scaled = w * f64::from(1u32 << PRECISION_BITS);
                    if w < 0.0 {
                        (scaled - 0.5) as i32
                    } else {
                        (scaled + 0.5) as i32
                    }
                })
                .collect();
            Kernel {
                start: xmin,
                weights,
            }
        })
        .collect()
}

/// Pillow's `clip8`.
#[inline]
fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Convolves `src` samples `start..start + weights.len()` taken with `step`, plus Pillow's
/// rounding half.
#[inline]
fn convolve(src: &[u8], k: &Kernel, offset: usize, step: usize) -> u8 {
    let mut acc = 1i32 << (PRECISION_BITS - 1);
    for (i, w) in k.weights.iter().enumerate() {
        let idx = offset + (k.start + i) * step;
        acc = acc.wrapping_add(i32::from(src.get(idx).copied().unwrap_or(0)).wrapping_mul(*w));
    }
    clip8(acc)
}

/// Resizes an 8-bit grey image (`width` x `height`, row-major) to `out_w` x `out_h` exactly as
/// Pillow's `Image.resize((out_w, out_h), Image.LANCZOS)` does on an "L" image. Returns
/// `out_w * out_h` bytes. Zero sizes, or a buffer of the wrong length, give an empty vector.
pub fn lanczos_resize_luma(
    src: &[u8],
    (width, height): (usize, usize),
    (out_w, out_h): (usize, usize),
) -> Vec<u8> {
    if width == 0 || height == 0 || out_w == 0 || out_h == 0 || src.len() != width * height {
        return Vec::new();
    }
    let need_h = out_w != width;
    let need_v = out_h != height;
    let vk = kernels(height, out_h);
    // Rows the vertical pass reads (Pillow's ybox_first / ybox_last).
    let (first, last) = if need_v {
        let first = vk.first().map_or(0, |k| k.start);
        let last = vk.last().map_or(height, |k| k.start + k.weights.len());
        (first, last.max(first))
    } else {
        (0, height)
    };
    let rows = last - first;
    let tmp = if need_h {
        let hk = kernels(width, out_w);
        let mut tmp = Vec::with_capacity(rows * out_w);
        for r in first..last {
            let row = &src[r * width..(r + 1) * width];
            tmp.extend(hk.iter().map(|k| convolve(row, k, 0, 1)));
        }
        tmp
    } else {
        src[first * width..last * width].to_vec()
    };
    if !need_v {
        return tmp;
    }
    let mut out = Vec::with_capacity(out_w * out_h);
    for k in &vk {
        let shifted = Kernel {
            start: k.start - first,
            weights: k.weights.clone(),
        };
        out.extend((0..out_w).map(|x| convolve(&tmp, &shifted, x, out_w)));
    }
    out
}

/// Pillow's `convert("L")` of one RGB pixel (ITU-R 601-2 luma in 16-bit fixed point, `L24`).
#[inline]
pub fn pil_luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_and_constant_images() {
        let src: Vec<u8> = (0..12).map(|v| v * 20).collect();
        assert_eq!(lanczos_resize_luma(&src, (4, 3), (4, 3)), src);
        let flat = vec![93u8; 101 * 77];
        let out = lanczos_resize_luma(&flat, (101, 77), (32, 32));
        assert_eq!(out.len(), 32 * 32);
        assert!(out.iter().all(|&v| v == 93));
        assert!(lanczos_resize_luma(&flat, (0, 77), (32, 32)).is_empty());
        assert!(lanczos_resize_luma(&flat, (100, 77), (32, 32)).is_empty());
    }

    #[test]
    fn downscale_by_two_uses_widened_lanczos_weights() {
        // 1-D 8 -> 4: output 0 has centre 1.0, support 6, reads source 0..=6 (clamped at 0).
        let src: Vec<u8> = vec![0, 40, 80, 120, 160, 200, 240, 250];
        let out = lanczos_resize_luma(&src, (8, 1), (4, 1));
        let w: Vec<f64> = (0..7)
            .map(|x| lanczos((x as f64 - 1.0 + 0.5) * 0.5))
            .collect();
        let sum: f64 = w.iter().sum();
        let expect: f64 = w
            .iter()
            .zip(&src)
            .map(|(w, &s)| w / sum * f64::from(s))
            .sum();
        assert!(
            (f64::from(out[0]) - expect).abs() <= 1.0,
            "{} vs {expect}",
            out[0]
        );
        // Lanczos overshoots and is clipped, never wraps.
        let step: Vec<u8> = (0..64).map(|x| if x < 32 { 0 } else { 255 }).collect();
        let out = lanczos_resize_luma(&step, (64, 1), (48, 1));
        assert_eq!(out[0], 0);
        assert_eq!(out[47], 255);
    }

    #[test]
    fn luma_matches_pillow_rounding() {
        assert_eq!(pil_luma(255, 255, 255), 255);
        assert_eq!(pil_luma(0, 0, 0), 0);
        assert_eq!(pil_luma(255, 0, 0), 76); // Pillow: Image.new("RGB",(1,1),(255,0,0)).convert("L")
        assert_eq!(pil_luma(0, 255, 0), 150);
        assert_eq!(pil_luma(0, 0, 255), 29);
    }
}
