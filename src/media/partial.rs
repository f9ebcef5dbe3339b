//! Truncated files: decode what is there, and say so.
//!
//! A JPEG without its end-of-image marker, or cut inside its entropy-coded data, and a PNG
//! without IEND, or cut inside IDAT, are shown by every viewer (the missing part grey or
//! absent). Refusing them let a one-byte edit evade every list (issue 12), so the scanner
//! decodes them instead and marks the result [`DecodedImage::partial`]; the evidence of any
//! match then carries `partial: true`.
//!
//! - JPEG: `container::jpeg_repair` ends the scan data with an EOI marker; libjpeg decodes the
//!   scan up to the cut and fills the rest with blocks whose coefficients are all zero (flat
//!   grey). Those exactly constant lines are replaced here by copies of the last decoded line.
//! - PNG: `png_rows` decodes rows one by one until the data ends (sampled for hashing like a
//!   complete file, so a huge cut PNG stays within the same memory); the missing rows are
//!   copies of the last complete one (interlaced PNGs, whose early rows are spread over the
//!   whole file, are refused).
//!
//! Why extend the last line rather than crop to what was decoded: PDQ moves by ~40 bits when a
//! picture is cropped by 1-2% (its DCT basis is stretched over the whole frame), while a few
//! wrong rows at the full size move it by a handful. Measured on the evaluation set of
//! `tests/it/image_match_resharing.rs`.

use super::{jpeg, jpeg_dc::Parallelism, DecodeLimits, DecodedImage, MediaError, Pixels};

/// Decodes a JPEG whose scan data was cut, after `container::jpeg_repair` ended it.
pub(super) fn decode_jpeg(
    repaired: &[u8],
    limits: &DecodeLimits,
    scaled_min_side: Option<u32>,
    par: &Parallelism,
) -> Result<(DecodedImage, bool), MediaError> {
    let decoded = match jpeg::decode_with(repaired, limits, scaled_min_side, par) {
        Ok(d) => d,
        // The DC-only decoder may stop at the cut; libjpeg pads it.
        Err(_) if !par.disabled => {
            let libjpeg = Parallelism {
                disabled: true,
                ..Default::default()
            };
            jpeg::decode_with(repaired, limits, scaled_min_side, &libjpeg)?
        }
        Err(e) => return Err(e),
    };
    let (mut img, dc) = decoded;
    img.pixels = extend_constant_edges(img.pixels);
    img.partial = true;
    Ok((img, dc))
}

/// Whether every pixel of row `y` is the same.
fn row_constant(p: &Pixels, y: u32) -> bool {
    match p {
        Pixels::Luma8(g) => {
            let row = &g.as_raw()[y as usize * g.width() as usize..][..g.width() as usize];
            row.iter().all(|v| *v == row[0])
        }
        Pixels::Rgb8(c) => {
            let row = &c.as_raw()[y as usize * c.width() as usize * 3..][..c.width() as usize * 3];
            row.chunks_exact(3).all(|v| v == &row[..3])
        }
    }
}

/// Turns the picture a quarter turn (clockwise `n` times): lets one routine handle every side.
fn turn(p: Pixels, n: u8) -> Pixels {
    let once = |p: Pixels| match p {
        Pixels::Luma8(g) => Pixels::Luma8(image::imageops::rotate90(&g)),
        Pixels::Rgb8(c) => Pixels::Rgb8(image::imageops::rotate90(&c)),
    };
    (0..n).fold(p, |p, _| once(p))
}

/// Replaces the run of exactly constant rows at the bottom by copies of the last other row.
fn extend_bottom(p: &mut Pixels) -> bool {
    let h = p.height();
    let mut last = h;
    while last > 1 && row_constant(p, last - 1) {
        last -= 1;
    }
    if last == h || last <= 1 {
        return false;
    }
    match p {
        Pixels::Luma8(g) => {
            let w = g.width() as usize;
            let (head, tail) = g.split_at_mut(last as usize * w);
            let src = &head[(last as usize - 1) * w..];
            tail.chunks_exact_mut(w)
                .for_each(|r| r.copy_from_slice(src));
        }
        Pixels::Rgb8(c) => {
            let w = c.width() as usize * 3;
            let (head, tail) = c.split_at_mut(last as usize * w);
            let src = &head[(last as usize - 1) * w..];
            tail.chunks_exact_mut(w)
                .for_each(|r| r.copy_from_slice(src));
        }
    }
    true
}

/// libjpeg's filler for the missing blocks is at the bottom of the coded image, so on any side
/// once EXIF orientation is applied: each side's constant run (if any) is replaced by copies
/// of the line next to it.
fn extend_constant_edges(p: Pixels) -> Pixels {
    let mut p = p;
    for _ in 0..4 {
        extend_bottom(&mut p);
        p = turn(p, 1);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;

    #[test]
    fn constant_filler_lines_become_copies_of_the_last_decoded_line() {
        let img = GrayImage::from_fn(20, 30, |x, y| {
            image::Luma([if y >= 24 { 128 } else { (x * 10 + y) as u8 }])
        });
        let out = extend_constant_edges(Pixels::Luma8(img));
        let Pixels::Luma8(g) = out else {
            panic!("grey stays grey")
        };
        assert_eq!(g.dimensions(), (20, 30));
        for x in 0..20 {
            assert_eq!(g.get_pixel(x, 29).0[0], (x * 10 + 23) as u8);
            assert_eq!(g.get_pixel(x, 3).0[0], (x * 10 + 3) as u8);
        }
        let flat = GrayImage::from_pixel(5, 5, image::Luma([9]));
        let out = extend_constant_edges(Pixels::Luma8(flat.clone()));
        assert_eq!(out.to_rgb(), Pixels::Luma8(flat).to_rgb());
    }
}
