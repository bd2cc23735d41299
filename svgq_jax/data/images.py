"""Canonical images: any logo file -> 256x256 RGB on white, and its content hash.

Rules (DESIGN.md): alpha is composited over white; the image is scaled to fit
256x256 keeping its aspect ratio and centred on a white canvas; an image that is
already 256x256 is left as it is. SVG files are rasterised with resvg first, in a
sandbox (`svgrender`), at their own size up to the canvas.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from svgq_jax.data import svgrender
from svgq_jax.errors import InputError
from svgq_jax.files import read_bytes

CANVAS = 256
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
IMAGE_SUFFIXES = RASTER_SUFFIXES + (".svg",)
# Decoding more pixels than this is refused, by the header, before decoding: decoding and capping
# a source peaks at about 17 bytes a pixel (measured: 1.66 GB for 10000x10000, 0.65 GB for
# 6000x6000), so 40 MP stays under what a command's model and a 2048-px image's statistics take
# anyway, and a whole command under 2 GB (README, "What the tool refuses").
MAX_PIXELS = 40_000_000
# An image file larger than this is refused before it is read.
MAX_FILE_BYTES = 256 << 20
# What an image file may be: Pillow also opens formats that run external programs (EPS) or that
# nobody hands over as a logo.
RASTER_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")  # JPEG includes MPO
# Pixel modes that convert to RGBA as they are; 16-bit and float greys are rescaled (`_eight_bit`).
DIRECT_MODES = {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr"}


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


def _eight_bit(img: Image.Image, name: str) -> Image.Image:
    """A decoded image in a mode that converts to RGBA faithfully: Pillow would clip a 16-bit grey to
    almost white and a float one to black, so those are rescaled to 8 bits here; 32-bit integer,
    CIELAB and other modes are refused rather than guessed."""
    if img.mode in DIRECT_MODES:
        return img
    img = ImageOps.exif_transpose(img)  # the rescaled copy keeps no EXIF orientation of its own
    if img.mode.startswith("I;16"):
        grey = (np.asarray(img).astype(np.uint32) + 128) // 257
        return Image.fromarray(grey.astype(np.uint8), "L")
    if img.mode == "F":
        grey = np.asarray(img, dtype=np.float32)
        if np.isfinite(grey).all() and grey.min() >= 0 and grey.max() <= 1:
            return Image.fromarray(np.round(grey * 255).astype(np.uint8), "L")
        raise InputError(f"{name}: floating-point pixels outside [0, 1]; save it as an 8- or 16-bit image")
    raise InputError(f"{name}: pixel mode {img.mode} is not supported; save it as 8- or 16-bit RGB(A) or grey")


def load_image(path: str | Path) -> Image.Image:
    """Open a PNG/JPEG/WebP/... or SVG file and return its canonical image.

    Raises InputError with a one-line reason for a missing, empty, corrupt or huge file.
    """
    data = read_bytes(path, MAX_FILE_BYTES)
    return decode_image(data, name=str(path))


def decode_image(data: bytes, name: str = "image") -> Image.Image:
    """Bytes of an image file -> canonical image (InputError on anything unreadable)."""
    if not data:
        raise InputError(f"{name}: empty file")
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return canonicalize(svgrender.render(data, CANVAS, MAX_PIXELS, name))
    try:
        with warnings.catch_warnings():  # Pillow's own size warning: the size is checked here, below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=RASTER_FORMATS)
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
    return canonicalize(_eight_bit(img, name))


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
