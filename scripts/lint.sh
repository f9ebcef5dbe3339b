#!/usr/bin/env bash
# Lints the whole workspace as the suite does: rustfmt (no changes allowed) and clippy with every
# warning an error, on every target (lib, bins, tests, benches) and every feature. The lint set
# is [workspace.lints] in Cargo.toml; clippy.toml sets the 100-line function limit.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy (all targets, all features, -D warnings)"
cargo clippy --workspace --all-targets --all-features --release --quiet -- -D warnings
echo "lint: clean"
