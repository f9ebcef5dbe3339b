#!/usr/bin/env bash
# Points the Swift package at a released XCFramework zip: computes the zip's SHA-256 (the value
# `swift package compute-checksum` prints, so no Xcode is needed) and writes it with the URL into
# Package.swift's `releaseURL` / `releaseChecksum` lines.
# Usage: scripts/mobile-swift-release.sh ZIP URL [PACKAGE_SWIFT]
#   (default crates/preflight-ffi/platform/apple/Package.swift; the suite runs it on a copy)
set -euo pipefail
cd "$(dirname "$0")/.."
zip=${1:?usage: $0 ZIP URL [PACKAGE_SWIFT]}; url=${2:?usage: $0 ZIP URL [PACKAGE_SWIFT]}
package=${3:-crates/preflight-ffi/platform/apple/Package.swift}
[ -s "$zip" ] || { echo "mobile-swift-release: $zip is missing or empty" >&2; exit 1; }
case "$url" in https://*.zip) ;; *) echo "mobile-swift-release: URL must be https://...zip, got $url" >&2; exit 1 ;; esac
checksum=$(sha256sum "$zip" | awk '{print $1}')
grep -q '^let releaseURL = ' "$package" && grep -q '^let releaseChecksum = ' "$package" ||
  { echo "mobile-swift-release: $package has no releaseURL/releaseChecksum lines" >&2; exit 1; }
sed -i -E "s|^let releaseURL = .*|let releaseURL = \"$url\"|; s|^let releaseChecksum = .*|let releaseChecksum = \"$checksum\"|" "$package"
echo "swift release: $package -> $url (checksum $checksum)"
