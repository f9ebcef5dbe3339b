//! Large TIFFs decoded for hashing strip by strip (or by rows of tiles), so that they are hashed
//! within the same memory as any other format instead of refused over the whole-frame budget
//! (issue 12: refusing them was an evasion).
//!
//! The `tiff` crate (the decoder `image` itself uses, so the samples are the same) reads one
//! chunk at a time, decompressed and un-predicted, with `WhiteIsZero` already inverted. Only the
//! bands of chunks holding a row PDQ's sample keeps (see `sample`) are read; each kept row is
//! normalised and handed to the [`RowSink`]. Memory is one band of chunks (at most
//! [`BAND_BUDGET`]) plus the 512x512 sample.
//!
//! Handled: chunky 8/16-bit grey, grey+alpha, RGB and RGBA, in strips or tiles, with the TIFF
//! orientation tag. Anything else (planar, palette, CMYK, YCbCr, bit-packed or float samples)
//! keeps the whole-frame path and its budget.

use super::convert::{normalize_row, RowFormat};
use super::sample::RowSink;
use super::{DecodedImage, MediaError};
use image::metadata::Orientation;
use std::io::Cursor;
use tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use tiff::tags::Tag;
use tiff::ColorType;

const NAME: &str = "TIFF";

/// Most bytes one band of decoded chunks (a strip, or a row of tiles) may take.
pub(super) const BAND_BUDGET: u64 = 16 << 20;

fn corrupt(e: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail: e.to_string(),
        cause: None,
    }
}

/// The row layout this module handles, or `None`.
fn row_format(dec: &mut Decoder<Cursor<&[u8]>>) -> Option<RowFormat> {
    let planar = dec
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .ok()?
        .unwrap_or(1);
    // One value per sample: all unsigned integers (1).
    let unsigned = dec
        .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
        .ok()?
        .is_none_or(|v| v.iter().all(|&f| f == 1));
    if planar != 1 || !unsigned {
        return None;
    }
    Some(match dec.colortype().ok()? {
        ColorType::Gray(8) => RowFormat::L8,
        ColorType::Gray(16) => RowFormat::L16,
        ColorType::GrayA(8) => RowFormat::La8,
        ColorType::GrayA(16) => RowFormat::La16,
        ColorType::RGB(8) => RowFormat::Rgb8,
        ColorType::RGB(16) => RowFormat::Rgb16,
        ColorType::RGBA(8) => RowFormat::Rgba8,
        ColorType::RGBA(16) => RowFormat::Rgba16,
        _ => return None,
    })
}

/// A decoded chunk's samples as bytes (16-bit samples big-endian, as `normalize_row` reads).
fn chunk_bytes(result: DecodingResult) -> Result<Vec<u8>, MediaError> {
    match result {
        DecodingResult::U8(v) => Ok(v),
        DecodingResult::U16(v) => Ok(v.iter().flat_map(|s| s.to_be_bytes()).collect()),
        _ => Err(corrupt("unexpected sample type")),
    }
}

/// PDQ's 512x512 sample of a large TIFF, or `None` when its layout is not one this module
/// handles (the caller then takes the whole-frame path).
pub(super) fn decode_sampled(bytes: &[u8]) -> Result<Option<DecodedImage>, MediaError> {
    let Ok(dec) = Decoder::new(Cursor::new(bytes)) else {
        return Ok(None);
    };
    let mut limits = Limits::default();
    limits.decoding_buffer_size = BAND_BUDGET as usize;
    let mut dec = dec.with_limits(limits);
    let Some(format) = row_format(&mut dec) else {
        return Ok(None);
    };
    let (width, height) = dec
        .dimensions()
        .map_err(|e| MediaError::corrupt_from(NAME, e))?;
    let orientation = dec
        .find_tag_unsigned::<u16>(Tag::Orientation)
        .ok()
        .flatten()
        .and_then(|v| Orientation::from_exif(v.min(255) as u8))
        .unwrap_or(Orientation::NoTransforms);
    let (cw, ch) = dec.chunk_dimensions();
    if cw == 0 || ch == 0 {
        return Err(corrupt("chunks of zero size"));
    }
    let across = match dec.get_chunk_type() {
        ChunkType::Strip => 1,
        ChunkType::Tile => width.div_ceil(cw),
    };
    let chunk_w = if across == 1 { width } else { cw };
    let bpp = format.bytes_per_pixel();
    let band = u64::from(width) * u64::from(ch) * bpp as u64;
    if band > BAND_BUDGET {
        return Err(MediaError::MemoryLimit {
            format: NAME,
            detail: format!(
                "one band of {width}x{ch} pixels ({} MB) is over the {} MB a band may take",
                band >> 20,
                BAND_BUDGET >> 20
            ),
        });
    }
    let mut sink = RowSink::new(width, height, format.out_channels(), orientation, true);
    let (mut row, mut norm) = (Vec::new(), Vec::new());
    for b in 0..height.div_ceil(ch) {
        let (y0, y1) = (b * ch, height.min((b + 1) * ch));
        if !(y0..y1).any(|y| sink.wants(y as usize)) {
            continue;
        }
        let mut chunks = Vec::with_capacity(across as usize);
        for i in 0..across {
            let data = chunk_bytes(
                dec.read_chunk(b * across + i)
                    .map_err(|e| MediaError::corrupt_from(NAME, e))?,
            )?;
            let dw = chunk_w.min(width - i * chunk_w) as usize;
            if data.len() < dw * (y1 - y0) as usize * bpp {
                return Err(corrupt(format!("chunk {} is short", b * across + i)));
            }
            chunks.push((data, dw));
        }
        for y in y0..y1 {
            if !sink.wants(y as usize) {
                continue;
            }
            row.clear();
            for (data, dw) in &chunks {
                row.extend_from_slice(&data[(y - y0) as usize * dw * bpp..][..dw * bpp]);
            }
            norm.clear();
            normalize_row(format, &row, &mut norm);
            sink.push(y as usize, &norm);
        }
    }
    let mut img = sink.finish();
    img.apply_orientation(orientation);
    Ok(Some(DecodedImage {
        pixels: super::convert::normalize(img),
        format: NAME,
        source_width: width,
        source_height: height,
        exif_orientation: super::orientation_number(orientation),
        scale_denominator: 1,
        sampled: true,
        partial: false,
    }))
}
