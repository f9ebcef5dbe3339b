// swift-tools-version:5.9
// Swift package for the Preflight bindings. Needs macOS with Xcode: run
// scripts/build-xcframework.sh first, which builds PreflightFFI.xcframework (iOS device +
// simulator static libraries with the C header and module map) next to this file and copies the
// generated Swift source (bindings/swift/Preflight.swift) into Sources/Preflight/.
import PackageDescription

let package = Package(
    name: "Preflight",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "Preflight", targets: ["Preflight"]),
    ],
    targets: [
        // The Rust static library + PreflightFFI.h + module.modulemap, per platform slice.
        .binaryTarget(name: "PreflightFFI", path: "PreflightFFI.xcframework"),
        // The uniffi-generated Swift API (`import Preflight`).
        .target(name: "Preflight", dependencies: ["PreflightFFI"], path: "Sources/Preflight"),
    ]
)
