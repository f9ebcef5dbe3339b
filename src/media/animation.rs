//! Animated images (GIF, APNG, animated WebP), decoded one frame at a time.
//!
//! [`sniff`] tells from the first bytes whether a file is an animation this module handles
//! (every GIF; a PNG with an `acTL` chunk before its image data; a WebP whose `VP8X` header
//! sets the animation flag). [`AnimationFrames`] then yields composited frames with their
//! display start time, one at a time, never the whole animation. GIF and APNG are decoded by
//! rows (`gif` and `png` crates) and composited by our own compositors (`anim_gif`,
//! `anim_apng`), animated WebP by `image-webp` (`anim_webp`), all exactly as the `image` crate's
//! `AnimationDecoder` composites them. A canvas over 1 MP is kept only at PDQ's 512x512 sample
//! positions (`anim_canvas`), so a frame of a large animation is that 512x512 sample, whose PDQ
//! hash is bit-identical to the full frame's. The canvas size is checked from the header before
//! any frame is decoded, and the frame count is capped ([`AnimationLimits`]); both give typed
//! errors.
//!
//! Memory (issue 12 item 5: at most 48 MB for any accepted image): GIF and APNG need about
//! 3 MB whatever the canvas (up to the 16 MP cap). `image-webp` holds its own RGBA canvas and a
//! whole decoded frame, so animated WebP is capped lower
//! ([`AnimationLimits::max_webp_canvas_pixels`]).
//!
//! Frame times follow what browsers show: a frame delay of 10 ms or less (including 0, which
//! many GIFs use) is shown for 100 ms, so it is timed as 100 ms here too.

use super::anim_apng::ApngFrames;
use super::anim_gif::GifFrames;
use super::anim_webp::WebPFrames;
use super::{container, DecodeLimits, MediaError, Pixels};
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
    /// Largest canvas in pixels (default 16 MP).
    pub max_canvas_pixels: u64,
    /// Most pixels decoded over all frames (default 256 MP: the frames' rectangles for GIF and
    /// APNG, the canvas for WebP); more is [`AnimationError::TooMuchToDecode`]. A GIF costs
    /// 3 to 10 ns a pixel to decode (a 16 MP frame took 50 ms in the bench, 160 ms on a loaded
    /// machine), so this bounds the time to about 1-2 s, where a 64 MB GIF of thousands of
    /// 16 MP frames would take minutes. 256 MP is 1 480 frames of 480x360, 123 of 1080p.
    pub max_decoded_pixels: u64,
    /// Largest animated WebP canvas in pixels (default 2048x1024, 2 MP): `image-webp` holds an RGBA
    /// canvas and a whole decoded frame, so this bounds its memory. Real animated WebPs are far
    /// smaller (stickers are 512x512; WebPs converted from GIFs are about 1 MP at most).
    pub max_webp_canvas_pixels: u64,
}

