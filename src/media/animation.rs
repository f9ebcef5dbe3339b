//! Animated images (GIF, APNG, animated WebP), decoded one frame at a time.
//!
//! [`sniff`] tells from the first bytes whether a file is an animation this module handles
//! (every GIF; a PNG with an `acTL` chunk before its image data; a WebP whose `VP8X` header
//! sets the animation flag). [`AnimationFrames`] then yields composited, full-canvas frames with
//! their display start time, through the `image` crate's `AnimationDecoder` (the `gif`,
//! `png` and `image-webp` decoders underneath): only the current canvas is held, never the
//! whole animation. The canvas size is checked from the header before any frame is decoded,
//! and the frame count is capped ([`AnimationLimits`]); both give typed errors.
//!
//! Frame times follow what browsers show: a frame delay of 10 ms or less (including 0, which
//! many GIFs use) is shown for 100 ms, so it is timed as 100 ms here too.

use super::{container, convert, map_image_error, DecodeLimits, MediaError, Pixels};
use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, DynamicImage, Frames, ImageDecoder};
use std::io::Cursor;
use thiserror::Error;

/// Which animated format a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnimationKind {
    /// GIF (single-frame GIFs too: they are one-frame animations).
    Gif,
    /// Animated PNG.
    Apng,
    /// Animated WebP.
    WebP,
}

impl AnimationKind {
    /// Format name as used in errors.
    pub fn name(self) -> &'static str {
        match self {
            AnimationKind::Gif => "GIF",
            AnimationKind::Apng => "APNG",
            AnimationKind::WebP => "WebP",
        }
    }
}

/// Caps for animations, on top of [`DecodeLimits`] (which bounds the input size and canvas).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnimationLimits {
    /// Most frames decoded (default 10 000); more is [`AnimationError::TooManyFrames`].
    pub max_frames: u32,
    /// Largest canvas in pixels (default 16 MP: every frame is composited at canvas size).
    pub max_canvas_pixels: u64,
}

impl Default for AnimationLimits {
    fn default() -> Self {
        AnimationLimits {
            max_frames: 10_000,
            max_canvas_pixels: 16_000_000,
        }
    }
}

/// Why an animation could not be scanned.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AnimationError {
    /// A frame or the header could not be decoded, or a [`DecodeLimits`] limit refused it.
    #[error(transparent)]
    Media(#[from] MediaError),
    /// The canvas is larger than [`AnimationLimits::max_canvas_pixels`]; refused before decoding.
    #[error(
        "the {format} animation's canvas is {width}x{height}, over the limit of {max_pixels} \
         pixels for animations; refused before decoding"
    )]
    CanvasTooLarge {
        /// Format name.
        format: &'static str,
        /// Canvas width.
        width: u32,
        /// Canvas height.
        height: u32,
        /// The limit.
        max_pixels: u64,
    },
    /// More frames than [`AnimationLimits::max_frames`].
    #[error("the {format} animation has more than {max} frames")]
    TooManyFrames {
        /// Format name.
        format: &'static str,
        /// The limit.
        max: u32,
    },
}

/// One composited frame.
#[derive(Debug, Clone)]
pub struct AnimationFrame {
    /// 0-based frame index.
    pub index: u32,
    /// When the frame starts to be shown, in milliseconds from the start.
    pub start_ms: u64,
    /// How long it is shown (after the browser rule for tiny delays).
    pub duration_ms: u64,
    /// The canvas, alpha composited on white.
    pub pixels: Pixels,
}

/// Tells whether `bytes` are an animation handled here (see the module docs).
pub fn sniff(bytes: &[u8]) -> Option<AnimationKind> {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(AnimationKind::Gif);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return png_has_actl(bytes).then_some(AnimationKind::Apng);
    }
    if bytes.len() >= 21 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        // VP8X chunk first, flags byte: bit 1 = animation.
        return (&bytes[12..16] == b"VP8X" && bytes[20] & 0x02 != 0).then_some(AnimationKind::WebP);
    }
    None
}

/// Walks PNG chunks until `IDAT`: true if an `acTL` (animation control) chunk comes first.
fn png_has_actl(bytes: &[u8]) -> bool {
    let mut pos = 8usize;
    while let Some(head) = bytes.get(pos..pos + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        match &head[4..8] {
            b"acTL" => return true,
            b"IDAT" | b"IEND" => return false,
            _ => {}
        }
        pos = match pos.checked_add(len).and_then(|p| p.checked_add(12)) {
            Some(p) => p,
            None => return false,
        };
    }
    false
}

/// Frame-by-frame iterator over an animation (see the module docs).
pub struct AnimationFrames<'a> {
    kind: AnimationKind,
    frames: Frames<'a>,
    next_index: u32,
    next_start_ms: u64,
    limits: AnimationLimits,
    /// Canvas size.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
}

