//! Where the picture is inside a reshared image: the regions worth hashing besides the whole.
//!
//! Resharing puts a known picture inside something else: a uniform border, a letterbox, a
//! caption band, a phone screenshot (status bar, app bar, black letterbox, buttons), or the
//! flat filler of a cut download. PDQ of the whole image then lands far from the listed hash
//! (issue 12: 40 px white border 4/30, screenshot 0/30). [`regions`] finds up to three candidate
//! rectangles, each then hashed (all eight PDQ rotations/flips) and queried next to the whole:
//!
//! - [`Reframe::TrimBorder`]: lines are peeled off each side while they are *uniform* (almost
//!   every pixel within [`TOLERANCE`] grey levels of the line's median, which tolerates JPEG
//!   ringing) and close to the colour of the outermost line.
//! - [`Reframe::ContentBlock`]: rows are classified uniform / not uniform over the full width;
//!   the tallest run of non-uniform rows is the picture (status and app bars, captions and
//!   button rows are separated from it by uniform margins), then the same over its columns,
//!   then its border is trimmed. A second block is taken where only lines of the most common
//!   uniform colour (the letterbox) separate, so flat sky inside the picture does not cut it.
//!
//! Only rectangles at least [`MIN_SIDE`] px a side and a tenth of the image are kept, and
//! duplicates are dropped, so an ordinary photo yields no extra region (no extra cost). An
//! extra region can only add matches to the same list with the same radius; it never relaxes
//! a threshold.

use super::Pixels;
use crate::hash::pil_resize::pil_luma;

/// Grey-level tolerance of a uniform line (JPEG noise around flat colour stays within it).
pub const TOLERANCE: u8 = 14;
/// Share of a line's pixels that must be within [`TOLERANCE`] of its median (per mille).
const UNIFORM_PER_MILLE: usize = 985;
/// Smallest side of a region worth hashing.
pub const MIN_SIDE: u32 = 32;

/// How a region was found (named in the evidence of a match).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reframe {
    /// The whole image as decoded.
    Whole,
    /// Uniform borders trimmed.
    TrimBorder,
    /// The largest non-uniform block (a picture inside a screenshot, above a caption, ...).
    ContentBlock,
    /// The whole image or a region with a thin margin cut off each side ([`INSETS_PER_MILLE`]):
    /// the centre of a picture whose edges were cropped, meeting the list's own crops
    /// (`hash::augment`) halfway.
    Inset,
}

/// The margins [`Reframe::Inset`] cuts off each side, per mille of the side (1.25% to 5%).
pub const INSETS_PER_MILLE: [u32; 4] = [12, 25, 37, 50];

/// `r` with `per_mille` of its width cut off the left and the right, and of its height off the
/// top and the bottom.
///
/// ```
/// use preflight::media::reframe::{inset, Rect};
/// let r = inset(Rect { x: 10, y: 0, w: 1000, h: 400 }, 25);
/// assert_eq!(r, Rect { x: 35, y: 10, w: 950, h: 380 });
/// ```
pub fn inset(r: Rect, per_mille: u32) -> Rect {
    let dx = (u64::from(r.w) * u64::from(per_mille) / 1000) as u32;
    let dy = (u64::from(r.h) * u64::from(per_mille) / 1000) as u32;
    Rect {
        x: r.x + dx,
        y: r.y + dy,
        w: r.w.saturating_sub(2 * dx).max(1),
        h: r.h.saturating_sub(2 * dy).max(1),
    }
}

impl Reframe {
    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Reframe::Whole => "whole",
            Reframe::TrimBorder => "trim_border",
            Reframe::ContentBlock => "content_block",
            Reframe::Inset => "inset",
        }
    }
}

/// A rectangle in pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// A grey plane to measure lines on.
struct Grey<'a> {
    data: std::borrow::Cow<'a, [u8]>,
    w: u32,
    h: u32,
}

