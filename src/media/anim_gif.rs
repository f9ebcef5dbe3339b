//! Animated GIF composited row by row on an [`anim_canvas`](super::anim_canvas) canvas, with the
//! `gif` crate decoding each frame one row at a time: neither the logical screen nor a frame is
//! ever allocated at full size.
//!
//! The compositing is `image`'s (what the scanner used before, so frame hashes do not change):
//! a transparent frame pixel shows the canvas under it; after the frame is shown its rectangle is
//! kept (dispose "keep" or unspecified), cleared to transparent ("background"; the GIF
//! background colour is ignored, as browsers ignore it), or left as it was before the frame
//! ("previous"). Pixels outside the logical screen are dropped.

use super::anim_canvas::{Canvas, Grid, Rect};
use super::gif_frames::interlaced_row;
use super::{check_dims, DecodeLimits, MediaError, Pixels};
use image::Rgba;

const NAME: &str = "GIF";

/// The frames of one GIF, decoded and composited in turn.
pub(super) struct GifFrames<'a> {
    dec: gif::Decoder<&'a [u8]>,
    limits: DecodeLimits,
    grid: Grid,
    /// The screen as the next frame starts from (after disposal), `image`'s "non-disposed frame".
    base: Canvas,
    /// The frame being shown.
    shown: Canvas,
    row: Vec<u8>,
    /// Pixels of the frames decoded so far (their rectangles' areas).
    pub(super) decoded: u64,
}

impl<'a> GifFrames<'a> {
    /// Reads the header; the caller checks the screen size (returned) before any frame.
    pub(super) fn open(bytes: &'a [u8], limits: &DecodeLimits) -> Result<Self, MediaError> {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::RGBA);
        let dec = options
            .read_info(bytes)
            .map_err(|e| MediaError::corrupt_from(NAME, e))?;
        let (w, h) = (u32::from(dec.width()), u32::from(dec.height()));
        check_dims(w, h, limits)?;
        let grid = Grid::new(w, h);
        Ok(GifFrames {
            dec,
            limits: *limits,
            base: Canvas::new(&grid),
            shown: Canvas::new(&grid),
            grid,
            row: Vec::new(),
            decoded: 0,
        })
    }

    /// The logical screen's size.
    pub(super) fn dimensions(&self) -> (u32, u32) {
        (u32::from(self.dec.width()), u32::from(self.dec.height()))
    }

    /// The next frame composited, with its delay in milliseconds; `None` after the last.
    pub(super) fn next_frame(&mut self) -> Result<Option<(Pixels, u64)>, MediaError> {
        let Some(frame) = self
            .dec
            .next_frame_info()
            .map_err(|e| MediaError::corrupt_from(NAME, e))?
        else {
            return Ok(None);
        };
        let rect = Rect {
            x: u32::from(frame.left),
            y: u32::from(frame.top),
            w: u32::from(frame.width),
            h: u32::from(frame.height),
        };
        let (dispose, interlaced) = (frame.dispose, frame.interlaced);
        let delay_ms = u64::from(frame.delay) * 10;
        check_dims(rect.w, rect.h, &self.limits)?;
        self.decoded += u64::from(rect.w) * u64::from(rect.h);
        self.shown.copy_all(&self.base);
        let cols = self.grid.cols_in(&rect);
        let fh = rect.h as usize;
        self.row.resize(rect.w as usize * 4, 0);
        for n in 0..fh {
            self.row.fill(0); // indices outside the palette stay transparent
            if !self
                .dec
                .fill_buffer(&mut self.row)
                .map_err(|e| MediaError::corrupt_from(NAME, e))?
            {
                return Err(MediaError::Corrupt {
                    format: NAME,
                    detail: "frame truncated".into(),
                    cause: None,
                });
            }
            let y = u64::from(rect.y) + if interlaced { interlaced_row(n, fh) } else { n } as u64;
            let Ok(y) = u32::try_from(y) else { continue };
            for k in self.grid.rows_of(y) {
                for &(j, fx) in &cols {
                    let p = &self.row[fx * 4..fx * 4 + 4];
                    let shown = self.shown.at(k, j);
                    if p[3] != 0 {
                        *shown = Rgba([p[0], p[1], p[2], p[3]]);
                    }
                    let shown = *shown;
                    match dispose {
                        gif::DisposalMethod::Any | gif::DisposalMethod::Keep => {
                            *self.base.at(k, j) = shown;
                        }
                        gif::DisposalMethod::Background => *self.base.at(k, j) = Rgba([0; 4]),
                        gif::DisposalMethod::Previous => {}
                    }
                }
            }
        }
        Ok(Some((self.shown.to_pixels(), delay_ms)))
    }
}
