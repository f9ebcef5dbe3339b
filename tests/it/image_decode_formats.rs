//! The formats phones produce (issue 12): HEIC and AVIF through libheif (feature `heif`),
//! TIFF through `image` (feature `tiff`), arithmetic-coded JPEG through libjpeg's arithmetic
//! decoder, and progressive JPEGs with scan scripts and restart markers that libjpeg-turbo's
//! `cjpeg` writes, decoded from their DC scans exactly as libjpeg decodes them at 1/8.
//!
//! The files are made here at test time with Debian's encoders (`heif-enc` from
//! libheif-examples, `cjpeg` from libjpeg-turbo-progs; scripts/image-decode-deps.sh installs
//! them). Without a tool a test prints why and skips, unless PREFLIGHT_REQUIRE_ALL=1 (set by
//! scripts/test.sh), where it fails.

use preflight::hash::PDQ_DECODE_MIN_SIDE;
use preflight::media::{self, DecodeLimits, MediaError, Pixels};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `Some(path)` of an installed tool, `None` (after saying why) when the test must skip.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let msg = format!("`{name}` is not installed (scripts/image-decode-deps.sh installs it)");
        if std::env::var("PREFLIGHT_REQUIRE_ALL").as_deref() == Ok("1") {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
    }
    found
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A photo-like RGB image: gradients, edges, mild noise.
fn photo(w: u32, h: u32) -> image::RgbImage {
    let mut rng = preflight::lists::random::SplitMix64(w as u64 * 7 + h as u64);
    image::RgbImage::from_fn(w, h, |x, y| {
        let n = (rng.next() % 12) as i32 - 6;
        let edge = if (x / 41 + y / 29) % 3 == 0 { 50 } else { 0 };
        let v = |base: u32| (base as i32 + n + edge).clamp(0, 255) as u8;
        image::Rgb([v(x * 200 / w), v(y * 220 / h), v((x + y) * 90 / (w + h))])
    })
}

#[cfg(feature = "heif")]
fn write_png(img: &image::RgbImage, path: &Path) {
    img.save_with_format(path, image::ImageFormat::Png).unwrap();
}

fn rgb_of(p: &Pixels) -> image::RgbImage {
    p.to_rgb()
}

/// Mean absolute difference per sample.
fn mean_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[cfg(feature = "heif")]
fn pdq_of(p: &Pixels) -> preflight::hash::pdq::PdqHash {
    preflight::hash::pdq::hash_pixels(p.as_pdq_input())
        .unwrap()
        .hashes[0]
}

#[cfg(feature = "heif")]
/// Encodes `img` with heif-enc (`avif`: AV1) and returns the file, or None to skip.
fn heif_file(dir: &Path, img: &image::RgbImage, avif: bool) -> Option<Vec<u8>> {
    let enc = tool("heif-enc")?;
    let png = dir.join("in.png");
    write_png(img, &png);
    let out = dir.join(if avif { "out.avif" } else { "out.heic" });
    let mut cmd = Command::new(enc);
    cmd.arg("-q").arg("90");
    if avif {
        cmd.arg("-A");
    }
    run(cmd.arg(&png).arg("-o").arg(&out));
    Some(std::fs::read(out).unwrap())
}

#[cfg(feature = "heif")]
/// libheif's own decode of a file to RGB (heif-convert), for comparison.
fn libheif_reference(dir: &Path, file: &[u8]) -> Option<image::RgbImage> {
    let conv = tool("heif-convert")?;
    let src = dir.join("ref.heif");
    std::fs::write(&src, file).unwrap();
    let png = dir.join("ref.png");
    run(Command::new(conv).arg(&src).arg(&png));
    Some(image::open(png).unwrap().into_rgb8())
}

