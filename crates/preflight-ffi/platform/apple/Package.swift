// swift-tools-version:5.9
// Swift package for the Preflight bindings (iOS 15+, macOS 12+ for `swift test` on a Mac).
//
// Releases: scripts/build-xcframework.sh builds PreflightFFI.xcframework (iOS device, iOS
// simulator, macOS slices) and zips it; scripts/mobile-swift-release.sh writes that zip's URL and
// SHA-256 checksum (what `swift package compute-checksum` prints) into the two lines below, so
// apps depend on a tagged release without building Rust. For local development set
// PREFLIGHT_LOCAL_XCFRAMEWORK=1 to use the xcframework built next to this file instead.
import Foundation
import PackageDescription

let releaseURL = "https://releases.invalid/preflight/0.1.0/PreflightFFI.xcframework.zip"
let releaseChecksum = "0000000000000000000000000000000000000000000000000000000000000000"

let ffi: Target = ProcessInfo.processInfo.environment["PREFLIGHT_LOCAL_XCFRAMEWORK"] == nil
    ? .binaryTarget(name: "PreflightFFI", url: releaseURL, checksum: releaseChecksum)
    : .binaryTarget(name: "PreflightFFI", path: "PreflightFFI.xcframework")

let package = Package(
    name: "Preflight",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Preflight", targets: ["Preflight"]),
    ],
    targets: [
        // The Rust static library per slice, with PreflightFFI.h, PreflightCoreFFI.h and one
        // module.modulemap in Headers/PreflightFFI/ (its own subdirectory).
        ffi,
        // The uniffi-generated Swift API (`import Preflight`): Preflight.swift and
        // PreflightCore.swift, copied in by build-xcframework.sh, plus the privacy manifest.
        .target(
            name: "Preflight",
            dependencies: ["PreflightFFI"],
            path: "Sources/Preflight",
            exclude: ["README.md"],
            resources: [.copy("Resources/PrivacyInfo.xcprivacy")]
        ),
    ]
)
