#!/usr/bin/env bash
# Parses the generated Swift bindings and the hand-written Swift (Package.swift) with
# tree-sitter's Swift grammar (crates.io `tree-sitter-swift`, built into
# a small host tool, crates/preflight-ffi/tools/swift-syntax); any syntax error fails. There is
# no swiftc on Linux: this is the check that a generated or edited Swift file still parses.
set -euo pipefail
cd "$(dirname "$0")/.."
tool_dir=crates/preflight-ffi/tools/swift-syntax
(cd "$tool_dir" && cargo build --quiet --release --target-dir ../../../../target/swift-syntax)
target/swift-syntax/release/swift-syntax-check \
  crates/preflight-ffi/bindings/swift/Preflight.swift \
  crates/preflight-ffi/bindings/swift/PreflightCore.swift \
  crates/preflight-ffi/platform/apple/Package.swift
