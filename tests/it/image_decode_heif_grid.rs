//! Grid HEIC images (what phones write: iPhone photos are grids of 512x512 tiles), which the
//! decoder takes one tile at a time (feature `heif`): the result must be libheif's own decode
//! of the whole grid, in every orientation `irot`/`imir` can give, for the hashing path
//! (PDQ's 512x512 sample of a 12 MP photo) and a full-resolution decode alike. The files are
//! made at test time (tests/it/image_decode_cases/heif_grid.rs) from tiles heif-enc encodes.
#![cfg(feature = "heif")]

use crate::image_decode_cases::heif_grid::{
    grid_file, heif_enc_or_skip, photo_grid, photo_tiles, Op, PHOTO_GRID,
};
use preflight::hash::pdq::{hash_pixels, PdqHash};
use preflight::media::{self, DecodeLimits, Pixels};

/// Orientation sequences covering all 8 symmetries, and both orders of rotate and mirror.
const SEQUENCES: [&[Op]; 11] = [
    &[],
    &[Op::Rotate(1)],
    &[Op::Rotate(2)],
    &[Op::Rotate(3)],
    &[Op::Mirror(0)],
    &[Op::Mirror(1)],
    &[Op::Rotate(1), Op::Mirror(0)],
    &[Op::Rotate(1), Op::Mirror(1)],
    &[Op::Mirror(0), Op::Rotate(1)],
    &[Op::Mirror(1), Op::Rotate(3)],
    &[Op::Rotate(3), Op::Mirror(0)],
];

/// libheif's own decode of the whole primary image (transformations applied) to 8-bit RGB.
fn libheif_rgb(file: &[u8]) -> image::RgbImage {
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
    let ctx = HeifContext::read_from_bytes(file).unwrap();
    let handle = ctx.primary_image_handle().unwrap();
    let img = LibHeif::new()
        .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
        .unwrap();
    let planes = img.planes();
    let p = planes.interleaved.unwrap();
    let (w, h) = (p.width as usize, p.height as usize);
    let mut raw = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        raw.extend_from_slice(&p.data[y * p.stride..][..w * 3]);
    }
    image::RgbImage::from_raw(w as u32, h as u32, raw).unwrap()
}

/// PDQ's reference 512x512 nearest-neighbour resize.
fn pdq_sample(img: &image::RgbImage) -> image::RgbImage {
    let (w, h) = (img.width() as u64, img.height() as u64);
    image::RgbImage::from_fn(512, 512, |x, y| {
        *img.get_pixel(
            (u64::from(x) * w / 512) as u32,
            (u64::from(y) * h / 512) as u32,
        )
    })
}

fn mean_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = (a.as_raw().iter().zip(b.as_raw()))
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

fn pdq(p: &Pixels) -> PdqHash {
    hash_pixels(p.as_pdq_input()).unwrap().hashes[0]
}

#[test]
fn a_12_megapixel_grid_is_sampled_tile_by_tile_as_libheif_decodes_it() {
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    for ops in SEQUENCES {
        assert_sampled_like_libheif(&photo_grid(&enc, ops), ops);
    }
}

/// `file` decoded for hashing is PDQ's sample of libheif's decode (but for rounding), with
/// its size, and PDQ agrees.
fn assert_sampled_like_libheif(file: &[u8], ops: &[Op]) {
    let reference = libheif_rgb(file);
    let ours = media::decode_for_hashing(
        file,
        &DecodeLimits::default(),
        preflight::hash::PDQ_DECODE_MIN_SIDE,
    )
    .unwrap();
    assert!(ours.sampled, "{ops:?}");
    assert_eq!(
        (ours.source_width, ours.source_height),
        reference.dimensions(),
        "{ops:?}"
    );
    let d = mean_diff(&ours.pixels.to_rgb(), &pdq_sample(&reference));
    // Only the YCbCr->RGB rounding differs from libheif's own conversion; a wrong
    // orientation is tens of levels off.
    assert!(d < 1.0, "{ops:?}: {d} levels from libheif's decode");
    let dist = pdq(&ours.pixels).distance(&pdq(&Pixels::Rgb8(reference)));
    eprintln!("{ops:?}: mean diff {d:.3}, PDQ distance {dist}");
    assert!(dist <= 4, "{ops:?}: PDQ {dist} bits from libheif's decode");
}

