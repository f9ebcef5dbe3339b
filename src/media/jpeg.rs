//! JPEG decoding with libjpeg-turbo's decoder (through the `mozjpeg` crate, a libjpeg-turbo
//! fork built from source by `cc`).
//!
//! Why not a pure-Rust decoder: Meta's PDQ reference, HMA's pip `pdqhash` and Pillow all decode
//! JPEG with libjpeg-turbo, and the pure-Rust decoders (zune-jpeg, jpeg-decoder) round their
//! IDCT and upsampling differently by a level or two, which moves small images' PDQ hashes
//! by a few bits. Decoding the same way as the tools that built the hash lists makes our hashes
//! bit-identical to theirs. libjpeg-turbo also decodes at 1/8..7/8 scale in the DCT domain,
//! which makes large photos cheap to hash.
//!
//! libjpeg reports fatal errors by unwinding (the crate's error manager); every call into it is
//! wrapped in `catch_unwind`, so corrupt input becomes a [`MediaError`], never a crash. libjpeg
//! silently pads a truncated file with grey; `container::jpeg` refuses such files first.

use super::jpeg_dc::{DcError, Parallelism, MAX_SCANS};
use super::sample::{should_sample, RowSink};
use super::{check_dims, DecodeLimits, DecodedImage, MediaError};
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, RgbImage};
use mozjpeg::{ColorSpace, Decompress, Marker};
use std::panic::{catch_unwind, AssertUnwindSafe};

const NAME: &str = "JPEG";

fn corrupt(detail: impl Into<String>) -> MediaError {
    MediaError::Corrupt {
        format: NAME,
        detail: detail.into(),
        cause: None,
    }
}

/// The DCT scale `m/8` to decode at, if any: only for images whose short side is at least
/// four times `min_side` (smaller ones are decoded in full, which keeps their hashes identical
/// to the reference's), then the smallest m in 1..=4 keeping both sides at or above `min_side`.
fn pick_numerator(width: u32, height: u32, min_side: u32) -> Option<u8> {
    if u64::from(width.min(height)) < 4 * u64::from(min_side) {
        return None;
    }
    (1u8..=4).find(|&m| {
        let scaled = |d: u32| (u64::from(d) * u64::from(m)).div_ceil(8);
        scaled(width) >= u64::from(min_side) && scaled(height) >= u64::from(min_side)
    })
}

/// CMYK (as libjpeg outputs it) to RGB. Adobe (Photoshop) files store CMYK inverted.
fn cmyk_to_rgb(data: &[u8], width: u32, height: u32, adobe_inverted: bool) -> Option<RgbImage> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    for px in data.chunks_exact(4) {
        let k = u32::from(px[3]);
        for &c in &px[..3] {
            let c = u32::from(c);
            let v = if adobe_inverted {
                c * k
            } else {
                (255 - c) * (255 - k)
            };
            out.push(((v + 127) / 255) as u8);
        }
    }
    RgbImage::from_raw(width, height, out)
}

/// The orientation stated by an APP1 segment's EXIF data, if it is one.
pub(super) fn exif_orientation(app1: &[u8]) -> Option<Orientation> {
    Orientation::from_exif_chunk(app1.strip_prefix(b"Exif\0\0")?)
}

/// The decoded image, oriented for display, with what was done to it.
fn finish(
    mut img: DynamicImage,
    orientation: Orientation,
    (width, height): (u32, u32),
    numerator: Option<u8>,
    sampled: bool,
) -> DecodedImage {
    img.apply_orientation(orientation);
    DecodedImage {
        pixels: super::convert::normalize(img),
        format: NAME,
        source_width: width,
        source_height: height,
        exif_orientation: super::orientation_number(orientation),
        scale_denominator: numerator.map_or(1, |m| 8 / m.max(1)),
        sampled,
        partial: false,
    }
}

/// What libjpeg may hold whole when decoding for hashing: the coefficient buffer of a
/// multi-scan (progressive) file, 128 bytes per block of every component. Over it, a
/// progressive file is decoded from its DC scans at 1/8 scale instead.
const HASH_COEFFICIENT_BUDGET: u64 = 24 << 20;

/// Why `decode_unguarded` gave up.
enum Failure {
    Media(MediaError),
    /// A multi-scan file whose coefficient buffer (this many bytes) is over the budget.
    Coefficients(u64),
}

