//! Animated-GIF scan cost per sampled frame (issue 13), baseline measured in the same run.
//!
//! - `gif_scan/480x360x10`: `Scanner::scan_image` on a 10-frame 480x360 GIF (one frame a
//!   second, so every frame is sampled), against a 10 000-entry list that none matches: decode,
//!   PDQ with 8 variants and an 8-variant list query for each frame.
//! - `gif_decode_only/480x360x10`: the same frames decoded and composited, nothing else (the
//!   baseline: what any GIF viewer pays).
//!
//! `per_frame_report` prints (scan - decode) / 10: what the scan adds per sampled frame
//! (target <= 1 ms). The 60 s 720p video comparison against pip `vpdq` is
//! `scripts/video-bench.sh`. Machines shared with other jobs: read `uptime` alongside.

use criterion::{criterion_group, criterion_main, Criterion};
use image::codecs::gif::GifEncoder;
use image::{Delay, Frame, RgbaImage};
use preflight::lists::random::SplitMix64;
use preflight::lists::{HashKind, IssuerSecretKey, ListBuilder};
use preflight::media::animation::{AnimationFrames, AnimationKind};
use preflight::{Scanner, ScannerConfig};
use std::hint::black_box;
use std::time::{Duration, Instant};

const FRAMES: u32 = 10;

fn gif() -> Vec<u8> {
    let mut rng = SplitMix64(42);
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new_with_speed(&mut out, 10);
        for _ in 0..FRAMES {
            let mut img = RgbaImage::from_pixel(480, 360, image::Rgba([30, 30, 30, 255]));
            for _ in 0..8 {
                let r = rng.next();
                let (x0, y0) = ((r % 480) as u32, ((r >> 16) % 360) as u32);
                let c = image::Rgba([(r >> 40) as u8, (r >> 48) as u8, (r >> 56) as u8, 255]);
                for y in y0..(y0 + 120).min(360) {
                    for x in x0..(x0 + 160).min(480) {
                        img.put_pixel(x, y, c);
                    }
                }
            }
            let d = Delay::from_numer_denom_ms(1000, 1);
            enc.encode_frame(Frame::from_parts(img, 0, 0, d))
                .expect("gif frame");
        }
    }
    out
}

fn list_bytes(key: &IssuerSecretKey) -> Vec<u8> {
    let mut b = ListBuilder::new(1, 0);
    let mut rng = SplitMix64(7);
    for _ in 0..10_000 {
        b.add(HashKind::Pdq, &rng.hash(), 0, "bench", "bench")
            .expect("add");
    }
    b.build(key).expect("build")
}

fn scanner() -> Scanner {
    let key = IssuerSecretKey::from_seed(&[5u8; 32]);
    let s = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key.public().to_hex()],
        ..ScannerConfig::default()
    })
    .expect("scanner");
    s.apply_list_update(&list_bytes(&key), false).expect("list");
    s
}

fn decode_only(bytes: &[u8]) -> usize {
    let it = AnimationFrames::open(
        bytes,
        AnimationKind::Gif,
        &Default::default(),
        &Default::default(),
    )
    .expect("open");
    it.map(|f| f.expect("frame").pixels.width() as usize).sum()
}

fn bench(c: &mut Criterion) {
    let bytes = gif();
    let s = scanner();
    let mut g = c.benchmark_group("video");
    g.measurement_time(Duration::from_secs(5)).sample_size(20);
    g.bench_function("gif_scan/480x360x10", |b| {
        b.iter(|| s.scan_image(black_box(&bytes)).expect("scan"))
    });
    g.bench_function("gif_decode_only/480x360x10", |b| {
        b.iter(|| decode_only(black_box(&bytes)))
    });
    g.finish();
}

fn best_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min)
}

/// (scan - decode-only) / frames, best of 30 each, interleaved in one run.
fn per_frame_report(_c: &mut Criterion) {
    let bytes = gif();
    let s = scanner();
    let v = s.scan_image(&bytes).expect("scan");
    assert_eq!(v.action, preflight::Action::Allow);
    // Interleaved, best of 30 each, so a busy neighbour hits both alike.
    let (mut scan, mut decode) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..30 {
        scan = scan.min(best_ms(1, || s.scan_image(&bytes).expect("scan")));
        decode = decode.min(best_ms(1, || decode_only(&bytes)));
    }
    let frame = AnimationFrames::open(
        &bytes,
        AnimationKind::Gif,
        &Default::default(),
        &Default::default(),
    )
    .expect("open")
    .next()
    .expect("frame")
    .expect("frame");
    let pdq = best_ms(30, || {
        preflight::hash::pdq::hash_pixels(frame.pixels.as_pdq_input()).expect("pdq")
    });
    let digests = best_ms(30, || preflight::hash::crypto::CryptoHashes::of(&bytes));
    let key = IssuerSecretKey::from_seed(&[5u8; 32]);
    let list = preflight::lists::HashList::from_bytes(
        list_bytes(&key),
        &preflight::lists::TrustedKeys::new(vec![key.public()]),
    )
    .expect("list");
    let d = preflight::hash::pdq::hash_pixels(frame.pixels.as_pdq_input()).expect("pdq");
    let variants: Vec<[u8; 32]> = d.hashes.iter().map(|h| h.0).collect();
    let query = best_ms(30, || list.match_pdq(&variants, 31));
    println!(
        "per_frame_report: of which PDQ (8 variants) {pdq:.3} ms and the 8-variant list query {query:.3} ms per frame; \
         MD5+SHA-1+SHA-256 of the file {digests:.3} ms once"
    );
    println!(
        "per_frame_report: animated GIF 480x360, {FRAMES} sampled frames: scan {scan:.2} ms, decode only {decode:.2} ms, \
         added {:.3} ms per sampled frame (target <= 1 ms)",
        (scan - decode) / f64::from(FRAMES)
    );
}

criterion_group!(benches, bench, per_frame_report);
criterion_main!(benches);
