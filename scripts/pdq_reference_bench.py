#!/usr/bin/env python3
"""Times Meta's C++ PDQ (pip `pdqhash`, a Cython wrapper around pdqhashing.cpp) the way the
reference tool `pdq-photo-hasher` runs, for benches/pdq.rs to report ratios in the same run.

hash_only: luma + Jarosz + DCT on the 512x512 nearest-neighbour resize of the decoded bridge
           (what the reference tool times as "hash").
end_to_end: Pillow decode (libjpeg-turbo) of the 12 MP photo at full size, the 512x512
           nearest-neighbour resize, then the hash (the reference tool's pipeline).
Prints one JSON object: best-of-N milliseconds and the bridge hash (checked against ours).
"""
import json, sys, time
import numpy as np
import pdqhash
from PIL import Image

def nn512(rgb):
    h, w = rgb.shape[:2]
    if h <= 512 and w <= 512:
        return rgb
    ys = (np.arange(512) * h) // 512  # CImg's nearest-neighbour rule: floor(x * W / S)
    xs = (np.arange(512) * w) // 512
    return np.ascontiguousarray(rgb[ys][:, xs])

def best(f, n):
    out = None
    t = float("inf")
    for _ in range(n):
        s = time.perf_counter()
        out = f()
        t = min(t, time.perf_counter() - s)
    return t * 1000.0, out

def to_hex(bits):
    # pdqhash returns the bits most significant first, in the order of Meta's hex form.
    return "%064x" % int("".join(str(int(b)) for b in bits), 2)

bridge_path, photo_path = sys.argv[1], sys.argv[2]
iters = int(sys.argv[3]) if len(sys.argv) > 3 else 20
bridge = nn512(np.asarray(Image.open(bridge_path).convert("RGB")))
hash_ms, (bits, quality) = best(lambda: pdqhash.compute(bridge), iters)

def e2e():
    img = np.asarray(Image.open(photo_path).convert("RGB"))
    return pdqhash.compute(nn512(img))

e2e_ms, _ = best(e2e, max(3, iters // 4))
print(json.dumps({"hash_only_ms": hash_ms, "end_to_end_ms": e2e_ms,
                  "bridge_hash": to_hex(bits), "bridge_quality": int(quality)}))
