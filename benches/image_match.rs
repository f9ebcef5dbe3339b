//! Query-side cost of resharing robustness on a 12 MP JPEG (4032x3024): today's single hash
//! (decode for hashing + one PDQ with its eight dihedral variants + one list query) against
//! every region `media::reframe` finds (border trimmed, content block), each PDQ'd (8
//! variants) and queried, plus pHash of each. Target: all variants <= 3x the single hash.
//! The ratio is printed from one run (`ratio_report`). The photo is the 12 MP test fixture, or
//! Debian's mate-backgrounds Elephants (5640x3172) from `.tools` when the fixture is gone.

use criterion::{criterion_group, criterion_main, Criterion};
use preflight::hash::{self, variants};
use preflight::lists::{HashKind, HashList, IssuerSecretKey, ListBuilder, TrustedKeys};
use preflight::media::{self, DecodeLimits};
use std::hint::black_box;

fn photo() -> Option<Vec<u8>> {
    let root = env!("CARGO_MANIFEST_DIR");
    [
        format!("{root}/tests/fixtures/pdq/images/exif-rotn-6.jpg"),
        format!("{root}/.tools/mate-backgrounds/Elephants_5640x3172.jpg"),
    ]
    .iter()
    .find_map(|p| std::fs::read(p).ok())
}

fn list() -> HashList {
    let key = IssuerSecretKey::from_seed(&[3u8; 32]);
    let mut b = ListBuilder::new(1, 0);
    let mut rng = preflight::lists::random::SplitMix64(5);
    for _ in 0..10_000 {
        b.add(HashKind::Pdq, &rng.hash(), 0, "", "").unwrap();
        b.add(HashKind::PHash, &rng.next().to_be_bytes(), 0, "", "")
            .unwrap();
    }
    HashList::from_bytes(
        b.build(&key).unwrap(),
        &TrustedKeys::new(vec![key.public()]),
    )
    .unwrap()
}

fn single(bytes: &[u8], list: &HashList) -> usize {
    let d = media::decode_for_hashing(bytes, &DecodeLimits::default(), hash::PDQ_DECODE_MIN_SIDE)
        .unwrap();
    let pdq = hash::pdq::hash_pixels(d.pixels.as_pdq_input()).unwrap();
    let v: Vec<[u8; 32]> = pdq.hashes.iter().map(|h| h.0).collect();
    list.match_pdq(&v, 31).len()
}

fn all_variants(bytes: &[u8], list: &HashList) -> usize {
    let d = media::decode_for_hashing(bytes, &DecodeLimits::default(), hash::PDQ_DECODE_MIN_SIDE)
        .unwrap();
    // As `Scanner::scan_image`: a DCT-scaled decode is searched for small regions first (a
    // photo has none, so it is not decoded again).
    if d.scale_denominator > 1 {
        black_box(media::reframe::regions(&d.pixels));
    }
    let regions = variants::hash_regions(&d.pixels, true).unwrap();
    regions
        .iter()
        .map(|r| {
            let v: Vec<[u8; 32]> = r.pdq.hashes.iter().map(|h| h.0).collect();
            list.match_pdq(&v, 31).len() + r.phash.map_or(0, |p| list.match_phash(p, 4).len())
        })
        .sum()
}

fn best_ms(iters: usize, mut f: impl FnMut() -> usize) -> f64 {
    (0..iters)
        .map(|_| {
            let t = std::time::Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn bench(c: &mut Criterion) {
    let Some(bytes) = photo() else {
        eprintln!("skipped: no 12 MP photo (fixture or .tools/mate-backgrounds)");
        return;
    };
    let list = list();
    let mut g = c.benchmark_group("image_match");
    g.sample_size(20);
    g.bench_function("single_hash/jpeg_12mp", |b| {
        b.iter(|| single(&bytes, &list))
    });
    g.bench_function("all_variants/jpeg_12mp", |b| {
        b.iter(|| all_variants(&bytes, &list))
    });
    g.finish();
    // Alternating, best of 15 each, in this run.
    let (mut s, mut a) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        s = s.min(best_ms(5, || single(&bytes, &list)));
        a = a.min(best_ms(5, || all_variants(&bytes, &list)));
    }
    eprintln!("ratio_report: 12 MP JPEG all variants {a:.1} ms / single hash {s:.1} ms = {:.2}x (target <= 3x)", a / s);
}

criterion_group!(benches, bench);
criterion_main!(benches);
