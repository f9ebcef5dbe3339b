#!/usr/bin/env python3
"""Builds the resharing evaluation set of tests/it/image_match_resharing.rs from registry images.

Usage: image_match_transforms.py SKIMAGE_DATA_DIR MATE_BACKGROUNDS_DIR OUT_DIR

OUT_DIR/listed/<transform>/<name>.<ext>    30 photos (17 from scikit-image's wheel, 13 from
                                           Debian's mate-backgrounds) and what resharing does.
                                           clock_motion.png is not listed: its PDQ quality is 34,
                                           below the 50 Meta's guidance lists or matches at.
OUT_DIR/unlisted/<transform>/<name>.<ext>  other images (never put on a list) and the same
OUT_DIR/reference.tsv                      path, imagehash.phash, imagehash.dhash (imagehash
                                           4.3.2 on the file as Pillow opens it)

Every transform is deterministic (seeded by the image name). Nothing here is committed.
"""
import hashlib
import io
import os
import random
import sys

import imagehash
from PIL import Image, ImageDraw, ImageFont

SKIMAGE_LISTED = [
    "astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png",
    "coffee.png", "coins.png", "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png",
    "moon.png", "motorcycle_left.png", "page.png", "retina.jpg", "rocket.jpg", "text.png",
]
MATE_LISTED = [
    "Aqua.jpg", "Blinds.jpg", "Dune.jpg", "FreshFlower.jpg", "Garden.jpg", "GreenMeadow.jpg",
    "LadyBird.jpg", "RainDrops.jpg", "Storm.jpg", "TwoWings.jpg", "Wood.jpg", "YellowFlower.jpg",
    "Elephants.jpg",
]
SKIMAGE_UNLISTED = [
    "motorcycle_right.png", "clock_motion.png", "horse.png", "phantom.png", "logo.png", "color.png",
    "chessboard_RGB.png", "microaneurysms.png",
]
MATE_UNLISTED = [
    "Flow.png", "Gulp.png", "Silk.png", "Spring.png", "Waves.png",
    "GreenTraditional.jpg", "Stripes.png", "Float-into-MATE.png", "MATE-Stripes-Dark.png",
    "Ubuntu-Mate-Cold-no-logo.png", "Ubuntu-Mate-Warm-no-logo.png",
    "Arc-Colors-Transparent-Wallpaper.png",
]


def rng_for(name, what):
    seed = int.from_bytes(hashlib.sha256(f"{name}/{what}".encode()).digest()[:8], "big")
    return random.Random(seed)


def rgb(im):
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, im).convert("RGB")
    return im.convert("RGB")


def jpeg(im, q=90):
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=q)
    return buf.getvalue(), "jpg"


def crop(im, frac, rng):
    w, h = im.size
    cw, ch = int(round(w * frac)), int(round(h * frac))
    left = rng.randint(0, cw)
    top = rng.randint(0, ch)
    return im.crop((left, top, w - (cw - left), h - (ch - top)))


