//! Time to hash the large and hostile images of issue 12 (made by
//! tests/it/image_decode_cases, the generators tests/it/image_decode_memory.rs measures memory on),
//! through the production path `hash::hash_image_bytes`. Targets: <= 1 s for a JPEG, <= 2 s
//! for other formats, on this machine. Refused files are timed too: refusing must be fast.

#[path = "../tests/it/image_decode_cases/mod.rs"]
mod cases;

use criterion::{criterion_group, criterion_main, Criterion};
use preflight::media::DecodeLimits;
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("png_64mp_rgb", cases::png_rgb(8000, 8000)),
        ("png_icc_bomb_512mb", cases::png_icc_bomb(512 << 20)),
        ("gif_8000x8000_screen", cases::gif_big_screen(8000)),
        ("jpeg_5000_scans", cases::jpeg_with_scans(5000)),
        ("jpeg_64mp_baseline", cases::jpeg(8000, 8000, false)),
        ("jpeg_64mp_progressive", cases::jpeg(8000, 8000, true)),
        ("jpeg_40000x1000_baseline", cases::jpeg(40_000, 1000, false)),
        (
            "jpeg_30000x1500_progressive",
            cases::jpeg(30_000, 1500, true),
        ),
    ];
    // 24 MP lossy WebP (libwebp's scaled decode, feature `webp-libwebp`) and, as its baseline in
    // the same run, the same picture as a baseline JPEG on the JPEG path.
    #[cfg(feature = "webp-libwebp")]
    let inputs = {
        let mut inputs = inputs;
        inputs.push(("webp_24mp_lossy", cases::webp_lossy(6000, 4000)));
        inputs.push((
            "jpeg_24mp_baseline_same_picture",
            cases::jpeg(6000, 4000, false),
        ));
        inputs
    };
    // Grid HEIC as phones write it (feature `heif`, needs Debian's heif-enc to make the tiles):
    // 12 MP (48 tiles), 64 MP (256 tiles, the 12 MP photo's tiles repeated) and 12 MP with a
    // `clap` crop, decoded tile by tile; single-image HEIC and AVIF at 12 MP and at the largest
    // size accepted; the 12 MP photo as a baseline JPEG is the in-run baseline.
    #[cfg(feature = "heif")]
    let inputs = {
        use cases::heif_grid::{
            grid_file, heif_enc_or_skip, photo_grid, photo_tiles, single_image_file, Op,
        };
        let mut inputs = inputs;
        if let Some(enc) = heif_enc_or_skip() {
            inputs.push(("heic_grid_12mp", photo_grid(&enc, &[])));
            let tiles = photo_tiles(&enc);
            let layout: Vec<usize> = (0..256).map(|i| i % tiles.len()).collect();
            inputs.push((
                "heic_grid_64mp",
                grid_file(tiles, &layout, (16, 16), (8000, 8000), &[]),
            ));
            inputs.push((
                "heic_grid_12mp_cropped",
                photo_grid(&enc, &[Op::Clap(4000, 3000, 0, 0), Op::Rotate(1)]),
            ));
            // Single-image files (one coded item: FFmpeg with `video`, else libheif whole).
            let dir = tempfile::tempdir().unwrap();
            for (name, size, avif) in [
                ("heic_single_12mp", (4032, 3024), false),
                ("avif_single_12mp", (4032, 3024), true),
                ("heic_single_18mp", (5152, 3456), false),
                ("avif_single_18mp", (5152, 3456), true),
            ] {
                let path = single_image_file(&enc, dir.path(), size, avif);
                inputs.push((name, std::fs::read(path).unwrap()));
            }
            inputs.push(("jpeg_12mp_baseline", cases::jpeg(4032, 3024, false)));
        }
        inputs
    };
    let limits = DecodeLimits::default();
    let mut g = c.benchmark_group("image_decode");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for (name, bytes) in &inputs {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let r = preflight::hash::hash_image_bytes(black_box(bytes), &limits);
                black_box(r.map(|h| h.decoded_size).map_err(|e| e.to_string()))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
