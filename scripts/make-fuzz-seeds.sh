#!/usr/bin/env bash
# Writes the image seeds of the image_decode_hash fuzz target, drawn by this repository
# (tests/fixtures/make_drawn.py fuzz-seeds, pinned Pillow; deterministic), into DIR
# (default fuzz/corpus/image_decode_hash). Each is under the 64 KB seed limit:
#   baseline-64.jpg, progressive-48x80.jpg, exif-6-40x24.jpg   small JPEGs (baseline, progressive, EXIF 6)
#   lossless-8x8.webp, lossy-8x8.webp, palette-16.gif          the other lossy/lossless containers
#   dc-restart-2048.jpg                                         grey 2048x2048 with restart markers:
#                                                               reaches the 1/8-scale DC decoder
#   lossy-2048.webp                                             2048x2048 lossy WebP: reaches
#                                                               libwebp's scaled decode
# Usage: scripts/make-fuzz-seeds.sh [DIR]   (needs PyPI once, for the pinned Pillow in .tools/venv)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${PREFLIGHT_TOOLS_DIR:-$ROOT/.tools}"
DIR="${1:-$ROOT/fuzz/corpus/image_decode_hash}"
"$ROOT/scripts/fetch-test-images.sh" --venv-only
mkdir -p "$DIR"
"$TOOLS/venv/bin/python" "$ROOT/tests/fixtures/make_drawn.py" fuzz-seeds "$DIR"
