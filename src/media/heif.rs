//! HEIC/HEIF and AVIF (the iPhone and Android camera formats) through libheif (`libheif-rs`,
//! cargo feature `heif`; without it such files are refused as unsupported, not unknown).
//!
//! The size the file claims is checked against [`DecodeLimits`] before anything is decoded.
//! Which decoder runs, and what each build accepts so that hashing stays within 48 MB of
//! memory growth (measured by tests/it/image_decode_heif_memory.rs and image_decode_memory.rs):
//!
//! - A grid image (what phones write: an iPhone photo is 48 tiles of 512x512), with or without
//!   a `clap` crop before its `irot`/`imir`, is decoded one tile at a time (`heif_grid` writes
//!   each tile its own small file for libheif 1.15, which has no tile API), each tile's rows
//!   going to a [`RowSink`](super::sample::RowSink), the crop cut there: any accepted size
//!   (up to the 64 MP limit) holds one tile's planes and PDQ's 512x512 sample. The grid's
//!   `irot`/`imir` are applied to the sample, as EXIF orientation is for JPEG.
//! - A single coded item (`hvc1` or `av01`) without alpha or crop is, with feature `video`,
//!   decoded by FFmpeg (`heif_ffmpeg`), which holds its one frame: accepted up to 40 MB of
//!   frame and tables (17.8 MP at 8 bits, 8.9 MP above).
//! - Everything else is decoded whole by libheif, with its rotation, mirroring and crop
//!   applied, in its native planar YCbCr (no RGB copy): single items without `video`, images
//!   with alpha, crops after a transform, grids with alpha and overlays. libheif holds the
//!   decoder's picture and its own copy, so these are accepted only up to 9.2 MP (8-bit;
//!   with alpha 5.8 MP; grids and overlays 6.6 MP of output), and larger ones are refused with
//!   [`MediaError::MemoryLimit`](super::MediaError::MemoryLimit) naming why.
//!
//! The colour conversion follows the file's `nclx` matrix and range (BT.601 full range when
//! absent, libheif's default) with nearest-neighbour chroma, as libheif 1.15 itself converts.

/// ISO BMFF brands of still HEIF images: HEVC (`heic`, `heix`, `heim`, `heis`, `mif1`...) and
/// AV1 (`avif`, `avis`).
const BRANDS: [&[u8; 4]; 10] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
];