#[cfg(feature = "heif")]
#[test]
fn heic_and_avif_decode_like_libheif() {
    let dir = tempfile::tempdir().unwrap();
    let img = photo(640, 480);
    for avif in [false, true] {
        let what = if avif { "AVIF" } else { "HEIC" };
        let Some(file) = heif_file(dir.path(), &img, avif) else {
            return;
        };
        let Some(reference) = libheif_reference(dir.path(), &file) else {
            return;
        };
        let ours = media::decode(&file, &DecodeLimits::default()).unwrap();
        assert_eq!(ours.format, "HEIF", "{what}");
        assert_eq!(
            (ours.source_width, ours.source_height),
            (640, 480),
            "{what}"
        );
        let ours_rgb = rgb_of(&ours.pixels);
        let d = mean_diff(&ours_rgb, &reference);
        assert!(
            d < 1.5,
            "{what}: {d} levels from libheif's own RGB on average"
        );
        // Close to the source too (lossy coding), and PDQ agrees with libheif's pixels.
        assert!(
            mean_diff(&ours_rgb, &img) < 6.0,
            "{what}: far from the source"
        );
        let dist = pdq_of(&ours.pixels).distance(&pdq_of(&Pixels::Rgb8(reference.clone())));
        assert!(dist <= 8, "{what}: PDQ {dist} bits from libheif's decode");
        // The hashing path takes the same route.
        let h = preflight::hash::hash_image_bytes(&file, &DecodeLimits::default()).unwrap();
        assert_eq!(h.decoded_size, (640, 480), "{what}");
    }
}

#[cfg(feature = "heif")]
#[test]
fn heif_limits_apply_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let Some(file) = heif_file(dir.path(), &photo(600, 400), false) else {
        return;
    };
    let small = DecodeLimits {
        max_pixels: 100_000,
        ..DecodeLimits::default()
    };
    match media::decode(&file, &small) {
        Err(MediaError::TooLarge {
            width: 600,
            height: 400,
            ..
        }) => {}
        other => panic!(
            "expected TooLarge 600x400, got {:?}",
            other.map(|d| d.pixels)
        ),
    }
    // Cut short or damaged: a typed error, never a panic.
    for cut in [40, file.len() / 3, file.len() - 9] {
        assert!(media::decode(&file[..cut], &DecodeLimits::default()).is_err());
    }
}

#[cfg(not(feature = "heif"))]
#[test]
fn heif_without_the_feature_is_unsupported_not_unknown() {
    let mut ftyp = vec![0, 0, 0, 24];
    ftyp.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    ftyp.extend_from_slice(&[0; 64]);
    match media::decode(&ftyp, &DecodeLimits::default()) {
        Err(MediaError::Unsupported { format: "HEIF", .. }) => {}
        other => panic!(
            "expected Unsupported HEIF, got {:?}",
            other.map(|d| d.pixels)
        ),
    }
}

#[cfg(feature = "tiff")]
#[test]
fn tiff_decodes_losslessly() {
    let img = photo(300, 200);
    let mut tiff = std::io::Cursor::new(Vec::new());
    img.write_to(&mut tiff, image::ImageFormat::Tiff).unwrap();
    let d = media::decode(tiff.get_ref(), &DecodeLimits::default()).unwrap();
    assert_eq!(d.format, "TIFF");
    assert_eq!(rgb_of(&d.pixels), img);
}

/// Large BMPs and TIFFs decoded for hashing keep only the rows PDQ samples (media::bmp_rows,
/// media::tiff_rows): the PDQ is the same as that of the whole decoded frame.
#[test]
fn large_bmp_and_tiff_rows_hash_like_the_whole_frame() {
    let img = photo(2300, 1900); // 4.4 MP: over the 4 MP above which decoding samples
    let encode = |img: &image::DynamicImage, format| {
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    };
    let colour = image::DynamicImage::ImageRgb8(img);
    let mut files = vec![("BMP", encode(&colour, image::ImageFormat::Bmp))];
    if cfg!(feature = "tiff") {
        let grey16 = image::DynamicImage::ImageLuma16(colour.to_luma16());
        let rgba = image::DynamicImage::ImageRgba8(colour.to_rgba8());
        for im in [&colour, &grey16, &rgba] {
            files.push(("TIFF", encode(im, image::ImageFormat::Tiff)));
        }
    }
    let pdq = |p: &Pixels| {
        preflight::hash::pdq::hash_pixels(p.as_pdq_input())
            .unwrap()
            .hashes[0]
    };
    let limits = DecodeLimits::default();
    for (format, bytes) in files {
        let whole = media::decode(&bytes, &limits).unwrap();
        let rows = media::decode_for_hashing(&bytes, &limits, PDQ_DECODE_MIN_SIDE).unwrap();
        assert_eq!(rows.format, format);
        assert!(rows.sampled, "{format} decoded whole");
        assert_eq!(pdq(&whole.pixels), pdq(&rows.pixels), "{format}");
    }
}

