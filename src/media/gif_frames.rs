//! GIF: the first frame, decoded one row at a time with the `gif` crate and placed on the
//! logical screen exactly as `image` places it (transparent outside the frame, so white once
//! composited), without ever allocating the screen or the frame.
//!
//! The logical screen and the frame each claim their own size. `image` allocates the screen
//! (an 8000x8000 screen is 256 MB of RGBA for a 62-byte file) and a second buffer for a frame
//! that does not cover it. Here both claims are checked against the pixel limits, the frame
//! is read row by row (GIF interlacing only reorders rows), and screen rows are built only when
//! the [`RowSink`] keeps them: a huge mostly-empty screen costs 512 rows of work when decoded
//! for hashing.

use super::convert::{normalize_row, RowFormat};
use super::sample::{should_sample, RowSink};
use super::{check_dims, DecodeLimits, DecodedImage, MediaError};
use image::metadata::Orientation;

const NAME: &str = "GIF";

fn corrupt(detail: impl Into<String>) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail: detail.into(),
        cause: None,
    }
}

/// Row `n` (in file order) of an interlaced frame `height` rows tall: passes of every 8th row
/// from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
pub(super) fn interlaced_row(n: usize, height: usize) -> usize {
    let mut n = n;
    for (step, start) in [(8, 0), (8, 4), (4, 2), (2, 1)] {
        let rows = height.saturating_sub(start).div_ceil(step);
        if n < rows {
            return start + n * step;
        }
        n -= rows;
    }
    height
}

/// Decodes the first frame of a GIF; `for_hashing` lets a large one be sampled.
pub(super) fn decode(
    bytes: &[u8],
    limits: &DecodeLimits,
    for_hashing: bool,
) -> Result<DecodedImage, MediaError> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = options
        .read_info(bytes)
        .map_err(|e| MediaError::corrupt_from(NAME, e))?;
    let (sw, sh) = (u32::from(dec.width()), u32::from(dec.height()));
    check_dims(sw, sh, limits)?;
    let frame = dec
        .next_frame_info()
        .map_err(|e| MediaError::corrupt_from(NAME, e))?
        .ok_or_else(|| corrupt("no image in the file"))?;
    let (left, top) = (usize::from(frame.left), usize::from(frame.top));
    let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
    let interlaced = frame.interlaced;
    check_dims(fw as u32, fh as u32, limits)?;

    let (width, height) = (sw as usize, sh as usize);
    let sample = for_hashing && should_sample(sw, sh);
    let mut sink = RowSink::new(sw, sh, 3, Orientation::NoTransforms, sample);
    // Screen rows the frame does not cover are fully transparent: white.
    let white = vec![255u8; width * 3];
    let mut rgba = vec![0u8; fw * 4];
    let mut line = Vec::with_capacity(width * 3);
    for n in 0..fh {
        rgba.fill(0); // pixels whose index is outside the palette stay transparent
        if !dec
            .fill_buffer(&mut rgba)
            .map_err(|e| MediaError::corrupt_from(NAME, e))?
        {
            return Err(corrupt("image truncated"));
        }
        let fy = if interlaced { interlaced_row(n, fh) } else { n };
        let y = top + fy;
        if y >= height || !sink.wants(y) {
            continue;
        }
        line.clear();
        line.extend_from_slice(&white);
        if left < width {
            let visible = fw.min(width - left);
            let mut px = Vec::with_capacity(visible * 3);
            normalize_row(RowFormat::Rgba8, &rgba[..visible * 4], &mut px);
            line[left * 3..(left + visible) * 3].copy_from_slice(&px);
        }
        sink.push(y, &line);
    }
    for y in (0..height).filter(|&y| y < top || y >= top + fh) {
        if sink.wants(y) {
            sink.push(y, &white);
        }
    }
    Ok(DecodedImage {
        pixels: super::convert::normalize(sink.finish()),
        format: NAME,
        source_width: sw,
        source_height: sh,
        exif_orientation: 1,
        scale_denominator: 1,
        sampled: sample,
        partial: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interlaced_rows_cover_the_frame_once() {
        for h in [1usize, 2, 3, 5, 8, 9, 17, 100] {
            let mut rows: Vec<usize> = (0..h).map(|n| interlaced_row(n, h)).collect();
            assert_eq!(interlaced_row(0, h), 0);
            rows.sort_unstable();
            assert_eq!(rows, (0..h).collect::<Vec<_>>(), "height {h}");
        }
        assert_eq!(interlaced_row(1, 16), 8);
        assert_eq!(interlaced_row(2, 16), 4);
    }
}
