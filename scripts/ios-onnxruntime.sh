#!/usr/bin/env bash
# The iOS route for classifiers with the official ONNX Runtime packages, which are *static*
# (the `onnxruntime-c` CocoaPod and the `onnxruntime` product of microsoft's
# onnxruntime-swift-package-manager both ship a static onnxruntime.xcframework). This library
# opens ONNX Runtime at run time (ort `load-dynamic`) and looks up `OrtGetApiBase` in what it
# opened; with a static runtime that symbol is in the app's own executable, so:
#   1. build the XCFramework with the classifiers (scripts/build-xcframework.sh --with-onnx);
#   2. add the official package to the app (SwiftPM or CocoaPods; version 1.31 or newer);
#   3. keep `OrtGetApiBase` in the executable: nothing in the app calls it, so the linker would
#      drop it from the static archive; platform/apple/OnnxRuntimeStatic.xcconfig adds
#      `-Wl,-u,_OrtGetApiBase` to OTHER_LDFLAGS (base the app target's configuration on it, or
#      copy the line);
#   4. pass the executable as the runtime: ClassifierPaths(runtimePath: Bundle.main.executablePath!, ...).
#      dlopen of the running executable returns its own image, where dlsym finds the symbol.
# With --onnxruntime DIR (the unpacked onnxruntime.xcframework) it also checks that every slice
# defines _OrtGetApiBase (nm).
#
# NEEDS macOS with Xcode for the real run; this route is not exercised here (no Xcode): the
# suite runs --dry-run, which prints the steps and checks the xcconfig.
# Usage: scripts/ios-onnxruntime.sh [--onnxruntime DIR] [--dry-run]
set -euo pipefail
cd "$(dirname "$0")/.."
dry=0; ort_xcf=
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --onnxruntime) ort_xcf=${2:?}; shift 2 ;;
    *) echo "usage: $0 [--onnxruntime DIR] [--dry-run]" >&2; exit 2 ;;
  esac
done
xcconfig=crates/preflight-ffi/platform/apple/OnnxRuntimeStatic.xcconfig
grep -q -- '-Wl,-u,_OrtGetApiBase' "$xcconfig" ||
  { echo "ios-onnxruntime: $xcconfig does not keep _OrtGetApiBase" >&2; exit 1; }
if [ "$dry" = 0 ] && [ "$(uname -s)" != Darwin ]; then
  echo "ios-onnxruntime.sh needs macOS with Xcode (use --dry-run to see the steps)" >&2; exit 1
fi
flags=(); [ "$dry" = 1 ] && flags=(--dry-run)
scripts/build-xcframework.sh --with-onnx ${flags[@]+"${flags[@]}"}
if [ -n "$ort_xcf" ]; then
  for a in "$ort_xcf"/*/*.a "$ort_xcf"/*/*.framework/onnxruntime; do
    [ -e "$a" ] || continue
    if [ "$dry" = 1 ]; then echo "+ nm -gU $a | grep _OrtGetApiBase"; else
      nm -gU "$a" 2>/dev/null | grep -q ' _OrtGetApiBase$' || { echo "ios-onnxruntime: $a lacks _OrtGetApiBase" >&2; exit 1; }
    fi
  done
fi
echo "ios-onnxruntime: in the app target, OTHER_LDFLAGS from $xcconfig (-Wl,-u,_OrtGetApiBase),"
echo "  the official static ONNX Runtime package (>= 1.31), and"
echo "  ClassifierPaths(runtimePath: Bundle.main.executablePath!, nsfwModel: ...)"