impl From<MediaError> for Failure {
    fn from(e: MediaError) -> Self {
        Failure::Media(e)
    }
}

fn coefficient_refusal(bytes: u64, budget: u64) -> MediaError {
    MediaError::MemoryLimit {
        format: NAME,
        detail: format!(
            "this multi-scan JPEG needs a {} MB coefficient buffer, over the {} MB allowed",
            bytes >> 20,
            budget >> 20
        ),
    }
}

/// Decodes a JPEG. With `scale_min_side` (decoding for hashing), decodes at the smallest DCT
/// scale keeping both sides at or above it (no scaling when the image is not larger), keeps
/// only PDQ's sample of a large output (`sample`), and bounds what libjpeg buffers. At 1/8
/// scale the DC-only decoder (`jpeg_dc`, threads as `par` says) is tried first; the JPEG
/// variants it does not handle go to libjpeg. Also says whether the DC decoder was used.
pub(super) fn decode_with(
    bytes: &[u8],
    limits: &DecodeLimits,
    scale_min_side: Option<u32>,
    par: &Parallelism,
) -> Result<(DecodedImage, bool), MediaError> {
    let (claimed_w, claimed_h) = super::container::jpeg(bytes)?;
    check_dims(claimed_w, claimed_h, limits)?;
    let scans = super::jpeg_dc::count_scans(bytes);
    if scans > MAX_SCANS {
        return Err(MediaError::LimitExceeded {
            format: NAME,
            what: "scans",
            count: scans as u64,
            max: MAX_SCANS as u64,
        });
    }
    let numerator = scale_min_side.and_then(|min| pick_numerator(claimed_w, claimed_h, min));
    let dc_only = |bytes: &[u8]| match super::jpeg_dc::decode(bytes, limits, par) {
        Ok(d) => Ok(Some((
            finish(d.image, d.orientation, (d.width, d.height), Some(1), false),
            true,
        ))),
        Err(DcError::Failed(e)) => Err(e),
        Err(DcError::Unsupported(_)) => Ok(None),
    };
    if numerator == Some(1) && !par.disabled {
        if let Some(done) = dc_only(bytes)? {
            return Ok(done);
        }
    }
    let budget = if scale_min_side.is_some() {
        HASH_COEFFICIENT_BUDGET
    } else {
        limits.max_alloc_bytes
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        decode_unguarded(bytes, limits, scale_min_side, scans > 1, budget)
    }));
    match result {
        Ok(Ok(d)) => Ok((d, false)),
        Ok(Err(Failure::Media(e))) => Err(e),
        Ok(Err(Failure::Coefficients(need))) => {
            if scale_min_side.is_some() && !par.disabled && numerator != Some(1) {
                if let Some(done) = dc_only(bytes)? {
                    return Ok(done);
                }
            }
            Err(coefficient_refusal(need, budget))
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "libjpeg failed".to_string());
            Err(corrupt(
                msg.trim_start_matches("libjpeg fatal error: ").to_string(),
            ))
        }
    }
}

/// Bytes of libjpeg's whole-image coefficient buffer: 64 coefficients of 2 bytes for every
/// block of every component, padded to whole MCUs (`jdcoefct.c`).
fn coefficient_bytes(comps: &[mozjpeg::CompInfo]) -> u64 {
    comps
        .iter()
        .map(|c| {
            let pad = |n: u32, f: i32| u64::from(n).next_multiple_of(u64::from(f.max(1) as u32));
            pad(c.width_in_blocks, c.h_samp_factor) * pad(c.height_in_blocks, c.v_samp_factor) * 128
        })
        .sum()
}

/// Reads every scanline, keeping PDQ's sample only (see `sample`); `channels` is libjpeg's
/// output (1 grey, 3 RGB, 4 CMYK).
fn read_sampled<R: std::io::BufRead>(
    started: &mut mozjpeg::decompress::DecompressStarted<R>,
    (ow, oh): (u32, u32),
    channels: usize,
    adobe: bool,
    orientation: Orientation,
) -> Result<DynamicImage, MediaError> {
    let mut sink = RowSink::new(ow, oh, channels.min(3), orientation, true);
    let mut row = vec![0u8; ow as usize * channels];
    for y in 0..oh as usize {
        started
            .read_scanlines_into::<u8>(&mut row)
            .map_err(|e| MediaError::corrupt_from(NAME, e))?;
        if !sink.wants(y) {
            continue;
        }
        if channels == 4 {
            let rgb = cmyk_to_rgb(&row, ow, 1, adobe).ok_or_else(|| corrupt("short read"))?;
            sink.push(y, rgb.as_raw());
        } else {
            sink.push(y, &row);
        }
    }
    Ok(sink.finish())
}

