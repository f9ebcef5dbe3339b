//! Shared helpers of the classifier integration tests: where `scripts/setup-onnx.sh` put the
//! runtime, models and reference venv, and how to run the Python reference script.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `.tools` (or `PREFLIGHT_TOOLS_DIR`).
pub fn tools() -> PathBuf {
    std::env::var_os("PREFLIGHT_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
}

/// Where `scripts/fetch-test-images.sh` puts the classifier images (scikit-image's data from
/// PyPI; see tests/fixtures/classify/README.md), checked.
fn fixture_dir() -> PathBuf {
    let dir = tools().join("test-images/classify");
    assert!(
        dir.join("coffee.png").exists(),
        "classifier test images missing at {}: run scripts/fetch-test-images.sh first",
        dir.display()
    );
    dir
}

/// A classifier test image (fetched from a registry, not committed).
pub fn fixture(name: &str) -> PathBuf {
    fixture_dir().join(name)
}

/// All classifier test images, sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("png" | "jpg")))
        .collect();
    v.sort();
    v
}

/// Panic with the fix if a file the tests need is missing: these tests must fail, not pass
/// vacuously, on a machine where the setup step did not run.
pub fn require(path: &Path, what: &str) {
    assert!(
        path.exists(),
        "{what} missing at {}: run scripts/setup-onnx.sh (PREFLIGHT_WITH_NUDENET=1 for NudeNet) first",
        path.display()
    );
}

/// The runtime library path, checked.
pub fn runtime() -> PathBuf {
    let p = tools().join("onnxruntime/libonnxruntime.so");
    require(&p, "ONNX Runtime library");
    p
}

/// A model under `.tools/models`, checked.
pub fn model(file: &str) -> PathBuf {
    let p = tools().join("models").join(file);
    require(&p, "model");
    p
}

/// Run `scripts/classify_reference.py` in the venv and parse its JSON output.
pub fn reference(args: &[&str]) -> serde_json::Value {
    let py = tools().join("venv/bin/python");
    require(&py, "reference Python venv");
    let out = Command::new(&py)
        .arg(root().join("scripts/classify_reference.py"))
        .args(args)
        .output()
        .expect("run the Python reference");
    assert!(
        out.status.success(),
        "reference script failed ({:?}): {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reference output is JSON")
}

/// Read a raw little-endian f32 file.
pub fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Decode an image file to RGB the way the tests (and the lead's media module) hand it over.
pub fn rgb(path: &Path) -> image::RgbImage {
    let bytes = std::fs::read(path).unwrap();
    preflight::media::decode(&bytes, &preflight::media::DecodeLimits::default())
        .unwrap()
        .pixels
        .to_rgb()
}
