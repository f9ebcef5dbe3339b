#!/usr/bin/env bash
# Builds crates/preflight-ffi/platform/apple/PreflightFFI.xcframework and its release zip:
#   iOS device       aarch64-apple-ios
#   iOS simulator    aarch64-apple-ios-sim + x86_64-apple-ios (lipo)
#   macOS            aarch64-apple-darwin + x86_64-apple-darwin (lipo), for `swift test` on a Mac
# each the Rust static library (profile `mobile`) with the two C headers and one module map in
# Headers/PreflightFFI/ (their own subdirectory, so the module.modulemap does not collide with
# another uniffi framework's), then copies the generated Swift sources into the Swift package
# and zips the xcframework for scripts/mobile-swift-release.sh (URL + checksum in Package.swift).
#
# NEEDS macOS with Xcode (xcodebuild, lipo) and the Rust Apple targets; the x86_64 slices also
# need `nasm` (brew install nasm) for libjpeg-turbo's SIMD.
# `--with-onnx` builds the classifiers in (feature `onnx`); the app links the official static
# ONNX Runtime package itself: scripts/ios-onnxruntime.sh gives that route.
# Usage: scripts/build-xcframework.sh [--with-onnx] [--dry-run]   (--dry-run prints the steps; runs anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
dry=0; features=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry=1 ;;
    --with-onnx) features=(--features onnx) ;;
    *) echo "usage: $0 [--with-onnx] [--dry-run]" >&2; exit 2 ;;
  esac
done
run() { if [ "$dry" = 1 ]; then echo "+ $*"; else "$@"; fi; }
if [ "$dry" = 0 ] && [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework.sh needs macOS with Xcode (use --dry-run to see the steps)" >&2; exit 1
fi
profile=mobile
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
run rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  run env IPHONEOS_DEPLOYMENT_TARGET=15.0 MACOSX_DEPLOYMENT_TARGET=12.0 \
    cargo build --profile "$profile" --target "$t" -p preflight-ffi --lib ${features[@]+"${features[@]}"}
done

out=target/xcframework
bindings=crates/preflight-ffi/bindings/swift
lib() { echo "target/$1/$profile/libpreflight_ffi.a"; }
run rm -rf "$out"
run mkdir -p "$out/headers/PreflightFFI" "$out/sim" "$out/macos"
run cp "$bindings/PreflightFFI.h" "$bindings/PreflightCoreFFI.h" "$out/headers/PreflightFFI/"
if [ "$dry" = 1 ]; then
  echo "+ cat $bindings/PreflightCoreFFI.modulemap $bindings/PreflightFFI.modulemap > $out/headers/PreflightFFI/module.modulemap"
else
  cat "$bindings/PreflightCoreFFI.modulemap" "$bindings/PreflightFFI.modulemap" >"$out/headers/PreflightFFI/module.modulemap"
fi
run lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$out/sim/libpreflight_ffi.a"
run lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$out/macos/libpreflight_ffi.a"

apple=crates/preflight-ffi/platform/apple
xcf=$apple/PreflightFFI.xcframework
run rm -rf "$xcf"
run xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$out/headers" \
  -library "$out/sim/libpreflight_ffi.a" -headers "$out/headers" \
  -library "$out/macos/libpreflight_ffi.a" -headers "$out/headers" \
  -output "$xcf"
run cp "$bindings/Preflight.swift" "$bindings/PreflightCore.swift" "$apple/Sources/Preflight/"
run ditto -c -k --sequesterRsrc --keepParent "$xcf" "target/PreflightFFI.xcframework.zip"
echo "built $xcf and target/PreflightFFI.xcframework.zip; publish the zip, then"
echo "  scripts/mobile-swift-release.sh target/PreflightFFI.xcframework.zip URL   (writes URL + checksum into Package.swift)"
