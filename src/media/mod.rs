//! Bounded image decoding for hashing and classification.
//!
//! Every image that reaches the hashers passes through here:
//! - the header is read first and the pixel count checked against [`DecodeLimits`] before any
//!   pixel buffer is allocated (a decompression bomb is refused, not decoded);
//! - EXIF orientation is applied, so a photo hashes the way it is shown;
//! - every colour mode becomes 8-bit grey or RGB: palette and 1-bit expanded, 16-bit and float
//!   scaled with rounding, CMYK converted, alpha composited on white (what a viewer shows);
//! - JPEG is decoded by libjpeg-turbo, as Meta's reference and HMA do (see `jpeg`), and photos
//!   far larger than the hashers need are decoded at reduced scale in the DCT domain
//!   ([`decode_for_hashing`]), which skips most of the decoding work; at 1/8 scale our own
//!   DC-only decoder (`jpeg_dc`) does it, its entropy decoding split across threads (and for
//!   progressive files from the DC scans alone), with libjpeg kept for the JPEG variants it
//!   does not handle;
//! - memory stays bounded when decoding for hashing: PNG (`png_rows`), GIF (`gif_frames`) and
//!   full-size JPEG decodes stream rows into `sample::RowSink`, which keeps only PDQ's 512x512
//!   sample of an image over 4 MP (PDQ unchanged), and so do large uncompressed BMPs
//!   (`bmp_rows`, row by row) and chunky TIFFs (`tiff_rows`, strip or tile row by row); what
//!   is still decoded whole (lossless or animated WebP, RLE BMP, planar/CMYK/YCbCr TIFF) is
//!   refused over [`WHOLE_FRAME_BUDGET`]; JPEGs with more than 500 scans are refused;
//! - large lossy WebP goes to libwebp (`webp_scaled`, cargo feature `webp-libwebp`), which
//!   decodes it at reduced scale a macroblock row at a time; without the feature it is decoded
//!   whole by `image-webp`, within the budget;
//! - HEIC/HEIF and AVIF go to libheif (`heif`, cargo feature `heif`), TIFF to `image`
//!   (feature `tiff`); without the feature they are a typed `Unsupported` error.

// video: animated GIF/APNG/WebP frame iteration and raw app pixel buffers (issue 13).
mod anim_apng;
mod anim_canvas;
mod anim_gif;
mod anim_webp;
pub mod animation;
mod bmp_rows;
mod container;
mod convert;
mod gif_frames;
mod heif;
#[cfg(all(feature = "heif", feature = "video"))]
mod heif_ffmpeg;
#[cfg(feature = "heif")]
mod heif_grid;
#[cfg(all(feature = "heif", feature = "video"))]
mod heif_item;
#[cfg(feature = "heif")]
mod heif_refs;
mod jpeg;
mod jpeg_dc;
mod partial;
mod pixels;
mod png_rows;
pub mod reframe;
mod sample;
#[cfg(feature = "tiff")]
mod tiff_rows;
#[cfg(feature = "webp-libwebp")]
mod webp_scaled;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;
use thiserror::Error;

pub use convert::normalize;
pub use pixels::{Orientation, PixelBuffer, PixelError, PixelFormat};

/// Limits applied before and during decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Refuse encoded inputs larger than this many bytes.
    pub max_input_bytes: usize,
    /// Refuse images whose header claims more pixels than this (checked before decoding, on
    /// the full size even when a JPEG is then decoded at reduced scale).
    pub max_pixels: u64,
    /// Refuse images wider or taller than this.
    pub max_dimension: u32,
    /// Upper bound on the decoder's own allocations, in bytes.
    pub max_alloc_bytes: u64,
}

impl Default for DecodeLimits {
    /// 64 MiB of input, 64 megapixels decoded, 40 000 px a side, 512 MiB of decoder memory:
    /// enough for any phone photo, far below what a bomb claims.
    fn default() -> Self {
        DecodeLimits {
            max_input_bytes: 64 << 20,
            max_pixels: 64_000_000,
            max_dimension: 40_000,
            max_alloc_bytes: 512 << 20,
        }
    }
}