/// Whether the bytes start with an ISO BMFF `ftyp` box naming a HEIF or AVIF brand (major or
/// compatible).
pub(super) fn is_heif(bytes: &[u8]) -> bool {
    if bytes.get(4..8) != Some(b"ftyp") {
        return false;
    }
    let size = bytes
        .get(..4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let end = size.clamp(16, 256).min(bytes.len());
    let brand = |b: &[u8]| BRANDS.iter().any(|x| &x[..] == b);
    bytes.get(8..12).is_some_and(brand)
        || bytes
            .get(16..end)
            .is_some_and(|rest| rest.chunks_exact(4).any(brand))
}

/// Whether a `colr` box of colour type `nclx` in `bytes` holds a colour primaries, transfer or
/// matrix code outside libheif 1.15's enumerations. libheif allocates the profile before it
/// checks those codes and does not free it when it refuses one, and libheif-rs 0.20 then
/// returns `None`: 52 bytes leaked per such file (an `image_heif` fuzz finding). The decoder
/// skips the query for these files, which gives libheif's answer (no profile: BT.601 full
/// range) without the leak.
#[cfg(feature = "heif")]
pub(super) fn nclx_refused_by_libheif(bytes: &[u8]) -> bool {
    const PRIMARIES: [u16; 12] = [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 22];
    let known = |v: u16, max: u16, gaps: &[u16]| v <= max && !gaps.contains(&v);
    bytes
        .windows(8)
        .enumerate()
        .filter(|(_, w)| w == b"colrnclx")
        .any(|(i, _)| {
            let code = |k: usize| {
                bytes
                    .get(i + 8 + 2 * k..i + 10 + 2 * k)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
            };
            match (code(0), code(1), code(2)) {
                (Some(p), Some(t), Some(m)) => {
                    !PRIMARIES.contains(&p) || !known(t, 18, &[0, 3]) || !known(m, 14, &[3])
                }
                _ => false,
            }
        })
}

#[cfg(all(test, feature = "heif"))]
mod tests {
    use super::nclx_refused_by_libheif;

    fn colr(p: u16, t: u16, m: u16) -> Vec<u8> {
        let mut b = b"\0\0\0\x13colrnclx".to_vec();
        for v in [p, t, m] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.push(0x80);
        b
    }

    #[test]
    fn only_codes_outside_libheifs_enumerations_are_refused() {
        assert!(!nclx_refused_by_libheif(&colr(2, 2, 6)));
        assert!(!nclx_refused_by_libheif(&colr(22, 18, 0)));
        assert!(!nclx_refused_by_libheif(b"no colour box here"));
        assert!(
            !nclx_refused_by_libheif(b"colrnclx\0\x02"),
            "cut short: libheif refuses the box itself"
        );
        // The two fuzz inputs: primaries 0x2b02, transfer 0x82.
        assert!(nclx_refused_by_libheif(&colr(0x2b02, 2, 6)));
        assert!(nclx_refused_by_libheif(&colr(2, 0x82, 6)));
        for (p, t, m) in [
            (0, 2, 6),
            (3, 2, 6),
            (13, 2, 6),
            (2, 0, 6),
            (2, 3, 6),
            (2, 19, 6),
            (2, 2, 3),
            (2, 2, 15),
        ] {
            assert!(nclx_refused_by_libheif(&colr(p, t, m)), "{p} {t} {m}");
        }
    }
}

#[cfg(not(feature = "heif"))]
pub(super) fn decode(
    _bytes: &[u8],
    _limits: &super::DecodeLimits,
    _for_hashing: bool,
) -> Result<super::DecodedImage, super::MediaError> {
    Err(super::MediaError::Unsupported {
        format: "HEIF",
        detail: "this build has no HEIF/AVIF decoder (cargo feature `heif`); decode with the \
                 platform and pass the pixels"
            .into(),
    })
}

#[cfg(feature = "heif")]
pub(super) use with_libheif::decode;

#[cfg(feature = "heif")]
pub(super) mod with_libheif {
    use super::super::convert::{normalize_row, RowFormat};
    use super::super::sample::{should_sample, RowSink};
    use super::super::{check_dims, check_whole_frame, DecodeLimits, DecodedImage, MediaError};
    use image::metadata::Orientation;
    use libheif_rs::{Chroma, ColorSpace, HeifContext, Image, LibHeif, MatrixCoefficients, Plane};

    pub(in crate::media) const NAME: &str = "HEIF";

    /// A full-size decode's output (RGB, 3 bytes a pixel) is allowed up to this many bytes.
    pub(in crate::media) const PLANES_BUDGET: u64 = 40 << 20;

    /// What libheif 1.15 holds while it decodes a coded image whole: the decoder's picture and
    /// libheif's copy of it (4:2:0 YCbCr, 1.5 bytes a pixel each, alpha and 16-bit samples
    /// more) and the decoder's per-picture state, about 4.6 bytes a pixel measured for 8-bit
    /// 4:2:0 (56.2 MB of growth for a 12 MP HEIC); counted as 5 (10 above 8 bits) against
    /// [`LIBHEIF_BUDGET`], so that hashing stays within 48 MB of growth.
    fn libheif_bytes_per_pixel(luma_bits: u8) -> u64 {
        if luma_bits > 8 {
            10
        } else {
            5
        }
    }

    /// With alpha (its own coded image, decoded whole too, and an alpha plane) libheif holds
    /// about 6.9 bytes a pixel (63 MB of growth at 9.2 MP), counted as 8 (5 + 3/5 of 5).
    ///
    /// A grid or overlay libheif decodes whole: its output planes on top of a tile's decode,
    /// about 6 bytes a pixel of output measured (73 MB of growth for a 12 MP grid with `clap`,
    /// 47.1 MB for a 7.7 MP one), counted as 7.
    const LIBHEIF_DERIVED_BYTES_PER_PIXEL: u64 = 7;

    /// What a whole decode by libheif may hold (see [`libheif_bytes_per_pixel`]).
    const LIBHEIF_BUDGET: u64 = 44 << 20;

    fn failed(e: libheif_rs::HeifError) -> MediaError {
        MediaError::Corrupt {
            format: NAME,
            detail: e.message.clone(),
            cause: Some(Box::new(e)),
        }
    }

    /// YCbCr to RGB for one matrix and range, in floating point (rounded once).
    pub(in crate::media) struct Ycc {
        kr: f32,
        kb: f32,
        full: bool,
    }

    impl Ycc {
        fn new(matrix: Option<MatrixCoefficients>, full: bool) -> Self {
            use MatrixCoefficients as M;
            let (kr, kb) = match matrix {
                Some(M::ITU_R_BT_709_5) => (0.2126, 0.0722),
                Some(M::US_FCC_T47) => (0.30, 0.11),
                Some(M::SMPTE_240M) => (0.212, 0.087),
                Some(
                    M::ITU_R_BT_2020_2_NonConstantLuminance | M::ITU_R_BT_2020_2_ConstantLuminance,
                ) => (0.2627, 0.0593),
                _ => (0.299, 0.114),
            };
            Ycc { kr, kb, full }
        }

        fn rgb(&self, y: f32, cb: f32, cr: f32) -> [u8; 3] {
            let (y, cb, cr) = if self.full {
                (y, cb - 128.0, cr - 128.0)
            } else {
                (
                    (y - 16.0) * 255.0 / 219.0,
                    (cb - 128.0) * 255.0 / 224.0,
                    (cr - 128.0) * 255.0 / 224.0,
                )
            };
            let kg = 1.0 - self.kr - self.kb;
            let r = y + 2.0 * (1.0 - self.kr) * cr;
            let b = y + 2.0 * (1.0 - self.kb) * cb;
            let g = y
                - 2.0 * self.kb * (1.0 - self.kb) / kg * cb
                - 2.0 * self.kr * (1.0 - self.kr) / kg * cr;
            [r, g, b].map(|v| v.round().clamp(0.0, 255.0) as u8)
        }
    }

    /// Reads 8-bit or 16-bit samples of a plane as 8-bit values.
    pub(in crate::media) struct Samples<'a> {
        data: &'a [u8],
        stride: usize,
        width: usize,
        height: usize,
        /// Two bytes a sample (little-endian when `little`, else native), not one.
        wide: bool,
        little: bool,
        max: u32,
    }

    impl<'a> Samples<'a> {
        fn new(plane: &'a Plane<&'a [u8]>) -> Self {
            Samples::of_plane(
                plane.data,
                plane.stride,
                (plane.width as usize, plane.height as usize),
                plane.bits_per_pixel,
                plane.storage_bits_per_pixel > 8,
            )
        }

        /// A plane of `size` samples of `bits` bits (two bytes each when `wide`, native-endian),
        /// rows `stride` bytes apart in `data`.
        pub(in crate::media) fn of_plane(
            data: &'a [u8],
            stride: usize,
            (width, height): (usize, usize),
            bits: u8,
            wide: bool,
        ) -> Self {
            let bits = u32::from(bits.clamp(1, 16));
            Samples {
                data,
                stride,
                width,
                height,
                wide,
                little: false,
                max: (1u32 << bits) - 1,
            }
        }

        /// The same plane with two-byte samples read as little-endian.
        #[cfg(feature = "video")]
        pub(in crate::media) fn little_endian(self) -> Self {
            Samples {
                little: true,
                ..self
            }
        }

        /// Sample (x, y), clamped to the plane, scaled to 0..=255.
        fn at(&self, x: usize, y: usize) -> f32 {
            let x = x.min(self.width.saturating_sub(1));
            let y = y.min(self.height.saturating_sub(1));
            let v = if self.wide {
                let i = y * self.stride + 2 * x;
                self.data.get(i..i + 2).map_or(0, |b| {
                    u32::from(if self.little {
                        u16::from_le_bytes([b[0], b[1]])
                    } else {
                        u16::from_ne_bytes([b[0], b[1]])
                    })
                })
            } else {
                self.data
                    .get(y * self.stride + x)
                    .map_or(0, |&b| u32::from(b))
            };
            if self.max == 255 {
                v as f32
            } else {
                v.min(self.max) as f32 * 255.0 / self.max as f32
            }
        }

        /// Source position in this plane of luma position `x` of a `full`-wide image.
        fn scale(&self, x: usize, full: usize, along_width: bool) -> usize {
            let n = if along_width { self.width } else { self.height };
            x * n / full.max(1)
        }
    }

    /// One decoded pixel before alpha.
    enum Pixel {
        Grey(u8),
        Rgb([u8; 3]),
    }

    /// The planes libheif returned: YCbCr (any chroma subsampling), grey, planar RGB, or
    /// interleaved 8-bit RGB(A).
    pub(in crate::media) enum Colour<'a> {
        Ycc(Samples<'a>, Samples<'a>, Samples<'a>),
        Grey(Samples<'a>),
        Planar(Samples<'a>, Samples<'a>, Samples<'a>),
        Interleaved(&'a Plane<&'a [u8]>, usize),
    }

    impl<'a> Colour<'a> {
        fn of(p: &'a libheif_rs::Planes<&'a [u8]>) -> Option<Self> {
            let s = |q: &'a Option<Plane<&'a [u8]>>| q.as_ref().map(Samples::new);
            if let Some(y) = s(&p.y) {
                return Some(match (s(&p.cb), s(&p.cr)) {
                    (Some(cb), Some(cr)) => Colour::Ycc(y, cb, cr),
                    _ => Colour::Grey(y),
                });
            }
            if let (Some(r), Some(g), Some(b)) = (s(&p.r), s(&p.g), s(&p.b)) {
                return Some(Colour::Planar(r, g, b));
            }
            let i = p.interleaved.as_ref()?;
            match i.storage_bits_per_pixel {
                24 => Some(Colour::Interleaved(i, 3)),
                32 => Some(Colour::Interleaved(i, 4)),
                _ => None,
            }
        }

        fn pixel(&self, ycc: &Ycc, x: usize, y: usize, (w, h): (usize, usize)) -> Pixel {
            match self {
                Colour::Ycc(l, cb, cr) => {
                    let (cx, cy) = (cb.scale(x, w, true), cb.scale(y, h, false));
                    Pixel::Rgb(ycc.rgb(l.at(x, y), cb.at(cx, cy), cr.at(cx, cy)))
                }
                Colour::Grey(l) => Pixel::Grey(l.at(x, y).round() as u8),
                Colour::Planar(r, g, b) => Pixel::Rgb([r, g, b].map(|c| c.at(x, y).round() as u8)),
                Colour::Interleaved(p, n) => {
                    let i = y * p.stride + x * n;
                    let px = p.data.get(i..i + 3).unwrap_or(&[0, 0, 0]);
                    Pixel::Rgb([px[0], px[1], px[2]])
                }
            }
        }
    }

    fn no_planes(img: &Image) -> MediaError {
        MediaError::Unsupported {
            format: NAME,
            detail: format!("no usable planes in a {:?} image", img.color_space()),
        }
    }

    /// Whether libheif returned the picture as grey (one channel) rather than colour.
    fn is_grey(img: &Image) -> Result<bool, MediaError> {
        let planes = img.planes();
        let colour = Colour::of(&planes).ok_or_else(|| no_planes(img))?;
        Ok(matches!(colour, Colour::Grey(_)))
    }

    /// Converts a decoded picture to 8-bit rows and hands them to `sink`: picture pixel (x, y)
    /// is image pixel (x0 + x, y0 + y), and what falls outside `size` is cut off.
    fn feed(
        img: &Image,
        ycc: &Ycc,
        sink: &mut RowSink,
        at: (isize, isize),
        size: (usize, usize),
    ) -> Result<(), MediaError> {
        let planes = img.planes();
        let colour = Colour::of(&planes).ok_or_else(|| no_planes(img))?;
        let alpha = planes.a.as_ref().map(Samples::new);
        let picture = (img.width() as usize, img.height() as usize);
        feed_planes(&colour, alpha.as_ref(), picture, ycc, sink, at, size);
        Ok(())
    }

    /// [`feed`] for planes of any origin: `colour` (and `alpha`) of a `w x h` picture whose
    /// pixel (0, 0) is image pixel `(x0, y0)` (negative: the picture starts left of or above
    /// the image, as a tile does in a cropped grid).
    pub(in crate::media) fn feed_planes(
        colour: &Colour,
        alpha: Option<&Samples>,
        (w, h): (usize, usize),
        ycc: &Ycc,
        sink: &mut RowSink,
        (x0, y0): (isize, isize),
        size: (usize, usize),
    ) {
        let format = if matches!(colour, Colour::Grey(_)) {
            RowFormat::La8
        } else {
            RowFormat::Rgba8
        };
        // First picture column and row inside the image, and where they land in it.
        let (xs, ys) = (x0.min(0).unsigned_abs(), y0.min(0).unsigned_abs());
        let (ox, oy) = (x0.max(0).unsigned_abs(), y0.max(0).unsigned_abs());
        let cols = w.saturating_sub(xs).min(size.0.saturating_sub(ox));
        let rows = h.saturating_sub(ys).min(size.1.saturating_sub(oy));
        let mut rgba = Vec::with_capacity(cols * 4);
        let mut out = Vec::with_capacity(cols * 3);
        for r in 0..rows {
            let y = ys + r;
            if !sink.wants(oy + r) {
                continue;
            }
            rgba.clear();
            out.clear();
            for x in xs..xs + cols {
                let a = alpha.map_or(255, |a| a.at(x, y).round() as u8);
                match colour.pixel(ycc, x, y, (w, h)) {
                    Pixel::Grey(v) => rgba.extend_from_slice(&[v, a]),
                    Pixel::Rgb(p) => rgba.extend_from_slice(&[p[0], p[1], p[2], a]),
                }
            }
            normalize_row(format, &rgba, &mut out);
            sink.push_strided(oy + r, ox, 1, &out);
        }
    }

    /// What the primary image's handle says, read before decoding.
    pub(in crate::media) struct Primary {
        pub(in crate::media) width: u32,
        pub(in crate::media) height: u32,
        pub(in crate::media) ycc: Ycc,
        has_alpha: bool,
    }

    impl Primary {
        /// The result: `pixels` (oriented) of this primary image, `sampled` or whole.
        pub(in crate::media) fn decoded(
            &self,
            pixels: image::DynamicImage,
            sampled: bool,
        ) -> DecodedImage {
            DecodedImage {
                pixels: super::super::convert::normalize(pixels),
                format: NAME,
                source_width: self.width,
                source_height: self.height,
                exif_orientation: 1,
                scale_denominator: 1,
                sampled,
                partial: false,
            }
        }
    }

    /// Decodes the primary image of a HEIF/AVIF file; `for_hashing` lets a large one be
    /// sampled.
    pub(in crate::media) fn decode(
        bytes: &[u8],
        limits: &DecodeLimits,
        for_hashing: bool,
    ) -> Result<DecodedImage, MediaError> {
        if super::super::heif_refs::has_reference_cycle(bytes) {
            return Err(MediaError::Corrupt {
                format: NAME,
                detail: "a derived image (grid, overlay or alpha) is built from itself, or derived images nest too deep".into(),
                cause: None,
            });
        }
        if let Some(detail) = super::super::heif_refs::iloc_fault(bytes) {
            return Err(MediaError::Corrupt {
                format: NAME,
                detail,
                cause: None,
            });
        }
        let grids = super::super::heif_refs::grid_output_sizes(bytes).map_err(|item| {
            MediaError::Corrupt {
                format: NAME,
                detail: format!(
                    "the descriptor of derived item {item} (grid or overlay) lies outside its data"
                ),
                cause: None,
            }
        })?;
        for &(w, h) in &grids {
            check_dims(w, h, limits)?;
        }
        let (primary, whole) = read_primary(bytes, limits)?;
        if !primary.has_alpha {
            if let Some(plan) = super::super::heif_grid::plan(bytes) {
                if let Some(done) = tiles::decode(bytes, &plan, &primary, limits, for_hashing)? {
                    return Ok(done);
                }
            }
            #[cfg(feature = "video")]
            if let Some(item) = super::super::heif_item::plan(bytes) {
                drop(whole);
                return super::super::heif_ffmpeg::decode(
                    bytes,
                    &item,
                    &primary,
                    limits,
                    for_hashing,
                );
            }
        }
        // Decoded whole: libheif allocates every grid and overlay at its declared size.
        for &(w, h) in &grids {
            check_whole_frame(
                NAME,
                (w, h),
                LIBHEIF_DERIVED_BYTES_PER_PIXEL,
                LIBHEIF_BUDGET,
            )
            .map_err(|e| whole_decode_refused(e, "a grid or overlay with alpha or a crop"))?;
        }
        decode_whole(whole, &primary, limits, for_hashing)
    }

    /// `e` (a [`MediaError::MemoryLimit`]) saying which kind of image libheif decodes whole.
    fn whole_decode_refused(e: MediaError, what: &str) -> MediaError {
        match e {
            MediaError::MemoryLimit { format, detail } => MediaError::MemoryLimit {
                format,
                detail: format!("{detail}: libheif decodes {what} in one piece"),
            },
            other => other,
        }
    }

    /// Opens the file and reads its primary image's size and colour, checked against the
    /// limits; returns them with libheif's decode of the whole image, ready to run.
    fn read_primary<'a>(
        bytes: &'a [u8],
        limits: &DecodeLimits,
    ) -> Result<(Primary, HeifContext<'a>), MediaError> {
        let mut ctx = HeifContext::read_from_bytes(bytes).map_err(failed)?;
        // Grid tiles on the calling thread: libheif 1.15 starts a thread per tile of a grid
        // image, so a 950-byte file naming thousands of tiles made it throw std::system_error
        // (no more threads) through the C API, aborting the process (image_heif fuzz finding).
        ctx.set_max_decoding_threads(0);
        let handle = ctx.primary_image_handle().map_err(failed)?;
        let (width, height) = (handle.width(), handle.height());
        check_dims(width, height, limits)?;
        let nclx = if super::nclx_refused_by_libheif(bytes) {
            None
        } else {
            handle.color_profile_nclx()
        };
        let ycc = Ycc::new(
            nclx.as_ref().map(|n| n.matrix_coefficients()),
            nclx.as_ref().is_none_or(|n| n.full_range_flag() != 0),
        );
        let has_alpha = handle.has_alpha_channel();
        drop(handle);
        let primary = Primary {
            width,
            height,
            ycc,
            has_alpha,
        };
        Ok((primary, ctx))
    }

    /// Decodes the primary image in one piece: libheif's planes, then rows to the sink.
    fn decode_whole(
        ctx: HeifContext<'_>,
        primary: &Primary,
        limits: &DecodeLimits,
        for_hashing: bool,
    ) -> Result<DecodedImage, MediaError> {
        let handle = ctx.primary_image_handle().map_err(failed)?;
        let what = if primary.has_alpha {
            "an image with alpha"
        } else if cfg!(feature = "video") {
            "overlays, crops after a rotation and items of other codecs"
        } else {
            "a single-image file (without cargo feature `video`)"
        };
        let mut per_pixel = libheif_bytes_per_pixel(handle.luma_bits_per_pixel());
        if primary.has_alpha {
            per_pixel += per_pixel * 3 / 5;
        }
        check_whole_frame(
            NAME,
            (primary.width, primary.height),
            per_pixel,
            LIBHEIF_BUDGET,
        )
        .map_err(|e| whole_decode_refused(e, what))?;
        let img = LibHeif::new()
            .decode(&handle, ColorSpace::YCbCr(Chroma::C420), None)
            .map_err(failed)?;
        let (w, h) = (img.width(), img.height());
        check_dims(w, h, limits)?;
        let sample = for_hashing && should_sample(w, h);
        let channels = if is_grey(&img)? { 1 } else { 3 };
        let mut sink = RowSink::new(w, h, channels, Orientation::NoTransforms, sample);
        feed(
            &img,
            &primary.ycc,
            &mut sink,
            (0, 0),
            (w as usize, h as usize),
        )?;
        Ok(primary.decoded(sink.finish(), sample))
    }

    /// A grid decoded one tile at a time (see `heif_grid`).
    mod tiles {
        use super::super::super::heif_grid::{tile_file, GridPlan};
        use super::super::super::sample::{should_sample, RowSink};
        use super::super::super::{check_whole_frame, DecodeLimits, DecodedImage, MediaError};
        use super::{
            failed, feed, is_grey, libheif_bytes_per_pixel, whole_decode_refused, Primary,
            LIBHEIF_BUDGET, NAME, PLANES_BUDGET,
        };
        use libheif_rs::{Chroma, ColorSpace, HeifContext, Image, LibHeif};

        /// libheif's decode of the primary image of `file` (one tile's own file).
        fn decode_tile(lib: &LibHeif, file: &[u8]) -> Result<Image, MediaError> {
            let mut ctx = HeifContext::read_from_bytes(file).map_err(failed)?;
            ctx.set_max_decoding_threads(0);
            let handle = ctx.primary_image_handle().map_err(failed)?;
            check_whole_frame(
                NAME,
                (handle.width(), handle.height()),
                libheif_bytes_per_pixel(handle.luma_bits_per_pixel()),
                LIBHEIF_BUDGET,
            )
            .map_err(|e| whole_decode_refused(e, "each grid tile"))?;
            lib.decode(&handle, ColorSpace::YCbCr(Chroma::C420), None)
                .map_err(failed)
        }

        /// Decodes the grid `plan` describes tile by tile into the sink; `None` when its tiles
        /// turn out not to tile it evenly (different sizes, or too small to cover the output),
        /// which the caller then decodes whole, as libheif pastes them.
        pub(in crate::media) fn decode(
            bytes: &[u8],
            plan: &GridPlan,
            primary: &Primary,
            _limits: &DecodeLimits,
            for_hashing: bool,
        ) -> Result<Option<DecodedImage>, MediaError> {
            // The grid's output, and the window of it (`clap`) that is the image.
            let size = (plan.width as usize, plan.height as usize);
            let crop = plan.crop;
            let (w, h) = (crop.width as u32, crop.height as u32);
            let sample = for_hashing && should_sample(w, h);
            if !sample {
                check_whole_frame(NAME, (w, h), 3, PLANES_BUDGET)?;
            }
            let lib = LibHeif::new();
            let mut sink: Option<(RowSink, bool)> = None;
            let mut tile_size: Option<(usize, usize)> = None;
            for (i, tile) in plan.tiles.iter().enumerate() {
                let (tx, ty) = (i % plan.columns, i / plan.columns);
                if let (Some((tw, th)), Some((s, _))) = (tile_size, &sink) {
                    // Image rows this tile covers; none, or none kept: not decoded.
                    let rows = (ty * th).max(crop.top)..((ty + 1) * th).min(crop.top + crop.height);
                    let cols =
                        (tx * tw).max(crop.left)..((tx + 1) * tw).min(crop.left + crop.width);
                    if cols.is_empty() || !rows.into_iter().any(|y| s.wants(y - crop.top)) {
                        continue;
                    }
                }
                let img = decode_tile(&lib, &tile_file(bytes, plan, tile))?;
                let this = (img.width() as usize, img.height() as usize);
                let (tw, th) = *tile_size.get_or_insert(this);
                // libheif pastes tiles at multiples of their size and cuts what falls outside
                // the output: equal tiles that cover it, with no tile wholly outside, are what
                // this path reproduces (and bounds what it decodes to about the output).
                let covers = |t: usize, n: usize, out: usize| t * n >= out && t * (n - 1) < out;
                if this != (tw, th)
                    || !covers(tw, plan.columns, size.0)
                    || !covers(th, plan.rows, size.1)
                {
                    return Ok(None);
                }
                let grey = is_grey(&img)?;
                let (s, first_grey) = sink.get_or_insert_with(|| {
                    let channels = if grey { 1 } else { 3 };
                    (RowSink::new(w, h, channels, plan.orientation, sample), grey)
                });
                if grey != *first_grey {
                    return Err(MediaError::Corrupt {
                        format: NAME,
                        detail: "grid tiles mix grey and colour".into(),
                        cause: None,
                    });
                }
                let at = |t: usize, n: usize, start: usize| (t * n) as isize - start as isize;
                let origin = (at(tx, tw, crop.left), at(ty, th, crop.top));
                feed(&img, &primary.ycc, s, origin, (crop.width, crop.height))?;
            }
            let Some((s, _)) = sink else {
                return Ok(None);
            };
            let mut img = s.finish();
            img.apply_orientation(plan.orientation);
            Ok(Some(primary.decoded(img, sample)))
        }
    }
}
