//! The list side of resharing: `preflight list build --augment` lists, next to each original's
//! PDQ, the PDQ of copies a resharer makes that the query side cannot undo: crops (which remove
//! content, so no trimming recovers it) and small rotations. With the query side
//! ([`super::variants`]) covering borders, screenshots and captions, this covers the rest.
//!
//! The true rotations/flips are listed too (see [`Augmentation::Dihedral`]).
//!
//! Crops: PDQ moves by about 40 bits when a crop's edges move by 1-2% of the side, so a few
//! centre and corner crops match only copies cropped almost exactly like them (issue 12: crop
//! 5% 11/30, 10% 0/30). The crops here are a grid over where the edges can be: 7.5% and 15%
//! removed from each dimension in all, split between the two sides in steps of 1.875% of the
//! side (5x5 and 9x9 placements). The query side cuts 1.25-5% margins off every image
//! (`media::reframe::Reframe::Inset`), so a copy cropped by any amount up to about 20% lands
//! within a step of one of them. The amounts are not those of the evaluation set
//! (tests/image_match_resharing.rs crops 5% and 10%), so its figures are not tuned to them.
//!
//! Each augmentation costs one more PDQ entry per original (about 34 bytes in a distributable
//! list, 98 on the device); [`augmentations`] lists the [`AUGMENTATION_COUNT`] of them.

use crate::hash::pdq::{self, PdqHash};
use crate::media::reframe::{crop, Rect};
use crate::media::{DecodeLimits, MediaError, Pixels};

/// A copy made on the list side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Augmentation {
    /// Cropped: `cut` per mille of the width and of the height removed in all, `left` per
    /// mille of the width from the left (the rest from the right) and `top` per mille of the
    /// height from the top.
    Crop {
        /// Share of each side removed, per mille.
        cut: u16,
        /// Part of the cut taken from the left, per mille of the width.
        left: u16,
        /// Part of the cut taken from the top, per mille of the height.
        top: u16,
    },
    /// Rotated by a multiple of 90° and/or flipped in pixel space (`index` 1..=7 as
    /// [`crate::hash::pdq::Dihedral::from_index`]). PDQ derives the eight variants of a query
    /// from one DCT, which is exact only up to its downscaling grid: on fine textures a copy
    /// rotated by 90° lands 30-90 bits from the derived variant. Listing the true variants
    /// closes that.
    Dihedral {
        /// 1..=7.
        index: u8,
    },
    /// Rotated by `degrees` (anticlockwise, positive) about the centre onto a canvas enlarged
    /// to hold all of it, the corners filled with grey level `fill` (what editors and meme
    /// apps do: white or black).
    Rotate {
        /// Angle in degrees.
        degrees: f32,
        /// Fill of the uncovered corners.
        fill: u8,
    },
}

/// Crop grid: (cut per mille, placements per axis).
const CROPS: [(u16, u16); 2] = [(75, 5), (150, 9)];

/// How many augmentations [`augmentations`] makes: 7 dihedral, 4 rotations, 25 + 81 crops.
pub const AUGMENTATION_COUNT: usize = 7 + 4 + 25 + 81;

/// Every augmentation [`augment`] makes, in order.
///
/// ```
/// use preflight::hash::augment::{augmentations, AUGMENTATION_COUNT};
/// assert_eq!(augmentations().len(), AUGMENTATION_COUNT);
/// ```
pub fn augmentations() -> Vec<Augmentation> {
    let mut out: Vec<Augmentation> = (1..=7)
        .map(|index| Augmentation::Dihedral { index })
        .collect();
    for (degrees, fill) in [(3.0, 255), (-3.0, 255), (3.0, 0), (-3.0, 0)] {
        out.push(Augmentation::Rotate { degrees, fill });
    }
    for (cut, n) in CROPS {
        for i in 0..n {
            for j in 0..n {
                out.push(Augmentation::Crop {
                    cut,
                    left: cut * i / (n - 1),
                    top: cut * j / (n - 1),
                });
            }
        }
    }
    out
}

impl Augmentation {
    /// A short stable name (`crop_150_37_112`, `dihedral_3`, `rotate_-3_fill_255`).
    pub fn name(&self) -> String {
        match self {
            Augmentation::Crop { cut, left, top } => format!("crop_{cut}_{left}_{top}"),
            Augmentation::Dihedral { index } => format!("dihedral_{index}"),
            Augmentation::Rotate { degrees, fill } => format!("rotate_{degrees}_fill_{fill}"),
        }
    }

    /// The augmented copy of `p`.
    pub fn apply(&self, p: &Pixels) -> Pixels {
        let (w, h) = (p.width(), p.height());
        let part = |len: u32, per_mille: u16| (u64::from(len) * u64::from(per_mille) / 1000) as u32;
        match *self {
            Augmentation::Crop { cut, left, top } => crop(
                p,
                Rect {
                    x: part(w, left),
                    y: part(h, top),
                    w: w - part(w, cut),
                    h: h - part(h, cut),
                },
            ),
            Augmentation::Dihedral { index } => dihedral(p, index),
            Augmentation::Rotate { degrees, fill } => rotate(p, degrees, fill),
        }
    }
}

