//! PDQ speed, with baselines measured in the same run.
//!
//! - `hash_only/bridge_1600x1004`: decoded pixels -> PDQ (512x512 nearest-neighbour pre-resize,
//!   luma, Jarosz, DCT, 8 dihedral hashes), the part Meta's C++ reference times as "hash".
//!   In-run baseline: `hash_only_reference_structure`, the same arithmetic laid out as the C++
//!   does it (strided column passes, every division), so the ratio shows what the layout buys.
//! - `end_to_end/jpeg_12mp`: JPEG bytes of a 4032x3024 phone photo -> PDQ, with the DCT-scaled
//!   decode. In-run baseline: `end_to_end_full_decode`, the reference tool's shape (decode at
//!   full size, then hash).
//!
//! Anchors from DESIGN.md / issue 2 (Meta's C++ on these machines): hash-only 4.8 ms,
//! 12 MP decode + hash 73.5 ms. `scripts/bench-pdq-reference.sh` measures the C++ itself
//! (pip `pdqhash`) in the same session when Python is available.

use criterion::{criterion_group, criterion_main, Criterion};
use preflight::hash::pdq;
use preflight::media::{self, DecodeLimits};
use std::hint::black_box;
use std::time::Duration;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/pdq/images/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture")
}

fn bench(c: &mut Criterion) {
    let limits = DecodeLimits::default();
    let bridge = media::decode(&fixture("bridge-1-original.jpg"), &limits).unwrap();
    let photo = fixture("exif-rotn-6.jpg");

    let mut g = c.benchmark_group("pdq");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    g.bench_function("hash_only/bridge_1600x1004", |b| {
        b.iter(|| pdq::hash_pixels(black_box(bridge.pixels.as_pdq_input())).unwrap())
    });
    g.bench_function("hash_only_reference_structure/bridge_1600x1004", |b| {
        b.iter(|| preflight::hash::pdq_reference::hash_pixels(black_box(bridge.pixels.as_pdq_input())).unwrap())
    });
    g.sample_size(15);
    g.bench_function("end_to_end/jpeg_12mp", |b| {
        b.iter(|| {
            let d = media::decode_for_hashing(black_box(&photo), &limits, preflight::hash::PDQ_DECODE_MIN_SIDE).unwrap();
            pdq::hash_pixels(d.pixels.as_pdq_input()).unwrap()
        })
    });
    g.bench_function("end_to_end_full_decode/jpeg_12mp", |b| {
        b.iter(|| {
            let d = media::decode(black_box(&photo), &limits).unwrap();
            pdq::hash_pixels(d.pixels.as_pdq_input()).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
