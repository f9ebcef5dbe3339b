#!/usr/bin/env bash
# Builds libpreflight_ffi.so for Android into the Gradle module's jniLibs
# (crates/preflight-ffi/platform/android/preflight/src/main/jniLibs/<abi>/) for arm64-v8a, armeabi-v7a and x86_64,
# with cargo-ndk and the size-tuned `mobile` profile (see Cargo.toml), 16 KB-aligned: NDK r28+
# links with 16 KB pages by default; for older NDKs (r26, r27) the linker flags below do it
# (scripts/mobile-arm64.sh checks the same flags' result on every test run). Then assembles and
# publishes the AAR (dev.preflight:preflight-android, maven-publish) with the Gradle wrapper.
#
# NEEDS the Android NDK (r26 or newer; ANDROID_NDK_HOME set), cargo-ndk (`cargo install
# cargo-ndk`) and the Android SDK for Gradle. The x86_64 ABI also needs `nasm`. The test suite runs
# `--dry-run` (prints the steps, needs none of them) and tests the same Kotlin on the JVM.
# `--with-onnx` builds the classifiers in (feature `onnx`): the app then depends on the
# onnxruntime-android AAR, whose libonnxruntime.so the library opens by name
# (ClassifierPaths.runtimePath = "libonnxruntime.so", found in the app's nativeLibraryDir).
# Usage: scripts/build-android.sh [--api LEVEL] [--with-onnx] [--dry-run]   (default API level 24)
set -euo pipefail
cd "$(dirname "$0")/.."
api=24; dry=0; features=()
while [ $# -gt 0 ]; do
  case "$1" in
    --api) api=${2:?}; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --with-onnx) features=(--features onnx); shift ;;
    *) echo "usage: $0 [--api LEVEL] [--with-onnx] [--dry-run]" >&2; exit 2 ;;
  esac
done
run() { if [ "$dry" = 1 ]; then echo "+ $*"; else "$@"; fi; }
if [ "$dry" = 0 ]; then
  : "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the Android NDK directory}"
  command -v cargo-ndk >/dev/null || { echo "cargo-ndk missing: cargo install cargo-ndk" >&2; exit 1; }
fi
page16k="-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,-z,common-page-size=16384"
run rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
jni=crates/preflight-ffi/platform/android/preflight/src/main/jniLibs
run env CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS="$page16k" \
  CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_RUSTFLAGS="$page16k" \
  CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS="$page16k" \
  cargo ndk --platform "$api" -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$jni" \
  build --profile mobile -p preflight-ffi --lib ${features[@]+"${features[@]}"}
for abi in arm64-v8a armeabi-v7a x86_64; do
  # Every LOAD segment of every ABI must be 16 KB-aligned (readelf from binutils).
  if [ "$dry" = 1 ]; then echo "+ check LOAD alignment >= 16384 of $jni/$abi/libpreflight_ffi.so"; else
    readelf -lW "$jni/$abi/libpreflight_ffi.so" | awk -v f="$abi" '$1 == "LOAD" && strtonum($NF) < 16384 {print f ": LOAD aligned " $NF; bad=1} END {exit bad}'
  fi
done
run sh -c "cd crates/preflight-ffi/platform/android && ./gradlew :preflight:assembleRelease :preflight:publishReleasePublicationToLocalRepository"
echo "AAR: crates/preflight-ffi/platform/android/preflight/build/repo/dev/preflight/preflight-android/"
