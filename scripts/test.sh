#!/usr/bin/env bash
# The whole test suite. Installs what it needs first (idempotent), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh nasm
echo "== ONNX Runtime, models and Python references (scripts/setup-onnx.sh)"
scripts/setup-onnx.sh
echo "== image-matching references (scripts/image_match-setup.sh)"; scripts/image_match-setup.sh

mkdir -p target
echo "== cargo test (all features)"
cargo test --release --features cli,onnx-text,bindgen 2>&1 | tee target/test-output.txt | grep -E "^(test result|running|error|failures:|---- )" || true
if grep -qE "^test result: FAILED|^error(\[|:)" target/test-output.txt; then
  echo "cargo test failed; full output in target/test-output.txt" >&2
  grep -A30 "^failures:" target/test-output.txt | head -80 >&2 || true
  exit 1
fi
passed=$(grep -Eo "test result: ok\. [0-9]+ passed" target/test-output.txt | awk '{s+=$4} END {print s+0}')
echo "== benches compile"
cargo build --release --benches --features cli,onnx-text,bindgen --quiet
echo "== bindings (staleness), Swift header + symbols, Kotlin on the JVM"
scripts/bindings.sh --check --release
scripts/check-swift.sh target/release
scripts/test-kotlin.sh target/release | grep -E "^(FAIL|kotlin:)"
# Fuzz targets are type-checked, not run (scripts/fuzz.sh runs them): checking keeps them from
# rotting when APIs change, at a fraction of a sanitizer build's cost. Needs nightly + cargo-fuzz.
if cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== fuzz targets compile"
  (cd fuzz && cargo +nightly fuzz check 2>&1 | tail -3)
else
  echo "== fuzz targets skipped (no nightly toolchain with cargo-fuzz)"
fi
echo "cargo tests: $passed passed, 0 failed"
