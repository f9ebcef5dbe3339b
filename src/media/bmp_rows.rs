//! Large uncompressed BMPs decoded for hashing row by row, so that they are hashed within the
//! same memory as any other format instead of refused over the whole-frame budget (issue 12:
//! refusing them was an evasion).
//!
//! `image`'s BMP decoder only returns whole frames (a 64 MP BMP is 192 MB of RGB). An
//! uncompressed BMP (`BI_RGB`, `BI_BITFIELDS`, `BI_ALPHABITFIELDS`) stores every row at a fixed
//! stride, so each row PDQ's sample needs (see `sample`) is decoded on its own: the file's own
//! headers (palette and channel masks included) are copied with the height patched to one row,
//! followed by that row's bytes, and handed to the same `image` decoder. The pixels are exactly
//! those of the whole-frame decode, and only one row plus the 512x512 sample are ever held.
//!
//! RLE-compressed BMPs (whose rows have no fixed place) keep the whole-frame path and its
//! budget.

use super::convert::{normalize_row, RowFormat};
use super::sample::RowSink;
use super::{DecodedImage, MediaError};
use image::codecs::bmp::BmpDecoder;
use image::metadata::Orientation;
use image::ImageDecoder;
use std::io::Cursor;

const NAME: &str = "BMP";

/// Where an uncompressed BMP's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    /// Offset of the pixel data.
    offset: usize,
    width: u32,
    height: u32,
    /// Rows stored top to bottom (negative height) rather than bottom up.
    top_down: bool,
    /// Bytes of one stored row (padded to 4).
    stride: usize,
    /// Size of the DIB header (12: OS/2 core header with 16-bit sizes; 40 and more: Windows).
    dib: u32,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The row layout of an uncompressed BMP whose pixel data is all in `bytes`; `None` for
/// anything else (compressed, truncated, odd headers), which the whole-frame path handles.
pub(super) fn layout(bytes: &[u8]) -> Option<Layout> {
    if bytes.get(..2)? != b"BM" {
        return None;
    }
    let offset = usize::try_from(u32_at(bytes, 10)?).ok()?;
    let dib = u32_at(bytes, 14)?;
    let (width, height, bpp, compression) = if dib == 12 {
        let (w, h) = (u16_at(bytes, 18)?, u16_at(bytes, 20)?);
        (i64::from(w), i64::from(h), u16_at(bytes, 24)?, 0)
    } else if dib >= 40 {
        let w = u32_at(bytes, 18)? as i32;
        let h = u32_at(bytes, 22)? as i32;
        (
            i64::from(w),
            i64::from(h),
            u16_at(bytes, 28)?,
            u32_at(bytes, 30)?,
        )
    } else {
        return None;
    };
    // BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS: fixed-stride rows.
    if !matches!(compression, 0 | 3 | 6) || width <= 0 || height == 0 {
        return None;
    }
    if !matches!(bpp, 1 | 4 | 8 | 16 | 24 | 32) {
        return None;
    }
    let width = u32::try_from(width).ok()?;
    let rows = u32::try_from(height.unsigned_abs()).ok()?;
    let stride = (u64::from(bpp) * u64::from(width)).div_ceil(32) * 4;
    let end = (offset as u64).checked_add(stride.checked_mul(u64::from(rows))?)?;
    if offset < 14 + dib as usize || end > bytes.len() as u64 {
        return None;
    }
    Some(Layout {
        offset,
        width,
        height: rows,
        top_down: height < 0,
        stride: usize::try_from(stride).ok()?,
        dib,
    })
}

fn corrupt(detail: String) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail,
        cause: None,
    }
}