impl std::fmt::Debug for AnimationFrames<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnimationFrames")
            .field("kind", &self.kind)
            .field("size", &(self.width, self.height))
            .field("next_index", &self.next_index)
            .finish()
    }
}

/// Refuses an animated WebP any of whose frames holds a bitstream (VP8 or VP8L) larger than the
/// canvas: the decoder allocates by the bitstream's own size (up to 16383x16383), so a 400-byte
/// file could make it take hundreds of MB (found by the `image_animation` fuzz target).
fn webp_frames_fit(
    bytes: &[u8],
    canvas: (u32, u32),
    anim: &AnimationLimits,
) -> Result<(), AnimationError> {
    let too_large = |width: u32, height: u32| AnimationError::CanvasTooLarge {
        format: "WebP",
        width,
        height,
        max_pixels: anim
            .max_canvas_pixels
            .min(u64::from(canvas.0) * u64::from(canvas.1)),
    };
    let mut chunks = vec![(12usize, bytes.len())];
    while let Some((mut at, end)) = chunks.pop() {
        while at + 8 <= end {
            let tag = &bytes[at..at + 4];
            let len =
                u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]])
                    as usize;
            let body = at + 8;
            let body_end = body.saturating_add(len).min(end);
            let payload = &bytes[body..body_end];
            let dims = match tag {
                // ANMF: 16 bytes of frame header, then the frame's own chunks.
                b"ANMF" => {
                    chunks.push((body + 16, body_end));
                    None
                }
                b"VP8 " if payload.len() >= 10 => Some((
                    u32::from(u16::from_le_bytes([payload[6], payload[7]]) & 0x3fff),
                    u32::from(u16::from_le_bytes([payload[8], payload[9]]) & 0x3fff),
                )),
                b"VP8L" if payload.len() >= 5 && payload[0] == 0x2f => {
                    let b = |i: usize| u32::from(payload[i]);
                    Some((
                        1 + (b(1) | (b(2) & 0x3f) << 8),
                        1 + ((b(2) >> 6) | b(3) << 2 | (b(4) & 0x0f) << 10),
                    ))
                }
                _ => None,
            };
            if let Some((w, h)) = dims {
                if w > canvas.0 || h > canvas.1 {
                    return Err(too_large(w, h));
                }
            }
            at = body.saturating_add(len).saturating_add(len & 1);
        }
    }
    Ok(())
}

impl<'a> AnimationFrames<'a> {
    /// Opens an animation of `kind` (from [`sniff`]): checks input size, container
    /// completeness (PNG, WebP) and canvas size before any frame is decoded.
    pub fn open(
        bytes: &'a [u8],
        kind: AnimationKind,
        limits: &DecodeLimits,
        anim: &AnimationLimits,
    ) -> Result<AnimationFrames<'a>, AnimationError> {
        let name = kind.name();
        if bytes.len() > limits.max_input_bytes {
            return Err(MediaError::InputTooLarge {
                bytes: bytes.len(),
                max: limits.max_input_bytes,
            }
            .into());
        }
        let mut image_limits = image::Limits::default();
        image_limits.max_alloc = Some(limits.max_alloc_bytes);
        image_limits.max_image_width = Some(limits.max_dimension);
        image_limits.max_image_height = Some(limits.max_dimension);
        let err = |e| AnimationError::Media(map_image_error(name, e));
        let cursor = Cursor::new(bytes);
        let (dims, frames): ((u32, u32), Frames<'a>) = match kind {
            AnimationKind::Gif => {
                let mut d = GifDecoder::new(cursor).map_err(err)?;
                d.set_limits(image_limits).map_err(err)?;
                let dims = d.dimensions();
                Self::check_canvas(name, dims, limits, anim)?;
                (dims, d.into_frames())
            }
            AnimationKind::Apng => {
                container::png(bytes)?;
                let mut d = PngDecoder::new(cursor).map_err(err)?;
                d.set_limits(image_limits).map_err(err)?;
                let dims = d.dimensions();
                Self::check_canvas(name, dims, limits, anim)?;
                (dims, d.apng().map_err(err)?.into_frames())
            }
            AnimationKind::WebP => {
                container::webp(bytes)?;
                let mut d = WebPDecoder::new(cursor).map_err(err)?;
                d.set_limits(image_limits).map_err(err)?;
                let dims = d.dimensions();
                Self::check_canvas(name, dims, limits, anim)?;
                webp_frames_fit(bytes, dims, anim)?;
                (dims, d.into_frames())
            }
        };
        Ok(AnimationFrames {
            kind,
            frames,
            next_index: 0,
            next_start_ms: 0,
            limits: *anim,
            width: dims.0,
            height: dims.1,
        })
    }

    fn check_canvas(
        format: &'static str,
        (width, height): (u32, u32),
        limits: &DecodeLimits,
        anim: &AnimationLimits,
    ) -> Result<(), AnimationError> {
        super::check_dims(width, height, limits)?;
        if u64::from(width) * u64::from(height) > anim.max_canvas_pixels {
            return Err(AnimationError::CanvasTooLarge {
                format,
                width,
                height,
                max_pixels: anim.max_canvas_pixels,
            });
        }
        Ok(())
    }

    /// The format.
    pub fn kind(&self) -> AnimationKind {
        self.kind
    }
}

