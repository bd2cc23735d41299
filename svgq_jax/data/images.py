"""Canonical images: any logo file -> 256x256 RGB on white, and its content hash.

Rules (DESIGN.md): alpha is composited over white; the image is scaled to fit
256x256 keeping its aspect ratio and centred on a white canvas; an image that is
already 256x256 is left as it is. SVG files are rasterised with resvg first.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from svgq_jax.errors import InputError

CANVAS = 256
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
IMAGE_SUFFIXES = RASTER_SUFFIXES + (".svg",)
# Decoding more pixels than this is refused rather than risking memory exhaustion.
MAX_PIXELS = 100_000_000


def canonicalize(img: Image.Image) -> Image.Image:
    """Any PIL image -> 256x256 RGB on white (see module docstring)."""
    img = ImageOps.exif_transpose(img)
    rgba = img.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    if rgb.size == (CANVAS, CANVAS):
        return rgb
    w, h = rgb.size
    s = CANVAS / max(w, h)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    # reducing_gap keeps huge downscales fast without visible quality loss.
    resized = rgb.resize(size, Image.LANCZOS, reducing_gap=3.0)
    canvas = Image.new("RGB", (CANVAS, CANVAS), (255, 255, 255))
    canvas.paste(resized, ((CANVAS - size[0]) // 2, (CANVAS - size[1]) // 2))
    return canvas


def _render_svg(data: bytes) -> Image.Image:
    import resvg_py

    text = data.decode("utf-8", errors="replace")
    try:
        # Render once at native size for the aspect ratio, then at full resolution.
        native = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=text))))
        w, h = native.size
        if w >= h:
            png = resvg_py.svg_to_bytes(svg_string=text, width=CANVAS)
        else:
            png = resvg_py.svg_to_bytes(svg_string=text, height=CANVAS)
    except (ValueError, OSError) as e:
        raise InputError(f"unreadable SVG: {e}") from None
    return Image.open(io.BytesIO(bytes(png)))


def load_image(path: str | Path) -> Image.Image:
    """Open a PNG/JPEG/WebP/... or SVG file and return its canonical image.

    Raises InputError with a one-line reason for a missing, empty, corrupt or huge file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    return decode_image(data, name=str(path))


def decode_image(data: bytes, name: str = "image") -> Image.Image:
    """Bytes of an image file -> canonical image (InputError on anything unreadable)."""
    if not data:
        raise InputError(f"{name}: empty file")
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return canonicalize(_render_svg(data))
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            raise InputError(f"{name}: {img.width}x{img.height} is too large (over {MAX_PIXELS} pixels)")
        # JPEG can decode straight to a smaller size, which keeps huge photos cheap.
        img.draft("RGB", (CANVAS * 2, CANVAS * 2))
        img.load()
    except Image.DecompressionBombError:
        raise InputError(f"{name}: image is too large (over {MAX_PIXELS} pixels)") from None
    except UnidentifiedImageError:
        raise InputError(f"{name}: not a readable image (unknown format or corrupt data)") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise InputError(f"{name}: not a readable image ({e})") from None
    return canonicalize(img)


def png_bytes(img: Image.Image) -> bytes:
    """Deterministic PNG encoding (no metadata) of a canonical image."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def image_hash(img: Image.Image) -> str:
    """sha256 of the canonical pixels (not of the file), so re-encodings hash alike."""
    return image_hash_array(to_array(img))


def image_hash_array(arr: np.ndarray) -> str:
    """image_hash of a canonical uint8 [H, W, 3] array."""
    return hashlib.sha256(np.ascontiguousarray(arr, dtype=np.uint8).tobytes()).hexdigest()


def to_array(img: Image.Image) -> np.ndarray:
    """Canonical image -> uint8 [256, 256, 3]."""
    return np.asarray(img.convert("RGB"), dtype=np.uint8)
