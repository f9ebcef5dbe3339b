//! Large lossy WebP decoded for hashing at reduced scale by libwebp (cargo feature
//! `webp-libwebp`), so that it is hashed in bounded memory instead of refused (issue 12:
//! refusing it was an evasion).
//!
//! `image-webp` (the pure-Rust decoder `image` uses) returns only whole frames: a 24 MP photo is
//! 72 MB of RGB plus its YUV planes. libwebp's advanced API (`WebPDecode` with
//! `options.use_scaling`) reconstructs the VP8 picture one macroblock row at a time into a small
//! cache and hands each row to its area-averaging rescaler, so only a few rows at full width and
//! the scaled output are ever held. The output keeps the aspect ratio at an integer factor
//! ([`scaled_size`]), its short side at least [`MIN_SIDE`], like the DCT-scaled JPEG path; PDQ
//! then samples it as it samples any image. PDQ of the scaled decode is not the full decode's bit
//! for bit: tests/it/image_decode_webp.rs measures the distance on registry photos and bounds it.
//!
//! Cut-over: only pictures over 4 MP (`sample::should_sample`, where PDQ would sample anyway)
//! come here. Smaller ones stay on `image-webp`'s full decode, so their hashes are the same
//! with and without the feature, and the same as in the mobile build, which does not carry
//! libwebp; and the whole-frame budget already admits them.
//!
//! What stays on the whole-frame path and its budget (`super::WHOLE_FRAME_BUDGET`): lossless
//! WebP (VP8L), whose backward references reach anywhere above the current pixel, so libwebp
//! too keeps the whole ARGB image; animations (frame by frame in `animation`). A lossy picture
//! with an alpha channel (`ALPH`) is decoded here, but libwebp keeps its alpha plane whole (one
//! byte a pixel), which is checked against the same budget.

use super::{check_whole_frame, DecodedImage, MediaError, WHOLE_FRAME_BUDGET};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage, RgbaImage};
use libwebp_sys as webp;
use std::ffi::c_int;

const NAME: &str = "WebP";

/// Smallest short side of the scaled decode: twice PDQ's 512x512 sample. Measured on 11
/// registry photos at ~9 MP (libwebp q 85; tests/it/image_decode_webp.rs), PDQ distance to the
/// full decode, sorted: at 1024 `[0, 2, 2, 2, 2, 2, 2, 4, 4, 4, 6]`; at 512
/// `[2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 8]`; at 256 (the JPEG path's minimum) up to 26.
pub(super) const MIN_SIDE: u32 = 1024;

/// Most pixels of the scaled output (16 MB as RGBA): a very long image (a panorama) keeps its
/// short side and is squeezed further along the long one.
const MAX_OUT_PIXELS: u64 = 4_000_000;

/// Bytes libwebp holds per pixel of width while decoding (its macroblock cache and rescaler
/// rows), for the budget check: generous.
const WORKING_BYTES_PER_COLUMN: u64 = 256;

/// What libwebp's header parse says about a WebP file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Features {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) has_alpha: bool,
    pub(super) animated: bool,
    /// The picture is VP8 (lossy); false for VP8L (lossless) or an animation's mixed frames.
    pub(super) lossy: bool,
}

fn status_error(status: webp::VP8StatusCode, what: &str) -> MediaError {
    use webp::VP8StatusCode as S;
    let detail = match status {
        S::VP8_STATUS_OUT_OF_MEMORY => {
            return MediaError::MemoryLimit {
                format: NAME,
                detail: format!("libwebp ran out of memory {what}"),
            }
        }
        S::VP8_STATUS_UNSUPPORTED_FEATURE => {
            return MediaError::Unsupported {
                format: NAME,
                detail: format!("libwebp: unsupported feature {what}"),
            }
        }
        S::VP8_STATUS_NOT_ENOUGH_DATA => format!("libwebp: the data ends early {what}"),
        S::VP8_STATUS_BITSTREAM_ERROR => format!("libwebp: bitstream error {what}"),
        other => format!("libwebp: {other:?} {what}"),
    };
    MediaError::Corrupt {
        format: NAME,
        detail,
        cause: None,
    }
}

