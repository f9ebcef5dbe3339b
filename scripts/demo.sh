#!/usr/bin/env bash
# The main job: scans the bundled samples (images against a demo hash list signed at run time,
# chats with the embedded default lexicons) and prints the verdicts with their evidence.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh nasm
cargo run --quiet --release -p preflight-cli --bin preflight -- demo samples "$@"