impl Grey<'_> {
    fn of(p: &Pixels) -> Grey<'_> {
        let data = match p {
            Pixels::Luma8(g) => std::borrow::Cow::Borrowed(g.as_raw().as_slice()),
            Pixels::Rgb8(c) => std::borrow::Cow::Owned(
                c.as_raw()
                    .chunks_exact(3)
                    .map(|q| pil_luma(q[0], q[1], q[2]))
                    .collect(),
            ),
        };
        Grey {
            data,
            w: p.width(),
            h: p.height(),
        }
    }

    fn at(&self, x: u32, y: u32) -> u8 {
        self.data
            .get(y as usize * self.w as usize + x as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Median and uniformity of row `y` over `x0..x1` (`horizontal`), or of column `y` over rows
    /// `x0..x1`.
    fn line(&self, horizontal: bool, i: u32, from: u32, to: u32) -> (u8, bool) {
        let mut hist = [0usize; 256];
        for k in from..to {
            let v = if horizontal {
                self.at(k, i)
            } else {
                self.at(i, k)
            };
            hist[usize::from(v)] += 1;
        }
        let n = (to - from) as usize;
        let (mut seen, mut median) = (0usize, 0u8);
        for (v, c) in hist.iter().enumerate() {
            seen += c;
            if seen * 2 >= n {
                median = v as u8;
                break;
            }
        }
        let lo = usize::from(median.saturating_sub(TOLERANCE));
        let hi = usize::from(median.saturating_add(TOLERANCE));
        let near: usize = hist[lo..=hi].iter().sum();
        (median, near * 1000 >= n * UNIFORM_PER_MILLE)
    }
}

/// Peels uniform lines of the border colour off each side of `r` (at most 45% per side); with
/// `frame`, only from sides whose border is that grey level.
fn trim(g: &Grey, mut r: Rect, frame: Option<u8>) -> Rect {
    for _ in 0..2 {
        // top, bottom, left, right
        for side in 0..4 {
            let horizontal = side < 2;
            let (len, across) = if horizontal {
                (r.h, (r.x, r.x + r.w))
            } else {
                (r.w, (r.y, r.y + r.h))
            };
            let line_at = |k: u32| match side {
                0 => r.y + k,
                1 => r.y + r.h - 1 - k,
                2 => r.x + k,
                _ => r.x + r.w - 1 - k,
            };
            let (edge, edge_uniform) = g.line(horizontal, line_at(0), across.0, across.1);
            if !edge_uniform || frame.is_some_and(|f| edge.abs_diff(f) > TOLERANCE) {
                continue;
            }
            let mut k = 0;
            while k < len * 45 / 100 {
                let (m, uniform) = g.line(horizontal, line_at(k), across.0, across.1);
                if !uniform || m.abs_diff(edge) > TOLERANCE {
                    break;
                }
                k += 1;
            }
            match side {
                0 => {
                    r.y += k;
                    r.h -= k;
                }
                1 => r.h -= k,
                2 => {
                    r.x += k;
                    r.w -= k;
                }
                _ => r.w -= k,
            }
        }
    }
    r
}

/// The longest run of non-separator lines (rows when `horizontal`) within `r`. A separator is
/// a uniform line; with `frame`, only a uniform line of that grey level (so a flat sky inside
/// the picture does not cut it when the letterbox is black).
fn longest_run(g: &Grey, r: Rect, horizontal: bool, frame: Option<u8>) -> (u32, u32) {
    let (start, end, across) = if horizontal {
        (r.y, r.y + r.h, (r.x, r.x + r.w))
    } else {
        (r.x, r.x + r.w, (r.y, r.y + r.h))
    };
    let (mut best, mut run_start) = ((start, start), None);
    for i in start..=end {
        let busy = i < end && {
            let (m, uniform) = g.line(horizontal, i, across.0, across.1);
            !uniform || frame.is_some_and(|f| m.abs_diff(f) > TOLERANCE)
        };
        match (busy, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                if i - s > best.1 - best.0 {
                    best = (s, i);
                }
                run_start = None;
            }
            _ => {}
        }
    }
    best
}

/// The most common grey level of the uniform rows (the letterbox or caption colour), if any.
fn frame_colour(g: &Grey) -> Option<u8> {
    let mut hist = [0u32; 256];
    for y in 0..g.h {
        let (m, uniform) = g.line(true, y, 0, g.w);
        if uniform {
            hist[usize::from(m)] += 1;
        }
    }
    let (best, count) = hist.iter().enumerate().max_by_key(|(_, c)| **c)?;
    (*count > 0).then_some(best as u8)
}

/// The largest non-uniform block of `g`, border-trimmed (see [`longest_run`] for `frame`).
fn content_block(g: &Grey, frame: Option<u8>) -> Rect {
    let whole = Rect {
        x: 0,
        y: 0,
        w: g.w,
        h: g.h,
    };
    let (y0, y1) = longest_run(g, whole, true, frame);
    let band = Rect {
        x: 0,
        y: y0,
        w: g.w,
        h: y1 - y0,
    };
    if band.h == 0 {
        return whole;
    }
    let (x0, x1) = longest_run(g, band, false, frame);
    let block = Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    };
    if block.w == 0 {
        return whole;
    }
    trim(g, block, frame)
}

