//! HEIC/HEIF and AVIF (the iPhone and Android camera formats) through libheif (`libheif-rs`,
//! cargo feature `heif`; without it such files are refused as unsupported, not unknown).
//!
//! The size the file claims is checked against [`DecodeLimits`] before anything is decoded.
//! libheif then decodes the primary image in its native planar YCbCr (1.5 bytes a pixel for
//! 4:2:0, no RGB copy), with the file's rotation and mirroring applied (`irot`/`imir`, which
//! take the place of EXIF orientation in HEIF). The planes are turned into 8-bit RGB one row
//! at a time and handed to a [`RowSink`](super::sample::RowSink), so a 12 MP photo decoded for
//! hashing keeps only PDQ's 512x512 sample beside libheif's planes. The colour conversion
//! follows the file's `nclx` matrix and range (BT.601 full range when absent, libheif's
//! default) with nearest-neighbour chroma, as libheif 1.15 itself converts.

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
mod with_libheif {
    use super::super::convert::{normalize_row, RowFormat};
    use super::super::sample::{should_sample, RowSink};
    use super::super::{check_dims, check_whole_frame, DecodeLimits, DecodedImage, MediaError};
    use image::metadata::Orientation;
    use libheif_rs::{Chroma, ColorSpace, HeifContext, LibHeif, MatrixCoefficients, Plane};

    const NAME: &str = "HEIF";

    /// libheif's planes (4:2:0 YCbCr plus alpha at most 2.5 bytes a pixel, 16-bit samples
    /// twice that) and the decoder's own picture buffers: allowed up to this many bytes.
    const PLANES_BUDGET: u64 = 40 << 20;

    fn failed(e: libheif_rs::HeifError) -> MediaError {
        MediaError::Corrupt {
            format: NAME,
            detail: e.message.clone(),
            cause: Some(Box::new(e)),
        }
    }

    /// YCbCr to RGB for one matrix and range, in floating point (rounded once).
    struct Ycc {
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

    /// Reads 8-bit or 16-bit (native-endian) samples of a plane as 8-bit values.
    struct Samples<'a> {
        plane: &'a Plane<&'a [u8]>,
        max: u32,
    }

    impl<'a> Samples<'a> {
        fn new(plane: &'a Plane<&'a [u8]>) -> Self {
            let bits = u32::from(plane.bits_per_pixel.clamp(1, 16));
            Samples {
                plane,
                max: (1u32 << bits) - 1,
            }
        }

        /// Sample (x, y), clamped to the plane, scaled to 0..=255.
        fn at(&self, x: usize, y: usize) -> f32 {
            let p = self.plane;
            let x = x.min(p.width.saturating_sub(1) as usize);
            let y = y.min(p.height.saturating_sub(1) as usize);
            let v = if p.storage_bits_per_pixel > 8 {
                let i = y * p.stride + 2 * x;
                p.data
                    .get(i..i + 2)
                    .map_or(0, |b| u32::from(u16::from_ne_bytes([b[0], b[1]])))
            } else {
                p.data.get(y * p.stride + x).map_or(0, |&b| u32::from(b))
            };
            if self.max == 255 {
                v as f32
            } else {
                v.min(self.max) as f32 * 255.0 / self.max as f32
            }
        }

        /// Source position in this plane of luma position `x` of a `full`-wide image.
        fn scale(&self, x: usize, full: usize, along_width: bool) -> usize {
            let n = if along_width {
                self.plane.width
            } else {
                self.plane.height
            } as usize;
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
    enum Colour<'a> {
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
                detail: "a derived image (grid or overlay) is built from itself".into(),
                cause: None,
            });
        }
        for (w, h) in super::super::heif_refs::grid_output_sizes(bytes) {
            check_dims(w, h, limits)?;
            check_whole_frame(NAME, (w, h), 3, PLANES_BUDGET)?;
        }
        let mut ctx = HeifContext::read_from_bytes(bytes).map_err(failed)?;
        // Grid tiles on the calling thread: libheif 1.15 starts a thread per tile of a grid
        // image, so a 950-byte file naming thousands of tiles made it throw std::system_error
        // (no more threads) through the C API, aborting the process (image_heif fuzz finding).
        ctx.set_max_decoding_threads(0);
        let handle = ctx.primary_image_handle().map_err(failed)?;
        let (width, height) = (handle.width(), handle.height());
        check_dims(width, height, limits)?;
        let deep = handle.luma_bits_per_pixel() > 8;
        let per_pixel = if deep { 5 } else { 3 };
        check_whole_frame(NAME, (width, height), per_pixel, PLANES_BUDGET)?;
        let nclx = if super::nclx_refused_by_libheif(bytes) {
            None
        } else {
            handle.color_profile_nclx()
        };
        let lib = LibHeif::new();
        let img = lib
            .decode(&handle, ColorSpace::YCbCr(Chroma::C420), None)
            .map_err(failed)?;
        let planes = img.planes();
        let (w, h) = (img.width() as usize, img.height() as usize);
        check_dims(w as u32, h as u32, limits)?;
        let colour = Colour::of(&planes).ok_or_else(|| MediaError::Unsupported {
            format: NAME,
            detail: format!("no usable planes in a {:?} image", img.color_space()),
        })?;
        let alpha = planes.a.as_ref().map(Samples::new);
        let ycc = Ycc::new(
            nclx.as_ref().map(|n| n.matrix_coefficients()),
            nclx.as_ref().is_none_or(|n| n.full_range_flag() != 0),
        );
        let sample = for_hashing && should_sample(w as u32, h as u32);
        let grey = matches!(colour, Colour::Grey(_));
        let mut sink = RowSink::new(
            w as u32,
            h as u32,
            if grey { 1 } else { 3 },
            Orientation::NoTransforms,
            sample,
        );
        let mut rgba = Vec::with_capacity(w * 4);
        let mut out = Vec::with_capacity(w * 3);
        let format = if grey {
            RowFormat::La8
        } else {
            RowFormat::Rgba8
        };
        for y in 0..h {
            if !sink.wants(y) {
                continue;
            }
            rgba.clear();
            out.clear();
            for x in 0..w {
                let a = alpha.as_ref().map_or(255, |a| a.at(x, y).round() as u8);
                match colour.pixel(&ycc, x, y, (w, h)) {
                    Pixel::Grey(v) => rgba.extend_from_slice(&[v, a]),
                    Pixel::Rgb(p) => rgba.extend_from_slice(&[p[0], p[1], p[2], a]),
                }
            }
            normalize_row(format, &rgba, &mut out);
            sink.push(y, &out);
        }
        Ok(DecodedImage {
            pixels: super::super::convert::normalize(sink.finish()),
            format: NAME,
            source_width: width,
            source_height: height,
            exif_orientation: 1,
            scale_denominator: 1,
            sampled: sample,
            partial: false,
        })
    }
}