/// Decodes stored row `y` (0 = top of the picture) into `out` as `image` decodes it,
/// building the one-row file in `file`. Returns the row's pixel layout.
fn decode_row(
    bytes: &[u8],
    l: &Layout,
    y: u32,
    file: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> Result<RowFormat, MediaError> {
    let stored = if l.top_down { y } else { l.height - 1 - y };
    let start = l.offset + stored as usize * l.stride;
    let row = bytes
        .get(start..start + l.stride)
        .ok_or_else(|| corrupt(format!("row {y} is past the end of the file")))?;
    file.clear();
    file.extend_from_slice(&bytes[..l.offset]);
    file.extend_from_slice(row);
    let size = u32::try_from(file.len()).unwrap_or(u32::MAX);
    file[2..6].copy_from_slice(&size.to_le_bytes());
    if l.dib == 12 {
        file[20..22].copy_from_slice(&1u16.to_le_bytes());
    } else {
        let one: i32 = if l.top_down { -1 } else { 1 };
        file[22..26].copy_from_slice(&one.to_le_bytes());
        let image_size = u32::try_from(l.stride).unwrap_or(0);
        file[34..38].copy_from_slice(&image_size.to_le_bytes());
    }
    let decoder =
        BmpDecoder::new(Cursor::new(&file[..])).map_err(|e| corrupt(format!("row {y}: {e}")))?;
    let format = match decoder.color_type() {
        image::ColorType::L8 => RowFormat::L8,
        image::ColorType::La8 => RowFormat::La8,
        image::ColorType::Rgb8 => RowFormat::Rgb8,
        image::ColorType::Rgba8 => RowFormat::Rgba8,
        other => return Err(corrupt(format!("unexpected decoded layout {other:?}"))),
    };
    out.resize(usize::try_from(decoder.total_bytes()).unwrap_or(0), 0);
    decoder
        .read_image(out)
        .map_err(|e| corrupt(format!("row {y}: {e}")))?;
    Ok(format)
}

/// PDQ's 512x512 sample of a large uncompressed BMP, decoding only the rows it keeps.
pub(super) fn decode_sampled(bytes: &[u8], l: &Layout) -> Result<DecodedImage, MediaError> {
    let (mut file, mut row, mut norm) = (Vec::new(), Vec::new(), Vec::new());
    // The first row tells the decoded layout (grey or colour) the sink is made for.
    let format = decode_row(bytes, l, 0, &mut file, &mut row)?;
    let mut sink = RowSink::new(
        l.width,
        l.height,
        format.out_channels(),
        Orientation::NoTransforms,
        true,
    );
    for y in 0..l.height {
        if !sink.wants(y as usize) {
            continue;
        }
        let f = decode_row(bytes, l, y, &mut file, &mut row)?;
        if f != format {
            return Err(corrupt(format!("row {y} decodes to another layout")));
        }
        norm.clear();
        normalize_row(format, &row, &mut norm);
        sink.push(y as usize, &norm);
    }
    Ok(DecodedImage {
        pixels: super::convert::normalize(sink.finish()),
        format: NAME,
        source_width: l.width,
        source_height: l.height,
        exif_orientation: 1,
        scale_denominator: 1,
        sampled: true,
        partial: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w x h` BMP of `bpp` bits (24 or 32, bottom-up unless `top_down`), pixel (x, y) from `f`.
    fn bmp(w: u32, h: u32, bpp: u16, top_down: bool, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb(f(x, y)));
        if bpp == 32 {
            let rgba = image::DynamicImage::ImageRgb8(img.clone()).into_rgba8();
            let mut out = Vec::new();
            image::codecs::bmp::BmpEncoder::new(&mut out)
                .encode(rgba.as_raw(), w, h, image::ExtendedColorType::Rgba8)
                .unwrap();
            return out;
        }
        let mut out = Vec::new();
        image::codecs::bmp::BmpEncoder::new(&mut out)
            .encode(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
        if top_down {
            // The same rows stored top first, with a negative height.
            let l = layout(&out).unwrap();
            let mut flipped = out[..l.offset].to_vec();
            for r in out[l.offset..][..l.stride * h as usize]
                .chunks(l.stride)
                .rev()
            {
                flipped.extend_from_slice(r);
            }
            flipped[22..26].copy_from_slice(&(-(h as i32)).to_le_bytes());
            return flipped;
        }
        out
    }

    #[test]
    fn rows_decode_to_the_whole_frame_pixels() {
        let pattern = |x: u32, y: u32| [(x * 7) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8];
        for (bpp, top_down) in [(24, false), (24, true), (32, false)] {
            let file = bmp(37, 23, bpp, top_down, pattern);
            let l = layout(&file).unwrap();
            assert_eq!((l.width, l.height, l.top_down), (37, 23, top_down));
            let whole = image::load_from_memory(&file).unwrap().into_rgb8();
            let (mut f, mut row) = (Vec::new(), Vec::new());
            for y in [0u32, 11, 22] {
                let format = decode_row(&file, &l, y, &mut f, &mut row).unwrap();
                let mut norm = Vec::new();
                normalize_row(format, &row, &mut norm);
                let expected: Vec<u8> = (0..37).flat_map(|x| whole.get_pixel(x, y).0).collect();
                assert_eq!(norm, expected, "bpp {bpp} top_down {top_down} row {y}");
            }
        }
    }

    #[test]
    fn compressed_or_cut_files_keep_the_whole_frame_path() {
        let file = bmp(8, 8, 24, false, |_, _| [1, 2, 3]);
        assert!(layout(&file[..file.len() - 1]).is_none());
        let mut rle = file.clone();
        rle[30] = 1; // BI_RLE8
        assert!(layout(&rle).is_none());
        assert!(layout(b"BM").is_none());
    }
}