/// libwebp's reading of the headers (no pixel is decoded).
pub(super) fn features(bytes: &[u8]) -> Result<Features, MediaError> {
    let mut f = webp::WebPBitstreamFeatures {
        width: 0,
        height: 0,
        has_alpha: 0,
        has_animation: 0,
        format: 0,
        pad: [0; 5],
    };
    // SAFETY: `bytes` is a live slice of the given length and `f` a valid out-parameter;
    // libwebp only reads the headers.
    let status = unsafe { webp::WebPGetFeatures(bytes.as_ptr(), bytes.len(), &mut f) };
    if status != webp::VP8StatusCode::VP8_STATUS_OK {
        return Err(status_error(status, "in the headers"));
    }
    let side = |v: c_int| u32::try_from(v).unwrap_or(0);
    Ok(Features {
        width: side(f.width),
        height: side(f.height),
        has_alpha: f.has_alpha != 0,
        animated: f.has_animation != 0,
        lossy: f.format == 1,
    })
}

/// The scaled output size for a `width x height` picture, and the factor its sides were divided
/// by: the short side brought down to `min_side` (kept when it is not larger), aspect ratio
/// kept; then, if that still leaves more than [`MAX_OUT_PIXELS`], the long side squeezed to fit.
pub(super) fn scaled_size(width: u32, height: u32, min_side: u32) -> (u32, u32, f64) {
    let short = width.min(height);
    let factor = (f64::from(short) / f64::from(min_side.max(1))).max(1.0);
    let side = |v: u32| ((f64::from(v) / factor).round() as u32).clamp(1, v);
    let (mut w, mut h) = (side(width), side(height));
    if u64::from(w) * u64::from(h) > MAX_OUT_PIXELS {
        let fit = |other: u32| u32::try_from(MAX_OUT_PIXELS / u64::from(other.max(1))).unwrap_or(1);
        if w >= h {
            w = fit(h).max(h);
        } else {
            h = fit(w).max(w);
        }
    }
    (w, h, factor)
}

/// Whether this module decodes the file (a still, lossy picture) when hashing.
pub(super) fn handles(f: &Features) -> bool {
    f.lossy && !f.animated
}

/// Decodes `bytes` (a still lossy WebP whose headers gave `f`) at reduced scale, oriented as
/// `orientation` says (the file's EXIF). `min_side`: what the caller asks of the short side
/// (at least [`MIN_SIDE`] is kept whatever it asks).
pub(super) fn decode(
    bytes: &[u8],
    f: &Features,
    orientation: Orientation,
    min_side: u32,
) -> Result<DecodedImage, MediaError> {
    let (ow, oh, factor) = scaled_size(f.width, f.height, min_side.max(MIN_SIDE));
    let channels: u64 = if f.has_alpha { 4 } else { 3 };
    let out_bytes = u64::from(ow) * u64::from(oh) * channels;
    let working = u64::from(f.width) * WORKING_BYTES_PER_COLUMN + out_bytes;
    if f.has_alpha {
        // libwebp's whole alpha plane, one byte a pixel, beside the output.
        check_whole_frame(
            NAME,
            (f.width, f.height),
            1,
            WHOLE_FRAME_BUDGET.saturating_sub(working),
        )?;
    }
    let mut out = vec![0u8; usize::try_from(out_bytes).unwrap_or(usize::MAX)];
    decode_into(bytes, (ow, oh), f.has_alpha, &mut out)?;
    let mut img = if f.has_alpha {
        RgbaImage::from_raw(ow, oh, out).map(DynamicImage::ImageRgba8)
    } else {
        RgbImage::from_raw(ow, oh, out).map(DynamicImage::ImageRgb8)
    }
    .ok_or_else(|| MediaError::Corrupt {
        format: NAME,
        detail: "libwebp returned a short image".into(),
        cause: None,
    })?;
    img = super::convert::normalize(img).into_dynamic();
    img.apply_orientation(orientation);
    Ok(DecodedImage {
        pixels: super::convert::normalize(img),
        format: NAME,
        source_width: f.width,
        source_height: f.height,
        exif_orientation: super::orientation_number(orientation),
        scale_denominator: factor.round().clamp(1.0, 255.0) as u8,
        sampled: false,
        partial: false,
    })
}

