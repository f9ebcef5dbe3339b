#!/usr/bin/env bash
# video (issue 13): what the `video` feature and its tests need.
#   Debian: FFmpeg 5.1 development libraries (the `video` feature links them; bindgen needs
#   clang), the `ffmpeg` tool (tests make their videos with it) and the libraries pip needs to build
#   Meta's `vpdq` from source (cmake comes from PyPI).
#   .tools/video-venv: pip `vpdq==0.2.5` (Meta's vPDQ bindings), the conformance reference.
# PREFLIGHT_TOOLS_DIR overrides .tools. Idempotent; quiet on success.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${PREFLIGHT_TOOLS_DIR:-$ROOT/.tools}"
"$ROOT/scripts/ensure-deps.sh" ffmpeg pkg-config clang \
  libavcodec-dev:/usr/include/x86_64-linux-gnu/libavcodec/avcodec.h \
  libavformat-dev:/usr/include/x86_64-linux-gnu/libavformat/avformat.h \
  libswscale-dev:/usr/include/x86_64-linux-gnu/libswscale/swscale.h \
  libavdevice-dev:/usr/include/x86_64-linux-gnu/libavdevice/avdevice.h \
  libavfilter-dev:/usr/include/x86_64-linux-gnu/libavfilter/avfilter.h
VENV="$TOOLS/video-venv"
mkdir -p "$TOOLS"
if ! "$VENV/bin/python" -c 'import vpdq' >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check vpdq==0.2.5 >"$TOOLS/video-setup.log" 2>&1 \
    || { echo "video-setup.sh: pip install vpdq==0.2.5 failed; see $TOOLS/video-setup.log" >&2; exit 1; }
fi
