//! PNG decoded row by row with the `png` crate (the decoder `image` itself uses, with the same
//! `EXPAND` transformation, so the pixels are the same), each row normalised and handed to a
//! [`RowSink`] as it comes: no full-size buffer in the source's sample format ever exists,
//! and a large image decoded for hashing keeps only PDQ's 512x512 sample.
//!
//! Ancillary chunks that only a colour-managed viewer needs are not read: the ICC profile
//! (`iCCP`, zlib-compressed, a one-pixel file can carry a profile that inflates to hundreds of
//! MB) and the text chunks (`zTXt`/`iTXt`, compressed too). The `eXIf` chunk is kept for the
//! orientation; it is stored uncompressed, so it is never larger than the file.

use super::convert::{normalize_row, RowFormat};
use super::sample::{should_sample, RowSink};
use super::{check_dims, DecodeLimits, DecodedImage, MediaError};
use image::metadata::Orientation;
use std::io::Cursor;

const NAME: &str = "PNG";

/// What the PNG decoder may allocate besides our own buffers (its row and unfiltering
/// buffers, the palette, the `eXIf` chunk): far more than a valid file needs.
const DECODER_BYTES: usize = 16 << 20;

/// Adam7 passes: (x step, x offset, y step, y offset).
const ADAM7: [(usize, usize, usize, usize); 7] = [
    (8, 0, 8, 0),
    (8, 4, 8, 0),
    (4, 0, 8, 4),
    (4, 2, 4, 0),
    (2, 0, 4, 2),
    (2, 1, 2, 0),
    (1, 0, 2, 1),
];

pub(super) fn png_error(e: png::DecodingError) -> MediaError {
    match e {
        png::DecodingError::LimitsExceeded => MediaError::MemoryLimit {
            format: NAME,
            detail: "the PNG decoder's own buffers exceed their limit".into(),
        },
        other => MediaError::corrupt_from(NAME, other),
    }
}

/// The image row and pixel layout `(y, x0, dx)` of each row the decoder returns, in
/// its order (the `png` crate's own Adam7 iteration: passes with no pixels are skipped).
pub(super) fn row_positions(
    width: usize,
    height: usize,
    interlaced: bool,
) -> Vec<(usize, usize, usize)> {
    if !interlaced {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (xs, xo, ys, yo) in ADAM7 {
        let samples = width.saturating_sub(xo).div_ceil(xs);
        let lines = height.saturating_sub(yo).div_ceil(ys);
        if samples == 0 {
            continue;
        }
        out.extend((0..lines).map(|l| (l * ys + yo, xo, xs)));
    }
    out
}

/// A truncated file that ends before `what` could be decoded; the decoder's error kept.
fn cut_short(what: &str, e: png::DecodingError) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail: format!("{what}: {e}"),
        cause: Some(Box::new(e)),
    }
}

/// The row layout of the decoder's (expanded) output.
pub(super) fn row_format(
    (kind, bits): (png::ColorType, png::BitDepth),
) -> Result<RowFormat, MediaError> {
    Ok(match (kind, bits) {
        (png::ColorType::Grayscale, png::BitDepth::Eight) => RowFormat::L8,
        (png::ColorType::Grayscale, png::BitDepth::Sixteen) => RowFormat::L16,
        (png::ColorType::GrayscaleAlpha, png::BitDepth::Eight) => RowFormat::La8,
        (png::ColorType::GrayscaleAlpha, png::BitDepth::Sixteen) => RowFormat::La16,
        (png::ColorType::Rgb, png::BitDepth::Eight) => RowFormat::Rgb8,
        (png::ColorType::Rgb, png::BitDepth::Sixteen) => RowFormat::Rgb16,
        (png::ColorType::Rgba, png::BitDepth::Eight) => RowFormat::Rgba8,
        (png::ColorType::Rgba, png::BitDepth::Sixteen) => RowFormat::Rgba16,
        (kind, bits) => {
            return Err(MediaError::Unsupported {
                format: NAME,
                detail: format!("{kind:?} at {bits:?} bits after expansion"),
            })
        }
    })
}