impl DecodeLimits {
    /// Refuses limits that would refuse every image: a zero byte, pixel, side or memory limit
    /// (any positive limit is a valid, if strict, choice). [`crate::Scanner::new`] calls it and
    /// returns [`crate::Error::Config`] naming the field.
    ///
    /// ```
    /// use preflight::media::DecodeLimits;
    /// assert!(DecodeLimits::default().validate().is_ok());
    /// let none = DecodeLimits { max_pixels: 0, ..DecodeLimits::default() };
    /// assert!(none.validate().unwrap_err().to_string().contains("decode_limits.max_pixels"));
    /// ```
    pub fn validate(&self) -> Result<(), crate::Error> {
        for (field, value) in [
            ("max_input_bytes", self.max_input_bytes as u64),
            ("max_pixels", self.max_pixels),
            ("max_dimension", u64::from(self.max_dimension)),
            ("max_alloc_bytes", self.max_alloc_bytes),
        ] {
            if value == 0 {
                return Err(crate::Error::Config(format!(
                    "decode_limits.{field}: 0 would refuse every image"
                )));
            }
        }
        Ok(())
    }
}

/// Why an image could not be decoded. (A truncated file that still holds a picture is not an
/// error: it decodes with [`DecodedImage::partial`] set.)
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MediaError {
    /// Zero bytes were given.
    #[error("the image is empty (0 bytes)")]
    Empty,
    /// The input is larger than the configured byte limit.
    #[error("the image is {bytes} bytes, over the {max}-byte limit")]
    InputTooLarge {
        /// Input size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a format this library decodes.
    #[error("unrecognised image format (supported: JPEG, PNG, WebP, GIF, BMP, and with their cargo features TIFF, HEIF/HEIC and AVIF)")]
    UnknownFormat,
    /// The header claims a zero width or height.
    #[error("the image header claims a {width}x{height} image, which has no pixels")]
    ZeroSize {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
    },
    /// The header claims more pixels than allowed: refused before decoding (a decompression
    /// bomb, or simply an image too large for a phone to hash).
    #[error(
        "the image header claims {width}x{height} ({pixels} pixels), over the limit of \
         {max_pixels} pixels / {max_dimension} px a side; refused before decoding"
    )]
    TooLarge {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
        /// width x height.
        pixels: u64,
        /// The pixel limit.
        max_pixels: u64,
        /// The side limit.
        max_dimension: u32,
    },
    /// The data is truncated or corrupt.
    #[error("the {format} image is corrupt or truncated: {detail}")]
    Corrupt {
        /// Format named by the header.
        format: &'static str,
        /// The decoder's message.
        detail: String,
        /// The decoder's own error, when there is one (`std::error::Error::source`).
        #[source]
        cause: Option<crate::BoxError>,
    },
    /// The decoder needed more memory than allowed.
    #[error("decoding the {format} image would need more memory than allowed: {detail}")]
    MemoryLimit {
        /// Format named by the header.
        format: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// The file's structure goes past a fixed limit (for example a JPEG with more scans than
    /// any encoder writes, each of which costs a pass over the image): refused, not decoded.
    #[error("the {format} image has more than {max} {what} ({count} seen); refused")]
    LimitExceeded {
        /// Format named by the header.
        format: &'static str,
        /// What was counted ("scans", ...).
        what: &'static str,
        /// How many were seen (counting stops just past the limit).
        count: u64,
        /// The limit.
        max: u64,
    },
    /// The format is recognised but this variant of it is not supported.
    #[error("unsupported {format} image: {detail}")]
    Unsupported {
        /// Format named by the header.
        format: &'static str,
        /// What is unsupported.
        detail: String,
    },
}