impl Iterator for AnimationFrames<'_> {
    type Item = Result<AnimationFrame, AnimationError>;

    fn next(&mut self) -> Option<Self::Item> {
        let frame = match self.frames.next()? {
            Ok(f) => f,
            Err(e) => return Some(Err(map_image_error(self.kind.name(), e).into())),
        };
        if self.next_index >= self.limits.max_frames {
            return Some(Err(AnimationError::TooManyFrames {
                format: self.kind.name(),
                max: self.limits.max_frames,
            }));
        }
        let (num, den) = frame.delay().numer_denom_ms();
        let delay = u64::from(num) / u64::from(den.max(1));
        let duration_ms = if delay <= 10 { 100 } else { delay };
        let out = AnimationFrame {
            index: self.next_index,
            start_ms: self.next_start_ms,
            duration_ms,
            pixels: convert::normalize(DynamicImage::ImageRgba8(frame.into_buffer())),
        };
        self.next_index += 1;
        self.next_start_ms = self.next_start_ms.saturating_add(duration_ms);
        Some(Ok(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, RgbaImage};

    fn gif(frames: u32, w: u32, h: u32, delay_ms: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = GifEncoder::new(&mut out);
            for i in 0..frames {
                let img = RgbaImage::from_fn(w, h, |x, _| {
                    image::Rgba([(x * 9 + i * 40) as u8, 0, 0, 255])
                });
                enc.encode_frame(Frame::from_parts(
                    img,
                    0,
                    0,
                    Delay::from_numer_denom_ms(delay_ms, 1),
                ))
                .unwrap();
            }
        }
        out
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(sniff(&gif(1, 4, 4, 100)), Some(AnimationKind::Gif));
        let mut png = Vec::new();
        image::DynamicImage::new_rgb8(4, 4)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(sniff(&png), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), None);
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x02".to_vec();
        vp8x.extend([0; 8]);
        assert_eq!(sniff(&vp8x), Some(AnimationKind::WebP));
        assert_eq!(sniff(b"\xff\xd8\xff"), None);
    }

    #[test]
    fn frames_come_one_by_one_with_times() {
        let bytes = gif(3, 8, 6, 0);
        let it = AnimationFrames::open(
            &bytes,
            AnimationKind::Gif,
            &DecodeLimits::default(),
            &AnimationLimits::default(),
        )
        .unwrap();
        assert_eq!((it.width, it.height), (8, 6));
        let frames: Vec<_> = it.map(Result::unwrap).collect();
        assert_eq!(frames.len(), 3);
        // Delay 0 is shown for 100 ms, as browsers do.
        assert_eq!(
            frames.iter().map(|f| f.start_ms).collect::<Vec<_>>(),
            [0, 100, 200]
        );
        assert_eq!(frames[2].index, 2);
    }

    #[test]
    fn limits_are_typed_errors() {
        let bytes = gif(5, 8, 8, 50);
        let few = AnimationLimits {
            max_frames: 4,
            ..AnimationLimits::default()
        };
        let it = AnimationFrames::open(&bytes, AnimationKind::Gif, &DecodeLimits::default(), &few)
            .unwrap();
        let last = it.last().unwrap();
        assert!(matches!(
            last,
            Err(AnimationError::TooManyFrames { max: 4, .. })
        ));
        let small = AnimationLimits {
            max_canvas_pixels: 63,
            ..AnimationLimits::default()
        };
        let e = AnimationFrames::open(&bytes, AnimationKind::Gif, &DecodeLimits::default(), &small)
            .unwrap_err();
        assert!(matches!(
            e,
            AnimationError::CanvasTooLarge {
                width: 8,
                height: 8,
                ..
            }
        ));
        let e = AnimationFrames::open(
            &bytes[..bytes.len() / 2],
            AnimationKind::Gif,
            &DecodeLimits::default(),
            &AnimationLimits::default(),
        )
        .and_then(|it| it.collect::<Result<Vec<_>, _>>().map(|_| ()));
        assert!(matches!(e, Err(AnimationError::Media(_))), "{e:?}");
    }
}
