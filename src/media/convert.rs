//! Colour-mode normalisation: any decoded image to 8-bit grey or RGB, the way a viewer shows
//! it. Alpha is composited on white; 16-bit and float samples are scaled with rounding.

use super::Pixels;
use image::{DynamicImage, GrayImage, RgbImage};

/// Composites `c` over white with alpha `a`, both in `0..=max`, rounding to nearest.
#[inline]
fn over_white(c: u32, a: u32, max: u32) -> u32 {
    (c * a + max * (max - a) + max / 2) / max
}

/// 16-bit sample to 8-bit, rounding to nearest (65535 -> 255, 32896 -> 128).
#[inline]
fn to8(v: u32) -> u8 {
    ((v * 255 + 32767) / 65535) as u8
}

/// Float sample in 0..=1 to 8-bit, clamped and rounded.
#[inline]
fn f_to8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Normalises any decoded image to [`Pixels`]: grey stays grey (with alpha composited on
/// white), everything else becomes RGB.
pub fn normalize(img: DynamicImage) -> Pixels {
    let (w, h) = (img.width(), img.height());
    match img {
        DynamicImage::ImageLuma8(i) => Pixels::Luma8(i),
        DynamicImage::ImageRgb8(i) => Pixels::Rgb8(i),
        DynamicImage::ImageLumaA8(i) => Pixels::Luma8(GrayImage::from_fn(w, h, |x, y| {
            let p = i.get_pixel(x, y).0;
            image::Luma([over_white(u32::from(p[0]), u32::from(p[1]), 255) as u8])
        })),
        DynamicImage::ImageRgba8(i) => Pixels::Rgb8(RgbImage::from_fn(w, h, |x, y| {
            let p = i.get_pixel(x, y).0;
            let a = u32::from(p[3]);
            image::Rgb([0, 1, 2].map(|c| over_white(u32::from(p[c]), a, 255) as u8))
        })),
        DynamicImage::ImageLuma16(i) => Pixels::Luma8(GrayImage::from_fn(w, h, |x, y| {
            image::Luma([to8(u32::from(i.get_pixel(x, y).0[0]))])
        })),
        DynamicImage::ImageLumaA16(i) => Pixels::Luma8(GrayImage::from_fn(w, h, |x, y| {
            let p = i.get_pixel(x, y).0;
            image::Luma([to8(over_white(u32::from(p[0]), u32::from(p[1]), 65535))])
        })),
        DynamicImage::ImageRgb16(i) => Pixels::Rgb8(RgbImage::from_fn(w, h, |x, y| {
            let p = i.get_pixel(x, y).0;
            image::Rgb([0, 1, 2].map(|c| to8(u32::from(p[c]))))
        })),
        DynamicImage::ImageRgba16(i) => Pixels::Rgb8(RgbImage::from_fn(w, h, |x, y| {
            let p = i.get_pixel(x, y).0;
            let a = u32::from(p[3]);
            image::Rgb([0, 1, 2].map(|c| to8(over_white(u32::from(p[c]), a, 65535))))
        })),
        DynamicImage::ImageRgb32F(i) => Pixels::Rgb8(RgbImage::from_fn(w, h, |x, y| {
            let p = i.get_pixel(x, y).0;
            image::Rgb([0, 1, 2].map(|c| f_to8(p[c])))
        })),
        DynamicImage::ImageRgba32F(i) => Pixels::Rgb8(RgbImage::from_fn(w, h, |x, y| {
            let p = i.get_pixel(x, y).0;
            let a = p[3].clamp(0.0, 1.0);
            image::Rgb([0, 1, 2].map(|c| f_to8(p[c] * a + (1.0 - a))))
        })),
        // Future variants of the non-exhaustive enum: let the image crate convert.
        other => Pixels::Rgb8(other.into_rgb8()),
    }
}

/// The sample layout of a decoder's output row (16-bit samples big-endian, as PNG stores
/// them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowFormat {
    L8,
    La8,
    Rgb8,
    Rgba8,
    L16,
    La16,
    Rgb16,
    Rgba16,
}

impl RowFormat {
    /// Bytes per input pixel.
    pub(super) fn bytes_per_pixel(self) -> usize {
        match self {
            RowFormat::L8 => 1,
            RowFormat::La8 | RowFormat::L16 => 2,
            RowFormat::Rgb8 => 3,
            RowFormat::Rgba8 | RowFormat::La16 => 4,
            RowFormat::Rgb16 => 6,
            RowFormat::Rgba16 => 8,
        }
    }

    /// Channels of the normalised output: 1 (grey) or 3 (RGB), as [`normalize`] chooses.
    pub(super) fn out_channels(self) -> usize {
        match self {
            RowFormat::L8 | RowFormat::La8 | RowFormat::L16 | RowFormat::La16 => 1,
            _ => 3,
        }
    }
}