/// Pixel-space dihedral transform: bit 0 mirror, bits 1-2 quarter turns clockwise.
fn dihedral(p: &Pixels, index: u8) -> Pixels {
    use image::imageops::{flip_horizontal, rotate180, rotate270, rotate90};
    macro_rules! apply {
        ($img:expr, $wrap:path) => {{
            let turned = match (index >> 1) & 3 {
                1 => rotate90($img),
                2 => rotate180($img),
                3 => rotate270($img),
                _ => $img.clone(),
            };
            $wrap(if index & 1 == 1 {
                flip_horizontal(&turned)
            } else {
                turned
            })
        }};
    }
    match p {
        Pixels::Luma8(g) => apply!(g, Pixels::Luma8),
        Pixels::Rgb8(c) => apply!(c, Pixels::Rgb8),
    }
}

/// Bilinear rotation about the centre onto an enlarged canvas, uncovered pixels `fill`.
fn rotate(p: &Pixels, degrees: f32, fill: u8) -> Pixels {
    let (w, h) = (p.width() as usize, p.height() as usize);
    let (raw, ch): (&[u8], usize) = match p {
        Pixels::Luma8(g) => (g.as_raw(), 1),
        Pixels::Rgb8(c) => (c.as_raw(), 3),
    };
    let (sin, cos) = f64::from(degrees).to_radians().sin_cos();
    let ow = (w as f64 * cos.abs() + h as f64 * sin.abs())
        .round()
        .max(1.0) as usize;
    let oh = (w as f64 * sin.abs() + h as f64 * cos.abs())
        .round()
        .max(1.0) as usize;
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let (ocx, ocy) = (ow as f64 / 2.0, oh as f64 / 2.0);
    let sample = |x: i64, y: i64, c: usize| -> f64 {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            f64::from(fill)
        } else {
            f64::from(raw[(y as usize * w + x as usize) * ch + c])
        }
    };
    let mut out = vec![0u8; ow * oh * ch];
    for y in 0..oh {
        for x in 0..ow {
            // Inverse map (pixel centres): where in the source this output pixel comes from.
            let (dx, dy) = (x as f64 + 0.5 - ocx, y as f64 + 0.5 - ocy);
            let sx = cos * dx - sin * dy + cx - 0.5;
            let sy = sin * dx + cos * dy + cy - 0.5;
            let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
            let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
            for c in 0..ch {
                let top = sample(x0, y0, c) * (1.0 - fx) + sample(x0 + 1, y0, c) * fx;
                let bottom = sample(x0, y0 + 1, c) * (1.0 - fx) + sample(x0 + 1, y0 + 1, c) * fx;
                out[(y * ow + x) * ch + c] = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
        }
    }
    let (ow, oh) = (ow as u32, oh as u32);
    match p {
        Pixels::Luma8(_) => image::GrayImage::from_raw(ow, oh, out).map(Pixels::Luma8),
        Pixels::Rgb8(_) => image::RgbImage::from_raw(ow, oh, out).map(Pixels::Rgb8),
    }
    .unwrap_or_else(|| p.clone())
}

/// Every augmentation of `p` with its PDQ (the original's own hash is not included).
pub fn augment(p: &Pixels) -> Result<Vec<(Augmentation, PdqHash)>, pdq::PixelSizeError> {
    augmentations()
        .into_iter()
        .map(|a| Ok((a, pdq::hash_pixels(a.apply(p).as_pdq_input())?.hashes[0])))
        .collect()
}

/// [`augment`] of an image file, decoded as for hashing.
///
/// ```no_run
/// let bytes = std::fs::read("photo.jpg")?;
/// let extra = preflight::hash::augment::augmented_pdq_bytes(&bytes, &Default::default())?;
/// assert_eq!(extra.len(), preflight::hash::augment::AUGMENTATION_COUNT);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn augmented_pdq_bytes(
    bytes: &[u8],
    limits: &DecodeLimits,
) -> Result<Vec<(Augmentation, PdqHash)>, MediaError> {
    let decoded = crate::media::decode_for_hashing(bytes, limits, super::PDQ_DECODE_MIN_SIDE)?;
    augment(&decoded.pixels).map_err(|e| MediaError::corrupt_from(decoded.format, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_and_rotations_have_the_expected_geometry() {
        let img =
            image::GrayImage::from_fn(200, 100, |x, y| image::Luma([((x + 2 * y) % 256) as u8]));
        let p = Pixels::Luma8(img);
        let c = Augmentation::Crop {
            cut: 100,
            left: 50,
            top: 0,
        }
        .apply(&p);
        assert_eq!((c.width(), c.height()), (180, 90));
        assert_eq!(c.to_rgb().get_pixel(0, 0), p.to_rgb().get_pixel(10, 0));
        let all = augmentations();
        assert_eq!(all.len(), AUGMENTATION_COUNT);
        // The crop grid reaches both corners of each cut.
        for cut in [75, 150] {
            for (left, top) in [(0, 0), (cut, cut), (0, cut), (cut, 0)] {
                assert!(all.contains(&Augmentation::Crop { cut, left, top }));
            }
        }
        let r = Augmentation::Rotate {
            degrees: 3.0,
            fill: 255,
        }
        .apply(&p);
        assert_eq!((r.width(), r.height()), (205, 110));
        // Rotating by 0 is the identity.
        assert_eq!(rotate(&p, 0.0, 0).to_rgb(), p.to_rgb());
        assert_eq!(augment(&p).unwrap().len(), AUGMENTATION_COUNT);
    }
}