impl MediaError {
    /// The decoder's own error `e` as a corrupt-file error: its message as the detail, the
    /// error itself kept as the source.
    pub(crate) fn corrupt_from(
        format: &'static str,
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> MediaError {
        MediaError::Corrupt {
            format,
            detail: e.to_string(),
            cause: Some(Box::new(e)),
        }
    }
}

/// An image normalised for analysis: 8-bit grey or RGB, oriented as it is displayed.
#[derive(Clone)]
pub enum Pixels {
    /// Grey images stay grey (PDQ then uses the grey value directly, as its reference does).
    Luma8(image::GrayImage),
    /// Everything else.
    Rgb8(image::RgbImage),
}

impl std::fmt::Debug for Pixels {
    /// Size and mode only: pixel data never goes to logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self {
            Pixels::Luma8(_) => "Luma8",
            Pixels::Rgb8(_) => "Rgb8",
        };
        write!(f, "Pixels::{mode}({}x{})", self.width(), self.height())
    }
}

impl Pixels {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        match self {
            Pixels::Luma8(i) => i.width(),
            Pixels::Rgb8(i) => i.width(),
        }
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        match self {
            Pixels::Luma8(i) => i.height(),
            Pixels::Rgb8(i) => i.height(),
        }
    }

    /// A borrowed view for the PDQ hasher.
    pub fn as_pdq_input(&self) -> crate::hash::pdq::PixelsRef<'_> {
        match self {
            Pixels::Luma8(i) => crate::hash::pdq::PixelsRef::Luma8 {
                data: i.as_raw(),
                width: i.width() as usize,
                height: i.height() as usize,
            },
            Pixels::Rgb8(i) => crate::hash::pdq::PixelsRef::Rgb8 {
                data: i.as_raw(),
                width: i.width() as usize,
                height: i.height() as usize,
            },
        }
    }

    /// As an RGB image (grey expanded), e.g. for a classifier.
    pub fn to_rgb(&self) -> image::RgbImage {
        match self {
            Pixels::Luma8(i) => DynamicImage::ImageLuma8(i.clone()).into_rgb8(),
            Pixels::Rgb8(i) => i.clone(),
        }
    }

    /// Into an `image` crate dynamic image, without a copy.
    pub(crate) fn into_dynamic(self) -> DynamicImage {
        match self {
            Pixels::Luma8(i) => DynamicImage::ImageLuma8(i),
            Pixels::Rgb8(i) => DynamicImage::ImageRgb8(i),
        }
    }

    /// As an `image` crate dynamic image.
    pub fn to_dynamic(&self) -> DynamicImage {
        match self {
            Pixels::Luma8(i) => DynamicImage::ImageLuma8(i.clone()),
            Pixels::Rgb8(i) => DynamicImage::ImageRgb8(i.clone()),
        }
    }
}

/// A decoded image and what was done to it.
#[derive(Debug, Clone)]
pub struct DecodedImage {
    /// The pixels, oriented and in 8-bit grey or RGB.
    pub pixels: Pixels,
    /// The container format.
    pub format: &'static str,
    /// Width stated by the file header (before orientation and scaling).
    pub source_width: u32,
    /// Height stated by the file header.
    pub source_height: u32,
    /// EXIF orientation that was applied (1 = none, 2..=8 per the EXIF spec).
    pub exif_orientation: u8,
    /// 1 for a full decode; 2, 4 or 8 when a JPEG was decoded at reduced scale; for a large
    /// lossy WebP decoded at reduced scale (feature `webp-libwebp`), the factor its
    /// short side was divided by, rounded.
    pub scale_denominator: u8,
    /// True when a large image decoded for hashing kept only PDQ's 512x512 nearest-neighbour
    /// sample of the displayed image (see [`decode_for_hashing`]): PDQ is the same as on the
    /// full image, the pixels are 512x512 whatever the aspect ratio.
    pub sampled: bool,
    /// The file was truncated and only what it holds was decoded (a JPEG cut in or after its
    /// scan data, a PNG without IEND); the pixels are the part that was there.
    pub partial: bool,
}

/// Decodes at full resolution, within the limits.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<DecodedImage, MediaError> {
    decode_inner(bytes, limits, None, &jpeg_dc::Parallelism::auto()).map(|(d, _)| d)
}