/// Normalises one row of pixels exactly as [`normalize`] does whole images, appending the 8-bit
/// grey or RGB samples to `out`.
pub(super) fn normalize_row(format: RowFormat, src: &[u8], out: &mut Vec<u8>) {
    let be = |p: &[u8], i: usize| u32::from(u16::from_be_bytes([p[2 * i], p[2 * i + 1]]));
    let px = src.chunks_exact(format.bytes_per_pixel());
    match format {
        RowFormat::L8 | RowFormat::Rgb8 => out.extend_from_slice(src),
        RowFormat::La8 => {
            out.extend(px.map(|p| over_white(u32::from(p[0]), u32::from(p[1]), 255) as u8))
        }
        RowFormat::Rgba8 => {
            for p in px {
                let a = u32::from(p[3]);
                out.extend((0..3).map(|c| over_white(u32::from(p[c]), a, 255) as u8));
            }
        }
        RowFormat::L16 => out.extend(px.map(|p| to8(be(p, 0)))),
        RowFormat::La16 => out.extend(px.map(|p| to8(over_white(be(p, 0), be(p, 1), 65535)))),
        RowFormat::Rgb16 => {
            for p in px {
                out.extend((0..3).map(|c| to8(be(p, c))));
            }
        }
        RowFormat::Rgba16 => {
            for p in px {
                let a = be(p, 3);
                out.extend((0..3).map(|c| to8(over_white(be(p, c), a, 65535))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_composites_on_white() {
        assert_eq!(over_white(0, 0, 255), 255);
        assert_eq!(over_white(0, 255, 255), 0);
        assert_eq!(over_white(100, 255, 255), 100);
        assert_eq!(over_white(0, 128, 255), 127);
    }

    #[test]
    fn sixteen_bit_rounds() {
        assert_eq!(to8(65535), 255);
        assert_eq!(to8(0), 0);
        assert_eq!(to8(257 * 77), 77);
        assert_eq!(to8(257 * 77 + 128), 77);
        assert_eq!(to8(257 * 77 + 129), 78);
    }

    #[test]
    fn transparent_rgba_becomes_white() {
        let img = image::RgbaImage::from_pixel(3, 2, image::Rgba([10, 20, 30, 0]));
        match normalize(DynamicImage::ImageRgba8(img)) {
            Pixels::Rgb8(i) => assert!(i.pixels().all(|p| p.0 == [255, 255, 255])),
            Pixels::Luma8(_) => panic!("RGBA must become RGB"),
        }
    }

    #[test]
    fn rows_normalise_like_whole_images() {
        let mut rng = crate::lists::random::SplitMix64(7);
        let raw: Vec<u8> = (0..8 * 5).map(|_| rng.next() as u8).collect();
        let ne16 = |b: &[u8]| -> Vec<u16> {
            b.chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect()
        };
        let cases: [(RowFormat, DynamicImage); 8] = [
            (
                RowFormat::L8,
                image::GrayImage::from_raw(5, 1, raw[..5].to_vec())
                    .unwrap()
                    .into(),
            ),
            (
                RowFormat::La8,
                image::GrayAlphaImage::from_raw(5, 1, raw[..10].to_vec())
                    .unwrap()
                    .into(),
            ),
            (
                RowFormat::Rgb8,
                RgbImage::from_raw(5, 1, raw[..15].to_vec()).unwrap().into(),
            ),
            (
                RowFormat::Rgba8,
                image::RgbaImage::from_raw(5, 1, raw[..20].to_vec())
                    .unwrap()
                    .into(),
            ),
            (
                RowFormat::L16,
                image::ImageBuffer::<image::Luma<u16>, _>::from_raw(5, 1, ne16(&raw[..10]))
                    .unwrap()
                    .into(),
            ),
            (
                RowFormat::La16,
                image::ImageBuffer::<image::LumaA<u16>, _>::from_raw(5, 1, ne16(&raw[..20]))
                    .unwrap()
                    .into(),
            ),
            (
                RowFormat::Rgb16,
                image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(5, 1, ne16(&raw[..30]))
                    .unwrap()
                    .into(),
            ),
            (
                RowFormat::Rgba16,
                image::ImageBuffer::<image::Rgba<u16>, _>::from_raw(5, 1, ne16(&raw[..40]))
                    .unwrap()
                    .into(),
            ),
        ];
        for (format, img) in cases {
            let mut row = Vec::new();
            normalize_row(format, &raw[..5 * format.bytes_per_pixel()], &mut row);
            let whole = match normalize(img) {
                Pixels::Luma8(i) => i.into_raw(),
                Pixels::Rgb8(i) => i.into_raw(),
            };
            assert_eq!(row, whole, "{format:?}");
            assert_eq!(row.len(), 5 * format.out_channels(), "{format:?}");
        }
    }

    #[test]
    fn grey_with_alpha_stays_grey() {
        let img = image::GrayAlphaImage::from_pixel(2, 2, image::LumaA([0, 255]));
        match normalize(DynamicImage::ImageLumaA8(img)) {
            Pixels::Luma8(i) => assert!(i.pixels().all(|p| p.0 == [0])),
            Pixels::Rgb8(_) => panic!("grey must stay grey"),
        }
    }
}
