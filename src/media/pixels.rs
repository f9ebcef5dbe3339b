//! Raw pixel buffers handed over by an app: camera frames, frames its own video decoder
//! (AVFoundation, MediaCodec) produced, or a bitmap it already holds. [`PixelBuffer`] names the
//! layout ([`PixelFormat`], row stride, [`Orientation`]); [`PixelBuffer::to_pixels`] validates it
//! against [`DecodeLimits`] and converts it to the 8-bit grey/RGB [`Pixels`] every hasher and
//! classifier takes, oriented as displayed. Used by the video scan session
//! ([`crate::video::VideoScan`]) and by the raw-pixel entry point of the scanner.
//!
//! Conversions: RGBA/BGRA alpha is composited on white (as for decoded stills); NV12/NV21 are
//! BT.601 limited range (what phone camera and video decoders emit), converted in fixed point.
//!
//! ```
//! use preflight::media::{DecodeLimits, Orientation, PixelBuffer, PixelFormat};
//! let frame = PixelBuffer {
//!     width: 2, height: 2, row_stride: 8, format: PixelFormat::Rgba8888,
//!     orientation: Orientation::Up, bytes: vec![255; 16],
//! };
//! let pixels = frame.to_pixels(&DecodeLimits::default()).unwrap();
//! assert_eq!((pixels.width(), pixels.height()), (2, 2));
//! ```

use super::{DecodeLimits, Pixels};
use image::{DynamicImage, GrayImage, RgbImage};
use thiserror::Error;

/// The pixel layouts an app can hand over.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// 4 bytes a pixel: R, G, B, A (Android `ARGB_8888` bitmaps in memory, `kCVPixelFormatType_32RGBA`).
    Rgba8888,
    /// 4 bytes a pixel: B, G, R, A (iOS `kCVPixelFormatType_32BGRA`).
    Bgra8888,
    /// 3 bytes a pixel: R, G, B.
    Rgb888,
    /// 1 byte a pixel: grey.
    Gray8,
    /// Y plane (`height` rows of `row_stride` bytes), then interleaved U,V at half resolution
    /// (`ceil(height/2)` rows of `row_stride` bytes) starting right after the Y plane.
    Nv12,
    /// As [`PixelFormat::Nv12`] with V,U order (Android camera default).
    Nv21,
}

impl PixelFormat {
    /// Stable lowercase name (`rgba8888`, `bgra8888`, `rgb888`, `gray8`, `nv12`, `nv21`).
    pub fn name(self) -> &'static str {
        match self {
            PixelFormat::Rgba8888 => "rgba8888",
            PixelFormat::Bgra8888 => "bgra8888",
            PixelFormat::Rgb888 => "rgb888",
            PixelFormat::Gray8 => "gray8",
            PixelFormat::Nv12 => "nv12",
            PixelFormat::Nv21 => "nv21",
        }
    }

    /// Bytes per pixel of the first (or only) plane.
    pub fn bytes_per_pixel(self) -> u32 {
        match self {
            PixelFormat::Rgba8888 | PixelFormat::Bgra8888 => 4,
            PixelFormat::Rgb888 => 3,
            PixelFormat::Gray8 | PixelFormat::Nv12 | PixelFormat::Nv21 => 1,
        }
    }

    fn is_yuv(self) -> bool {
        matches!(self, PixelFormat::Nv12 | PixelFormat::Nv21)
    }
}

/// How the stored pixels must be turned to be displayed upright, numbered as EXIF does (1..=8).
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Orientation {
    /// 1: as stored.
    #[default]
    Up,
    /// 2: mirrored left-right.
    UpMirrored,
    /// 3: rotated 180°.
    Down,
    /// 4: mirrored top-bottom.
    DownMirrored,
    /// 5: mirrored along the main diagonal.
    LeftMirrored,
    /// 6: rotate 90° clockwise to display.
    Right,
    /// 7: mirrored along the anti-diagonal.
    RightMirrored,
    /// 8: rotate 90° anticlockwise to display.
    Left,
}

impl Orientation {
    /// From the EXIF number (1..=8); `None` for anything else.
    pub fn from_exif(n: u8) -> Option<Orientation> {
        use Orientation::*;
        [
            Up,
            UpMirrored,
            Down,
            DownMirrored,
            LeftMirrored,
            Right,
            RightMirrored,
            Left,
        ]
        .get(usize::from(n).checked_sub(1)?)
        .copied()
    }

    /// The EXIF number (1..=8).
    pub fn exif(self) -> u8 {
        self as u8 + 1
    }