def font(size):
    try:
        return ImageFont.load_default(size=max(10, size))
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def caption(im, rng):
    w, h = im.size
    band = max(40, h // 6)
    out = Image.new("RGB", (w, h + band), (255, 255, 255))
    out.paste(im, (0, band))
    words = ["when", "the", "weekend", "finally", "arrives", "me", "every", "monday", "lol"]
    text = " ".join(rng.choice(words) for _ in range(4)).upper()
    d = ImageDraw.Draw(out)
    f = font(int(band * 0.45))
    tw = d.textlength(text, font=f)
    d.text(((w - tw) / 2, band * 0.25), text, fill=(0, 0, 0), font=f)
    return out


def screenshot(im, rng):
    W, H = 1080, 2340
    out = Image.new("RGB", (W, H), (0, 0, 0))
    d = ImageDraw.Draw(out)
    # Status bar, app bar, bottom bar: what a messenger's image viewer draws around a photo.
    d.rectangle((0, 0, W, 90), fill=(18, 18, 18))
    d.text((40, 22), "12:05", fill=(235, 235, 235), font=font(40))
    for i in range(3):
        d.rectangle((W - 60 - i * 55, 30, W - 25 - i * 55, 62), fill=(235, 235, 235))
    d.rectangle((0, 90, W, 250), fill=(32, 32, 32))
    d.polygon([(50, 170), (85, 135), (85, 205)], fill=(240, 240, 240))
    d.text((130, 140), rng.choice(["Alex", "Sam", "Mum", "Group chat"]), fill=(240, 240, 240),
            font=font(48))
    d.rectangle((0, H - 230, W, H), fill=(32, 32, 32))
    for i in range(4):
        cx = 135 + i * 270
        d.ellipse((cx - 40, H - 175, cx + 40, H - 95), outline=(230, 230, 230), width=6)
    w, h = im.size
    scale = min(W / w, (H - 480) / h)
    nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    out.paste(im.resize((nw, nh), Image.LANCZOS), ((W - nw) // 2, 250 + (H - 480 - nh) // 2))
    return out


def truncated(raw, ext, index):
    if index % 2 == 0:
        return raw[:-2] if ext == "jpg" else raw[:-12]  # the EOI marker / the IEND chunk
    return raw[: int(len(raw) * 0.97)]  # cut inside the entropy-coded data / IDAT


def transforms(name, raw, ext, index):
    im = rgb(Image.open(io.BytesIO(raw)))
    w, h = im.size
    r = lambda what: rng_for(name, what)
    yield "original", raw, ext
    yield "resize", *jpeg(im.resize((max(1, w // 2), max(1, h // 2)), Image.LANCZOS), 85)
    yield "recompress", *jpeg(im, 50)
    buf = io.BytesIO()
    im.save(buf, "WEBP", quality=75)
    yield "webp", buf.getvalue(), "webp"
    yield "greyscale", *jpeg(im.convert("L"))
    yield "rotate90", *jpeg(im.transpose(Image.ROTATE_90))
    yield "mirror", *jpeg(im.transpose(Image.FLIP_LEFT_RIGHT))
    border = Image.new("RGB", (w + 80, h + 80), (255, 255, 255))
    border.paste(im, (40, 40))
    yield "border", *jpeg(border)
    shot = screenshot(im, r("screenshot"))
    if index % 2 == 0:
        buf = io.BytesIO()
        shot.save(buf, "PNG")
        yield "screenshot", buf.getvalue(), "png"
    else:
        yield "screenshot", *jpeg(shot, 85)
    yield "crop5", *jpeg(crop(im, 0.05, r("crop5")))
    yield "crop10", *jpeg(crop(im, 0.10, r("crop10")))
    yield "caption", *jpeg(caption(im, r("caption")))
    yield "rotate3", *jpeg(im.rotate(3, resample=Image.BICUBIC, expand=True,
                                      fillcolor=(255, 255, 255)))
    yield "truncated", truncated(raw, ext, index), ext


def main():
    skimage, mate, out = sys.argv[1:4]
    sources = [("listed", os.path.join(skimage, n)) for n in SKIMAGE_LISTED]
    sources += [("listed", os.path.join(mate, n)) for n in MATE_LISTED]
    sources += [("unlisted", os.path.join(skimage, n)) for n in SKIMAGE_UNLISTED]
    sources += [("unlisted", os.path.join(mate, n)) for n in MATE_UNLISTED]
    ref = []
    for index, (group, path) in enumerate(sources):
        name, ext = os.path.splitext(os.path.basename(path))
        ext = ext.lstrip(".")
        with open(path, "rb") as f:
            raw = f.read()
        for what, data, e in transforms(name, raw, ext, index):
            d = os.path.join(out, group, what)
            os.makedirs(d, exist_ok=True)
            p = os.path.join(d, f"{name}.{e}")
            with open(p, "wb") as f:
                f.write(data)
            if what != "truncated":
                im = Image.open(p)
                ref.append((os.path.relpath(p, out), str(imagehash.phash(im)),
                            str(imagehash.dhash(im))))
    with open(os.path.join(out, "reference.tsv"), "w") as f:
        f.write("path\tphash\tdhash\n")
        for row in ref:
            f.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
