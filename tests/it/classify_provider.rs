//! Execution providers and loading ONNX Runtime by library name (issue 15): a provider the
//! runtime lacks (the PyPI CPU build has neither XNNPACK nor Core ML) falls back to the CPU, says
//! so, and scores as the CPU does; `libonnxruntime.so` without a directory is found by the
//! platform's loader (as an Android app's `nativeLibraryDir` is searched), and a name it cannot
//! find is a typed error. Needs `scripts/setup-onnx.sh` (the suite runs it).
#![cfg(feature = "onnx")]

use crate::common;

use crate::classify_support;

use classify_support::{fixture, model, runtime};
use preflight::classify::{ClassifierConfig, ClassifierSet, ClassifyError, ExecutionProvider};

fn coffee() -> image::RgbImage {
    image::open(fixture("coffee.png")).unwrap().to_rgb8()
}

fn set(runtime_path: std::path::PathBuf, provider: ExecutionProvider) -> ClassifierSet {
    ClassifierSet::new(ClassifierConfig {
        runtime_path,
        nsfw_model: Some(model("open-nsfw.onnx")),
        execution_provider: provider,
        intra_threads: Some(1),
        ..ClassifierConfig::default()
    })
}

#[test]
fn a_provider_the_runtime_lacks_falls_back_to_the_cpu_and_says_so() {
    let cpu = set(runtime(), ExecutionProvider::Cpu);
    assert!(cpu.execution_provider().is_none(), "nothing loaded yet");
    cpu.preload().unwrap();
    let choice = cpu.execution_provider().unwrap();
    assert_eq!(choice.used, ExecutionProvider::Cpu);
    assert!(choice.fallback_reason.is_none());
    let expected = cpu.nsfw(&coffee()).unwrap().nsfw;

    for (asked, name) in [
        (ExecutionProvider::Xnnpack, "XnnpackExecutionProvider"),
        (ExecutionProvider::CoreMl, "CoreMLExecutionProvider"),
    ] {
        assert_eq!(asked.runtime_name(), name);
        let s = set(runtime(), asked);
        s.preload().unwrap();
        let choice = s.execution_provider().unwrap();
        assert_eq!(
            (choice.requested, choice.used),
            (asked, ExecutionProvider::Cpu)
        );
        let reason = choice.fallback_reason.unwrap();
        assert!(reason.contains(name) && reason.contains("CPU"), "{reason}");
        assert_eq!(s.nsfw(&coffee()).unwrap().nsfw, expected);
    }
}

const CHILD: &str = "PREFLIGHT_ORT_BY_NAME_CHILD";

/// In a child process (one runtime per process; the parent's other tests load it by path) with
/// the runtime's directory on the loader's search path.
#[cfg(target_os = "linux")]
#[test]
fn the_runtime_loads_by_library_name_through_the_platform_loader() {
    if std::env::var_os(CHILD).is_some() {
        return by_name_child();
    }
    let dir = runtime().parent().unwrap().to_path_buf();
    let out = common::child_test(
        module_path!(),
        "the_runtime_loads_by_library_name_through_the_platform_loader",
    )
    .env(CHILD, "1")
    .env("LD_LIBRARY_PATH", &dir)
    .output()
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("by-name child: ok"), "{text}");
}

fn by_name_child() {
    let missing = set(
        "libpreflight-no-such-runtime.so".into(),
        ExecutionProvider::Cpu,
    );
    let e = missing.preload().unwrap_err();
    assert!(matches!(e, ClassifyError::RuntimeLoad { .. }), "{e:?}");
    assert!(
        e.to_string().contains("libpreflight-no-such-runtime.so"),
        "{e}"
    );

    let by_name = set("libonnxruntime.so".into(), ExecutionProvider::Cpu);
    by_name.preload().unwrap();
    let score = by_name.nsfw(&coffee()).unwrap();
    assert!(score.nsfw < 0.2, "{}", score.nsfw);
    println!("by-name child: ok");
}
