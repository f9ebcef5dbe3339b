"""Writes the structure-aware seeds of the fuzz targets that have no Rust-side generator:
animated GIF/APNG/WebP, raw pixel buffers, vPDQ text, a text-model prefix, HEIC/AVIF stills
(Debian's heif-enc, scripts/image-decode-deps.sh), tiny video clips (Debian's ffmpeg,
scripts/video-setup.sh) and report-bundle inputs. Deterministic drawing, no randomness (the
encoders' output is fixed for a given Debian version); run with the pinned Pillow of
scripts/fetch-test-images.sh:
  .tools/venv/bin/python fuzz/make_seeds.py"""
import io
import os
import shutil
import struct
import subprocess
import tempfile

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


def need(tool, script):
    if shutil.which(tool) is None:
        raise SystemExit(f"make_seeds.py: {tool} is missing (run {script})")


def encode(args, out_name):
    """Runs an encoder writing `out_name` in a temp dir of drawn PNGs and returns its bytes."""
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out_name, "rb") as f:
        return f.read()


# HEIC (x265) and AVIF (aom) stills from drawn PNGs: colour, alpha, grey, odd size, 4:4:4.
need("heif-enc", "scripts/image-decode-deps.sh")
with tempfile.TemporaryDirectory() as tmp:
    rgb = os.path.join(tmp, "rgb.png")
    frames(1, (64, 48))[0].save(rgb)
    rgba = os.path.join(tmp, "rgba.png")
    im = frames(1, (32, 32))[0].convert("RGBA")
    im.putalpha(Image.linear_gradient("L").resize((32, 32)))
    im.save(rgba)
    grey = os.path.join(tmp, "grey.png")
    frames(1, (40, 24))[0].convert("L").save(grey)
    odd = os.path.join(tmp, "odd.png")
    frames(1, (17, 9))[0].save(odd)
    out = os.path.join(tmp, "out")
    for name, src, extra in [
        ("rgb-64x48.heic", rgb, []),
        ("rgba-32x32.heic", rgba, []),
        ("grey-40x24.heic", grey, []),
        ("odd-17x9.heic", odd, []),
        ("rgb-444-64x48.heic", rgb, ["-p", "chroma=444"]),
        ("rgb-64x48.avif", rgb, ["-A"]),
        ("rgba-32x32.avif", rgba, ["-A"]),
        ("odd-17x9.avif", odd, ["-A"]),
    ]:
        put("image_heif", name, encode(["heif-enc", "-q", "40", *extra, "-o", out, src], out))

# Video clips of six drawn 32x24 frames at 4 fps in the common containers and codecs.
need("ffmpeg", "scripts/video-setup.sh")
with tempfile.TemporaryDirectory() as tmp:
    for i, f in enumerate(frames(6, (32, 24))):
        f.save(os.path.join(tmp, f"f{i:02d}.png"))
    exact = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-threads", "1"]
    for name, codec in [
        ("h264.mp4", ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]),
        ("h264.mkv", ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p"]),
        ("hevc.mov", ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=none"]),
        ("vp9.webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-b:v", "50k"]),
        ("vp8.webm", ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "50k"]),
        ("mpeg4.avi", ["-c:v", "mpeg4", "-q:v", "8"]),
        ("mjpeg.avi", ["-c:v", "mjpeg", "-q:v", "8", "-pix_fmt", "yuvj420p"]),
        ("mpeg2.ts", ["-c:v", "mpeg2video", "-q:v", "8"]),
        ("av1.mp4", ["-c:v", "libaom-av1", "-cpu-used", "8", "-b:v", "50k"]),
    ]:
        out = os.path.join(tmp, name)
        args = ["ffmpeg", "-y", "-loglevel", "error", "-framerate", "4",
                "-i", os.path.join(tmp, "f%02d.png"), *codec, *exact, out]
        put("video_container", name, encode(args, out))

# Report bundles: [maxMessages byte] id U+001E state-document U+001E message (U+001E message)*.
RS = "\x1e"
chat = ["hey there", "<hi who is this", "ur so mature for ur age", "dont tell ur parents ok",
        "<why", "lets talk on another app", "<i want to die lol"]
with open(os.path.join(root, "state_import", "seed-v1-grooming.toml"), encoding="utf-8") as f:
    state = f.read()
for name, pick, parts in [
    ("scanned-chat.bin", 5, ["chat-1", "", *chat]),
    ("imported-state.bin", 0, ["ignored", state, *chat[:3]]),
    ("all-messages-max.bin", 255, ["c" * 40, "", *[f"m{i} {chat[i % len(chat)]}" for i in range(120)]]),
    ("hostile-id.bin", 254, ['"}\\\u0000\n' + "\u202e" * 8, "", "\u0000ctl\u001f", "<\ud7ff\U0001f600"]),
]:
    put("report_bundle", name, bytes([pick]) + RS.join(parts).encode("utf-8"))
