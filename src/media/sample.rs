//! Collecting decoded rows, whole or sampled the way PDQ samples them, so that a large image is
//! never held in memory at full size.
//!
//! PDQ's reference resizes any image larger than 512 px on a side to 512x512 by nearest
//! neighbour before hashing (`hash::pdq`): output pixel `(j, k)` is source pixel
//! `(j*W/512, k*H/512)` of the image *as displayed*. So when an image is decoded for hashing
//! and is large ([`SAMPLE_ABOVE_PIXELS`]), the decoders hand their rows, one at a time and
//! already normalised to 8-bit grey or RGB (`convert::normalize_row`), to a [`RowSink`] that
//! keeps exactly those pixels: a 512x512 image in the file's own orientation which, once
//! oriented, is the reference's 512x512 resize pixel for pixel. PDQ is then bit-identical to
//! hashing the full decode, while memory stays at one row plus 512x512 pixels.
//!
//! Orientation matters because the reference samples the displayed image: when EXIF flips an
//! axis, the sampled source positions on that axis are mirrored (`N-1-floor((511-k)*N/512)`),
//! which is not the same set of pixels.

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, RgbImage};

/// Images with more pixels than this are sampled when decoded for hashing: below it a full
/// 8-bit RGB copy takes at most 12 MB, and the other hashes see every pixel.
pub(super) const SAMPLE_ABOVE_PIXELS: u64 = 4_000_000;

/// Side of a sampled image: PDQ's pre-resize size.
pub(super) const SAMPLED_SIDE: usize = crate::hash::pdq::REFERENCE_DOWNSAMPLE_DIM;

/// Whether decoding `width x height` for hashing keeps only PDQ's sample.
pub(super) fn should_sample(width: u32, height: u32) -> bool {
    u64::from(width) * u64::from(height) > SAMPLE_ABOVE_PIXELS
        && (width as usize > SAMPLED_SIDE || height as usize > SAMPLED_SIDE)
}

/// The eight EXIF orientations, in EXIF order (1 to 8). Used by the HEIF grid path and tests.
#[cfg_attr(not(feature = "heif"), allow(dead_code))]
pub(super) const ORIENTATIONS: [Orientation; 8] = [
    Orientation::NoTransforms,
    Orientation::FlipHorizontal,
    Orientation::Rotate180,
    Orientation::FlipVertical,
    Orientation::Rotate90FlipH,
    Orientation::Rotate90,
    Orientation::Rotate270FlipH,
    Orientation::Rotate270,
];

/// Which source axes the orientation mirrors: `(x reversed, y reversed)`, found by orienting
/// a 2x2 image (so it agrees with `image`'s `apply_orientation` by construction).
fn reversed_axes(o: Orientation) -> (bool, bool) {
    let mut probe = DynamicImage::ImageLuma8(GrayImage::from_fn(2, 2, |x, y| {
        image::Luma([(x + 2 * y) as u8])
    }));
    probe.apply_orientation(o);
    let origin = probe.as_luma8().map_or(0, |g| g.get_pixel(0, 0).0[0]);
    (origin & 1 == 1, origin & 2 == 2)
}

/// The source positions on an axis of length `n` that a 512-sample nearest-neighbour resize of
/// the displayed image reads, in source order.
pub(super) fn axis_samples(n: usize, reversed: bool) -> Vec<usize> {
    let s = SAMPLED_SIDE;
    (0..s)
        .map(|k| {
            if reversed {
                n - 1 - (s - 1 - k) * n / s
            } else {
                k * n / s
            }
        })
        .collect()
}

enum Mode {
    /// Every pixel.
    Full,
    /// PDQ's sample: source rows and columns per output row and column.
    Sampled { rows: Vec<usize>, cols: Vec<usize> },
}

/// Receives normalised rows (1 or 3 bytes a pixel) in any order and keeps what is needed.
pub(super) struct RowSink {
    width: usize,
    height: usize,
    channels: usize,
    mode: Mode,
    out: Vec<u8>,
}

impl RowSink {
    /// A sink for a `width x height` image with `channels` (1 or 3) bytes a pixel; `sample`
    /// keeps PDQ's 512x512 sample of the image as `orientation` displays it.
    pub(super) fn new(
        width: u32,
        height: u32,
        channels: usize,
        orientation: Orientation,
        sample: bool,
    ) -> Self {
        let (width, height) = (width as usize, height as usize);
        let (mode, out_len) = if sample {
            let (rx, ry) = reversed_axes(orientation);
            let mode = Mode::Sampled {
                rows: axis_samples(height, ry),
                cols: axis_samples(width, rx),
            };
            (mode, SAMPLED_SIDE * SAMPLED_SIDE * channels)
        } else {
            (Mode::Full, width * height * channels)
        };
        RowSink {
            width,
            height,
            channels,
            mode,
            out: vec![0; out_len],
        }
    }

    /// Output rows fed by source row `y`.
    fn out_rows(&self, y: usize) -> std::ops::Range<usize> {
        match &self.mode {
            Mode::Full if y < self.height => y..y + 1,
            Mode::Full => 0..0,
            Mode::Sampled { rows, .. } => {
                rows.partition_point(|&r| r < y)..rows.partition_point(|&r| r <= y)
            }
        }
    }

    /// Whether source row `y` is kept (a decoder may skip building rows that are not).
    pub(super) fn wants(&self, y: usize) -> bool {
        !self.out_rows(y).is_empty()
    }

