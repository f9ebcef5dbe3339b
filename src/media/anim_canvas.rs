//! The canvas an animation is composited on, kept whole for a small animation and only at PDQ's
//! sample positions for a large one, so that no animation ever holds a full-size canvas.
//!
//! The consumers of an animation frame are PDQ (which, like its reference, resizes anything
//! larger than 512 px on a side to 512x512 by nearest neighbour; see `sample`) and the
//! classifiers, which see the same 512x512 sample that a large still gives them. Compositing is
//! per pixel (a frame's pixel either replaces, is blended over, or leaves the canvas pixel under
//! it), so compositing only the sampled canvas pixels gives exactly the sampled pixels of the
//! fully composited canvas: the frame hashes are bit-identical to those of the whole canvas.
//! A 16 MP canvas then costs 1 MB (512x512 RGBA) instead of 64 MB.

use super::convert::{normalize_row, RowFormat};
use super::sample::{axis_samples, SAMPLED_SIDE};
use super::Pixels;
use image::{RgbImage, Rgba};
use std::ops::Range;

/// Canvases with more pixels than this are composited at PDQ's sample positions only. Below it a
/// canvas is kept whole: 4 MB of RGBA, and every frame the classifiers see is full size.
pub(super) const SAMPLE_CANVAS_ABOVE_PIXELS: u64 = 1_000_000;

/// A rectangle on the canvas, in canvas pixels (the crate's one rectangle type).
pub(super) use super::reframe::Rect;

/// Which canvas pixels are stored: the source column of each stored column and the source row of
/// each stored row (both non-decreasing; a sampled axis shorter than 512 repeats positions).
#[derive(Debug, Clone)]
pub(super) struct Grid {
    cols: Vec<u32>,
    rows: Vec<u32>,
}

/// The stored positions of `axis` in `start..start + len`: a range, as `axis` is sorted.
fn span(axis: &[u32], start: u32, len: u32) -> Range<usize> {
    let end = u64::from(start) + u64::from(len);
    axis.partition_point(|&v| v < start)..axis.partition_point(|&v| u64::from(v) < end)
}

impl Grid {
    /// The grid of a `width x height` canvas: whole, or PDQ's 512x512 sample when it is large.
    pub(super) fn new(width: u32, height: u32) -> Grid {
        let sample = u64::from(width) * u64::from(height) > SAMPLE_CANVAS_ABOVE_PIXELS
            && (width as usize > SAMPLED_SIDE || height as usize > SAMPLED_SIDE);
        let axis = |n: u32| -> Vec<u32> {
            if sample {
                axis_samples(n as usize, false)
                    .into_iter()
                    .map(|v| v as u32)
                    .collect()
            } else {
                (0..n).collect()
            }
        };
        Grid {
            cols: axis(width),
            rows: axis(height),
        }
    }

    /// The source columns and rows of the stored pixels.
    pub(super) fn positions(&self) -> (&[u32], &[u32]) {
        (&self.cols, &self.rows)
    }

    /// Stored rows showing canvas row `y`.
    pub(super) fn rows_of(&self, y: u32) -> Range<usize> {
        span(&self.rows, y, 1)
    }

    /// The stored columns inside `rect`, each with its column within the rectangle.
    pub(super) fn cols_in(&self, rect: &Rect) -> Vec<(usize, usize)> {
        span(&self.cols, rect.x, rect.w)
            .map(|j| (j, (self.cols[j] - rect.x) as usize))
            .collect()
    }

    fn stored(&self, rect: &Rect) -> (Range<usize>, Range<usize>) {
        (
            span(&self.cols, rect.x, rect.w),
            span(&self.rows, rect.y, rect.h),
        )
    }
}

/// RGBA pixels at a [`Grid`]'s positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Canvas {
    width: usize,
    height: usize,
    px: Vec<Rgba<u8>>,
}

impl Canvas {
    /// A fully transparent canvas for `grid`.
    pub(super) fn new(grid: &Grid) -> Canvas {
        let (width, height) = (grid.cols.len(), grid.rows.len());
        Canvas {
            width,
            height,
            px: vec![Rgba([0; 4]); width * height],
        }
    }

    /// The stored pixel at stored column `j` of stored row `k`.
    pub(super) fn at(&mut self, k: usize, j: usize) -> &mut Rgba<u8> {
        &mut self.px[k * self.width + j]
    }

    /// Sets every stored pixel inside `rect` to `value`.
    pub(super) fn fill(&mut self, grid: &Grid, rect: &Rect, value: Rgba<u8>) {
        let (cols, rows) = grid.stored(rect);
        for k in rows {
            self.px[k * self.width..][cols.clone()].fill(value);
        }
    }

    /// Copies the stored pixels inside `rect` from `other` (a canvas of the same grid).
    pub(super) fn copy_from(&mut self, other: &Canvas, grid: &Grid, rect: &Rect) {
        let (cols, rows) = grid.stored(rect);
        for k in rows {
            let at = k * self.width;
            self.px[at..][cols.clone()].copy_from_slice(&other.px[at..][cols.clone()]);
        }
    }

    /// Copies all of `other` into this canvas, keeping this one's allocation.
    pub(super) fn copy_all(&mut self, other: &Canvas) {
        self.px.clone_from(&other.px);
    }

    /// The canvas as the scanner sees a frame: RGB, alpha composited on white.
    pub(super) fn to_pixels(&self) -> Pixels {
        let mut out = Vec::with_capacity(self.px.len() * 3);
        for row in self.px.chunks_exact(self.width.max(1)) {
            let raw: Vec<u8> = row.iter().flat_map(|p| p.0).collect();
            normalize_row(RowFormat::Rgba8, &raw, &mut out);
        }
        let (w, h) = (self.width as u32, self.height as u32);
        Pixels::Rgb8(RgbImage::from_raw(w, h, out).unwrap_or_else(|| RgbImage::new(w, h)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_canvases_are_whole_and_large_ones_sampled() {
        let g = Grid::new(1000, 1000);
        assert_eq!((g.cols.len(), g.rows.len()), (1000, 1000));
        let g = Grid::new(4000, 300);
        assert_eq!((g.cols.len(), g.rows.len()), (512, 512));
        // A short axis repeats rows: row 1 of 300 is shown by stored rows 2 and 3.
        assert_eq!(g.rows_of(1), 2..4);
        let rect = Rect {
            x: 10,
            y: 0,
            w: 16,
            h: 1,
        };
        // Columns 15.6 px apart: 15 and 23 fall inside 10..26.
        assert_eq!(g.cols_in(&rect), vec![(2, 5), (3, 13)]);
    }

    #[test]
    fn fill_and_copy_touch_only_the_rectangle() {
        let g = Grid::new(6, 4);
        let mut a = Canvas::new(&g);
        let rect = Rect {
            x: 1,
            y: 1,
            w: 2,
            h: 2,
        };
        a.fill(&g, &rect, Rgba([9, 9, 9, 255]));
        assert_eq!(a.px.iter().filter(|p| p.0[3] == 255).count(), 4);
        assert_eq!(*a.at(1, 1), Rgba([9, 9, 9, 255]));
        let mut b = Canvas::new(&g);
        b.copy_from(&a, &g, &rect);
        assert_eq!(a, b);
        match b.to_pixels() {
            Pixels::Rgb8(i) => {
                assert_eq!(i.get_pixel(0, 0).0, [255, 255, 255]);
                assert_eq!(i.get_pixel(2, 2).0, [9, 9, 9]);
            }
            Pixels::Luma8(_) => panic!("frames are RGB"),
        }
    }
}
