#!/usr/bin/env bash
# Builds libpreflight_ffi.so for Android into the Gradle module's jniLibs
# (crates/preflight-ffi/platform/android/preflight/src/main/jniLibs/<abi>/) for arm64-v8a, armeabi-v7a and x86_64,
# with cargo-ndk and the size-tuned `mobile` profile (see Cargo.toml). The module compiles the
# generated Kotlin (crates/preflight-ffi/bindings/kotlin) directly; build the AAR with Gradle from crates/preflight-ffi/platform/android.
#
# NEEDS the Android NDK (r26 or newer; ANDROID_NDK_HOME set) and cargo-ndk
# (`cargo install cargo-ndk`). The x86_64 ABI also needs `nasm` for libjpeg-turbo's SIMD. Not run
# by the test suite (no NDK here): the same Kotlin is tested on the JVM by scripts/test-kotlin.sh.
# Usage: scripts/build-android.sh [--api LEVEL]   (default API level 24)
set -euo pipefail
cd "$(dirname "$0")/.."
api=24
if [ "${1:-}" = "--api" ]; then api=${2:?}; fi
: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the Android NDK directory}"
command -v cargo-ndk >/dev/null || { echo "cargo-ndk missing: cargo install cargo-ndk" >&2; exit 1; }
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
jni=crates/preflight-ffi/platform/android/preflight/src/main/jniLibs
cargo ndk --platform "$api" -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$jni" \
  build --profile mobile -p preflight-ffi --lib
ls -l "$jni"/*/libpreflight_ffi.so
echo "now: (cd crates/preflight-ffi/platform/android && gradle :preflight:assembleRelease)"