    /// Source row `y`: pixels at columns `x0, x0 + dx, ...` (`dx` = 1 for a full row; Adam7
    /// passes give every `dx`-th pixel). Pixels past the width are ignored.
    pub(super) fn push_strided(&mut self, y: usize, x0: usize, dx: usize, pixels: &[u8]) {
        let rows = self.out_rows(y);
        let Some(first) = rows.clone().next() else {
            return;
        };
        let ch = self.channels;
        let dx = dx.max(1);
        match &self.mode {
            Mode::Full => {
                let line = &mut self.out[first * self.width * ch..][..self.width * ch];
                for (i, px) in pixels.chunks_exact(ch).enumerate() {
                    let x = x0 + i * dx;
                    if x >= self.width {
                        break;
                    }
                    line[x * ch..x * ch + ch].copy_from_slice(px);
                }
            }
            Mode::Sampled { cols, .. } => {
                let stride = SAMPLED_SIDE * ch;
                let line = &mut self.out[first * stride..][..stride];
                for (j, &c) in cols.iter().enumerate() {
                    if c < x0 || !(c - x0).is_multiple_of(dx) {
                        continue;
                    }
                    let i = (c - x0) / dx * ch;
                    if let Some(px) = pixels.get(i..i + ch) {
                        line[j * ch..j * ch + ch].copy_from_slice(px);
                    }
                }
                for k in rows.skip(1) {
                    self.out
                        .copy_within(first * stride..(first + 1) * stride, k * stride);
                }
            }
        }
    }

    /// A full row `y` (`width` pixels).
    pub(super) fn push(&mut self, y: usize, row: &[u8]) {
        self.push_strided(y, 0, 1, row);
    }

    /// The image collected, in the source's orientation (the caller orients it).
    pub(super) fn finish(self) -> DynamicImage {
        let (w, h) = match self.mode {
            Mode::Full => (self.width, self.height),
            Mode::Sampled { .. } => (SAMPLED_SIDE, SAMPLED_SIDE),
        };
        let (w, h) = (w as u32, h as u32);
        if self.channels == 1 {
            GrayImage::from_raw(w, h, self.out)
                .map_or_else(|| DynamicImage::new_luma8(w, h), DynamicImage::ImageLuma8)
        } else {
            RgbImage::from_raw(w, h, self.out)
                .map_or_else(|| DynamicImage::new_rgb8(w, h), DynamicImage::ImageRgb8)
        }
    }
}

/// Samples an already decoded (normalised) image the way [`RowSink`] samples rows: for the
/// formats whose decoder only returns whole frames.
pub(super) fn sample_image(img: &DynamicImage, orientation: Orientation) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let (channels, raw) = match img {
        DynamicImage::ImageLuma8(g) => (1, g.as_raw().as_slice()),
        DynamicImage::ImageRgb8(c) => (3, c.as_raw().as_slice()),
        _ => return img.clone(),
    };
    let mut sink = RowSink::new(w, h, channels, orientation, true);
    let stride = w as usize * channels;
    for (y, row) in raw.chunks_exact(stride.max(1)).enumerate() {
        if sink.wants(y) {
            sink.push(y, row);
        }
    }
    sink.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::random::SplitMix64;

    const ALL: [Orientation; 8] = ORIENTATIONS;

    /// The reference rule on the displayed image: pixel (x*W/512, y*H/512).
    fn reference_sample(img: &RgbImage) -> RgbImage {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let s = SAMPLED_SIDE;
        RgbImage::from_fn(s as u32, s as u32, |x, y| {
            *img.get_pixel((x as usize * w / s) as u32, (y as usize * h / s) as u32)
        })
    }

    #[test]
    fn oriented_sample_is_the_reference_resize_of_the_displayed_image() {
        let mut rng = SplitMix64(3);
        for (w, h) in [(1500u32, 700u32), (600, 2100), (513, 300), (2048, 2048)] {
            let src = RgbImage::from_fn(w, h, |_, _| {
                let v = rng.next();
                image::Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
            });
            for o in ALL {
                let mut sink = RowSink::new(w, h, 3, o, true);
                for (y, row) in src.as_raw().chunks_exact(w as usize * 3).enumerate() {
                    if sink.wants(y) {
                        sink.push(y, row);
                    }
                }
                let mut ours = sink.finish();
                ours.apply_orientation(o);
                let mut shown = DynamicImage::ImageRgb8(src.clone());
                shown.apply_orientation(o);
                let expected = reference_sample(shown.as_rgb8().unwrap());
                assert_eq!(ours.as_rgb8().unwrap(), &expected, "{w}x{h} {o:?}");
            }
        }
    }

    #[test]
    fn strided_rows_fill_the_same_pixels() {
        let (w, h) = (1100u32, 900u32);
        let src = GrayImage::from_fn(w, h, |x, y| image::Luma([(x * 7 + y * 13) as u8]));
        let mut whole = RowSink::new(w, h, 1, Orientation::Rotate90, true);
        let mut passes = RowSink::new(w, h, 1, Orientation::Rotate90, true);
        for (y, row) in src.as_raw().chunks_exact(w as usize).enumerate() {
            whole.push(y, row);
            // Two interleaved halves, as an Adam7 pass would give them.
            let even: Vec<u8> = row.iter().step_by(2).copied().collect();
            let odd: Vec<u8> = row.iter().skip(1).step_by(2).copied().collect();
            passes.push_strided(y, 1, 2, &odd);
            passes.push_strided(y, 0, 2, &even);
        }
        assert_eq!(whole.finish().as_luma8(), passes.finish().as_luma8());
    }

    #[test]
    fn small_images_are_not_sampled() {
        assert!(!should_sample(2000, 2000));
        assert!(should_sample(2001, 2000));
        assert!(should_sample(40_000, 101));
        assert!(should_sample(500, 9_000));
        assert!(!should_sample(512, 7_000));
    }
}