impl Default for AnimationLimits {
    fn default() -> Self {
        AnimationLimits {
            max_frames: 10_000,
            max_canvas_pixels: 16_000_000,
            max_webp_canvas_pixels: 2048 * 1024,
            max_decoded_pixels: 256_000_000,
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
    /// The frames add up to more than [`AnimationLimits::max_decoded_pixels`].
    #[error(
        "the {format} animation's frames add up to more than {max_pixels} decoded pixels; \
         stopped after frame {frames}"
    )]
    TooMuchToDecode {
        /// Format name.
        format: &'static str,
        /// Frames decoded before the limit was reached.
        frames: u32,
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
    /// The canvas, alpha composited on white: whole up to 1 MP, PDQ's 512x512 nearest-neighbour
    /// sample of it above (so its PDQ hash is the full canvas's).
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
    frames: Source<'a>,
    /// Set after an error: the iterator ends.
    failed: bool,
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

/// The decoder and compositor of each format (boxed: the decoders' states differ in size).
enum Source<'a> {
    Gif(Box<GifFrames<'a>>),
    Apng(Box<ApngFrames<'a>>),
    WebP(Box<WebPFrames<'a>>),
}

impl Source<'_> {
    fn dimensions(&self) -> (u32, u32) {
        match self {
            Source::Gif(s) => s.dimensions(),
            Source::Apng(s) => s.dimensions(),
            Source::WebP(s) => s.dimensions(),
        }
    }

    /// The next composited frame and its delay in milliseconds.
    fn next_frame(&mut self) -> Result<Option<(Pixels, u64)>, MediaError> {
        match self {
            Source::Gif(s) => s.next_frame(),
            Source::Apng(s) => s.next_frame(),
            Source::WebP(s) => s.next_frame(),
        }
    }

    /// Pixels decoded so far.
    fn decoded_pixels(&self) -> u64 {
        match self {
            Source::Gif(s) => s.decoded,
            Source::Apng(s) => s.decoded,
            Source::WebP(s) => s.decoded,
        }
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
        let frames = match kind {
            AnimationKind::Gif => Source::Gif(Box::new(GifFrames::open(bytes, limits)?)),
            AnimationKind::Apng => {
                container::png(bytes)?;
                Source::Apng(Box::new(ApngFrames::open(bytes, limits)?))
            }
            AnimationKind::WebP => {
                container::webp(bytes)?;
                Source::WebP(Box::new(WebPFrames::open(bytes, limits)?))
            }
        };
        let dims = frames.dimensions();
        let max_pixels = match kind {
            AnimationKind::WebP => anim.max_webp_canvas_pixels.min(anim.max_canvas_pixels),
            _ => anim.max_canvas_pixels,
        };
        Self::check_canvas(name, dims, limits, max_pixels)?;
        if kind == AnimationKind::WebP {
            webp_frames_fit(bytes, dims, anim)?;
        }
        Ok(AnimationFrames {
            kind,
            frames,
            failed: false,
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
        max_pixels: u64,
    ) -> Result<(), AnimationError> {
        super::check_dims(width, height, limits)?;
        if u64::from(width) * u64::from(height) > max_pixels {
            return Err(AnimationError::CanvasTooLarge {
                format,
                width,
                height,
                max_pixels,
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
        if self.failed {
            return None;
        }
        if self.frames.decoded_pixels() > self.limits.max_decoded_pixels {
            self.failed = true;
            return Some(Err(AnimationError::TooMuchToDecode {
                format: self.kind.name(),
                frames: self.next_index,
                max_pixels: self.limits.max_decoded_pixels,
            }));
        }
        let (pixels, delay) = match self.frames.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => return None,
            Err(e) => {
                self.failed = true;
                return Some(Err(e.into()));
            }
        };
        if self.next_index >= self.limits.max_frames {
            self.failed = true;
            return Some(Err(AnimationError::TooManyFrames {
                format: self.kind.name(),
                max: self.limits.max_frames,
            }));
        }
        let duration_ms = if delay <= 10 { 100 } else { delay };
        let out = AnimationFrame {
            index: self.next_index,
            start_ms: self.next_start_ms,
            duration_ms,
            pixels,
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
    use std::io::Cursor;

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
        // 8x8 frames: the second takes the total to 128 pixels, over 100, so the third is
        // never decoded.
        let budget = AnimationLimits {
            max_decoded_pixels: 100,
            ..AnimationLimits::default()
        };
        let got: Vec<_> = AnimationFrames::open(
            &bytes,
            AnimationKind::Gif,
            &DecodeLimits::default(),
            &budget,
        )
        .unwrap()
        .collect();
        assert_eq!(got.len(), 3);
        assert!(got[..2].iter().all(Result::is_ok));
        assert!(
            matches!(
                got[2],
                Err(AnimationError::TooMuchToDecode {
                    frames: 2,
                    max_pixels: 100,
                    ..
                })
            ),
            "{:?}",
            got[2]
        );
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