/// A PNG decoder over `bytes` with the decoder's own allocations capped and the chunks only a
/// colour-managed viewer needs (ICC profile, text) not read.
pub(super) fn decoder(bytes: &[u8]) -> png::Decoder<Cursor<&[u8]>> {
    let mut dec = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: DECODER_BYTES,
        },
    );
    dec.set_ignore_iccp_chunk(true);
    dec.set_ignore_text_chunk(true);
    dec
}

/// Decodes a PNG; `for_hashing` lets a large one be sampled (see `sample`). With `truncated`
/// (the file ends before IEND, see `media::partial`), the rows decoded before the data ends are
/// kept and the missing ones are copies of the last complete row; the result is marked
/// `partial` (an interlaced file, whose early rows are spread over the whole file, is refused).
pub(super) fn decode(
    bytes: &[u8],
    limits: &DecodeLimits,
    for_hashing: bool,
    truncated: bool,
) -> Result<DecodedImage, MediaError> {
    let mut dec = decoder(bytes);
    let info = dec.read_header_info().map_err(png_error)?;
    let (width, height, interlaced) = (info.width, info.height, info.interlaced);
    check_dims(width, height, limits)?;
    if truncated && interlaced {
        return Err(MediaError::Corrupt {
            format: NAME,
            detail: "truncated interlaced image (its rows are spread over the whole file)".into(),
            cause: None,
        });
    }
    dec.set_transformations(png::Transformations::EXPAND);
    let mut reader = dec.read_info().map_err(|e| match e {
        png::DecodingError::IoError(_) | png::DecodingError::Format(_) if truncated => {
            cut_short("truncated before the image data", e)
        }
        other => png_error(other),
    })?;
    let format = row_format(reader.output_color_type())?;
    let orientation = reader
        .info()
        .exif_metadata
        .as_ref()
        .and_then(|exif| Orientation::from_exif_chunk(exif))
        .unwrap_or(Orientation::NoTransforms);
    let sample = for_hashing && should_sample(width, height);
    let mut sink = RowSink::new(width, height, format.out_channels(), orientation, sample);
    let positions = row_positions(width as usize, height as usize, interlaced);
    let mut norm = Vec::with_capacity(width as usize * format.out_channels());
    let mut n = 0usize;
    // With `truncated`, the last complete row as the decoder gave it (copied into the rows the
    // cut file lacks).
    let mut last = Vec::new();
    loop {
        let row = match reader.next_interlaced_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(_) if truncated && n > 0 => break,
            Err(e) if truncated => {
                return Err(cut_short("truncated before the first complete row", e))
            }
            Err(e) => return Err(png_error(e)),
        };
        let (y, x0, dx) = if interlaced {
            positions
                .get(n)
                .copied()
                .ok_or_else(|| MediaError::Corrupt {
                    format: NAME,
                    detail: "more interlaced rows than the image has".into(),
                    cause: None,
                })?
        } else {
            (n, 0, 1)
        };
        n += 1;
        if truncated {
            last.clear();
            last.extend_from_slice(row.data());
        }
        if sink.wants(y) {
            norm.clear();
            normalize_row(format, row.data(), &mut norm);
            sink.push_strided(y, x0, dx, &norm);
        }
    }
    if truncated && n < height as usize {
        norm.clear();
        normalize_row(format, &last, &mut norm);
        for y in n..height as usize {
            if sink.wants(y) {
                sink.push(y, &norm);
            }
        }
    }
    let mut img = sink.finish();
    img.apply_orientation(orientation);
    Ok(DecodedImage {
        pixels: super::convert::normalize(img),
        format: NAME,
        source_width: width,
        source_height: height,
        exif_orientation: super::orientation_number(orientation),
        scale_denominator: 1,
        sampled: sample,
        partial: truncated,
    })
}
