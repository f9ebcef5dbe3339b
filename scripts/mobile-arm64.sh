#!/usr/bin/env bash
# arm64 in the suite (issue 15): cross-builds the app library (`preflight-ffi`, profile `mobile`,
# the one the apps ship) for aarch64-unknown-linux-gnu with Debian's gcc-aarch64-linux-gnu and
#  1. checks every ELF LOAD segment is aligned to >= 16 KB (Android 15+ 16 KB page devices;
#     Google Play requires it), with readelf;
#  2. keeps the debug symbols apart (objcopy --only-keep-debug into target/arm64-symbols/, plus a
#     .gnu_debuglink in the shipped copy) for crash symbolication, from an unstripped build;
#  3. enforces the size budget in crates/preflight-ffi/platform/budget/arm64-mobile.txt: the
#     stripped library may not grow more than 100 KB over it (update the file in the same commit);
#  4. runs a representative subset of the core's unit tests under qemu-user (qemu-aarch64).
# The 16 KB flag is the same one scripts/build-android.sh passes for NDK < r28.
# Usage: scripts/mobile-arm64.sh [--update-budget]
set -euo pipefail
cd "$(dirname "$0")/.."
update=0; [ "${1:-}" = --update-budget ] && update=1
scripts/ensure-deps.sh gcc-aarch64-linux-gnu:aarch64-linux-gnu-gcc qemu-user:qemu-aarch64 binutils:readelf
target=aarch64-unknown-linux-gnu
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
start=$(date +%s)
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,-z,common-page-size=16384"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"

# The shipped library, unstripped (strip=false) so the symbols can be split off; stripping below
# gives byte for byte what `strip = true` ships.
CARGO_PROFILE_MOBILE_STRIP=false cargo build --quiet --profile mobile --target "$target" -p preflight-ffi --lib
lib=target/$target/mobile/libpreflight_ffi.so
out=target/arm64-symbols
mkdir -p "$out"
aarch64-linux-gnu-objcopy --only-keep-debug "$lib" "$out/libpreflight_ffi.so.debug"
aarch64-linux-gnu-objcopy --strip-all --add-gnu-debuglink="$out/libpreflight_ffi.so.debug" "$lib" "$out/libpreflight_ffi.so"
shipped=$out/libpreflight_ffi.so

# 1. LOAD segment alignment.
aligns=$(readelf -lW "$shipped" | awk '$1 == "LOAD" {print $NF}')
[ -n "$aligns" ] || { echo "arm64: no LOAD segments in $shipped" >&2; exit 1; }
for a in $aligns; do
  if [ $((a)) -lt 16384 ]; then
    echo "arm64: LOAD segment aligned to $a (< 16 KB) in $shipped: crashes on 16 KB page devices" >&2
    exit 1
  fi
done
echo "arm64: $(echo "$aligns" | wc -l) LOAD segments, all aligned >= 16 KB ($(echo $aligns | tr ' ' ','))"

# 2. Debug symbols kept apart.
[ -s "$out/libpreflight_ffi.so.debug" ] && readelf -S "$out/libpreflight_ffi.so.debug" | grep -q '\.symtab' ||
  { echo "arm64: the split debug file has no symbol table" >&2; exit 1; }

# 3. Size budget.
budget_file=crates/preflight-ffi/platform/budget/arm64-mobile.txt
size=$(stat -c %s "$shipped")
if [ "$update" = 1 ]; then
  printf '# Stripped size in bytes of libpreflight_ffi.so, aarch64-unknown-linux-gnu, profile mobile,\n# default features (scripts/mobile-arm64.sh enforces it: growth over 100 KB fails).\n%s\n' "$size" >"$budget_file"
  echo "arm64: budget set to $size bytes"
fi
budget=$(grep -v '^#' "$budget_file" | head -1)
limit=$((budget + 100 * 1024))
echo "arm64: libpreflight_ffi.so (mobile, stripped) $size bytes; budget $budget (+100 KB = $limit)"
if [ "$size" -gt "$limit" ]; then
  echo "arm64: $size bytes is more than 100 KB over the budget: shrink it, or raise $budget_file in the same commit (scripts/mobile-arm64.sh --update-budget)" >&2
  exit 1
fi

# 4. A representative subset of the core's unit tests under qemu: PDQ and pHash (NEON vs x86
#    float paths), the libjpeg-turbo decoders, list parsing and matching, text normalization.
filters=(hash:: media:: lists::kinds lists::packed text::normalize verdict:: policy::)
# CI keeps only what is printed: show why a run failed (a failed test's panic, a build error,
# or qemu dying under the test binary), not just that it did.
arm64_tests() {
  cargo test --quiet --release --target "$target" -p preflight --lib -- "$@" "${filters[@]}" 2>&1 | tee target/arm64-tests.txt | grep -E "^test result" || true
  grep -qE "^test result: ok\. [1-9][0-9]* passed" target/arm64-tests.txt
}
show_failure() {
  echo "arm64: $1; output in target/arm64-tests.txt, what it printed:" >&2
  grep -E "^(error|failures:|---- |thread '|test .* FAILED)|panicked|signal|qemu" target/arm64-tests.txt | head -40 >&2 || true
  tail -n 30 target/arm64-tests.txt >&2
}
# One CI run failed here without a trace that a local run (same commit, same machine kind)
# could reproduce: after a failure, run once more on one thread. A real arm64 failure fails
# again and stops the suite; a flake of the emulator is reported.
if ! arm64_tests; then
  show_failure "first run under qemu did not pass"
  arm64_tests --test-threads=1 || { show_failure "unit tests under qemu failed"; exit 1; }
fi
echo "arm64: $(grep -Eo '[0-9]+ passed' target/arm64-tests.txt | head -1) under qemu-aarch64; $(( $(date +%s) - start )) s in all"
