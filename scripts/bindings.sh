#!/usr/bin/env bash
# Generates the Kotlin and Swift sources in bindings/ from the built cdylib (uniffi library mode,
# `--no-format` so the output does not depend on ktlint/swiftformat being installed).
# Usage:
#   scripts/bindings.sh [--release]           regenerate bindings/ (commit the result)
#   scripts/bindings.sh --check [--release]   regenerate into a temp dir; fail if bindings/ differs
# Builds preflight-ffi with `--features bindgen` (the uniffi-bindgen binary).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0; profile_flag=(); profile_dir=debug
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --release) profile_flag=(--release); profile_dir=release ;;
    *) echo "usage: $0 [--check] [--release]" >&2; exit 2 ;;
  esac
done
cargo build "${profile_flag[@]}" --quiet -p preflight-ffi --features bindgen --lib --bin uniffi-bindgen
lib="target/$profile_dir/libpreflight_ffi.so"
bindgen="target/$profile_dir/uniffi-bindgen"

ffi=crates/preflight-ffi
out=$ffi/bindings
if [ "$check" = 1 ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
for lang in kotlin swift; do
  rm -rf "${out:?}/$lang"
  "$bindgen" generate --library "$lib" --language "$lang" --out-dir "$out/$lang" --no-format >/dev/null
done

if [ "$check" = 1 ]; then
  if ! { diff -r $ffi/bindings/kotlin "$out/kotlin" && diff -r $ffi/bindings/swift "$out/swift"; } >"$out.diff" 2>&1; then
    echo "bindings/ is stale: regenerate with scripts/bindings.sh and commit. Diff:" >&2
    head -40 "$out.diff" >&2; rm -f "$out.diff"; exit 1
  fi
  rm -f "$out.diff"
  echo "bindings: bindings/kotlin and bindings/swift match the cdylib"
else
  echo "bindings: regenerated bindings/kotlin and bindings/swift from $lib"
fi
