#!/usr/bin/env bash
# Rebuilds the on-device message classifier from the team-written corpus, reproducibly:
#   1. text-corpus/generate.py (Python standard library only, fixed seed) regenerates
#      text-corpus/messages.tsv and the conversation files from text-corpus/seeds.py;
#   2. `preflight text-model train` (pure Rust, single-threaded SGD with a fixed seed) writes
#      models/text-model.pftm;
#   3. the file's sha256 is written to models/text-model.sha256.
# `--check` rebuilds into a temporary file and fails if anything differs from what is committed
# (the test suite runs the same comparison in tests/it/text_model_build.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[[ "${1:-}" == "--check" ]] && check=1
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
cargo build --release -p preflight-cli --quiet
bin=target/release/preflight
if [[ $check == 1 ]]; then
  python3 text-corpus/generate.py --check
  tmp=$(mktemp)
  "$bin" text-model train --out "$tmp" >/dev/null
  want=$(cut -d' ' -f1 models/text-model.sha256)
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  rm -f "$tmp"
  [[ "$got" == "$want" ]] || { echo "text model is stale: rebuilt $got, committed $want" >&2; exit 1; }
  cmp -s <(sha256sum models/text-model.pftm | cut -d' ' -f1) <(echo "$want") \
    || { echo "models/text-model.pftm does not match models/text-model.sha256" >&2; exit 1; }
  echo "text model reproducible: $got"
  exit 0
fi
python3 text-corpus/generate.py
"$bin" text-model train --out models/text-model.pftm
sha256sum models/text-model.pftm | sed 's#  .*#  text-model.pftm#' > models/text-model.sha256
# The embedded copy changed: rebuild so the CLI carries it, then refresh the calibration report.
cargo build --release -p preflight-cli --quiet
"$bin" text-model calibrate
