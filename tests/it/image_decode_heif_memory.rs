//! Peak memory of hashing single-image HEIC and AVIF files (feature `heif`), one child process
//! per case (the harness of `image_decode_memory`). With feature `video` the single coded item
//! is decoded by FFmpeg, which holds its one frame: accepted up to 34 MB of decoder frame
//! and tables (17.8 MP at 8 bits), hashed within 48 MB of growth; larger ones are refused before
//! decoding. Without `video`, libheif decodes them whole (two frames at once), so the accepted
//! size is lower (about 9 MP). Files are made at test time with Debian's `heif-enc`.
#![cfg(feature = "heif")]

use crate::image_decode_cases::heif_grid::{heif_enc, heif_enc_or_skip, single_image_file};
use crate::image_decode_memory::{assert_bounded, hash_file_in_child, Outcome};

/// The largest 8-bit single image accepted with `video`: 5152x3456 is 17.8 MP, 2 bytes a
/// pixel just under the 34 MB frame budget.
const LARGEST: (usize, usize) = (5152, 3456);

/// Encodes the photo-like picture at `w x h` with heif-enc (`avif`: AV1) and hashes it in a
/// child; None when heif-enc is missing (skipped).
fn hash_encoded(w: usize, h: usize, avif: bool) -> Option<Outcome> {
    let enc = heif_enc_or_skip()?;
    let dir = tempfile::tempdir().unwrap();
    let file = single_image_file(&enc, dir.path(), (w, h), avif);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    Some(hash_file_in_child(&name, &file))
}

/// What a single image of `w x h` must give: hashed within the bound, or (over the accepted
/// size for this build) a typed refusal.
fn assert_single_image(what: &str, o: &Outcome, accepted: bool) {
    if accepted {
        assert_bounded(what, o, "ok 512x512");
    } else {
        assert!(
            o.result.starts_with("err MemoryLimit"),
            "{what}: expected a memory-limit refusal, got `{}`",
            o.result
        );
    }
}

/// Whether this build accepts an 8-bit single image of `w x h` pixels.
fn accepted(w: usize, h: usize) -> bool {
    let budget = if cfg!(feature = "video") {
        (34 << 20) / 2
    } else {
        (44 << 20) / 5
    };
    w * h <= budget
}

#[test]
fn a_12_megapixel_single_image_avif_stays_within_the_bound() {
    if let Some(o) = hash_encoded(4032, 3024, true) {
        assert_single_image("12 MP AVIF", &o, accepted(4032, 3024));
    }
}

#[test]
fn the_largest_accepted_single_image_heic_stays_within_the_bound() {
    if let Some(o) = hash_encoded(LARGEST.0, LARGEST.1, false) {
        assert_single_image("largest HEIC", &o, accepted(LARGEST.0, LARGEST.1));
    }
}

#[test]
fn the_largest_accepted_single_image_avif_stays_within_the_bound() {
    if let Some(o) = hash_encoded(LARGEST.0, LARGEST.1, true) {
        assert_single_image("largest AVIF", &o, accepted(LARGEST.0, LARGEST.1));
    }
}

/// 16 rows more than the largest accepted: refused before decoding, in little memory.
#[test]
fn a_single_image_over_the_accepted_size_is_refused_before_decoding() {
    let (w, h) = (LARGEST.0, LARGEST.1 + 16);
    assert!(!accepted(w, h));
    if let Some(o) = hash_encoded(w, h, false) {
        assert_single_image("HEIC over the accepted size", &o, false);
        assert!(
            o.peak_kib < 16 * 1024,
            "refused after decoding: {} KiB",
            o.peak_kib
        );
    }
}

/// A 12 MP grid with a `clap` crop (before its rotation): tile by tile, the window cut in the
/// sink (libheif's whole decode of it grew 73 MB).
#[test]
fn a_12_megapixel_cropped_grid_is_decoded_tile_by_tile() {
    use crate::image_decode_cases::heif_grid::{photo_grid, Op};
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let file = photo_grid(&enc, &[Op::Clap(4000, 3000, 0, 0), Op::Rotate(1)]);
    let o = crate::image_decode_memory::hash_in_child("cropped-grid.heic", &file);
    assert_bounded("12 MP cropped grid HEIC", &o, "ok 512x512");
}

/// A grid whose `clap` comes after its rotation (so it crops the rotated picture) is decoded
/// whole by libheif, as grids with alpha and overlays are: accepted up to 6.6 MP of grid
/// output, within the bound there.
#[test]
fn a_grid_libheif_decodes_whole_stays_within_the_bound_at_its_accepted_size() {
    use crate::image_decode_cases::heif_grid::{grid_file, photo_tiles, Op};
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let tiles = photo_tiles(&enc);
    let layout: Vec<usize> = (0..28).map(|i| i % tiles.len()).collect();
    let ops = [Op::Rotate(1), Op::Clap(2000, 3100, 0, 0)];
    let file = grid_file(tiles, &layout, (7, 4), (3200, 2048), &ops);
    let o = crate::image_decode_memory::hash_in_child("whole-grid.heic", &file);
    assert_bounded("6.6 MP grid decoded whole", &o, "ok 512x512");
    // 16 rows more: over what libheif may decode whole, refused before decoding.
    let file = grid_file(tiles, &layout, (7, 4), (3200, 2064), &ops);
    let o = crate::image_decode_memory::hash_in_child("whole-grid-over.heic", &file);
    assert!(
        o.result.starts_with("err MemoryLimit") && o.result.contains("in one piece"),
        "{}",
        o.result
    );
}

/// A single image with alpha (libheif decodes colour and alpha whole) at the largest size
/// accepted for it, 5.8 MP: within the bound; 16 rows more are refused.
#[test]
fn an_image_with_alpha_at_its_accepted_size_stays_within_the_bound() {
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (h, accepted) in [(2000u32, true), (2016, false)] {
        let w = 2880u32;
        let png = dir.path().join("alpha.png");
        let img = image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([
                (x / 15) as u8,
                (y / 11) as u8,
                ((x + y) / 40) as u8,
                (x / 20) as u8,
            ])
        });
        img.save_with_format(&png, image::ImageFormat::Png).unwrap();
        let out = dir.path().join(format!("alpha-{w}x{h}.heic"));
        heif_enc(&enc, &png, &out, false);
        let o = hash_file_in_child(&format!("{w}x{h} HEIC with alpha"), &out);
        if accepted {
            assert_bounded("5.8 MP HEIC with alpha", &o, "ok 512x512");
        } else {
            assert!(
                o.result.starts_with("err MemoryLimit") && o.result.contains("with alpha"),
                "{}",
                o.result
            );
        }
    }
}
