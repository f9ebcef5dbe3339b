#!/usr/bin/env bash
# Prints the resharing table (N/30 blocked per transform, unlisted images blocked/warned) and the
# pHash agreement with imagehash, from tests/it/image_match_resharing.rs and image_match_phash.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/image_match-setup.sh
cargo test --release --all-features --test it -- image_match_resharing:: image_match_phash:: --nocapture 2>&1 \
  | grep -E "^(transform|[a-z0-9]+ +[0-9]+/|list:|phash|dhash|pHash|  radius)" || true