/// Candidate regions of `pixels` other than the whole image, each with how it was found.
/// Empty for an ordinary photo.
///
/// ```
/// use preflight::media::{reframe, Pixels};
/// // A 100x60 picture on a 160x120 white canvas.
/// let img = image::GrayImage::from_fn(160, 120, |x, y| {
///     let inside = (30..130).contains(&x) && (30..90).contains(&y);
///     image::Luma([if inside { ((x * 7 + y * 13) % 200) as u8 } else { 255 }])
/// });
/// let found = reframe::regions(&Pixels::Luma8(img));
/// assert_eq!(found[0].1, reframe::Rect { x: 30, y: 30, w: 100, h: 60 });
/// ```
pub fn regions(pixels: &Pixels) -> Vec<(Reframe, Rect)> {
    let g = Grey::of(pixels);
    if g.w < MIN_SIDE || g.h < MIN_SIDE {
        return Vec::new();
    }
    let whole = Rect {
        x: 0,
        y: 0,
        w: g.w,
        h: g.h,
    };
    let area = u64::from(g.w) * u64::from(g.h);
    let mut out: Vec<(Reframe, Rect)> = Vec::new();
    let framed = frame_colour(&g).map(|f| content_block(&g, Some(f)));
    let candidates = [
        Some((Reframe::TrimBorder, trim(&g, whole, None))),
        Some((Reframe::ContentBlock, content_block(&g, None))),
        framed.map(|r| (Reframe::ContentBlock, r)),
    ];
    for (how, r) in candidates.into_iter().flatten() {
        let big =
            r.w >= MIN_SIDE && r.h >= MIN_SIDE && u64::from(r.w) * u64::from(r.h) * 10 >= area;
        if big && r != whole && !out.iter().any(|(_, o)| *o == r) {
            out.push((how, r));
        }
    }
    out
}

/// A copy of the rectangle `r` of `pixels` (clamped to the image).
pub fn crop(pixels: &Pixels, r: Rect) -> Pixels {
    let x = r.x.min(pixels.width().saturating_sub(1));
    let y = r.y.min(pixels.height().saturating_sub(1));
    let w = r.w.min(pixels.width() - x).max(1);
    let h = r.h.min(pixels.height() - y).max(1);
    match pixels {
        Pixels::Luma8(g) => Pixels::Luma8(image::imageops::crop_imm(g, x, y, w, h).to_image()),
        Pixels::Rgb8(c) => Pixels::Rgb8(image::imageops::crop_imm(c, x, y, w, h).to_image()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texture(x: u32, y: u32) -> u8 {
        ((x * 37 + y * 91 + (x * y) % 53) % 180) as u8 + 40
    }

    #[test]
    fn ordinary_picture_has_no_extra_region() {
        let img = image::GrayImage::from_fn(200, 150, |x, y| image::Luma([texture(x, y)]));
        assert!(regions(&Pixels::Luma8(img)).is_empty());
    }

    #[test]
    fn noisy_letterbox_and_bars_are_found_around_the_picture() {
        // 300x600 "screenshot": bar with "text" at the top, noisy black letterbox, picture,
        // letterbox, button row.
        let img = image::GrayImage::from_fn(300, 600, |x, y| {
            let noise = ((x * 7 + y * 3) % 5) as u8;
            let v = match y {
                0..=39 => {
                    if (10..30).contains(&y) && x % 20 < 8 {
                        250
                    } else {
                        30
                    }
                }
                40..=199 => noise,
                200..=399 => texture(x, y),
                400..=559 => noise,
                _ => {
                    if x % 60 < 20 && y % 20 < 10 {
                        240
                    } else {
                        30
                    }
                }
            };
            image::Luma([v])
        });
        let found = regions(&Pixels::Luma8(img));
        let block = found
            .iter()
            .find(|(h, _)| *h == Reframe::ContentBlock)
            .unwrap()
            .1;
        assert_eq!(
            block,
            Rect {
                x: 0,
                y: 200,
                w: 300,
                h: 200
            }
        );
    }

    #[test]
    fn tiny_images_and_crops_are_safe() {
        let img = image::GrayImage::from_pixel(10, 10, image::Luma([3]));
        assert!(regions(&Pixels::Luma8(img.clone())).is_empty());
        let c = crop(
            &Pixels::Luma8(img),
            Rect {
                x: 8,
                y: 8,
                w: 50,
                h: 50,
            },
        );
        assert_eq!((c.width(), c.height()), (2, 2));
    }
}