    fn apply(self, img: DynamicImage) -> DynamicImage {
        let mut img = img;
        if let Some(o) = image::metadata::Orientation::from_exif(self.exif()) {
            img.apply_orientation(o);
        }
        img
    }
}

/// One raw image from the app. Owned bytes, no generics: it crosses the FFI as is.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq)]
pub struct PixelBuffer {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from the start of one row to the next (at least `width * bytes_per_pixel`; for
    /// NV12/NV21 the stride of both planes, at least `width` rounded up to even).
    pub row_stride: u32,
    /// Layout of `bytes`.
    pub format: PixelFormat,
    /// How to turn the stored pixels to display them.
    pub orientation: Orientation,
    /// The pixels; may be longer than needed (trailing padding is ignored).
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for PixelBuffer {
    /// Layout only: pixel data never goes to logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PixelBuffer")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("row_stride", &self.row_stride)
            .field("format", &self.format)
            .field("orientation", &self.orientation)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Why a pixel buffer was refused. Nothing is partially converted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PixelError {
    /// Zero width or height.
    #[error("the pixel buffer is {width}x{height}, which has no pixels")]
    ZeroSize {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// More pixels than [`DecodeLimits`] allow.
    #[error(
        "the pixel buffer is {width}x{height}, over the limit of {max_pixels} pixels / \
         {max_dimension} px a side"
    )]
    TooLarge {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// The pixel limit.
        max_pixels: u64,
        /// The side limit.
        max_dimension: u32,
    },
    /// The stride is shorter than one row of pixels.
    #[error("row stride {row_stride} is shorter than a {format} row of {width} px ({min} bytes)")]
    StrideTooSmall {
        /// The stride given.
        row_stride: u32,
        /// The smallest valid stride.
        min: u64,
        /// Width.
        width: u32,
        /// Format name.
        format: &'static str,
    },
    /// The buffer is shorter than its layout needs.
    #[error("the {format} buffer holds {got} bytes but its layout needs {needed}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: u64,
        /// Bytes given.
        got: usize,
        /// Format name.
        format: &'static str,
    },
}

impl PixelBuffer {
    /// Checks size, stride and length against the layout and `limits`.
    pub fn validate(&self, limits: &DecodeLimits) -> Result<(), PixelError> {
        let (w, h) = (self.width, self.height);
        if w == 0 || h == 0 {
            return Err(PixelError::ZeroSize {
                width: w,
                height: h,
            });
        }
        if u64::from(w) * u64::from(h) > limits.max_pixels
            || w > limits.max_dimension
            || h > limits.max_dimension
        {
            return Err(PixelError::TooLarge {
                width: w,
                height: h,
                max_pixels: limits.max_pixels,
                max_dimension: limits.max_dimension,
            });
        }
        let stride = u64::from(self.row_stride);
        let min = self.min_stride();
        if stride < min {
            return Err(PixelError::StrideTooSmall {
                row_stride: self.row_stride,
                min,
                width: w,
                format: self.format.name(),
            });
        }
        let needed = self.needed_bytes();
        if (self.bytes.len() as u64) < needed {
            return Err(PixelError::BufferTooSmall {
                needed,
                got: self.bytes.len(),
                format: self.format.name(),
            });
        }
        Ok(())
    }

    fn min_stride(&self) -> u64 {
        let w = u64::from(self.width);
        if self.format.is_yuv() {
            w.div_ceil(2) * 2
        } else {
            w * u64::from(self.format.bytes_per_pixel())
        }
    }

    /// Bytes the layout reads: the last row need not be padded to the stride.
    fn needed_bytes(&self) -> u64 {
        let stride = u64::from(self.row_stride);
        let h = u64::from(self.height);
        let min = self.min_stride();
        if self.format.is_yuv() {
            stride * h + stride * (h.div_ceil(2) - 1) + min
        } else {
            stride * (h - 1) + min
        }
    }

