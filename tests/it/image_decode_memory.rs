//! Peak memory of hashing hostile and very large images, one child process per case.
//!
//! Each case is generated here (nothing is stored), written to a temporary file, and hashed by
//! this test binary re-run as a child (`child_hashes_one_file`, ignored otherwise) through the
//! production path (`hash::hash_image_bytes`: decode for hashing, PDQ, pHash, digests). The
//! child reports how much its peak resident memory (VmHWM from /proc/self/status) grew from its
//! start to the end of hashing: the input it read plus everything decoding and hashing took
//! (the test binary's own start-up pages are left out); the parent asserts the outcome (hashed, or the
//! expected typed refusal) and the bound: an iOS share extension gets about 120 MB in all, and
//! hashing one image may use at most 48 MB of it. Timings are printed for the record; they are
//! measured by benches/image_decode.rs, not asserted here.

use crate::common;

use crate::image_decode_cases as cases;
use cases::{
    bmp_1bit, bmp_header, gif_big_screen, jpeg, jpeg_with_scans, photo_row, png_icc_bomb, png_rgb,
};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use preflight::media::DecodeLimits;

const PEAK_LIMIT_KIB: u64 = 48 * 1024;
const CHILD_FILE: &str = "PREFLIGHT_IMAGE_DECODE_CHILD_FILE";

/// The child: hashes the file named by the environment and prints one RESULT line.
#[test]
#[ignore = "child process of the memory tests below (runs only when they start it)"]
fn child_hashes_one_file() {
    let path = std::env::var(CHILD_FILE).expect("started by a memory test");
    // What the process holds before it reads the input: the test binary itself (one binary
    // for every test of the crate, with ONNX Runtime's, FFmpeg's and libheif's bindings), which
    // the loader maps and relocates at start. Not the decoder's.
    let base = common::peak_rss_kib();
    let bytes = std::fs::read(path).unwrap();
    let start = Instant::now();
    let outcome = match preflight::hash::hash_image_bytes(&bytes, &DecodeLimits::default()) {
        Ok(h) => format!("ok {}x{}", h.decoded_size.0, h.decoded_size.1),
        Err(e) => format!("err {e:?}"),
    };
    let ms = start.elapsed().as_millis();
    let peak = common::peak_rss_kib();
    println!(
        "RESULT peak_kib={} ms={ms} {outcome} (process start {base} KiB, peak {peak} KiB)",
        peak.saturating_sub(base)
    );
}

pub(crate) struct Outcome {
    pub(crate) peak_kib: u64,
    pub(crate) ms: u64,
    pub(crate) result: String,
}

/// Runs the child on `bytes` and parses its report.
pub(crate) fn hash_in_child(name: &str, bytes: &[u8]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    hash_file_in_child(name, &path)
}