#[cfg(not(feature = "tiff"))]
#[test]
fn tiff_without_the_feature_is_unsupported() {
    let tiff = [b'I', b'I', 42, 0, 8, 0, 0, 0, 0, 0];
    assert!(matches!(
        media::decode(&tiff, &DecodeLimits::default()),
        Err(MediaError::Unsupported { format: "TIFF", .. })
    ));
}

/// Encodes `img` with cjpeg and the given options, or None to skip.
fn cjpeg(dir: &Path, img: &image::RgbImage, args: &[&str], name: &str) -> Option<Vec<u8>> {
    let cj = tool("cjpeg")?;
    let ppm = dir.join("in.ppm");
    img.save_with_format(&ppm, image::ImageFormat::Pnm)
        .ok()
        .or_else(|| {
            // `image` may lack the PNM encoder: write a binary PPM by hand.
            let mut p = format!("P6\n{} {}\n255\n", img.width(), img.height()).into_bytes();
            p.extend_from_slice(img.as_raw());
            std::fs::write(&ppm, p).ok()
        })?;
    let out = dir.join(name);
    run(Command::new(cj)
        .args(args)
        .arg("-outfile")
        .arg(&out)
        .arg(&ppm));
    Some(std::fs::read(out).unwrap())
}

#[test]
fn arithmetic_coded_jpeg_decodes_to_the_same_pixels_as_huffman() {
    let dir = tempfile::tempdir().unwrap();
    let img = photo(333, 222);
    for (label, extra) in [
        ("sequential", &[][..]),
        ("progressive", &["-progressive"][..]),
    ] {
        let mut huff_args = vec!["-quality", "85"];
        huff_args.extend_from_slice(extra);
        let mut arith_args = huff_args.clone();
        arith_args.push("-arithmetic");
        let Some(huffman) = cjpeg(dir.path(), &img, &huff_args, "h.jpg") else {
            return;
        };
        let Some(arith) = cjpeg(dir.path(), &img, &arith_args, "a.jpg") else {
            return;
        };
        assert!(
            arith
                .windows(2)
                .any(|w| w == [0xFF, 0xC9] || w == [0xFF, 0xCA]),
            "{label}: cjpeg did not write an arithmetic-coded frame"
        );
        let a = media::decode(&arith, &DecodeLimits::default()).unwrap();
        let h = media::decode(&huffman, &DecodeLimits::default()).unwrap();
        // Same quantised coefficients, so the same pixels.
        assert_eq!(rgb_of(&a.pixels), rgb_of(&h.pixels), "{label}");
    }
}

/// Our 1/8-scale grey output (through the public hashing entry point) against libjpeg at 1/8.
fn assert_dc_path_matches_libjpeg(name: &str, bytes: &[u8]) {
    // Large enough for a 1/8 decode: both sides at least 8 x 256.
    let (d, used_dc) = media::decode_for_hashing_threads(
        bytes,
        &DecodeLimits::default(),
        PDQ_DECODE_MIN_SIDE,
        Some(0),
    )
    .unwrap();
    assert!(used_dc, "{name}: the DC decoder was not used");
    assert_eq!(d.scale_denominator, 8, "{name}");
    let mut lj = mozjpeg::Decompress::new_mem(bytes).unwrap();
    lj.scale(1);
    let mut s = lj.grayscale().unwrap();
    let theirs = s.read_scanlines::<u8>().unwrap();
    s.finish().unwrap();
    match &d.pixels {
        Pixels::Luma8(g) => assert!(g.as_raw() == &theirs, "{name}: Y differs from libjpeg's"),
        Pixels::Rgb8(_) => panic!("{name}: grey input gave RGB"),
    }
}

