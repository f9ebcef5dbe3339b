#!/usr/bin/env bash
# Checks the generated Swift bindings without swiftc (none on Linux here):
#  1. the generated C headers (crates/preflight-ffi/bindings/swift/PreflightFFI.h for the FFI
#     crate, PreflightCoreFFI.h for the core's derived types) compile as Objective-C with clang,
#     warnings as errors, included the way the Swift module maps include them;
#  2. every function the headers declare is exported by the cdylib (`nm -D --defined-only`), and
#     every uniffi symbol the cdylib exports is declared (the headers are not stale or partial).
# The Swift source itself (Preflight.swift) is only compiled on macOS (build-xcframework.sh).
# Usage: scripts/check-swift.sh [DIR_WITH_libpreflight_ffi.so]   (default target/release)
set -euo pipefail
cd "$(dirname "$0")/.."
lib_dir=${1:-target/release}
lib="$lib_dir/libpreflight_ffi.so"
header=crates/preflight-ffi/bindings/swift/PreflightFFI.h
include='#include "PreflightCoreFFI.h"\n#include "PreflightFFI.h"\n'
scripts/ensure-deps.sh clang binutils:nm
[ -f "$lib" ] || { echo "check-swift: $lib not found (build with --features bindgen first)" >&2; exit 1; }

printf "$include" |
  clang -fsyntax-only -x objective-c -std=gnu11 -Wall -Wextra -Werror -I crates/preflight-ffi/bindings/swift -

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "$include" |
  clang -fsyntax-only -x objective-c -I crates/preflight-ffi/bindings/swift -Xclang -ast-dump - 2>/dev/null |
  grep -E '^[|`]-FunctionDecl' | grep -v ' implicit ' |
  sed -E 's/.* (line|col):[0-9:]+ ([A-Za-z_][A-Za-z0-9_]*) .*/\2/' | sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '{print $3}' | grep -E '^(uniffi_preflight_|ffi_preflight_)' |
  sort -u >"$tmp/exported"

declared=$(wc -l <"$tmp/declared")
[ "$declared" -gt 0 ] || { echo "check-swift: no function declarations found in $header" >&2; exit 1; }
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
undeclared=$(comm -13 "$tmp/declared" "$tmp/exported")
if [ -n "$missing" ]; then
  echo "check-swift: declared in $header but not exported by $lib:" >&2; echo "$missing" >&2; exit 1
fi
if [ -n "$undeclared" ]; then
  echo "check-swift: exported by $lib but missing from $header (stale bindings?):" >&2
  echo "$undeclared" >&2; exit 1
fi
echo "swift: header compiles; $declared declared functions all exported by $(basename "$lib")"
