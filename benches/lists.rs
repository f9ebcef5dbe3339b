//! List benchmarks: PDQ radius-31 queries with 8 dihedral variants against 1M and 10M random
//! hashes (multi-index vs brute-force popcount scan in the same run), bytes per hash on disk
//! and in memory, and load time of the list file.
//!
//! Context anchor (not measured here): Meta's C++ MIH takes 7.9 ms per 8-variant query at 1M
//! on this machine class, its linear scan 7.6 ms.
//!
//! Distributable lists (`install` lines): the download without the index (bytes per hash,
//! with labels and sources dictionary-coded over 200 labels x 6 orgs), the device install
//! (`LiveList::apply_update`: full verification, index build, writes; time and peak resident
//! growth against the index size), device bytes per hash (list + index file), queries on the
//! installed list against the brute-force scan in the same run, and a delta of 0.1% change.
//! `PREFLIGHT_BENCH_INSTALL_SIZES=1000000,10000000` (default) selects those sizes.
//!
//! Sizes: `PREFLIGHT_BENCH_SIZES=1000000,10000000` (default). Hashes are generated from a
//! fixed seed, the list is built once per size and written to a temp file. Set
//! `PREFLIGHT_BENCH_COMPARE_SCHEMES=1` to also bench the other index layout on the same hashes,
//! and `PREFLIGHT_BENCH_SKETCH=0,8,12,16` to bench several neighbour-sketch widths (0 = no
//! filter, the layout before the filter existed; default: the builder's default only).

