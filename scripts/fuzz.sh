#!/usr/bin/env bash
# Runs the cargo-fuzz targets (fuzz/fuzz_targets/, every [[bin]] of fuzz/Cargo.toml).
#   scripts/fuzz.sh --suite [TARGET...]      what scripts/test.sh runs: each target from a fresh
#                                            corpus (the checked-in seeds), libFuzzer seed 1, at
#                                            most $PREFLIGHT_FUZZ_RUNS inputs (default 50000) and
#                                            $PREFLIGHT_FUZZ_SECONDS seconds (default 30): the same
#                                            first inputs on every machine, but not the same run:
#                                            the time cap ends it sooner or later, and threads in
#                                            C decoders vary coverage (CI found an input here that
#                                            none of our runs had); each finding becomes a seed
#   scripts/fuzz.sh [SECONDS] [TARGET...]    the long mode: SECONDS per target (default 3600, a
#                                            CPU-hour), corpus kept in target/fuzz-corpus/<target>
# Needs the nightly toolchain; installs cargo-fuzz from crates.io if missing.
# Every target checks the library's documented per-input time and heap bounds
# (fuzz/src/lib.rs); -rss_limit_mb and -timeout are the backstops. A finding leaves its input in
# fuzz/artifacts/<target>/ and makes the script exit non-zero: fix it and add the input as a
# regression test (tests/hostile_*.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=0
if [ "${1:-}" = "--suite" ]; then suite=1; shift; fi
seconds=3600
if [ $suite = 0 ] && [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(awk '/^\[\[bin\]\]/{b=1} b&&/^name *=/{gsub(/[" ]/,"",$0); sub(/name=/,""); print; b=0}' fuzz/Cargo.toml)
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (crates.io)" >&2
  cargo install cargo-fuzz --locked --quiet
fi
# Per-target input size limits: lists need room for a few sections, text for long messages
# (up to 1 MB: the size the text bounds are documented for).
max_len() {
  case "$1" in
    image_*) echo 65536 ;;
    list_*) echo 16384 ;;
    lexicon_*) echo 65536 ;;
    text_*) echo 1048576 ;;
    *) echo 65536 ;;
  esac
}
mkdir -p target
# Leaks inside system C libraries (libdav1d via libheif) are suppressed; ours still fail.
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  if [ $suite = 1 ]; then
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    limits=(-seed=1 -runs="${PREFLIGHT_FUZZ_RUNS:-50000}" -max_total_time="${PREFLIGHT_FUZZ_SECONDS:-30}")
  else
    work="target/fuzz-corpus/$t"; mkdir -p "$work"
    limits=(-max_total_time="$seconds")
  fi
  echo "== fuzz $t (${limits[*]})"
  # -rss_limit_mb: a backstop above ASan's own overhead; the real bound is the per-input heap
  # check in fuzz/src/lib.rs. -timeout: one input over 20 s is a finding whatever its bound.
  cargo +nightly fuzz run "$t" "$work" "fuzz/corpus/$t" -- \
      "${limits[@]}" -max_len="$(max_len "$t")" -rss_limit_mb=3072 -timeout=20 \
      -print_final_stats=1 >"target/fuzz-$t.log" 2>&1 || true
  grep -E "^stat::number_of_executed_units|^Done [0-9]+ runs" "target/fuzz-$t.log" | tr '\n' ' ' || true
  echo
  if grep -qE "^(==[0-9]+== ?ERROR|SUMMARY: libFuzzer|.*panicked at|error: could not compile|error\[)" "target/fuzz-$t.log" \
     || ! grep -qE "^(stat::number_of_executed_units|Done [0-9]+ runs)" "target/fuzz-$t.log"; then
    echo "fuzz $t FAILED; see target/fuzz-$t.log and fuzz/artifacts/$t/:" >&2
    grep -E "panicked at|ERROR|SUMMARY|error" "target/fuzz-$t.log" | head -8 >&2 || true
    status=1
  fi
done
exit $status
