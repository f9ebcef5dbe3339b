//! Animated PNG composited row by row on an [`anim_canvas`](super::anim_canvas) canvas, with the
//! `png` crate (the decoder `image` uses, with the same `EXPAND` transformation) returning each
//! frame one row at a time: no frame or full-size canvas is ever allocated.
//!
//! The compositing is `image`'s `ApngDecoder` (what the scanner used before, so frame hashes do
//! not change): before each frame the previous one is disposed of (kept, cleared to transparent,
//! or restored to the canvas as it was before it), then the frame replaces its rectangle or is
//! alpha-blended over it (`image`'s own `Rgba::blend`). The default image is skipped when it is
//! not part of the animation (no `fcTL` before `IDAT`); 16-bit animations are refused, as
//! `image` refuses them.

use super::anim_canvas::{Canvas, Grid, Rect};
use super::convert::RowFormat;
use super::png_rows::{self, png_error, row_format, row_positions};
use super::{check_dims, DecodeLimits, MediaError, Pixels};
use image::{Pixel, Rgba};
use std::io::Cursor;

const NAME: &str = "APNG";

/// The frames of one APNG, decoded and composited in turn.
pub(super) struct ApngFrames<'a> {
    reader: png::Reader<Cursor<&'a [u8]>>,
    format: RowFormat,
    grid: Grid,
    current: Canvas,
    previous: Canvas,
    /// How the last frame is disposed of, and its rectangle (`None` before the first frame).
    dispose: png::DisposeOp,
    region: Option<Rect>,
    /// Frames still to come (the `acTL` count).
    remaining: u32,
    /// Whether the reader is at the start of the next frame's data already (the first frame,
    /// when `IDAT` is part of the animation).
    at_frame: bool,
    width: u32,
    height: u32,
    /// Pixels of the frames decoded so far (their rectangles' areas).
    pub(super) decoded: u64,
}

fn corrupt(detail: &str) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail: detail.into(),
        cause: None,
    }
}

impl<'a> ApngFrames<'a> {
    /// Reads the header; the caller checks the canvas size (returned) before any frame.
    pub(super) fn open(bytes: &'a [u8], limits: &DecodeLimits) -> Result<Self, MediaError> {
        let mut dec = png_rows::decoder(bytes);
        let info = dec.read_header_info().map_err(png_error)?;
        let (width, height) = (info.width, info.height);
        check_dims(width, height, limits)?;
        dec.set_transformations(png::Transformations::EXPAND);
        let reader = dec.read_info().map_err(png_error)?;
        let format = match row_format(reader.output_color_type())? {
            f @ (RowFormat::L8 | RowFormat::La8 | RowFormat::Rgb8 | RowFormat::Rgba8) => f,
            _ => {
                return Err(MediaError::Unsupported {
                    format: NAME,
                    detail: "16-bit animated PNG".into(),
                })
            }
        };
        let remaining = reader.info().animation_control.map_or(0, |a| a.num_frames);
        // Without an fcTL before IDAT the default image is not part of the animation:
        // `next_frame_info` skips it.
        let at_frame = reader.info().frame_control.is_some();
        let grid = Grid::new(width, height);
        Ok(ApngFrames {
            reader,
            format,
            current: Canvas::new(&grid),
            previous: Canvas::new(&grid),
            grid,
            dispose: png::DisposeOp::Background,
            region: None,
            remaining,
            at_frame,
            width,
            height,
            decoded: 0,
        })
    }

    /// The canvas size.
    pub(super) fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Disposes of the last frame, as `image` does before mixing in the next one.
    fn dispose_last(&mut self) -> Result<(), MediaError> {
        let all = Rect {
            x: 0,
            y: 0,
            w: self.width,
            h: self.height,
        };
        match self.dispose {
            png::DisposeOp::None => self.previous.copy_all(&self.current),
            png::DisposeOp::Background => {
                self.previous.copy_all(&self.current);
                let rect = self.region.unwrap_or(all);
                self.current.fill(&self.grid, &rect, Rgba([0; 4]));
            }
            png::DisposeOp::Previous => {
                let rect = self
                    .region
                    .ok_or_else(|| corrupt("the first frame is disposed to the previous one"))?;
                self.current.copy_from(&self.previous, &self.grid, &rect);
            }
        }
        Ok(())
    }

    /// The next frame composited, with its delay in milliseconds; `None` after the last.
    pub(super) fn next_frame(&mut self) -> Result<Option<(Pixels, u64)>, MediaError> {
        let Some(left) = self.remaining.checked_sub(1) else {
            return Ok(None);
        };
        self.remaining = left;
        if !std::mem::take(&mut self.at_frame) {
            self.reader.next_frame_info().map_err(png_error)?;
        }
        let fc = self
            .reader
            .info()
            .frame_control
            .ok_or_else(|| corrupt("a frame without its fcTL"))?;
        let rect = Rect {
            x: fc.x_offset,
            y: fc.y_offset,
            w: fc.width,
            h: fc.height,
        };
        self.decoded += u64::from(rect.w) * u64::from(rect.h);
        self.dispose_last()?;
        self.mix_rows(&rect, fc.blend_op == png::BlendOp::Over)?;
        self.dispose = fc.dispose_op;
        self.region = Some(rect);
        let den = if fc.delay_den == 0 { 100 } else { fc.delay_den };
        let delay_ms = u64::from(fc.delay_num) * 1000 / u64::from(den);
        Ok(Some((self.current.to_pixels(), delay_ms)))
    }

    /// Decodes the frame's rows and replaces or blends them into the current canvas.
    fn mix_rows(&mut self, rect: &Rect, over: bool) -> Result<(), MediaError> {
        let interlaced = self.reader.info().interlaced;
        let (fw, fh) = (rect.w as usize, rect.h as usize);
        let positions = row_positions(fw, fh, interlaced);
        let cols = self.grid.cols_in(rect);
        let bpp = self.format.bytes_per_pixel();
        let mut n = 0usize;
        while let Some(row) = self.reader.next_interlaced_row().map_err(png_error)? {
            let (fy, x0, dx) = if interlaced {
                *positions
                    .get(n)
                    .ok_or_else(|| corrupt("more interlaced rows than the frame has"))?
            } else {
                (n, 0, 1)
            };
            n += 1;
            let data = row.data();
            let y = u64::from(rect.y) + fy as u64;
            let rows = u32::try_from(y).map_or(0..0, |y| self.grid.rows_of(y));
            for k in rows {
                for &(j, fx) in &cols {
                    if fx < x0 || (fx - x0) % dx != 0 {
                        continue;
                    }
                    let i = (fx - x0) / dx * bpp;
                    let Some(p) = data.get(i..i + bpp) else {
                        continue;
                    };
                    let px = match self.format {
                        RowFormat::L8 => Rgba([p[0], p[0], p[0], 255]),
                        RowFormat::La8 => Rgba([p[0], p[0], p[0], p[1]]),
                        RowFormat::Rgb8 => Rgba([p[0], p[1], p[2], 255]),
                        _ => Rgba([p[0], p[1], p[2], p[3]]),
                    };
                    let dst = self.current.at(k, j);
                    if over {
                        dst.blend(&px);
                    } else {
                        *dst = px;
                    }
                }
            }
        }
        Ok(())
    }
}
