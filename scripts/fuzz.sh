#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Default 30 s per target. Needs the nightly toolchain and cargo-fuzz (installed if missing).
# Seeds: fuzz/corpus/<target>/ (checked in); new corpus entries go to target/fuzz-corpus/<target>/
# so a run does not dirty the repo. A crash leaves its input in fuzz/artifacts/<target>/ and
# makes the script exit non-zero: add it as a regression test in tests/hostile_*.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(image_decode_hash list_parse_delta lexicon_parse text_scan)
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
# Per-target input size limits: lists need room for a few sections, text for long messages.
max_len() {
  case "$1" in
    image_decode_hash) echo 65536 ;;
    list_parse_delta) echo 16384 ;;
    lexicon_parse) echo 16384 ;;
    text_scan) echo 65536 ;;
    *) echo 4096 ;;
  esac
}
status=0
for t in "${targets[@]}"; do
  work="target/fuzz-corpus/$t"
  mkdir -p "$work"
  echo "== fuzz $t for ${seconds}s"
  # -rss_limit_mb: an input that needs more than 2 GB is a finding (decompression bomb).
  # -timeout: one input taking over 10 s is a finding (algorithmic complexity).
  if ! cargo +nightly fuzz run "$t" "$work" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 2>&1 | tee "target/fuzz-$t.log" | grep -E "^(#[0-9]+.*(DONE|pulse)|==[0-9]+==|SUMMARY|stat::number_of_executed_units|Done)" ; then
    :
  fi
  if grep -qE "^(==[0-9]+== ?ERROR|SUMMARY: libFuzzer|.*panicked at)" "target/fuzz-$t.log"; then
    echo "fuzz $t FOUND A CRASH; see target/fuzz-$t.log and fuzz/artifacts/$t/" >&2
    status=1
  fi
done
exit $status
