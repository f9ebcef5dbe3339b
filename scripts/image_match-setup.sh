#!/usr/bin/env bash
# Installs what the image-matching tests (tests/image_match_*.rs) compare against, into .tools/:
#   .tools/venv                 + imagehash 4.3.2 (with scipy), pdqhash 0.2.8, Pillow: reference hashes
#   .tools/skimage-data/*.{png,jpg}   the photographs bundled in scikit-image's PyPI wheel
#   .tools/mate-backgrounds/          Debian's mate-backgrounds 1.26.0-1 (photos and wallpapers)
#   .tools/image_match-eval/          the resharing evaluation set (scripts/image_match_transforms.py)
# PREFLIGHT_TOOLS_DIR overrides .tools. Idempotent and quiet; exits non-zero (with the log) when
# PyPI cannot be reached, which the tests report as "skipped" unless PREFLIGHT_REQUIRE_ALL=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${PREFLIGHT_TOOLS_DIR:-$ROOT/.tools}"
VENV="$TOOLS/venv"
LOG="$TOOLS/image_match-setup.log"
PY="${PYTHON:-python3}"
mkdir -p "$TOOLS"
: >"$LOG"
fail() { echo "image_match-setup.sh: FAILED: $1" >&2; tail -n 30 "$LOG" >&2; exit 1; }

REQS=(imagehash==4.3.2 scipy==1.17.1 numpy==2.4.6 pillow==13.0.0 pdqhash==0.2.8)
STAMP="$VENV/.preflight-image-match"
WANT="$(printf '%s\n' "${REQS[@]}")"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "creating $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQS[@]}" >>"$LOG" 2>&1 \
    || fail "pip install ${REQS[*]}"
  printf '%s\n' "${REQS[@]}" >"$STAMP"
fi

DATA="$TOOLS/skimage-data"
if [ ! -f "$DATA/.complete" ]; then
  WHEELS="$TOOLS/wheels"
  mkdir -p "$WHEELS" "$DATA"
  ls "$WHEELS"/scikit_image-0.26.0-*.whl >/dev/null 2>&1 \
    || "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
         --only-binary=:all: scikit-image==0.26.0 -d "$WHEELS" >>"$LOG" 2>&1 \
    || fail "pip download scikit-image==0.26.0"
  "$VENV/bin/python" - "$WHEELS" "$DATA" >>"$LOG" 2>&1 <<'PYEOF' || fail "extracting skimage/data"
import glob, os, sys, zipfile
wheel = sorted(glob.glob(os.path.join(sys.argv[1], "scikit_image-0.26.0-*.whl")))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("skimage/data/") and name.rsplit(".", 1)[-1] in ("png", "jpg"):
            with open(os.path.join(sys.argv[2], os.path.basename(name)), "wb") as f:
                f.write(z.read(name))
PYEOF
  touch "$DATA/.complete"
fi
MATE="$TOOLS/mate-backgrounds"
if [ ! -f "$MATE/.complete" ]; then
  mkdir -p "$TOOLS/debs" "$MATE"
  ls "$TOOLS"/debs/mate-backgrounds_1.26.0-1_all.deb >/dev/null 2>&1 \
    || (cd "$TOOLS/debs" && apt-get download mate-backgrounds=1.26.0-1) >>"$LOG" 2>&1 \
    || fail "apt-get download mate-backgrounds=1.26.0-1"
  dpkg-deb -x "$TOOLS/debs/mate-backgrounds_1.26.0-1_all.deb" "$TOOLS/debs/x" >>"$LOG" 2>&1 \
    || fail "unpacking mate-backgrounds"
  find "$TOOLS/debs/x/usr/share/backgrounds/mate" -type f \( -name '*.jpg' -o -name '*.png' \) \
    -exec cp {} "$MATE/" \;
  rm -rf "$TOOLS/debs/x"
  touch "$MATE/.complete"
fi

EVAL="$TOOLS/image_match-eval"
if [ ! -f "$EVAL/.complete-v2" ]; then
  rm -rf "$EVAL"
  "$VENV/bin/python" "$ROOT/scripts/image_match_transforms.py" "$DATA" "$MATE" "$EVAL" >>"$LOG" 2>&1 \
    || fail "generating the evaluation set (scripts/image_match_transforms.py)"
  touch "$EVAL/.complete-v2"
fi
exit 0
