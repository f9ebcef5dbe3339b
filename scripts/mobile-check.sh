#!/usr/bin/env bash
# The mobile packaging checks the suite runs (scripts/test.sh calls this in one line):
#  - scripts/mobile-arm64.sh: aarch64 build, 16 KB LOAD alignment, size budget, split debug
#    symbols, unit tests under qemu-user;
#  - the Android and Apple build scripts in --dry-run mode (no NDK / Xcode here; with and without
#    the classifiers, and the iOS static ONNX Runtime route of scripts/ios-onnxruntime.sh), and the Swift
#    release step (zip checksum into Package.swift) on a copy of Package.swift;
#  - PrivacyInfo.xcprivacy parses as a property list and declares the file-timestamp reason;
#  - scripts/mobile-swift-syntax.sh: the generated and hand-written Swift parse (tree-sitter);
#  - the core's `uniffi` feature stays off for the CLI (plain Rust users never compile uniffi).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/mobile-arm64.sh
scripts/mobile-swift-syntax.sh

android=$(scripts/build-android.sh --dry-run)
for needle in "max-page-size=16384" "-t arm64-v8a -t armeabi-v7a -t x86_64" "publishReleasePublicationToLocalRepository"; do
  grep -qF -- "$needle" <<<"$android" || { echo "mobile: build-android.sh --dry-run lacks $needle" >&2; exit 1; }
done
apple=$(scripts/build-xcframework.sh --dry-run)
for needle in aarch64-apple-ios-sim aarch64-apple-darwin "headers/PreflightFFI/module.modulemap" "PreflightFFI.xcframework.zip"; do
  grep -qF -- "$needle" <<<"$apple" || { echo "mobile: build-xcframework.sh --dry-run lacks $needle" >&2; exit 1; }
done
ios=$(scripts/ios-onnxruntime.sh --dry-run)
for needle in "-p preflight-ffi --lib --features onnx" "_OrtGetApiBase" "Bundle.main.executablePath"; do
  grep -qF -- "$needle" <<<"$ios" || { echo "mobile: ios-onnxruntime.sh --dry-run lacks $needle" >&2; exit 1; }
done
grep -qF -- "--features onnx" <<<"$(scripts/build-android.sh --dry-run --with-onnx)" ||
  { echo "mobile: build-android.sh --with-onnx does not build the classifiers" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'not a real xcframework\n' >"$tmp/PreflightFFI.xcframework.zip"
cp crates/preflight-ffi/platform/apple/Package.swift "$tmp/Package.swift"
scripts/mobile-swift-release.sh "$tmp/PreflightFFI.xcframework.zip" https://releases.invalid/p/PreflightFFI.xcframework.zip "$tmp/Package.swift" >/dev/null
sum=$(sha256sum "$tmp/PreflightFFI.xcframework.zip" | awk '{print $1}')
grep -q "releaseChecksum = \"$sum\"" "$tmp/Package.swift" || { echo "mobile: release checksum not written" >&2; exit 1; }
if scripts/mobile-swift-release.sh "$tmp/PreflightFFI.xcframework.zip" http://insecure "$tmp/Package.swift" 2>/dev/null; then
  echo "mobile: mobile-swift-release.sh accepted a non-https URL" >&2; exit 1
fi
python3 - <<'PY'
import plistlib
p = plistlib.load(open("crates/preflight-ffi/platform/apple/Sources/Preflight/Resources/PrivacyInfo.xcprivacy", "rb"))
reasons = {t["NSPrivacyAccessedAPIType"]: t["NSPrivacyAccessedAPITypeReasons"] for t in p["NSPrivacyAccessedAPITypes"]}
assert reasons.get("NSPrivacyAccessedAPICategoryFileTimestamp") == ["C617.1"], reasons
assert p["NSPrivacyTracking"] is False and p["NSPrivacyCollectedDataTypes"] == []
PY
if cargo tree -q -p preflight-cli -e normal -i uniffi >/dev/null 2>&1; then
  echo "mobile: the CLI depends on uniffi (the core's uniffi feature leaked)" >&2; exit 1
fi
echo "mobile: packaging dry-runs, release checksum, privacy manifest, CLI without uniffi; $(( $(date +%s) - start )) s"