/// Decodes for hashing: a JPEG whose short side is at least four times `min_side` is decoded
/// at the smallest DCT scale (1/8, 1/4, 3/8 or 1/2) that keeps both sides at or above
/// `min_side`; smaller JPEGs and other formats are decoded in full. PDQ passes 256
/// ([`crate::hash::PDQ_DECODE_MIN_SIDE`]): its result stays within a few bits of the full decode
/// while a 12 MP photo is decoded at 1/8 scale.
pub fn decode_for_hashing(
    bytes: &[u8],
    limits: &DecodeLimits,
    min_side: u32,
) -> Result<DecodedImage, MediaError> {
    decode_for_hashing_on(bytes, limits, min_side, None)
}

/// [`decode_for_hashing`] on at most `max_threads` threads (`None`: all available cores, at
/// most 8). Only the JPEG DC decoder splits its work across threads; `Some(1)` decodes on the
/// calling thread alone. The pixels are the same whatever the number of threads.
pub fn decode_for_hashing_on(
    bytes: &[u8],
    limits: &DecodeLimits,
    min_side: u32,
    max_threads: Option<std::num::NonZeroUsize>,
) -> Result<DecodedImage, MediaError> {
    let mut par = jpeg_dc::Parallelism::auto();
    if let Some(n) = max_threads {
        par.threads = n.get();
    }
    decode_inner(bytes, limits, Some(min_side.max(1)), &par).map(|(d, _)| d)
}

/// Benchmarks and tests only: [`decode_for_hashing`] with the 1/8-scale DC decoder (see
/// `media::jpeg_dc`) on exactly `threads` threads for any data size (`Some(0)` = as in
/// production; `None` = not at all, libjpeg decodes at 1/8 as before the DC decoder existed),
/// also returning whether that decoder was used (false: libjpeg decoded the image).
#[cfg(any(test, feature = "testing"))]
pub fn decode_for_hashing_threads(
    bytes: &[u8],
    limits: &DecodeLimits,
    min_side: u32,
    threads: Option<usize>,
) -> Result<(DecodedImage, bool), MediaError> {
    let par = match threads {
        Some(0) => jpeg_dc::Parallelism::auto(),
        Some(threads) => jpeg_dc::Parallelism {
            threads,
            min_bytes: 0,
            ..Default::default()
        },
        None => jpeg_dc::Parallelism {
            disabled: true,
            ..Default::default()
        },
    };
    decode_inner(bytes, limits, Some(min_side.max(1)), &par)
}

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Png => "PNG",
        ImageFormat::WebP => "WebP",
        ImageFormat::Gif => "GIF",
        ImageFormat::Bmp => "BMP",
        ImageFormat::Tiff => "TIFF",
        _ => "image",
    }
}

fn check_dims(width: u32, height: u32, limits: &DecodeLimits) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::ZeroSize { width, height });
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels || width > limits.max_dimension || height > limits.max_dimension {
        return Err(MediaError::TooLarge {
            width,
            height,
            pixels,
            max_pixels: limits.max_pixels,
            max_dimension: limits.max_dimension,
        });
    }
    Ok(())
}

fn map_image_error(format: &'static str, e: image::ImageError) -> MediaError {
    use image::ImageError as E;
    match e {
        E::Limits(l) => MediaError::MemoryLimit {
            format,
            detail: l.to_string(),
        },
        E::Unsupported(u) => MediaError::Unsupported {
            format,
            detail: u.to_string(),
        },
        other => MediaError::corrupt_from(format, other),
    }
}

/// What an image decoder that only returns whole frames (WebP, BMP, TIFF, HEIF) may hold when
/// decoding for hashing: its output buffer plus our normalised copy. Larger images of those
/// formats are refused with [`MediaError::MemoryLimit`] (PNG, GIF and JPEG are decoded row by
/// row and need no such cap).
pub(crate) const WHOLE_FRAME_BUDGET: u64 = 48 << 20;

