//! `preflight bench`: the speed figures that matter on a device, each as a ratio against a
//! baseline measured in the same run, so the command can be copied to a phone (adb shell, or an
//! iOS test host) and run there without the repository, Python or criterion.
//!
//! - JPEG -> PDQ: a 12 MP baseline JPEG (synthesised and encoded by libjpeg-turbo in-process, or
//!   `--image FILE`) through the production path (`media::decode_for_hashing` + `hash::pdq`),
//!   against the reference tool's shape (full libjpeg decode + the C++-layout PDQ port), plus the
//!   production path on one thread.
//! - PDQ hash only: the production hasher against the C++-layout port on the same pixels.
//! - List query: an 8-variant radius-31 PDQ query against `--list-size` random hashes through the
//!   multi-index, against a brute-force popcount scan of the same list, and bytes per hash.
//! - List install: a distributable list of `--list-size` hashes installed into an empty store
//!   (verification, device index build, writes), against the full verification of the same
//!   bytes alone; download and device bytes per hash (`bench_lists`).
//!
//! Timings are the best of `--rounds` repetitions, which filters out interference from other
//! processes. Figures are printed as text or, with `--json`, as one JSON object.

use clap::Args;
use preflight::hash::{pdq, pdq_reference, PDQ_DECODE_MIN_SIDE};
use preflight::lists::random::SplitMix64;
use preflight::lists::{HashKind, HashList, IssuerSecretKey, ListBuilder, TrustedKeys};
use preflight::media::{self, DecodeLimits};
use serde::Serialize;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `preflight bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// A JPEG to time instead of the synthesised 12 MP photo.
    #[arg(long)]
    image: Option<PathBuf>,
    /// Random PDQ hashes in the benchmark list (0 skips the list benchmark).
    #[arg(long, default_value_t = 1_000_000)]
    list_size: usize,
    /// Repetitions of each measurement; the best is reported.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also time `scan_text` with this message classifier file (`text-model train --out`),
    /// against the embedded one in the same run.
    #[arg(long, value_name = "FILE")]
    text_model: Option<PathBuf>,
}

/// One measurement and its in-run baseline.
#[derive(Serialize)]
struct Figure {
    name: &'static str,
    ms: f64,
    baseline: &'static str,
    baseline_ms: f64,
    ratio: f64,
}

impl Figure {
    fn new(name: &'static str, ms: f64, baseline: &'static str, baseline_ms: f64) -> Figure {
        Figure {
            name,
            ms,
            baseline,
            baseline_ms,
            ratio: ms / baseline_ms,
        }
    }
}

#[derive(Serialize)]
struct Report {
    image: String,
    image_bytes: usize,
    threads_available: usize,
    figures: Vec<Figure>,
    list_entries: usize,
    list_bytes_per_hash: Option<f64>,
    /// The distributable list's install figures (absent with `--list-size 0`).
    list_install: Option<crate::bench_lists::InstallFigures>,
}

/// Best wall time of `rounds` runs of `f`, in milliseconds (after one warm-up run).
pub(crate) fn best_ms<T>(rounds: usize, mut f: impl FnMut() -> T) -> f64 {
    black_box(f());
    (0..rounds.max(1))
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

/// A 4032x3024 photo-like picture (smooth shapes plus sensor-like noise, so the JPEG has a
/// phone photo's entropy), encoded as a baseline 4:2:0 JPEG at quality 90 by libjpeg-turbo.
fn synthetic_photo() -> Result<Vec<u8>, String> {
    let (w, h) = (4032usize, 3024usize);
    let mut rng = SplitMix64(12);
    let mut px = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let wave = ((fx * 23.0).sin() * (fy * 17.0).cos() * 60.0) as i32;
            let noise = (rng.next() % 25) as i32 - 12;
            let base = [90.0 + 120.0 * fx, 70.0 + 110.0 * fy, 150.0 - 80.0 * fx * fy];
            for b in base {
                px.push((b as i32 + wave + noise).clamp(0, 255) as u8);
            }
        }
    }
    let encode = || -> std::io::Result<Vec<u8>> {
        let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        c.set_fastest_defaults();
        c.set_size(w, h);
        c.set_quality(90.0);
        let mut started = c.start_compress(Vec::new())?;
        started.write_scanlines(&px)?;
        started.finish()
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(encode))
        .map_err(|_| "libjpeg failed to encode the benchmark image".to_string())?
        .map_err(|e| format!("encoding the benchmark image: {e}"))
}

fn image_figures(jpeg: &[u8], rounds: usize, out: &mut Vec<Figure>) -> Result<(), String> {
    let limits = DecodeLimits::default();
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    // Check both paths work before timing them.
    let full = media::decode(jpeg, &limits).map_err(|e| fail(&e))?;
    media::decode_for_hashing(jpeg, &limits, PDQ_DECODE_MIN_SIDE).map_err(|e| fail(&e))?;

    let production = best_ms(rounds, || {
        media::decode_for_hashing(jpeg, &limits, PDQ_DECODE_MIN_SIDE)
            .ok()
            .and_then(|d| pdq::hash_pixels(d.pixels.as_pdq_input()).ok())
    });
    let one_thread = best_ms(rounds, || {
        media::decode_for_hashing_threads(jpeg, &limits, PDQ_DECODE_MIN_SIDE, Some(1))
            .ok()
            .and_then(|(d, _)| pdq::hash_pixels(d.pixels.as_pdq_input()).ok())
    });
    let reference_shape = best_ms(rounds.div_ceil(2), || {
        media::decode(jpeg, &limits)
            .ok()
            .and_then(|d| pdq_reference::hash_pixels(d.pixels.as_pdq_input()).ok())
    });
    let base = "full libjpeg decode + C++-layout PDQ";
    out.push(Figure::new(
        "jpeg_to_pdq",
        production,
        base,
        reference_shape,
    ));
    out.push(Figure::new(
        "jpeg_to_pdq_one_thread",
        one_thread,
        base,
        reference_shape,
    ));
    let pixels = full.pixels.as_pdq_input();
    let hash_only = best_ms(rounds, || pdq::hash_pixels(pixels).ok());
    let hash_reference = best_ms(rounds, || pdq_reference::hash_pixels(pixels).ok());
    out.push(Figure::new(
        "pdq_hash_only",
        hash_only,
        "C++-layout PDQ on the same pixels",
        hash_reference,
    ));
    Ok(())
}

/// Builds a list of `n` random hashes and times queries; returns bytes per hash.
fn list_figures(n: usize, rounds: usize, out: &mut Vec<Figure>) -> Result<f64, String> {
    let key = IssuerSecretKey::from_seed(&[7; 32]);
    let keys = TrustedKeys::new(vec![key.public()]);
    let mut rng = SplitMix64(n as u64);
    let mut builder = ListBuilder::new(1, 0);
    let org = builder.add_org("bench").map_err(|e| e.to_string())?;
    let mut probe = [0u8; 32];
    for i in 0..n {
        let h = rng.hash();
        if i == n / 2 {
            probe = h;
        }
        builder
            .add(HashKind::Pdq, &h, 1 << org, "bench", "bench")
            .map_err(|e| e.to_string())?;
    }
    let bytes = builder.build(&key).map_err(|e| e.to_string())?;
    let size = bytes.len();
    let list = HashList::from_bytes(bytes, &keys).map_err(|e| e.to_string())?;
    // Eight variants: one within 12 bits of a listed hash, the rest random.
    let mut queries: Vec<[u8; 32]> = (0..8).map(|_| rng.hash()).collect();
    for b in 0..12 {
        probe[b * 2] ^= 1;
    }
    queries[0] = probe;
    let indexed = list.match_pdq(&queries, 31);
    if indexed != list.match_pdq_linear(&queries, 31) || indexed.is_empty() {
        return Err("the index and the brute-force scan disagree".into());
    }
    let mih = best_ms(rounds * 10, || list.match_pdq(&queries, 31));
    let linear = best_ms(rounds.div_ceil(2), || list.match_pdq_linear(&queries, 31));
    out.push(Figure::new(
        "list_query_r31_8_variants",
        mih,
        "brute-force popcount scan",
        linear,
    ));
    Ok(size as f64 / n as f64)
}

/// Runs `preflight bench`.
pub fn run(args: BenchArgs) -> ExitCode {
    let result = (|| -> Result<Report, String> {
        let (name, jpeg) = match &args.image {
            Some(path) => (
                path.display().to_string(),
                std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
            ),
            None => (
                "synthesised 4032x3024 baseline JPEG, q90".to_string(),
                synthetic_photo()?,
            ),
        };
        let mut figures = Vec::new();
        image_figures(&jpeg, args.rounds, &mut figures)?;
        let (with, without) = crate::bench_text::scan_text_ms(args.rounds, 2000)?;
        figures.push(Figure::new(
            "scan_text 2000 msgs + model",
            with,
            "lexicons only",
            without,
        ));
        if let Some(path) = &args.text_model {
            let other = crate::bench_text::scan_text_model_ms(path, args.rounds, 2000)?;
            figures.push(Figure::new(
                "scan_text 2000 msgs + --text-model",
                other,
                "embedded model",
                with,
            ));
        }
        let bytes_per_hash = if args.list_size > 0 {
            Some(list_figures(args.list_size, args.rounds, &mut figures)?)
        } else {
            None
        };
        let install = if args.list_size > 0 {
            let f = crate::bench_lists::install_figures(args.list_size, args.rounds.min(3))?;
            figures.push(Figure::new(
                "list_install",
                f.install_ms,
                "full verification of the same bytes",
                f.verify_ms,
            ));
            Some(f)
        } else {
            None
        };
        Ok(Report {
            image: name,
            image_bytes: jpeg.len(),
            threads_available: std::thread::available_parallelism().map_or(1, |n| n.get()),
            figures,
            list_entries: args.list_size,
            list_bytes_per_hash: bytes_per_hash,
            list_install: install,
        })
    })();
    match result {
        Ok(report) if args.json => match serde_json::to_string_pretty(&report) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(r) => {
            print_report(&r);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The report as text.
fn print_report(r: &Report) {
    println!(
        "image: {} ({} bytes); {} threads available",
        r.image, r.image_bytes, r.threads_available
    );
    for f in r.figures.iter().filter(|f| f.name.starts_with("scan_text")) {
        let which = if f.name.ends_with("--text-model") {
            "the --text-model classifier"
        } else {
            "the classifier"
        };
        println!(
            "scan_text with {which}: {:.0} messages/s on one thread",
            2000.0 / (f.ms / 1e3)
        );
    }
    for f in &r.figures {
        println!(
            "{:<28} {:>9.3} ms   vs {} {:>9.3} ms   = {:.3}x",
            f.name, f.ms, f.baseline, f.baseline_ms, f.ratio
        );
    }
    if let Some(b) = r.list_bytes_per_hash {
        println!(
            "list: {} entries, {b:.1} bytes per hash (file = memory, mmap)",
            r.list_entries
        );
    }
    if let Some(f) = &r.list_install {
        println!(
            "list install: {:.3} s for {} entries; download {:.2} bytes per hash, device (list + index) {:.1} bytes per hash",
            f.install_ms / 1e3,
            r.list_entries,
            f.download_bytes_per_hash,
            f.device_bytes_per_hash
        );
        if let Some(g) = f.install_peak_growth_bytes {
            println!(
                "list install peak memory: +{:.1} MB over the list bytes = {:.2}x the {:.1} MB index",
                g as f64 / 1e6,
                g as f64 / f.index_bytes.max(1) as f64,
                f.index_bytes as f64 / 1e6
            );
        }
    }
}