    /// Validates, converts to 8-bit grey (for [`PixelFormat::Gray8`]) or RGB, and applies the
    /// orientation.
    pub fn to_pixels(&self, limits: &DecodeLimits) -> Result<Pixels, PixelError> {
        self.validate(limits)?;
        let (w, h) = (self.width as usize, self.height as usize);
        let stride = self.row_stride as usize;
        let rows = || (0..h).map(|y| &self.bytes[y * stride..]);
        let img = match self.format {
            PixelFormat::Gray8 => {
                let mut out = Vec::with_capacity(w * h);
                rows().for_each(|r| out.extend_from_slice(&r[..w]));
                GrayImage::from_raw(self.width, self.height, out).map(DynamicImage::ImageLuma8)
            }
            PixelFormat::Rgb888 => {
                let mut out = Vec::with_capacity(w * h * 3);
                rows().for_each(|r| out.extend_from_slice(&r[..w * 3]));
                RgbImage::from_raw(self.width, self.height, out).map(DynamicImage::ImageRgb8)
            }
            PixelFormat::Rgba8888 | PixelFormat::Bgra8888 => {
                let (ri, bi) = if self.format == PixelFormat::Rgba8888 {
                    (0, 2)
                } else {
                    (2, 0)
                };
                let mut out = Vec::with_capacity(w * h * 3);
                for r in rows() {
                    for p in r[..w * 4].chunks_exact(4) {
                        let a = u32::from(p[3]);
                        out.extend([p[ri], p[1], p[bi]].map(|c| over_white(c, a)));
                    }
                }
                RgbImage::from_raw(self.width, self.height, out).map(DynamicImage::ImageRgb8)
            }
            PixelFormat::Nv12 | PixelFormat::Nv21 => {
                let out = self.yuv_to_rgb(w, h, stride);
                RgbImage::from_raw(self.width, self.height, out).map(DynamicImage::ImageRgb8)
            }
        };
        // from_raw only fails on a length mismatch, which the loops above rule out.
        let img = img.ok_or(PixelError::BufferTooSmall {
            needed: self.needed_bytes(),
            got: self.bytes.len(),
            format: self.format.name(),
        })?;
        Ok(super::convert::normalize(self.orientation.apply(img)))
    }

    /// BT.601 limited-range YUV 4:2:0 (semi-planar) to RGB, 8-bit fixed point.
    fn yuv_to_rgb(&self, w: usize, h: usize, stride: usize) -> Vec<u8> {
        let (ui, vi) = if self.format == PixelFormat::Nv12 {
            (0, 1)
        } else {
            (1, 0)
        };
        let uv_plane = &self.bytes[stride * h..];
        let mut out = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            let yrow = &self.bytes[y * stride..y * stride + w];
            let crow = &uv_plane[(y / 2) * stride..];
            for (x, &luma) in yrow.iter().enumerate() {
                let c = &crow[(x / 2) * 2..(x / 2) * 2 + 2];
                out.extend(yuv601(luma, c[ui], c[vi]));
            }
        }
        out
    }
}

/// Composites channel `c` over white with alpha `a` (0..=255), rounding to nearest.
#[inline]
fn over_white(c: u8, a: u32) -> u8 {
    ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8
}