use criterion::Criterion;
use preflight::lists::{
    make_delta, HashKind, HashList, IssuerSecretKey, ListBuilder, LiveList, PdqIndexScheme,
    TrustedKeys, Verification,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

use preflight::lists::random::SplitMix64 as Rng;

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// 64 queries of 8 variants: half have variant 0 within 10 bits of a listed hash (the rest
/// random), so both hit and miss paths are measured.
fn make_queries(hashes: &[[u8; 32]], rng: &mut Rng) -> Vec<Vec<[u8; 32]>> {
    let n = hashes.len() as u64;
    (0..64)
        .map(|i| {
            let mut q: Vec<[u8; 32]> = (0..8).map(|_| rng.hash()).collect();
            if i % 2 == 0 {
                let mut near = hashes[(rng.next() % n) as usize];
                for _ in 0..10 {
                    let b = (rng.next() % 256) as usize;
                    near[b / 8] ^= 1 << (b % 8);
                }
                q[0] = near;
            }
            q
        })
        .collect()
}

/// Builds a signed list of `n` random PDQ hashes with `scheme` and `sketch` and writes it in
/// `dir`; returns its path, the hashes and the file size.
fn write_list(
    n: usize,
    dir: &std::path::Path,
    scheme: PdqIndexScheme,
    sketch: Option<u32>,
    key: &IssuerSecretKey,
    rng: &mut Rng,
) -> (std::path::PathBuf, Vec<[u8; 32]>, usize) {
    let t = Instant::now();
    let mut builder = ListBuilder::new(1, 0);
    builder.set_pdq_index_scheme(scheme);
    builder.set_pdq_sketch_bits(sketch);
    let org = builder.add_org("bench").unwrap_or(0);
    let mut hashes = Vec::with_capacity(n);
    for _ in 0..n {
        let h = rng.hash();
        hashes.push(h);
        builder
            .add(HashKind::Pdq, &h, 1 << org, "l", "c")
            .expect("add");
    }
    let bytes = builder.build(key).expect("build");
    drop(builder);
    let path = dir.join(format!("bench-{n}-{scheme:?}-{sketch:?}.pflist"));
    std::fs::write(&path, &bytes).expect("write");
    eprintln!(
        "[lists] n={n} {scheme:?} sketch {sketch:?}: built and wrote list in {:.1?}",
        t.elapsed()
    );
    (path, hashes, bytes.len())
}

fn bench_size(
    c: &mut Criterion,
    n: usize,
    dir: &std::path::Path,
    scheme: PdqIndexScheme,
    sketch: Option<u32>,
) {
    let label = match sketch {
        Some(bits) => format!("{scheme:?} sketch {bits}"),
        None => format!("{scheme:?} default sketch"),
    };
    let key = IssuerSecretKey::from_seed(&[1; 32]);
    let keys = TrustedKeys::new(vec![key.public()]);
    let mut rng = Rng(n as u64);
    let (path, hashes, file_bytes) = write_list(n, dir, scheme, sketch, &key, &mut rng);

    // Load time (one-shot figures; criterion below measures the fast path).
    let rss_before = resident_kib();
    let t = Instant::now();
    let full = HashList::open(&path, &keys).expect("open full");
    let full_load = t.elapsed();
    let rss_after_full = resident_kib();
    drop(full);
    let t = Instant::now();
    let list = HashList::open_with(&path, Some(&keys), Verification::Fast).expect("open fast");
    let fast_load = t.elapsed();

    // Queries: 8 variants each. Half the queries have variant 0 within 10 bits of a listed
    // hash (the rest random), so both hit and miss paths are measured.
    let queries = make_queries(&hashes, &mut rng);
    // Exactness spot check in the bench itself.
    for q in queries.iter().take(4) {
        assert_eq!(list.match_pdq(q, 31), list.match_pdq_linear(q, 31));
    }
    drop(hashes);

    let mut group = c.benchmark_group(format!(
        "pdq_{n}_{scheme:?}_sketch{}",
        sketch.map_or("default".to_string(), |b| b.to_string())
    ));
    let mut qi = 0usize;
    group.bench_function("mih_r31_8variants", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            black_box(list.match_pdq(&queries[qi], 31))
        })
    });
    let mut qi = 0usize;
    group.bench_function("linear_r31_8variants", |b| {
        b.iter(|| {
            qi = (qi + 1) % queries.len();
            black_box(list.match_pdq_linear(&queries[qi], 31))
        })
    });
    group.bench_function("load_fast_verification", |b| {
        b.iter(|| {
            black_box(HashList::open_with(&path, Some(&keys), Verification::Fast).expect("open"))
        })
    });
    group.finish();

    // Direct timing for the summary line (median of repeated queries).
    let median = |f: &dyn Fn(&Vec<[u8; 32]>) -> usize, reps: usize| -> Duration {
        let mut times: Vec<Duration> = (0..reps)
            .map(|i| {
                let t = Instant::now();
                black_box(f(&queries[i % queries.len()]));
                t.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    let mih = median(&|q| list.match_pdq(q, 31).len(), 200);
    let linear = median(&|q| list.match_pdq_linear(q, 31).len(), 20);
    eprintln!(
        "[lists] n={n} {label}: MIH {:.3} ms, linear {:.3} ms, linear/MIH = {:.1}x (C++ MIH anchor at 1M: 7.9 ms)",
        mih.as_secs_f64() * 1e3,
        linear.as_secs_f64() * 1e3,
        linear.as_secs_f64() / mih.as_secs_f64()
    );
    eprintln!(
        "[lists] n={n} {label}: file {} bytes = {:.1} bytes/hash (hash 32 B + index); mapped in memory: the same bytes, zero-copy",
        file_bytes,
        file_bytes as f64 / n as f64
    );
    if let (Some(a), Some(b)) = (rss_before, rss_after_full) {
        eprintln!(
            "[lists] n={n} {label}: resident growth after a full-verify load (all pages touched): {:.1} bytes/hash",
            (b.saturating_sub(a) * 1024) as f64 / n as f64
        );
    }
    eprintln!(
        "[lists] n={n} {label}: load fast (signature + structure) {:.2} ms, load full (SHA-256 of file + signature + deep checks) {:.1} ms",
        fast_load.as_secs_f64() * 1e3,
        full_load.as_secs_f64() * 1e3
    );
}

/// Peak resident set (VmHWM), after resetting it (Linux: `5 > /proc/self/clear_refs`).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A distributable list of `n` random PDQ hashes with dictionary-coded metadata.
fn distributable(
    n: usize,
    version: u64,
    seed: u64,
    key: &IssuerSecretKey,
) -> (Vec<u8>, Vec<[u8; 32]>) {
    let mut rng = Rng(seed);
    let mut b = ListBuilder::new(version, 0);
    b.set_pdq_index_scheme(PdqIndexScheme::Detached);
    for o in 0..6 {
        b.add_org(&format!("org-{o}")).unwrap_or(0);
    }
    let labels: Vec<String> = (0..200).map(|i| format!("case-{i:04}")).collect();
    let mut hashes = Vec::with_capacity(n);
    for _ in 0..n {
        let h = rng.hash();
        hashes.push(h);
        let label = &labels[(rng.next() % 200) as usize];
        let orgs = 1 + rng.next() % 63;
        b.add(HashKind::Pdq, &h, orgs, label, "csam").expect("add");
    }
    (b.build(key).expect("build"), hashes)
}

/// Download size, device install, device size, queries on the installed list, delta size.
fn bench_install(n: usize, dir: &std::path::Path) {
    let key = IssuerSecretKey::from_seed(&[2; 32]);
    let keys = TrustedKeys::new(vec![key.public()]);
    let (bytes, hashes) = distributable(n, 1, n as u64 ^ 0x5eed, &key);
    eprintln!(
        "[lists] install n={n}: download {} bytes = {:.2} bytes/hash (no index; 200 labels x 6 orgs dictionary-coded)",
        bytes.len(),
        bytes.len() as f64 / n as f64
    );
    let store = dir.join(format!("store-{n}"));
    let live = LiveList::open(&store, keys.clone()).expect("store");
    let rss_before = resident_kib();
    let peak_ok = reset_peak();
    let t = Instant::now();
    live.apply_update(&bytes, false).expect("install");
    let install = t.elapsed();
    let peak = peak_kib();
    let index_bytes: u64 = std::fs::read_dir(&store)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".pfidx"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    eprintln!(
        "[lists] install n={n}: apply_update (full verify + index build + write) {:.0} ms; device list + index {:.1} bytes/hash (index {:.1})",
        install.as_secs_f64() * 1e3,
        (bytes.len() as u64 + index_bytes) as f64 / n as f64,
        index_bytes as f64 / n as f64
    );
    if let (true, Some(p), Some(b)) = (peak_ok, peak, rss_before) {
        // The update bytes were already resident before the install started.
        eprintln!(
            "[lists] install n={n}: peak resident growth during install {:.1} MB = {:.2}x the index ({:.1} MB)",
            p.saturating_sub(b) as f64 / 1024.0,
            (p.saturating_sub(b) * 1024) as f64 / index_bytes.max(1) as f64,
            index_bytes as f64 / 1e6
        );
    }
    // In-run baseline: the full verification of the same bytes alone (digest, signature,
    // structure), the floor of any install.
    let t = Instant::now();
    let verified = HashList::from_bytes_with(bytes.clone(), Some(&keys), Verification::Full);
    let verify = t.elapsed();
    assert!(verified.is_ok());
    drop(verified);
    eprintln!(
        "[lists] install n={n}: install {:.3} s vs full verification alone {:.3} s ({:.2}x)",
        install.as_secs_f64(),
        verify.as_secs_f64(),
        install.as_secs_f64() / verify.as_secs_f64()
    );
    let list = live.current();
    let mut rng = Rng(7);
    let queries = make_queries(&hashes, &mut rng);
    for q in queries.iter().take(8) {
        assert_eq!(list.match_pdq(q, 31), list.match_pdq_linear(q, 31));
    }
    let time = |f: &dyn Fn(&Vec<[u8; 32]>) -> usize, reps: usize| -> f64 {
        let mut t: Vec<Duration> = (0..reps)
            .map(|i| {
                let s = Instant::now();
                black_box(f(&queries[i % queries.len()]));
                s.elapsed()
            })
            .collect();
        t.sort();
        t[t.len() / 2].as_secs_f64() * 1e3
    };
    let mih = time(&|q| list.match_pdq(q, 31).len(), 200);
    let linear = time(&|q| list.match_pdq_linear(q, 31).len(), 20);
    eprintln!(
        "[lists] install n={n}: installed list, 8 variants r31: MIH {mih:.3} ms, linear {linear:.3} ms ({:.0}x)",
        linear / mih
    );
    // Delta of 0.1% (n/1000 removes + n/1000 adds).
    let old = HashList::from_bytes(bytes, &keys).expect("old");
    let changes = n / 1000;
    let mut b = preflight::lists::delta::builder_from_list(&old).expect("builder");
    b.set_version(2);
    b.set_pdq_index_scheme(PdqIndexScheme::Detached);
    let tomb: Vec<Vec<u8>> = hashes[..changes].iter().map(|h| h.to_vec()).collect();
    b.remove(HashKind::Pdq, &tomb);
    for _ in 0..changes {
        b.add(HashKind::Pdq, &rng.hash(), 1, "case-new", "csam")
            .expect("add");
    }
    let new = HashList::from_bytes(b.build(&key).expect("build"), &keys).expect("new");
    let delta = make_delta(&old, &new, &key).expect("delta");
    eprintln!(
        "[lists] install n={n}: delta for {changes} adds + {changes} removes: {} bytes ({:.1} bytes/change)",
        delta.len(),
        delta.len() as f64 / (2 * changes).max(1) as f64
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::var("PREFLIGHT_BENCH_SIZES")
        .unwrap_or_else(|_| "1000000,10000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let install_sizes: Vec<usize> = std::env::var("PREFLIGHT_BENCH_INSTALL_SIZES")
        .unwrap_or_else(|_| "1000000,10000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for n in install_sizes {
        bench_install(n, dir.path());
    }
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let sketches: Vec<Option<u32>> = match std::env::var("PREFLIGHT_BENCH_SKETCH") {
        Ok(list) => list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .map(Some)
            .collect(),
        Err(_) => vec![None],
    };
    for n in sizes {
        for &sketch in &sketches {
            bench_size(&mut c, n, dir.path(), PdqIndexScheme::Auto, sketch);
            if std::env::var_os("PREFLIGHT_BENCH_COMPARE_SCHEMES").is_some() {
                // Same hashes (same seed) with the other index layout, for an in-run
                // comparison.
                let other = if n >= 1 << 22 {
                    PdqIndexScheme::Narrow
                } else {
                    PdqIndexScheme::Wide
                };
                bench_size(&mut c, n, dir.path(), other, sketch);
            }
        }
    }
    c.final_summary();
}
