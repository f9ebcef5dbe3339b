#!/usr/bin/env bash
# Builds crates/preflight-ffi/platform/apple/PreflightFFI.xcframework for iOS: a device slice (aarch64-apple-ios) and a
# simulator slice (aarch64-apple-ios-sim + x86_64-apple-ios, merged with lipo), each the Rust
# static library with crates/preflight-ffi/bindings/swift/PreflightFFI.h and its module map; then copies the generated
# Swift source into the Swift package (crates/preflight-ffi/platform/apple/Package.swift).
#
# NEEDS macOS with Xcode (xcodebuild, lipo) and the Rust iOS targets; the x86_64 simulator slice
# also needs `nasm` (brew install nasm) for libjpeg-turbo's SIMD. Not run by the test suite (no
# macOS here): the Linux suite checks the header and the exported symbols instead
# (scripts/check-swift.sh).
# Usage: scripts/build-xcframework.sh   (profile `mobile`, size-tuned; see Cargo.toml)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 1; }
profile=mobile
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  IPHONEOS_DEPLOYMENT_TARGET=15.0 cargo build --profile "$profile" --target "$t" -p preflight-ffi --lib
done

out=target/xcframework
# The headers and one module map declaring both C modules (PreflightFFI for the FFI crate,
# PreflightCoreFFI for the core's derived types) sit in their own subdirectory, so the
# module.modulemap does not collide with another uniffi framework's at the Headers root.
bindings=crates/preflight-ffi/bindings/swift
rm -rf "$out" && mkdir -p "$out/headers/PreflightFFI" "$out/sim"
cp "$bindings/PreflightFFI.h" "$bindings/PreflightCoreFFI.h" "$out/headers/PreflightFFI/"
cat "$bindings/PreflightCoreFFI.modulemap" "$bindings/PreflightFFI.modulemap" >"$out/headers/PreflightFFI/module.modulemap"
lipo -create \
  "target/aarch64-apple-ios-sim/$profile/libpreflight_ffi.a" \
  "target/x86_64-apple-ios/$profile/libpreflight_ffi.a" \
  -output "$out/sim/libpreflight_ffi.a"

xcf=crates/preflight-ffi/platform/apple/PreflightFFI.xcframework
rm -rf "$xcf"
xcodebuild -create-xcframework \
  -library "target/aarch64-apple-ios/$profile/libpreflight_ffi.a" -headers "$out/headers" \
  -library "$out/sim/libpreflight_ffi.a" -headers "$out/headers" \
  -output "$xcf"
cp "$bindings/Preflight.swift" "$bindings/PreflightCore.swift" crates/preflight-ffi/platform/apple/Sources/Preflight/
echo "built $xcf; add crates/preflight-ffi/platform/apple as a Swift package (product: Preflight)"
