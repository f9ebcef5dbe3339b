//! Parity of the NudeNet pipeline with `nudenet==3.4.2` (`NudeDetector.detect`) on the bundled
//! benign images: the letterboxed input tensor, and the same labels with boxes and scores within
//! tolerance.
//!
//! NudeNet's model is AGPL-3.0 and fetched only on opt-in, so these tests are `#[ignore]`d by
//! default. Run them with:
//! `PREFLIGHT_WITH_NUDENET=1 scripts/setup-onnx.sh && cargo test --features onnx --test it -- classify_nudenet:: --ignored`
#![cfg(feature = "onnx")]

use crate::classify_support;

use classify_support as s;
use preflight::classify::{nudenet, ClassifierConfig, ClassifierSet};

#[test]
#[ignore = "NudeNet is AGPL-3.0 and opt-in: PREFLIGHT_WITH_NUDENET=1 scripts/setup-onnx.sh, then -- --ignored"]
fn nudenet_input_tensor_matches_reference() {
    let dir = tempfile::tempdir().unwrap();
    for img in s::fixtures() {
        let out = dir.path().join("t.f32");
        let r = s::reference(&[
            "nudenet-input",
            img.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        assert_eq!(r["shape"], serde_json::json!([1, 3, 320, 320]));
        let py = s::read_f32(&out);
        let (rs, _) = nudenet::preprocess(&s::rgb(&img)).unwrap();
        assert_eq!(py.len(), rs.len());
        let max = py
            .iter()
            .zip(&rs)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max)
            * 255.0;
        let mean =
            py.iter().zip(&rs).map(|(a, b)| (a - b).abs()).sum::<f32>() * 255.0 / rs.len() as f32;
        // OpenCV's SIMD resize rounds slightly differently from its scalar formula; JPEG decoders
        // differ by a few levels. Both stay within a few grey levels.
        eprintln!(
            "{}: input max diff {max:.2} levels, mean {mean:.4}",
            img.display()
        );
        let limit = if img.extension().is_some_and(|e| e == "png") {
            1.01
        } else {
            2.0
        };
        assert!(
            max <= limit && mean < 0.5,
            "{}: max diff {max} levels, mean {mean}",
            img.display()
        );
    }
}

#[test]
#[ignore = "NudeNet is AGPL-3.0 and opt-in: PREFLIGHT_WITH_NUDENET=1 scripts/setup-onnx.sh, then -- --ignored"]
fn nudenet_detections_match_reference() {
    let set = ClassifierSet::new(
        ClassifierConfig {
            runtime_path: s::runtime(),
            ..ClassifierConfig::default()
        }
        .with_nudenet(s::model("320n.onnx")),
    );
    let model = s::tools().join("models/320n.onnx");
    let paths: Vec<String> = s::fixtures()
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    let mut args: Vec<&str> = vec!["nudenet", model.to_str().unwrap()];
    args.extend(paths.iter().map(String::as_str));
    let r = s::reference(&args);
    let mut total = 0;
    for (i, path) in paths.iter().enumerate() {
        let got = set.nudenet(&s::rgb(path.as_ref())).unwrap();
        let want = r[i]["detections"].as_array().unwrap();
        eprintln!("{path}: rust {got:?}\n  python {want:?}");
        assert_eq!(
            got.len(),
            want.len(),
            "{path}: rust {got:?} python {want:?}"
        );
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.label, w["class"].as_str().unwrap(), "{path}");
            assert_eq!(g.model, "nudenet_320n");
            assert_eq!(g.category, nudenet::label_category(&g.label));
            let ws = w["score"].as_f64().unwrap() as f32;
            assert!(
                (g.score - ws).abs() < 0.01,
                "{path}: score rust {} python {ws}",
                g.score
            );
            // The reference truncates boxes to ints.
            let wb: Vec<f32> = w["box"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            let gb = [g.bbox.x, g.bbox.y, g.bbox.w, g.bbox.h];
            for (a, b) in gb.iter().zip(&wb) {
                assert!((a - b).abs() < 1.5, "{path}: box rust {gb:?} python {wb:?}");
            }
        }
        total += got.len();
    }
    // The astronaut photo has a face; a test that compared only empty lists would prove little.
    assert!(
        total >= 1,
        "expected at least one detection on the fixtures"
    );
}
