//! A missing or wrong runtime or model gives a typed [`ClassifyError`], never a crash, and
//! classifiers load lazily. One test function: the ONNX Runtime library is process-wide, so the
//! "before it is loaded" cases must run before the real library is loaded.
#![cfg(feature = "onnx")]

use crate::common;

use crate::classify_support;

use classify_support as s;
use preflight::classify::{ClassifierConfig, ClassifierSet, ClassifyError};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn missing_or_wrong_files_are_typed_errors() {
    common::in_own_process(
        module_path!(),
        "missing_or_wrong_files_are_typed_errors",
        missing_or_wrong_files_are_typed_errors_alone,
    );
}

fn missing_or_wrong_files_are_typed_errors_alone() {
    assert_send_sync::<ClassifierSet>();
    let dir = tempfile::tempdir().unwrap();
    let img = image::RgbImage::from_pixel(32, 32, image::Rgb([1, 2, 3]));

    // Nothing is loaded at construction, so bad paths cost nothing until used.
    let missing = ClassifierSet::new(ClassifierConfig {
        runtime_path: dir.path().join("no-such-libonnxruntime.so"),
        nsfw_model: Some(dir.path().join("no-such.onnx")),
        ..ClassifierConfig::default()
    });
    let err = missing.nsfw(&img).unwrap_err();
    assert!(
        matches!(err, ClassifyError::RuntimeMissing { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("scripts/setup-onnx.sh"), "{err}");

    // A file that is not a shared library.
    let garbage = dir.path().join("libonnxruntime.so");
    std::fs::write(&garbage, b"not a shared library").unwrap();
    let wrong = ClassifierSet::new(ClassifierConfig {
        runtime_path: garbage.clone(),
        nsfw_model: Some(dir.path().join("no-such.onnx")),
        ..ClassifierConfig::default()
    });
    let err = wrong.preload().unwrap_err();
    assert!(matches!(err, ClassifyError::RuntimeLoad { .. }), "{err:?}");
    // Failures are not cached: the same call fails the same way again.
    assert!(matches!(
        wrong.nsfw(&img).unwrap_err(),
        ClassifyError::RuntimeLoad { .. }
    ));

    // The real runtime, with a missing model, a garbage model, and an unconfigured classifier.
    let runtime = s::runtime();
    let bad_model = dir.path().join("bad.onnx");
    std::fs::write(&bad_model, b"\x08\x07garbage").unwrap();
    let set = ClassifierSet::new(ClassifierConfig {
        runtime_path: runtime.clone(),
        nsfw_model: Some(dir.path().join("no-such.onnx")),
        nudenet_model: Some(bad_model.clone()),
        ..ClassifierConfig::default()
    });
    let err = set.nsfw(&img).unwrap_err();
    assert!(matches!(err, ClassifyError::ModelMissing { .. }), "{err:?}");
    let err = set.nudenet(&img).unwrap_err();
    assert!(matches!(err, ClassifyError::ModelLoad { .. }), "{err:?}");
    let err = set.text(&["hello"]).unwrap_err();
    assert!(
        matches!(
            err,
            ClassifyError::NotConfigured { .. } | ClassifyError::FeatureDisabled { .. }
        ),
        "{err:?}"
    );

    // A real model of the wrong kind: open_nsfw given as NudeNet is rejected by its input shape.
    let mismatched = ClassifierSet::new(
        ClassifierConfig {
            runtime_path: runtime.clone(),
            ..ClassifierConfig::default()
        }
        .with_nudenet(s::model("open-nsfw.onnx")),
    );
    let err = mismatched.nudenet(&img).unwrap_err();
    assert!(matches!(err, ClassifyError::ModelShape { .. }), "{err:?}");
    let err = mismatched.nsfw(&img).unwrap_err();
    assert!(
        matches!(err, ClassifyError::NotConfigured { .. }),
        "{err:?}"
    );

    // An empty image is an error, not a panic; a good one works.
    let ok = ClassifierSet::new(ClassifierConfig::from_tools_dir(s::tools()));
    let err = ok.nsfw(&image::RgbImage::new(0, 0)).unwrap_err();
    assert!(matches!(err, ClassifyError::Image { .. }), "{err:?}");
    let score = ok.nsfw(&img).unwrap();
    assert!((0.0..=1.0).contains(&score.nsfw));

    // Configuration from the environment (this is the only test in this binary, so setting
    // variables cannot race another test).
    std::env::remove_var("PREFLIGHT_ORT_DYLIB");
    std::env::remove_var("ORT_DYLIB_PATH");
    let err = ClassifierConfig::from_env().unwrap_err();
    assert!(
        matches!(err, ClassifyError::InvalidConfig { .. }),
        "{err:?}"
    );
    std::env::set_var("PREFLIGHT_ORT_DYLIB", &runtime);
    std::env::set_var("PREFLIGHT_NSFW_MODEL", s::model("open-nsfw.onnx"));
    std::env::remove_var("PREFLIGHT_NUDENET_MODEL");
    let cfg = ClassifierConfig::from_env().unwrap();
    assert_eq!(cfg.runtime_path, runtime);
    assert!(cfg.nudenet_model.is_none());
    let from_env = ClassifierSet::new(cfg);
    assert_eq!(from_env.nsfw(&img).unwrap(), score);

    // One process, one runtime: another library path is refused, not silently ignored.
    let other = ClassifierSet::new(ClassifierConfig {
        runtime_path: garbage,
        nsfw_model: Some(s::model("open-nsfw.onnx")),
        ..ClassifierConfig::default()
    });
    let err = other.nsfw(&img).unwrap_err();
    assert!(
        matches!(err, ClassifyError::RuntimeMismatch { .. }),
        "{err:?}"
    );
}
