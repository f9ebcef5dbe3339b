#!/usr/bin/env bash
# video (issue 13): vPDQ hashing speed against Meta's pip `vpdq` on the same file, same
# sampling, same machine, one run each: a 60 s 720p H.264 clip (made here with FFmpeg's
# testsrc2 pattern) hashed at 1 frame per second. Prints both times and the ratio (target <= 0.7).
# Needs scripts/video-setup.sh and a release build with the `cli` feature.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${PREFLIGHT_TOOLS_DIR:-$ROOT/.tools}"
BIN="${PREFLIGHT_BIN:-$ROOT/target/release/preflight}"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
CLIP="$WORK/clip-720p-60s.mp4"
ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30:duration=60 \
  -c:v libx264 -pix_fmt yuv420p "$CLIP"
now() { python3 -c 'import time; print(time.perf_counter())'; }
t0=$(now); "$BIN" hash --fps 1 "$CLIP" >"$WORK/ours.txt"; t1=$(now)
"$TOOLS/video-venv/bin/python" - "$CLIP" >"$WORK/theirs.txt" <<'PY'
import sys, vpdq
for f in vpdq.computeHash(sys.argv[1], seconds_per_hash=1.0):
    print(f"{f.frame_number},{f.quality},{f.hex},{f.timestamp:.3f}")
PY
t2=$(now)
same=$(cmp -s "$WORK/ours.txt" "$WORK/theirs.txt" && echo identical || echo DIFFERENT)
python3 - "$t0" "$t1" "$t2" "$(wc -l <"$WORK/ours.txt")" "$same" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:4])
ours, theirs = t1 - t0, t2 - t1
print(f"vpdq 60 s 720p @1 fps: preflight {ours:.2f} s, pip vpdq {theirs:.2f} s, ratio {ours / theirs:.2f} "
      f"({sys.argv[4]} frames, output {sys.argv[5]})")
PY