#[test]
fn a_small_grid_decodes_at_full_size_as_libheif_decodes_it() {
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let tiles = photo_tiles(&enc);
    // 3x2 tiles of the photo, cropped to 1500x1000 (the tiles cover 1536x1024).
    let c = PHOTO_GRID.0;
    let layout = [0, 1, 2, c, c + 1, c + 2];
    for ops in SEQUENCES {
        let file = grid_file(tiles, &layout, (3, 2), (1500, 1000), ops);
        assert_full_size_like_libheif(&file, ops);
    }
}

/// `file` decoded at full size has libheif's size and (but for rounding) its pixels.
fn assert_full_size_like_libheif(file: &[u8], ops: &[Op]) {
    let reference = libheif_rgb(file);
    let ours = media::decode(file, &DecodeLimits::default()).unwrap();
    assert!(!ours.sampled);
    let rgb = ours.pixels.to_rgb();
    assert_eq!(rgb.dimensions(), reference.dimensions(), "{ops:?}");
    let d = mean_diff(&rgb, &reference);
    eprintln!("{ops:?}: mean diff {d:.3}");
    assert!(d < 1.0, "{ops:?}: {d} levels from libheif's decode");
}

/// Grids with a `clap` crop: decoded tile by tile with the window cut in the sink (when the
/// crop comes before any rotation or mirror), or whole by libheif (a crop after them); the
/// same pixels as libheif's decode either way, at full size and in PDQ's sample.
#[test]
fn cropped_grids_decode_as_libheif_decodes_them() {
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let tiles = photo_tiles(&enc);
    let c = PHOTO_GRID.0;
    let layout = [0, 1, 2, c, c + 1, c + 2];
    let crops: [&[Op]; 5] = [
        &[Op::Clap(1400, 900, 0, 0)],
        &[Op::Clap(1401, 899, 3, -5)],
        &[Op::Clap(700, 500, -401, 301), Op::Rotate(1)],
        &[Op::Clap(1200, 801, 1, 0), Op::Mirror(1), Op::Rotate(3)],
        &[Op::Rotate(1), Op::Clap(900, 1400, 0, 0)],
    ];
    for ops in crops {
        let file = grid_file(tiles, &layout, (3, 2), (1500, 1000), ops);
        assert_full_size_like_libheif(&file, ops);
    }
    let ops = [Op::Clap(4000, 2990, 7, -9), Op::Rotate(3)];
    assert_sampled_like_libheif(&photo_grid(&enc, &ops), &ops);
}

/// Single-image files (one `hvc1` item; FFmpeg decodes it with feature `video`): the same
/// pixels as libheif's own decode, with every orientation and crops before and after them.
#[test]
fn single_items_decode_as_libheif_decodes_them() {
    use crate::image_decode_cases::heif_grid::item_file;
    let Some(enc) = heif_enc_or_skip() else {
        return;
    };
    let tiles = photo_tiles(&enc);
    let crops: [&[Op]; 3] = [
        &[Op::Clap(500, 400, -7, 5)],
        &[Op::Clap(301, 199, 40, -31), Op::Mirror(0), Op::Rotate(1)],
        &[Op::Rotate(1), Op::Clap(300, 200, 0, 0)],
    ];
    for (i, ops) in SEQUENCES.iter().chain(&crops).enumerate() {
        let file = item_file(&tiles[(i * 7) % tiles.len()], ops);
        assert_full_size_like_libheif(&file, ops);
    }
}
