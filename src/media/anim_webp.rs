//! Animated WebP frames from `image-webp` (the decoder `image` uses underneath), read straight
//! into one reused buffer and handed on at a [`Grid`]'s positions.
//!
//! `image-webp` composites each frame on a canvas of its own (RGBA, 4 bytes a pixel) from a
//! frame it decodes whole (VP8 and VP8L are not decodable by rows), so an animated WebP needs
//! about three canvas-sized buffers whatever is done after it: its canvas, the decoded frame, and
//! the output copy. `image`'s frame iterator added a fresh RGBA copy per frame (and an RGB one
//! first for opaque files), which is avoided here. The rest is bounded by the canvas cap for WebP
//! ([`super::animation::AnimationLimits::max_webp_canvas_pixels`]).

use super::anim_canvas::Grid;
use super::convert::{normalize_row, RowFormat};
use super::{DecodeLimits, MediaError, Pixels};
use image::RgbImage;
use std::io::Cursor;

const NAME: &str = "WebP";

fn webp_error(e: image_webp::DecodingError) -> MediaError {
    match e {
        image_webp::DecodingError::MemoryLimitExceeded => MediaError::MemoryLimit {
            format: NAME,
            detail: e.to_string(),
        },
        other => MediaError::corrupt_from(NAME, other),
    }
}

/// The frames of one animated WebP, in turn.
pub(super) struct WebPFrames<'a> {
    dec: image_webp::WebPDecoder<Cursor<&'a [u8]>>,
    grid: Grid,
    buf: Vec<u8>,
    format: RowFormat,
    left: u32,
    /// Pixels of the frames decoded so far (each composited over the whole canvas).
    pub(super) decoded: u64,
}

impl<'a> WebPFrames<'a> {
    /// Reads the header; the caller checks the canvas size (returned) before any frame.
    pub(super) fn open(bytes: &'a [u8], limits: &DecodeLimits) -> Result<Self, MediaError> {
        let mut dec = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(webp_error)?;
        dec.set_memory_limit(usize::try_from(limits.max_alloc_bytes).unwrap_or(usize::MAX));
        if !dec.is_animated() {
            // `read_frame` asserts an animation; the header sniffed said one.
            return Err(MediaError::Corrupt {
                format: NAME,
                detail: "the animation flag is set but the file is not an animation".into(),
                cause: None,
            });
        }
        let (w, h) = dec.dimensions();
        super::check_dims(w, h, limits)?;
        let format = if dec.has_alpha() {
            RowFormat::Rgba8
        } else {
            RowFormat::Rgb8
        };
        Ok(WebPFrames {
            grid: Grid::new(w, h),
            left: dec.num_frames(),
            dec,
            buf: Vec::new(),
            format,
            decoded: 0,
        })
    }

    /// The canvas size.
    pub(super) fn dimensions(&self) -> (u32, u32) {
        self.dec.dimensions()
    }

    /// The next frame composited, with its delay in milliseconds; `None` after the last.
    pub(super) fn next_frame(&mut self) -> Result<Option<(Pixels, u64)>, MediaError> {
        let Some(left) = self.left.checked_sub(1) else {
            return Ok(None);
        };
        self.left = left;
        let size = self
            .dec
            .output_buffer_size()
            .ok_or(MediaError::MemoryLimit {
                format: NAME,
                detail: "the canvas does not fit in memory".into(),
            })?;
        self.buf.resize(size, 0);
        let delay = match self.dec.read_frame(&mut self.buf) {
            Ok(d) => d,
            Err(image_webp::DecodingError::NoMoreFrames) => return Ok(None),
            Err(e) => return Err(webp_error(e)),
        };
        let (w, h) = self.dec.dimensions();
        self.decoded += u64::from(w) * u64::from(h);
        let bpp = self.format.bytes_per_pixel();
        let stride = w as usize * bpp;
        let (cols, rows) = self.grid.positions();
        let mut out = Vec::with_capacity(cols.len() * rows.len() * 3);
        let mut line = Vec::with_capacity(cols.len() * bpp);
        for &y in rows {
            let Some(row) = self.buf.get(y as usize * stride..(y as usize + 1) * stride) else {
                break;
            };
            line.clear();
            for &x in cols {
                line.extend_from_slice(&row[x as usize * bpp..][..bpp]);
            }
            normalize_row(self.format, &line, &mut out);
        }
        let (ow, oh) = (cols.len() as u32, rows.len() as u32);
        let img = RgbImage::from_raw(ow, oh, out).unwrap_or_else(|| RgbImage::new(ow, oh));
        Ok(Some((Pixels::Rgb8(img), u64::from(delay))))
    }
}