#[test]
fn scripted_progressive_files_with_restarts_decode_like_libjpeg() {
    let dir = tempfile::tempdir().unwrap();
    let img = image::DynamicImage::ImageRgb8(photo(2100, 2060));
    let grey = img.to_luma8();
    let grey_rgb = image::DynamicImage::ImageLuma8(grey).into_rgb8();
    // Scan scripts (cjpeg -scans): DC first with Al = 2 and two refinement scans; the AC bands
    // around them.
    let script = dir.path().join("scans.txt");
    std::fs::write(
        &script,
        "0: 0 0 0 2;\n0: 1 5 0 1;\n0: 0 0 2 1;\n0: 6 63 0 1;\n0: 1 63 1 0;\n0: 0 0 1 0;\n",
    )
    .unwrap();
    let script = script.to_string_lossy().to_string();
    for (label, args) in [
        ("standard progression", vec!["-grayscale", "-progressive"]),
        (
            "restart every 3 rows",
            vec!["-grayscale", "-progressive", "-restart", "3"],
        ),
        (
            "restart every 7 blocks",
            vec!["-grayscale", "-progressive", "-restart", "7B"],
        ),
        (
            "successive approximation script",
            vec!["-grayscale", "-scans", &script],
        ),
        (
            "script with restarts",
            vec!["-grayscale", "-scans", &script, "-restart", "5B"],
        ),
    ] {
        let Some(bytes) = cjpeg(dir.path(), &grey_rgb, &args, "p.jpg") else {
            return;
        };
        assert!(
            bytes.windows(2).any(|w| w == [0xFF, 0xC2]),
            "{label}: not progressive"
        );
        if label.contains("restart") {
            assert!(
                bytes.windows(2).any(|w| w == [0xFF, 0xDD]),
                "{label}: no DRI"
            );
        }
        assert_dc_path_matches_libjpeg(label, &bytes);
    }
}

/// Colour files whose DC comes in one scan per component (non-interleaved, so without MCU
/// padding), refined by successive approximation, with restart markers. Unsubsampled (4:4:4),
/// libjpeg's 1/8 output is the 1x1 IDCT of every component, so ours must equal it exactly; at
/// 4:2:0 libjpeg's chroma comes from a 2x2 IDCT and ours from the DC, so RGB is close only.
#[test]
fn per_component_dc_scans_decode_like_libjpeg() {
    let dir = tempfile::tempdir().unwrap();
    let img = photo(2090, 2070);
    let script = dir.path().join("scans.txt");
    std::fs::write(
        &script,
        "0: 0 0 0 1;\n1: 0 0 0 1;\n2: 0 0 0 1;\n0: 1 63 0 0;\n1: 1 63 0 0;\n2: 1 63 0 0;\n\
         2: 0 0 1 0;\n0,1: 0 0 1 0;\n",
    )
    .unwrap();
    let script = script.to_string_lossy().to_string();
    for (label, sample) in [("4:4:4", "1x1"), ("4:2:0", "2x2")] {
        for restart in ["0", "4B"] {
            let name = format!("{label} restart {restart}");
            let args = ["-sample", sample, "-scans", &script, "-restart", restart];
            let Some(bytes) = cjpeg(dir.path(), &img, &args, "c.jpg") else {
                return;
            };
            let (d, used_dc) = media::decode_for_hashing_threads(
                &bytes,
                &DecodeLimits::default(),
                PDQ_DECODE_MIN_SIDE,
                Some(0),
            )
            .unwrap();
            assert!(used_dc, "{name}: the DC decoder was not used");
            let mut lj = mozjpeg::Decompress::new_mem(&bytes).unwrap();
            lj.scale(1);
            let mut s = lj.rgb().unwrap();
            let (w, h) = (s.width() as u32, s.height() as u32);
            let theirs =
                image::RgbImage::from_raw(w, h, s.read_scanlines::<u8>().unwrap()).unwrap();
            s.finish().unwrap();
            let ours = rgb_of(&d.pixels);
            if sample == "1x1" {
                assert!(ours == theirs, "{name}: RGB differs from libjpeg's");
            } else {
                let diff = mean_diff(&ours, &theirs);
                assert!(
                    diff < 2.0,
                    "{name}: {diff} levels from libjpeg's RGB on average"
                );
            }
        }
    }
}
