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
//!   DC-only decoder (`jpeg_dc`) does it, its entropy decoding split across threads, with
//!   libjpeg kept for the JPEG variants it does not handle.

// video: animated GIF/APNG/WebP frame iteration and raw app pixel buffers (issue 13).
pub mod animation;
mod container;
mod convert;
mod jpeg;
mod jpeg_dc;
mod pixels;

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

/// Why an image could not be decoded. Nothing is partially returned.
#[derive(Debug, Error)]
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
    #[error("unrecognised image format (supported: JPEG, PNG, WebP, GIF, BMP)")]
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
    },
    /// The decoder needed more memory than allowed.
    #[error("decoding the {format} image would need more memory than allowed: {detail}")]
    MemoryLimit {
        /// Format named by the header.
        format: &'static str,
        /// The decoder's message.
        detail: String,
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
    /// 1 for a full decode; 2, 4 or 8 when a JPEG was decoded at reduced scale.
    pub scale_denominator: u8,
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
    decode_inner(
        bytes,
        limits,
        Some(min_side.max(1)),
        &jpeg_dc::Parallelism::auto(),
    )
    .map(|(d, _)| d)
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
        other => MediaError::Corrupt {
            format,
            detail: other.to_string(),
        },
    }
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
    let format = image::guess_format(bytes).map_err(|_| MediaError::UnknownFormat)?;
    if !matches!(
        format,
        ImageFormat::Jpeg
            | ImageFormat::Png
            | ImageFormat::WebP
            | ImageFormat::Gif
            | ImageFormat::Bmp
    ) {
        return Err(MediaError::UnknownFormat);
    }
    let name = format_name(format);

    match format {
        ImageFormat::Jpeg => return jpeg::decode_with(bytes, limits, scaled_min_side, par),
        ImageFormat::Png => container::png(bytes)?,
        ImageFormat::WebP => container::webp(bytes)?,
        _ => {}
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_alloc_bytes);
    image_limits.max_image_width = Some(limits.max_dimension);
    image_limits.max_image_height = Some(limits.max_dimension);
    reader.limits(image_limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => MediaError::TooLarge {
            width: 0,
            height: 0,
            pixels: 0,
            max_pixels: limits.max_pixels,
            max_dimension: limits.max_dimension,
        },
        other => map_image_error(name, other),
    })?;
    let (width, height) = decoder.dimensions();
    check_dims(width, height, limits)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(name, e))?;
    img.apply_orientation(orientation);
    let decoded = DecodedImage {
        pixels: convert::normalize(img),
        format: name,
        source_width: width,
        source_height: height,
        exif_orientation: orientation_number(orientation),
        scale_denominator: 1,
    };
    Ok((decoded, false))
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