/// Refuses a whole-frame decode of `width x height` needing `bytes_per_pixel` bytes a pixel
/// over `budget`.
pub(crate) fn check_whole_frame(
    format: &'static str,
    (width, height): (u32, u32),
    bytes_per_pixel: u64,
    budget: u64,
) -> Result<(), MediaError> {
    let need = u64::from(width) * u64::from(height) * bytes_per_pixel;
    if need > budget {
        return Err(MediaError::MemoryLimit {
            format,
            detail: format!(
                "the {format} decoder needs the whole {width}x{height} frame in memory \
                 ({} MB), over the {} MB allowed",
                need >> 20,
                budget >> 20
            ),
        });
    }
    Ok(())
}

fn decode_inner(
    bytes: &[u8],
    limits: &DecodeLimits,
    scaled_min_side: Option<u32>,
    par: &jpeg_dc::Parallelism,
) -> Result<(DecodedImage, bool), MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(MediaError::InputTooLarge {
            bytes: bytes.len(),
            max: limits.max_input_bytes,
        });
    }
    let for_hashing = scaled_min_side.is_some();
    if heif::is_heif(bytes) {
        return heif::decode(bytes, limits, for_hashing).map(|d| (d, false));
    }
    let format = image::guess_format(bytes).map_err(|_| MediaError::UnknownFormat)?;
    match format {
        // Truncated files: decode what is there, flagged partial (media::partial).
        ImageFormat::Jpeg => match container::jpeg_repair(bytes) {
            Some(repaired) => partial::decode_jpeg(&repaired, limits, scaled_min_side, par),
            None => jpeg::decode_with(bytes, limits, scaled_min_side, par),
        },
        ImageFormat::Png => {
            let complete = container::png(bytes)?;
            png_rows::decode(bytes, limits, for_hashing, !complete).map(|d| (d, false))
        }
        ImageFormat::Gif => gif_frames::decode(bytes, limits, for_hashing).map(|d| (d, false)),
        ImageFormat::WebP => {
            container::webp(bytes)?;
            whole_frame(bytes, format, limits, scaled_min_side).map(|d| (d, false))
        }
        ImageFormat::Bmp => whole_frame(bytes, format, limits, scaled_min_side).map(|d| (d, false)),
        #[cfg(feature = "tiff")]
        ImageFormat::Tiff => {
            whole_frame(bytes, format, limits, scaled_min_side).map(|d| (d, false))
        }
        #[cfg(not(feature = "tiff"))]
        ImageFormat::Tiff => Err(MediaError::Unsupported {
            format: "TIFF",
            detail: "this build has no TIFF decoder (cargo feature `tiff`)".into(),
        }),
        _ => Err(MediaError::UnknownFormat),
    }
}

/// A large image of a whole-frame format decoded without its whole frame, where the file
/// allows it: PDQ's sample row by row (uncompressed BMP, `bmp_rows`; strip or tile TIFF,
/// `tiff_rows`) or a scaled decode (lossy WebP, `webp_scaled`, short side at least `min_side`);
/// `None` otherwise. (`orientation` and `min_side` serve the WebP arm only.)
#[cfg_attr(not(feature = "webp-libwebp"), allow(unused_variables))]
fn rows_decoder(
    bytes: &[u8],
    format: ImageFormat,
    orientation: image::metadata::Orientation,
    min_side: u32,
) -> Result<Option<DecodedImage>, MediaError> {
    match format {
        #[cfg(feature = "webp-libwebp")]
        ImageFormat::WebP => {
            let f = webp_scaled::features(bytes)?;
            webp_scaled::handles(&f)
                .then(|| webp_scaled::decode(bytes, &f, orientation, min_side))
                .transpose()
        }
        ImageFormat::Bmp => bmp_rows::layout(bytes)
            .map(|l| bmp_rows::decode_sampled(bytes, &l))
            .transpose(),
        #[cfg(feature = "tiff")]
        ImageFormat::Tiff => tiff_rows::decode_sampled(bytes),
        _ => Ok(None),
    }
}