fn decode_unguarded(
    bytes: &[u8],
    limits: &DecodeLimits,
    scale_min_side: Option<u32>,
    multi_scan: bool,
    coefficient_budget: u64,
) -> Result<DecodedImage, Failure> {
    let mut dec = Decompress::with_markers(&[Marker::APP(1), Marker::APP(14)])
        .from_mem(bytes)
        .map_err(|e| MediaError::corrupt_from(NAME, e))?;
    let (w, h) = dec.size();
    let width = u32::try_from(w).unwrap_or(u32::MAX);
    let height = u32::try_from(h).unwrap_or(u32::MAX);
    check_dims(width, height, limits)?;
    if multi_scan {
        let need = coefficient_bytes(dec.components());
        if need > coefficient_budget {
            return Err(Failure::Coefficients(need));
        }
    }

    let mut orientation = Orientation::NoTransforms;
    let mut adobe = false;
    for m in dec.markers() {
        match m.marker {
            Marker::APP(1) => {
                if let Some(o) = exif_orientation(m.data) {
                    orientation = o;
                }
            }
            Marker::APP(14) => adobe |= m.data.starts_with(b"Adobe"),
            _ => {}
        }
    }

    let numerator = scale_min_side.and_then(|min| pick_numerator(width, height, min));
    if let Some(m) = numerator {
        dec.scale(m);
    }
    // Grey stays grey, CMYK/YCCK comes out as CMYK (converted below), everything else as RGB.
    let out_space = match dec.color_space() {
        ColorSpace::JCS_GRAYSCALE => ColorSpace::JCS_GRAYSCALE,
        ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK => ColorSpace::JCS_CMYK,
        _ => ColorSpace::JCS_RGB,
    };
    let mut started = dec
        .to_colorspace(out_space)
        .map_err(|e| MediaError::corrupt_from(NAME, e))?;
    let (ow, oh) = (started.width() as u32, started.height() as u32);
    let channels = match out_space {
        ColorSpace::JCS_GRAYSCALE => 1,
        ColorSpace::JCS_CMYK => 4,
        _ => 3,
    };
    if scale_min_side.is_some() && should_sample(ow, oh) {
        let img = read_sampled(&mut started, (ow, oh), channels, adobe, orientation)?;
        started
            .finish()
            .map_err(|e| MediaError::corrupt_from(NAME, e))?;
        return Ok(finish(img, orientation, (width, height), numerator, true));
    }
    let data = started
        .read_scanlines::<u8>()
        .map_err(|e| MediaError::corrupt_from(NAME, e))?;
    started
        .finish()
        .map_err(|e| MediaError::corrupt_from(NAME, e))?;
    let pixels = match channels {
        1 => GrayImage::from_raw(ow, oh, data).map(DynamicImage::ImageLuma8),
        4 => cmyk_to_rgb(&data, ow, oh, adobe).map(DynamicImage::ImageRgb8),
        _ => RgbImage::from_raw(ow, oh, data).map(DynamicImage::ImageRgb8),
    }
    .ok_or_else(|| corrupt("short read"))?;
    Ok(finish(
        pixels,
        orientation,
        (width, height),
        numerator,
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerators_keep_both_sides_above_the_minimum() {
        assert_eq!(pick_numerator(4032, 3024, 256), Some(1));
        assert_eq!(pick_numerator(4032, 3024, 512), Some(2));
        assert_eq!(pick_numerator(1600, 1004, 256), None);
        assert_eq!(pick_numerator(2000, 1404, 256), Some(2));
        assert_eq!(pick_numerator(8192, 1024, 256), Some(2));
        assert_eq!(pick_numerator(500, 4000, 256), None);
    }

    #[test]
    fn cmyk_conversion_handles_adobe_inversion() {
        let plain = cmyk_to_rgb(&[0, 0, 0, 0], 1, 1, false).unwrap();
        assert_eq!(plain.get_pixel(0, 0).0, [255, 255, 255]);
        let inverted = cmyk_to_rgb(&[255, 255, 255, 255], 1, 1, true).unwrap();
        assert_eq!(inverted.get_pixel(0, 0).0, [255, 255, 255]);
    }
}