/// One BT.601 limited-range pixel to RGB (coefficients scaled by 2^16, rounded).
#[inline]
fn yuv601(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = (i32::from(y) - 16) * 76_309;
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    let clamp = |x: i32| ((x + 32_768) >> 16).clamp(0, 255) as u8;
    [
        clamp(c + 104_597 * e),
        clamp(c - 25_675 * d - 53_279 * e),
        clamp(c + 132_201 * d),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(format: PixelFormat, w: u32, h: u32, stride: u32, bytes: Vec<u8>) -> PixelBuffer {
        PixelBuffer {
            width: w,
            height: h,
            row_stride: stride,
            format,
            orientation: Orientation::Up,
            bytes,
        }
    }

    fn rgb(p: &Pixels) -> RgbImage {
        p.to_rgb()
    }

    #[test]
    fn packed_formats_agree_and_strides_are_honoured() {
        // 3x2, red green blue / white black grey, with 2 padding bytes per row.
        let px = [
            [255, 0, 0],
            [0, 255, 0],
            [0, 0, 255],
            [255, 255, 255],
            [0, 0, 0],
            [128, 128, 128],
        ];
        let pack = |per: usize, f: &dyn Fn([u8; 3]) -> Vec<u8>| {
            let mut v = Vec::new();
            for row in px.chunks(3) {
                row.iter().for_each(|p| v.extend(f(*p)));
                v.extend([9, 9]);
            }
            (v, (3 * per + 2) as u32)
        };
        let (rgb888, s3) = pack(3, &|p| p.to_vec());
        let (rgba, s4) = pack(4, &|p| vec![p[0], p[1], p[2], 255]);
        let (bgra, _) = pack(4, &|p| vec![p[2], p[1], p[0], 255]);
        let l = DecodeLimits::default();
        let a = rgb(&buf(PixelFormat::Rgb888, 3, 2, s3, rgb888)
            .to_pixels(&l)
            .unwrap());
        let b = rgb(&buf(PixelFormat::Rgba8888, 3, 2, s4, rgba)
            .to_pixels(&l)
            .unwrap());
        let c = rgb(&buf(PixelFormat::Bgra8888, 3, 2, s4, bgra)
            .to_pixels(&l)
            .unwrap());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.get_pixel(2, 0).0, [0, 0, 255]);
        assert_eq!(a.get_pixel(2, 1).0, [128, 128, 128]);
    }

    #[test]
    fn transparent_pixels_are_white_and_grey_stays_grey() {
        let l = DecodeLimits::default();
        let p = buf(PixelFormat::Rgba8888, 1, 1, 4, vec![0, 0, 0, 0]);
        assert_eq!(rgb(&p.to_pixels(&l).unwrap()).get_pixel(0, 0).0, [255; 3]);
        let g = buf(PixelFormat::Gray8, 2, 1, 2, vec![7, 9])
            .to_pixels(&l)
            .unwrap();
        assert!(matches!(g, Pixels::Luma8(ref i) if i.as_raw() == &vec![7, 9]));
    }

    #[test]
    fn nv12_and_nv21_convert_bt601_and_differ_only_in_chroma_order() {
        let l = DecodeLimits::default();
        // 2x2: Y 16 (black) and 235 (white) with neutral chroma, then a red chroma pair.
        let grey = buf(PixelFormat::Nv12, 2, 2, 2, vec![16, 235, 235, 16, 128, 128]);
        let g = rgb(&grey.to_pixels(&l).unwrap());
        assert_eq!(g.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(g.get_pixel(1, 0).0, [255, 255, 255]);
        // BT.601 red (255,0,0) is Y 81, U 90, V 240.
        let red12 = buf(PixelFormat::Nv12, 2, 2, 2, vec![81, 81, 81, 81, 90, 240]);
        let red21 = buf(PixelFormat::Nv21, 2, 2, 2, vec![81, 81, 81, 81, 240, 90]);
        let r = rgb(&red12.to_pixels(&l).unwrap());
        assert_eq!(r, rgb(&red21.to_pixels(&l).unwrap()));
        let p = r.get_pixel(1, 1).0;
        assert!(p[0] >= 253 && p[1] <= 2 && p[2] <= 2, "{p:?}");
    }

    #[test]
    fn orientation_rotates_as_exif_says() {
        let l = DecodeLimits::default();
        let mut p = buf(PixelFormat::Gray8, 2, 1, 2, vec![1, 2]);
        p.orientation = Orientation::Right;
        let g = p.to_pixels(&l).unwrap();
        assert_eq!((g.width(), g.height()), (1, 2));
        assert!(matches!(g, Pixels::Luma8(ref i) if i.as_raw() == &vec![1, 2]));
        p.orientation = Orientation::UpMirrored;
        assert!(
            matches!(p.to_pixels(&l).unwrap(), Pixels::Luma8(ref i) if i.as_raw() == &vec![2, 1])
        );
        assert_eq!(Orientation::from_exif(6), Some(Orientation::Right));
        assert_eq!(Orientation::from_exif(0), None);
        assert_eq!(Orientation::from_exif(9), None);
        assert_eq!(Orientation::Left.exif(), 8);
    }

    #[test]
    fn bad_layouts_are_typed_errors() {
        let l = DecodeLimits::default();
        let e = |p: PixelBuffer| p.to_pixels(&l).unwrap_err();
        assert!(matches!(
            e(buf(PixelFormat::Gray8, 0, 1, 1, vec![0])),
            PixelError::ZeroSize { .. }
        ));
        assert!(matches!(
            e(buf(PixelFormat::Rgba8888, 4, 1, 15, vec![0; 16])),
            PixelError::StrideTooSmall { min: 16, .. }
        ));
        assert!(matches!(
            e(buf(PixelFormat::Rgb888, 2, 2, 6, vec![0; 11])),
            PixelError::BufferTooSmall { needed: 12, .. }
        ));
        // NV12 3x3: stride >= 4, Y 3 rows + UV 2 rows, the last row unpadded: 4*3 + 4 + 4.
        assert!(matches!(
            e(buf(PixelFormat::Nv12, 3, 3, 4, vec![0; 19])),
            PixelError::BufferTooSmall { needed: 20, .. }
        ));
        assert!(buf(PixelFormat::Nv12, 3, 3, 4, vec![128; 20])
            .to_pixels(&l)
            .is_ok());
        let small = DecodeLimits {
            max_pixels: 3,
            ..DecodeLimits::default()
        };
        assert!(matches!(
            buf(PixelFormat::Gray8, 2, 2, 2, vec![0; 4]).to_pixels(&small),
            Err(PixelError::TooLarge { .. })
        ));
    }
}
