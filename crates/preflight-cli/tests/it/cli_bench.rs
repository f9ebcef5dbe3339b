//! `preflight bench` (the device benchmark) runs end to end and reports every figure against
//! its in-run baseline; a missing image is a clear error.

use crate::common;

fn bench(args: &[&str]) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_preflight");
    common::cli_in(bin, &common::repo_root(), "bench", args)
}

#[test]
fn bench_reports_ratios_against_in_run_baselines() {
    let photo = concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        "/tests/fixtures/pdq/images/exif-rotn-6.jpg"
    );
    let out = bench(&[
        "--image",
        photo,
        "--list-size",
        "3000",
        "--rounds",
        "1",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = r["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "jpeg_to_pdq",
            "jpeg_to_pdq_one_thread",
            "pdq_hash_only",
            "scan_text 2000 msgs + model",
            "list_query_r31_8_variants",
            "list_install"
        ]
    );
    for f in r["figures"].as_array().unwrap() {
        let (ms, base, ratio) = (
            f["ms"].as_f64().unwrap(),
            f["baseline_ms"].as_f64().unwrap(),
            f["ratio"].as_f64().unwrap(),
        );
        assert!(ms > 0.0 && base > 0.0, "{f}");
        assert!((ratio - ms / base).abs() < 1e-9, "{f}");
    }
    assert_eq!(r["image_bytes"], std::fs::metadata(photo).unwrap().len());
    let bph = r["list_bytes_per_hash"].as_f64().unwrap();
    assert!(bph > 32.0 && bph < 200.0, "{bph}");
    // The distributable list travels without its index; the device adds it. (At 3,000
    // entries the 200-label dictionary still weighs ~15 bytes per hash; at 1M it is ~34.)
    let install = &r["list_install"];
    let download = install["download_bytes_per_hash"].as_f64().unwrap();
    let device = install["device_bytes_per_hash"].as_f64().unwrap();
    assert!(download > 32.0 && download < 64.0, "{install}");
    assert!(device > download + 16.0, "{install}");
}

#[test]
fn bench_refuses_a_missing_image() {
    let out = bench(&["--image", "/nonexistent/photo.jpg", "--list-size", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/photo.jpg"));
}