pub(crate) fn hash_file_in_child(name: &str, path: &Path) -> Outcome {
    let out = common::child_test(module_path!(), "child_hashes_one_file")
        .arg("--ignored")
        .env(CHILD_FILE, path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("RESULT ").map(|(_, r)| r))
        .unwrap_or_else(|| {
            panic!(
                "{name}: the child printed no result\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let field = |key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX)
    };
    let o = Outcome {
        peak_kib: field("peak_kib="),
        ms: field("ms="),
        result: line
            .split_whitespace()
            .skip(2)
            .collect::<Vec<_>>()
            .join(" "),
    };
    eprintln!(
        "{name}: {} bytes, peak RSS {} KiB, {} ms, {}",
        std::fs::metadata(path).map_or(0, |m| m.len()),
        o.peak_kib,
        o.ms,
        o.result
    );
    o
}

pub(crate) fn assert_bounded(name: &str, o: &Outcome, expect: &str) {
    assert!(
        o.result.starts_with(expect),
        "{name}: expected `{expect}`, got `{}`",
        o.result
    );
    if !common::optimised_build_or_skip(&format!("{name}'s peak memory bound")) {
        return;
    }
    assert!(
        o.peak_kib <= PEAK_LIMIT_KIB,
        "{name}: peak RSS {} KiB, over {PEAK_LIMIT_KIB} KiB",
        o.peak_kib
    );
}

#[test]
fn a_valid_64_megapixel_png_is_sampled_row_by_row() {
    let o = hash_in_child("png-64mp.png", &png_rgb(8000, 8000));
    assert_bounded("64 MP PNG", &o, "ok 512x512");
}

#[test]
fn a_truncated_64_megapixel_png_is_sampled_row_by_row_too() {
    let png = png_rgb(8000, 8000);
    let cut = &png[..png.len() * 97 / 100];
    let o = hash_in_child("png-64mp-cut.png", cut);
    assert_bounded("truncated 64 MP PNG", &o, "ok 512x512");
}

#[test]
fn a_compressed_icc_profile_bomb_is_never_inflated() {
    let bomb = png_icc_bomb(512 << 20);
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    let o = hash_in_child("png-icc-bomb.png", &bomb);
    assert_bounded("ICC bomb", &o, "ok 1x1");
}

#[test]
fn a_gif_screen_far_larger_than_its_frame_is_never_allocated() {
    let gif = gif_big_screen(8000);
    assert!(gif.len() < 64);
    let o = hash_in_child("gif-screen.gif", &gif);
    assert_bounded("8000x8000 GIF screen", &o, "ok 512x512");
}

#[test]
fn thousands_of_progressive_scans_are_refused() {
    let o = hash_in_child("scans.jpg", &jpeg_with_scans(5000));
    assert_bounded("5000 scans", &o, "err LimitExceeded");
}

#[test]
fn a_64_megapixel_baseline_jpeg_decodes_at_one_eighth() {
    let o = hash_in_child("baseline-64mp.jpg", &jpeg(8000, 8000, false));
    assert_bounded("64 MP baseline JPEG", &o, "ok 1000x1000");
}

#[test]
fn a_64_megapixel_progressive_jpeg_decodes_from_its_dc_scans() {
    let o = hash_in_child("progressive-64mp.jpg", &jpeg(8000, 8000, true));
    assert_bounded("64 MP progressive JPEG", &o, "ok 1000x1000");
}

#[test]
fn a_thin_panorama_is_sampled_scanline_by_scanline() {
    // Short side under 1024: decoded at full size, which only the sampled rows survive.
    let o = hash_in_child("panorama.jpg", &jpeg(40_000, 1000, false));
    assert_bounded("40000x1000 baseline JPEG", &o, "ok 512x512");
    // Progressive: libjpeg would buffer 120 MB of coefficients; the DC scans give 1/8 scale.
    let o = hash_in_child("panorama-progressive.jpg", &jpeg(30_000, 1500, true));
    assert_bounded("30000x1500 progressive JPEG", &o, "ok 3750x188");
}

#[test]
fn whole_frame_formats_over_the_budget_are_refused_from_the_header() {
    let bmp = bmp_header(8000, 8000);
    let o = hash_in_child("big.bmp", &bmp);
    assert_bounded("8000x8000 BMP", &o, "err MemoryLimit");
}

#[test]
fn a_64_megapixel_bmp_is_sampled_row_by_row() {
    // 1 bit a pixel: an 8 MB file the whole-frame decoder would expand to 192 MB of RGB.
    let o = hash_in_child("big-1bit.bmp", &bmp_1bit(8000, 8000));
    assert_bounded("8000x8000 1-bit BMP", &o, "ok 512x512");
}

#[cfg(feature = "webp-libwebp")]
#[test]
fn a_64_megapixel_lossy_webp_decodes_at_reduced_scale() {
    let o = hash_in_child("lossy-64mp.webp", &cases::webp_lossy(8000, 8000));
    assert_bounded("8000x8000 lossy WebP", &o, "ok 1024x1024");
}

/// A deflate-compressed RGB TIFF of `w x h` in strips (the `tiff` crate's default ~1 MB strips).
#[cfg(feature = "tiff")]
fn tiff_rgb(w: u32, h: u32) -> Vec<u8> {
    use tiff::encoder::{colortype::RGB8, Compression, DeflateLevel, TiffEncoder};
    let mut out = std::io::Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out)
        .unwrap()
        .with_compression(Compression::Deflate(DeflateLevel::Fast));
    // `write_data` compresses (tiff 0.11's `write_strip` writes its strip uncompressed).
    let mut pixels = Vec::with_capacity(w as usize * h as usize * 3);
    let mut row = Vec::new();
    for y in 0..h as usize {
        photo_row(y, w as usize, &mut row);
        pixels.extend_from_slice(&row);
    }
    let image = enc.new_image::<RGB8>(w, h).unwrap();
    image.write_data(&pixels).unwrap();
    out.into_inner()
}

#[cfg(feature = "tiff")]
#[test]
fn a_64_megapixel_tiff_is_sampled_strip_by_strip() {
    let o = hash_in_child("big.tiff", &tiff_rgb(8000, 8000));
    assert_bounded("8000x8000 TIFF", &o, "ok 512x512");
}

/// A 12 MP single-image HEIC (an iPhone photo's size) made by heif-enc. With feature `video`
/// FFmpeg decodes its one HEVC item, holding one frame; libheif 1.15 (without `video`) holds
/// libde265's picture and its own copy (56 MB measured), so that build refuses it.
#[cfg(feature = "heif")]
#[test]
fn a_12_megapixel_heic_stays_within_the_bound() {
    let Some(enc) = cases::heif_grid::heif_enc_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("photo.png");
    std::fs::write(&png, png_rgb(4032, 3024)).unwrap();
    let heic = dir.path().join("photo.heic");
    let status = Command::new(enc)
        .args(["-q", "60", "-p", "preset=ultrafast"])
        .arg(&png)
        .arg("-o")
        .arg(&heic)
        .status()
        .unwrap();
    assert!(status.success(), "heif-enc failed");
    let o = hash_file_in_child("photo.heic", &heic);
    if cfg!(feature = "video") {
        assert_bounded("12 MP HEIC", &o, "ok 512x512");
    } else {
        assert_bounded("12 MP HEIC", &o, "err MemoryLimit");
    }
}

/// A 12 MP grid HEIC, as an iPhone writes it (48 hidden 512x512 tiles): decoded one tile at a
/// time, so libheif holds one tile's planes, not the whole picture's.
#[cfg(feature = "heif")]
#[test]
fn a_12_megapixel_grid_heic_is_decoded_tile_by_tile() {
    use cases::heif_grid::{heif_enc_or_skip, photo_grid, Op};
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let o = hash_in_child("grid.heic", &photo_grid(&enc, &[Op::Rotate(1)]));
    assert_bounded("12 MP grid HEIC", &o, "ok 512x512");
}

/// A 64 MP (8000x8000) grid HEIC, the largest accepted: 256 tiles (the 48 coded tiles of the
/// 12 MP photo, repeated, so the file stays small and only the decoder's memory is measured).
#[cfg(feature = "heif")]
#[test]
fn a_64_megapixel_grid_heic_is_decoded_tile_by_tile() {
    use cases::heif_grid::{grid_file, heif_enc_or_skip, photo_tiles, Op};
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let tiles = photo_tiles(&enc);
    let layout: Vec<usize> = (0..256).map(|i| i % tiles.len()).collect();
    let file = grid_file(tiles, &layout, (16, 16), (8000, 8000), &[Op::Mirror(1)]);
    let o = hash_in_child("grid64.heic", &file);
    assert_bounded("64 MP grid HEIC", &o, "ok 512x512");
}
