#!/usr/bin/env bash
# The whole test suite. Installs what it needs first (idempotent), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh nasm
scripts/video-setup.sh   # video (issue 13): FFmpeg libraries and tool, pip vpdq
scripts/image-decode-deps.sh
echo "== ONNX Runtime, models and Python references (scripts/setup-onnx.sh)"
scripts/setup-onnx.sh
echo "== test images from PyPI and Debian, pip pdqhash references (scripts/fetch-test-images.sh)"
scripts/fetch-test-images.sh
# Tests that need a fetched tool or data set skip in plain `cargo test`; here they must run.
export PREFLIGHT_REQUIRE_ALL=1
echo "== image-matching references (scripts/image_match-setup.sh)"; scripts/image_match-setup.sh

mkdir -p target
echo "== cargo test (all features)"
cargo test --workspace --release --all-features --no-fail-fast 2>&1 | tee target/test-output.txt | grep -E "^(test result|running|error|failures:|---- )" || true
if grep -qE "^test result: FAILED|^error(\[|:)" target/test-output.txt; then
  echo "cargo test failed; full output in target/test-output.txt" >&2
  grep -A30 "^failures:" target/test-output.txt | head -80 >&2 || true
  exit 1
fi
passed=$(grep -Eo "test result: ok\. [0-9]+ passed" target/test-output.txt | awk '{s+=$4} END {print s+0}')
echo "== lints: rustfmt and clippy -D warnings (scripts/lint.sh)"
scripts/lint.sh
echo "== benches compile"
cargo build --workspace --release --benches --all-features --quiet
echo "== bindings (staleness), Swift header + symbols, Kotlin on the JVM"
scripts/bindings.sh --check --release
scripts/check-swift.sh target/release
scripts/test-kotlin.sh target/release | grep -E "^(FAIL|kotlin:)"
echo "== mobile: arm64 (16 KB pages, size budget, qemu), packaging dry-runs"; scripts/mobile-check.sh
# Every fuzz target runs from the checked-in seeds with a fixed libFuzzer seed and a run cap
# (the same first inputs on every machine), checking the documented per-input time and heap bounds.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "== fuzz targets (scripts/fuzz.sh --suite)"
  scripts/fuzz.sh --suite
else
  echo "== fuzz targets skipped: no nightly toolchain (rustup cannot fetch one here)"
  [ -z "${PREFLIGHT_REQUIRE_ALL:-}" ] || exit 1
fi
echo "cargo tests: $passed passed, 0 failed"
