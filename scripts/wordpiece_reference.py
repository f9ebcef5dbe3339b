#!/usr/bin/env python3
"""Reference token ids for tests/it/text_model_wordpiece.rs: reads a JSON list of strings on
stdin and prints, as JSON, the ids PyPI `tokenizers` gives each one with the tokenizer.json
named on the command line (no special tokens, no padding, no truncation), with the byte offsets
of each token."""
import json
import sys

from tokenizers import Tokenizer

tok = Tokenizer.from_file(sys.argv[1])
# The file pads and truncates to 128 tokens (for the encoder); the tokenizer alone is compared.
tok.no_padding()
tok.no_truncation()
out = []
for s in json.load(sys.stdin):
    e = tok.encode(s, add_special_tokens=False)
    # Character offsets -> byte offsets of the original string.
    starts = [0]
    for c in s:
        starts.append(starts[-1] + len(c.encode("utf-8")))
    out.append({"ids": e.ids, "offsets": [[starts[a], starts[b]] for a, b in e.offsets]})
json.dump(out, sys.stdout)