/// Why a large WebP needs its whole frame (for the refusal's message).
fn webp_whole_frame_reason(bytes: &[u8]) -> &'static str {
    // The first picture chunk, walking the top-level chunks from the first one.
    let mut at = 12usize;
    let mut lossless = false;
    while let Some(head) = bytes.get(at..at + 8) {
        match &head[..4] {
            b"VP8L" => lossless = true,
            b"VP8 " => {}
            _ => {
                let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
                at = at
                    .saturating_add(8)
                    .saturating_add(len)
                    .saturating_add(len & 1);
                continue;
            }
        }
        break;
    }
    if lossless {
        "; lossless WebP (VP8L) keeps the whole ARGB image: its backward references reach \
         anywhere above the current pixel"
    } else if cfg!(feature = "webp-libwebp") {
        ""
    } else {
        "; this build decodes large lossy WebP at reduced scale only with cargo feature \
         `webp-libwebp`"
    }
}

/// Decodes a format whose decoder returns only whole frames (WebP, BMP, TIFF) through
/// `image`, within [`WHOLE_FRAME_BUDGET`] when decoding for hashing (`scaled_min_side` set);
/// a large result is then sampled for PDQ. Large files that can be read without their whole
/// frame go to [`rows_decoder`] instead.
fn whole_frame(
    bytes: &[u8],
    format: ImageFormat,
    limits: &DecodeLimits,
    scaled_min_side: Option<u32>,
) -> Result<DecodedImage, MediaError> {
    let for_hashing = scaled_min_side.is_some();
    let name = format_name(format);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_alloc_bytes);
    image_limits.max_image_width = Some(limits.max_dimension);
    image_limits.max_image_height = Some(limits.max_dimension);
    reader.limits(image_limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            let (width, height) = container::claimed_size(bytes).unwrap_or((0, 0));
            MediaError::TooLarge {
                width,
                height,
                pixels: u64::from(width) * u64::from(height),
                max_pixels: limits.max_pixels,
                max_dimension: limits.max_dimension,
            }
        }
        other => map_image_error(name, other),
    })?;
    let (width, height) = decoder.dimensions();
    check_dims(width, height, limits)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    if let Some(min_side) = scaled_min_side.filter(|_| sample::should_sample(width, height)) {
        if let Some(rows) = rows_decoder(bytes, format, orientation, min_side)? {
            return Ok(rows);
        }
    }
    if for_hashing {
        // The decoder's output, its own working planes (WebP keeps its YUV or ARGB frame
        // beside it, at most 4 bytes a pixel), and our 8-bit copy when the output is not
        // already 8-bit grey or RGB (which `normalize` takes over without copying).
        let color = decoder.color_type();
        let out = u64::from(color.bytes_per_pixel());
        let working = if format == ImageFormat::WebP { 4 } else { 0 };
        let copy = if matches!(color, image::ColorType::L8 | image::ColorType::Rgb8) {
            0
        } else {
            3
        };
        check_whole_frame(
            name,
            (width, height),
            out + working + copy,
            WHOLE_FRAME_BUDGET,
        )
        .map_err(|e| match e {
            MediaError::MemoryLimit { format, detail } if format == "WebP" => {
                MediaError::MemoryLimit {
                    format,
                    detail: detail + webp_whole_frame_reason(bytes),
                }
            }
            other => other,
        })?;
    }
    let img = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(name, e))?;
    let sampled = for_hashing && sample::should_sample(width, height);
    let mut img = convert::normalize(img).into_dynamic();
    if sampled {
        img = sample::sample_image(&img, orientation);
    }
    img.apply_orientation(orientation);
    Ok(DecodedImage {
        pixels: convert::normalize(img),
        format: name,
        source_width: width,
        source_height: height,
        exif_orientation: orientation_number(orientation),
        scale_denominator: 1,
        sampled,
        partial: false,
    })
}

/// The EXIF number (1..=8) of an orientation.
fn orientation_number(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => 1,
        O::FlipHorizontal => 2,
        O::Rotate180 => 3,
        O::FlipVertical => 4,
        O::Rotate90FlipH => 5,
        O::Rotate90 => 6,
        O::Rotate270FlipH => 7,
        O::Rotate270 => 8,
    }
}
