"""Writes the structure-aware seeds of the fuzz targets that have no Rust-side generator:
animated GIF/APNG/WebP, raw pixel buffers, vPDQ text and a text-model prefix. Deterministic
(fixed drawing, no randomness); run with the pinned Pillow of scripts/fetch-test-images.sh:
  .tools/venv/bin/python fuzz/make_seeds.py"""
import io
import os
import struct

from PIL import Image, ImageDraw

root = os.path.join(os.path.dirname(__file__), "corpus")


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frames(n, size=(24, 16)):
    out = []
    for i in range(n):
        im = Image.new("RGB", size, (250, 250, 250))
        d = ImageDraw.Draw(im)
        d.rectangle([i * 3, 2, i * 3 + 8, 12], fill=(40 * i % 255, 80, 160))
        out.append(im)
    return out


for fmt, name, extra in [
    ("GIF", "three-frames.gif", {"loop": 0, "disposal": 2}),
    ("PNG", "three-frames.apng", {"loop": 0}),
    ("WEBP", "three-frames-lossless.webp", {"loop": 0, "lossless": True}),
    ("WEBP", "three-frames-lossy.webp", {"loop": 0, "quality": 40}),
]:
    fr = frames(3)
    buf = io.BytesIO()
    fr[0].save(buf, fmt, save_all=True, append_images=fr[1:], duration=[100, 400, 1200], **extra)
    put("image_animation", name, buf.getvalue())

# Pixel buffers: header (width, height, stride as u16 LE, format index, EXIF orientation).
FORMATS = {"rgba": (0, 4), "bgra": (1, 4), "rgb": (2, 3), "gray": (3, 1), "nv12": (4, 0), "nv21": (5, 0)}
for name, (code, bpp) in FORMATS.items():
    w, h = 8, 6
    if bpp:
        stride = w * bpp + 4
        body = bytes((x * 7 + y * 13) & 255 for y in range(h) for x in range(stride))
    else:
        stride = w
        body = bytes((i * 5) & 255 for i in range(w * h + w * h // 2))
    for orient in (1, 6):
        put("pixels_convert", f"{name}-8x6-o{orient}.bin",
            struct.pack("<HHHBB", w, h, stride, code, orient) + body)

# vPDQ: frame_number,quality,pdq_hex,timestamp per line (Meta's format).
lines = []
for i in range(12):
    h = "".join("%02x" % ((i * 37 + j * 11) & 255) for j in range(32))
    lines.append(f"{i},{100 if i % 4 else 40},{h},{i * 0.5:.3f}")
put("video_vpdq_parse", "twelve-frames.vpdq.txt", ("\n".join(lines) + "\n").encode())

# Text model: the committed model's first 16 KiB (header and first weights; the fuzzer mutates).
model = os.path.join(os.path.dirname(__file__), "..", "models", "text-model.pftm")
with open(model, "rb") as f:
    put("text_model_load", "model-head-16k.bin", f.read(16384))
