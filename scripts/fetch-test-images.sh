#!/usr/bin/env bash
# Fetches the test images from package registries and builds the test-time image set:
#   PyPI   scikit-image==0.26.0 wheel (sha256-checked), skimage/data/*  (pip download, no install)
#   Debian ukui-wallpapers 20.04.3-1.1 (sha256-checked), large JPEG photos (apt-get download,
#          unpacked with dpkg-deb -x, not installed)
# then runs tests/fixtures/make_registry.py (pinned Pillow + pip pdqhash, Meta's C++) to write
#   .tools/test-images/pdq/*, .tools/test-images/pdq/reference_hashes.csv, .tools/test-images/classify/*
# and checks that the committed drawn images (and drawn fuzz seeds) are exactly what
# tests/fixtures/make_drawn.py draws.
# Usage: scripts/fetch-test-images.sh [--venv-only]
# PREFLIGHT_TOOLS_DIR overrides .tools (the tests read the same variable). Idempotent; quiet on
# success; on failure prints the step and its log and exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${PREFLIGHT_TOOLS_DIR:-$ROOT/.tools}"
VENV="$TOOLS/venv"
SRC="$TOOLS/registry-images"
OUT="$TOOLS/test-images"
LOG="$TOOLS/fetch-test-images.log"
PY="${PYTHON:-python3}"
SKIMAGE_WHEEL=scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl
SKIMAGE_SHA256=74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af
UKUI_DEB=ukui-wallpapers_20.04.3-1.1_all.deb
UKUI_SHA256=6d49be70152e6d603163458e177e501deb0be8f2916389ccbfcf59b0d7fc0262
REQS=(pillow==13.0.0 numpy==2.4.6 pdqhash==0.2.8)
mkdir -p "$TOOLS/wheels" "$SRC"
: >"$LOG"

fail() {
  echo "fetch-test-images.sh: FAILED: $1" >&2
  [ -s "$LOG" ] && { echo "---- $LOG ----" >&2; tail -n 40 "$LOG" >&2; }
  exit 1
}
check_sha() { echo "$2  $1" | sha256sum -c --quiet - >>"$LOG" 2>&1 || fail "sha256 of $1"; }

# 1. Python with the pinned packages (the same pins as scripts/setup-onnx.sh, same venv).
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "creating $VENV"
"$VENV/bin/python" - "${REQS[@]}" >>"$LOG" 2>&1 <<'EOF' || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQS[@]}" >>"$LOG" 2>&1 || fail "pip install ${REQS[*]}"
import sys
from importlib.metadata import PackageNotFoundError, version
def pinned(req):
    name, want = req.split("==")
    try:
        return version(name) == want
    except PackageNotFoundError:
        return False
sys.exit(not all(pinned(r) for r in sys.argv[1:]))
EOF
# --venv-only: stop here (scripts/make-fuzz-seeds.sh needs only the pinned Pillow).
[ "${1:-}" = "--venv-only" ] && exit 0

# 2. scikit-image's bundled data (the cp311 manylinux wheel whatever the host Python is).
WHEEL="$TOOLS/wheels/$SKIMAGE_WHEEL"
if [ ! -f "$WHEEL" ]; then
  "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    --python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_28_x86_64 \
    scikit-image==0.26.0 -d "$TOOLS/wheels" >>"$LOG" 2>&1 || fail "pip download scikit-image==0.26.0"
fi
check_sha "$WHEEL" "$SKIMAGE_SHA256"
"$VENV/bin/python" - "$WHEEL" "$SRC/skimage" >>"$LOG" 2>&1 <<'EOF' || fail "unpacking skimage/data"
import os, sys, zipfile
os.makedirs(sys.argv[2], exist_ok=True)
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("skimage/data/") and n.endswith((".png", ".jpg")):
            with open(os.path.join(sys.argv[2], os.path.basename(n)), "wb") as f:
                f.write(z.read(n))
EOF

# 3. Large photos from a Debian wallpaper package.
DEB="$TOOLS/wheels/$UKUI_DEB"
download_deb() { (cd "$TOOLS/wheels" && apt-get download ukui-wallpapers=20.04.3-1.1) >>"$LOG" 2>&1; }
if [ ! -f "$DEB" ] && ! download_deb; then
  # Stale or empty package lists: refresh them once (as scripts/ensure-deps.sh does) and retry.
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >>"$LOG" 2>&1 || true
  download_deb || fail "apt-get download ukui-wallpapers=20.04.3-1.1"
fi
check_sha "$DEB" "$UKUI_SHA256"
rm -rf "$SRC/deb" "$SRC/ukui" && mkdir -p "$SRC/ukui"
dpkg-deb -x "$DEB" "$SRC/deb" >>"$LOG" 2>&1 || fail "dpkg-deb -x $DEB"
cp "$SRC/deb/usr/share/backgrounds/"*.jpg "$SRC/ukui/"

# 4. The test-time set and its pip pdqhash references; skipped when nothing changed.
STAMP="$OUT/.stamp"
WANT="$(cat "$ROOT/tests/fixtures/make_registry.py" "$ROOT/tests/fixtures/make_drawn.py" \
  <(cd "$ROOT" && sha256sum tests/fixtures/pdq/images/*) | sha256sum)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  "$VENV/bin/python" "$ROOT/tests/fixtures/make_registry.py" "$SRC" "$OUT" "$ROOT" >>"$LOG" 2>&1 \
    || fail "tests/fixtures/make_registry.py"
  # 5. The committed drawn images are ours: redraw them and compare byte for byte.
  REDRAW="$(mktemp -d)"
  trap 'rm -rf "$REDRAW"' EXIT
  "$VENV/bin/python" "$ROOT/tests/fixtures/make_drawn.py" fixtures "$REDRAW" >>"$LOG" 2>&1 \
    || fail "tests/fixtures/make_drawn.py"
  "$VENV/bin/python" "$ROOT/tests/fixtures/make_drawn.py" fuzz-seeds "$REDRAW/fuzz/corpus/image_decode_hash" \
    >>"$LOG" 2>&1 || fail "tests/fixtures/make_drawn.py fuzz-seeds"
  for d in tests/fixtures/pdq/images tests/fixtures/jpeg_dc samples/images fuzz/corpus/image_decode_hash; do
    for f in "$REDRAW/$d"/*; do
      cmp -s "$f" "$ROOT/$d/$(basename "$f")" || fail "$d/$(basename "$f") differs from what make_drawn.py draws"
    done
  done
  echo "$WANT" >"$STAMP"
fi
exit 0
