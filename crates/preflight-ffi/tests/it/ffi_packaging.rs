//! Consistency of the mobile packaging that cannot be built here (no macOS, no Android NDK):
//! the names and paths in uniffi.toml, the generated bindings, Package.swift, the Gradle module
//! and the build scripts must agree, so a rename in one place fails the test suite.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn swift_package_matches_the_generated_module_names() {
    let uniffi = read("crates/preflight-ffi/uniffi.toml");
    assert!(uniffi.contains("module_name = \"Preflight\""));
    assert!(uniffi.contains("ffi_module_name = \"PreflightFFI\""));
    let swift = read("crates/preflight-ffi/bindings/swift/Preflight.swift");
    assert!(
        swift.contains("import PreflightFFI"),
        "Swift source imports its C module"
    );
    assert!(
        read("crates/preflight-ffi/bindings/swift/PreflightFFI.modulemap")
            .contains("module PreflightFFI")
    );
    let package = read("crates/preflight-ffi/platform/apple/Package.swift");
    assert!(package
        .contains(".binaryTarget(name: \"PreflightFFI\", path: \"PreflightFFI.xcframework\")"));
    assert!(package.contains(".library(name: \"Preflight\""));
    assert!(package.contains(
        ".binaryTarget(name: \"PreflightFFI\", url: releaseURL, checksum: releaseChecksum)"
    ));
    assert!(package.contains("resources: [.copy(\"Resources/PrivacyInfo.xcprivacy\")]"));
    assert!(root()
        .join(
            "crates/preflight-ffi/platform/apple/Sources/Preflight/Resources/PrivacyInfo.xcprivacy"
        )
        .is_file());
    let script = read("scripts/build-xcframework.sh");
    for needle in [
        "aarch64-apple-ios ",
        "aarch64-apple-ios-sim",
        "aarch64-apple-darwin",
        "xcf=$apple/PreflightFFI.xcframework",
        "apple=crates/preflight-ffi/platform/apple",
        "\"$bindings/PreflightCoreFFI.modulemap\" \"$bindings/PreflightFFI.modulemap\" >\"$out/headers/PreflightFFI/module.modulemap\"",
        "\"$bindings/Preflight.swift\" \"$bindings/PreflightCore.swift\" \"$apple/Sources/Preflight/\"",
    ] {
        assert!(
            script.contains(needle),
            "build-xcframework.sh lacks {needle:?}"
        );
    }
}

#[test]
fn gradle_module_compiles_the_checked_in_kotlin_and_packs_every_abi() {
    let kotlin = read("crates/preflight-ffi/bindings/kotlin/dev/preflight/preflight.kt");
    assert!(kotlin.contains("package dev.preflight"));
    assert!(
        kotlin.contains("\"preflight_ffi\""),
        "bindings load libpreflight_ffi.so"
    );
    let gradle = read("crates/preflight-ffi/platform/android/preflight/build.gradle.kts");
    let module = root().join("crates/preflight-ffi/platform/android/preflight");
    let src = gradle
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("kotlin.srcDir(\"")?
                .strip_suffix("\")")
        })
        .expect("kotlin.srcDir in build.gradle.kts");
    assert!(
        module
            .join(src)
            .join("dev/preflight/preflight.kt")
            .is_file(),
        "Gradle srcDir {src} does not reach bindings/kotlin"
    );
    assert!(gradle.contains("namespace = \"dev.preflight\""));
    assert!(
        gradle.contains("net.java.dev.jna:jna:5.17.0@aar"),
        "JNA >= 5.17 (16 KB pages)"
    );
    assert!(gradle.contains("`maven-publish`") && gradle.contains("from(components[\"release\"])"));
    let props = read("crates/preflight-ffi/platform/android/gradle.properties");
    assert!(
        props.contains("GROUP=dev.preflight")
            && props.contains("POM_ARTIFACT_ID=preflight-android")
    );
    let wrapper = root().join("crates/preflight-ffi/platform/android/gradle/wrapper");
    assert!(
        wrapper.join("gradle-wrapper.jar").is_file()
            && root()
                .join("crates/preflight-ffi/platform/android/gradlew")
                .is_file()
    );
    assert!(
        read("crates/preflight-ffi/platform/android/gradle/wrapper/gradle-wrapper.properties")
            .contains("gradle-8.11.1-bin.zip")
    );
    let script = read("scripts/build-android.sh");
    for abi in ["arm64-v8a", "armeabi-v7a", "x86_64"] {
        assert!(
            gradle.contains(&format!("\"{abi}\"")),
            "abiFilters lacks {abi}"
        );
        assert!(
            script.contains(&format!("-t {abi}")),
            "build-android.sh lacks {abi}"
        );
    }
    assert!(
        script.contains("-o \"$jni\"")
            && script
                .contains("jni=crates/preflight-ffi/platform/android/preflight/src/main/jniLibs")
    );
}