/// libwebp's scaled decode of `bytes` to `w x h` RGB (or RGBA with `alpha`) into `out`, which
/// holds exactly that many pixels.
fn decode_into(
    bytes: &[u8],
    (w, h): (u32, u32),
    alpha: bool,
    out: &mut [u8],
) -> Result<(), MediaError> {
    let mut config = webp::WebPDecoderConfig::new().map_err(|()| MediaError::Unsupported {
        format: NAME,
        detail: "the linked libwebp has another decoder ABI version".into(),
    })?;
    let too_large = || MediaError::MemoryLimit {
        format: NAME,
        detail: format!("a {w}x{h} scaled output does not fit libwebp's int sizes"),
    };
    let channels = if alpha { 4 } else { 3 };
    let stride = c_int::try_from(u64::from(w) * channels).map_err(|_| too_large())?;
    config.options.use_scaling = 1;
    config.options.scaled_width = c_int::try_from(w).map_err(|_| too_large())?;
    config.options.scaled_height = c_int::try_from(h).map_err(|_| too_large())?;
    config.output.colorspace = if alpha {
        webp::WEBP_CSP_MODE::MODE_RGBA
    } else {
        webp::WEBP_CSP_MODE::MODE_RGB
    };
    config.output.is_external_memory = 1;
    config.output.u.RGBA = webp::WebPRGBABuffer {
        rgba: out.as_mut_ptr(),
        stride,
        size: out.len(),
    };
    // SAFETY: `bytes` is a live slice of the given length; the output buffer is `out`, which
    // libwebp checks against `stride * h` (`size`) before writing and never frees (external
    // memory). libwebp reports every failure by status code (no unwinding, no longjmp).
    let status = unsafe { webp::WebPDecode(bytes.as_ptr(), bytes.len(), &mut config) };
    // SAFETY: `config.output` was initialised by WebPInitDecoderConfig; with external memory
    // this frees nothing of ours.
    unsafe { webp::WebPFreeDecBuffer(&mut config.output) };
    if status != webp::VP8StatusCode::VP8_STATUS_OK {
        return Err(status_error(status, "while decoding"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_sizes_keep_the_short_side_and_bound_the_output() {
        let size = |w, h| {
            let (w, h, _) = scaled_size(w, h, 1024);
            (w, h)
        };
        assert_eq!(size(6000, 4000), (1536, 1024));
        assert_eq!(size(8000, 8000), (1024, 1024));
        assert_eq!(size(4000, 6000), (1024, 1536));
        assert_eq!(size(2500, 2000), (1280, 1024));
        // Short side under the minimum: not scaled, but a panorama is squeezed to 4 MP.
        assert_eq!(scaled_size(40_000, 1000, 1024), (4000, 1000, 1.0));
        assert_eq!(size(1000, 16_383), (1000, 4000));
        for (w, h) in [(16_383, 16_383), (40_000, 1600), (2001, 2000), (9000, 7000)] {
            let (ow, oh, _) = scaled_size(w, h, 1024);
            assert!(u64::from(ow) * u64::from(oh) <= MAX_OUT_PIXELS, "{w}x{h}");
            assert!(ow.min(oh) >= 1024.min(w.min(h)), "{w}x{h}: {ow}x{oh}");
        }
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            features(b"RIFF\x10\0\0\0WEBPVP8 \x04\0\0\0abcd"),
            Err(MediaError::Corrupt { .. })
        ));
        assert!(features(b"").is_err());
    }
}
