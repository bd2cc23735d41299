"""Logo images: the user's source as it is, and its canonical 256-px view.

A file decodes to a `Source`: its RGBA pixels at its own size and aspect ratio
(the long side capped by `max_side`), with its transparency. The source is what
is traced and scored at native size, and what `optimize` hands back an SVG of.

Its canonical view (DESIGN.md) is what the image features are computed from:
alpha is composited over white; the image is scaled to fit 256x256 keeping its
aspect ratio and centred on a white canvas; an image that is already 256x256 is
left as it is. SVG files are rasterised with resvg first, in a sandbox (`svgrender`), at
their own size.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from svgq_jax.core import svgrender
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import read_bytes

CANVAS = 256
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
IMAGE_SUFFIXES = RASTER_SUFFIXES + (".svg",)
# Decoding more pixels than this is refused, by the header, before decoding: decoding and capping
# a source peaks at about 17 bytes a pixel (measured: 1.66 GB for 10000x10000, 0.65 GB for
# 6000x6000), so 40 MP stays under what a command's model and a 2048-px image's statistics take
# anyway, and a whole command under 2 GB (README, "What the tool refuses").
MAX_PIXELS = 40_000_000
# A JPEG of more scans than this is refused before decoding (`_check_scans`).
MAX_JPEG_SCANS = 100
# An image file larger than this is refused before it is read.
MAX_FILE_BYTES = 256 << 20
# What an image file may be: Pillow also opens formats that run external programs (EPS) or that
# nobody hands over as a logo.
RASTER_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")  # JPEG includes MPO
# Pixel modes that convert to RGBA as they are; 16-bit and float greys are rescaled (`_eight_bit`).
DIRECT_MODES = {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr"}
# The long side a source is traced at, at most; a larger image is downscaled to it (--max-side).
MAX_SIDE = 2048
# The smallest --max-side: a source traced smaller says little about its own size.
MIN_MAX_SIDE = 16
# The largest: a command's peak memory grows with the pixels it traces and scores (predict on a 6000x6000 PNG:
# 1.2 GB at 2048, 1.7 GB at 2560, 2.3 GB at 3072; README, "What the tool refuses").
MAX_MAX_SIDE = 2048
# The SSIM window is 11 px: a source must be at least that on each side to be scored at its size.
MIN_SIDE = 11
# zlib level of the PNG handed to VTracer: on real logos of 384-1024 px, level 1 encodes in 10 ms against 16 ms
# at level 6 and VTracer decodes it faster too (33 against 37 ms per trace); level 0 doubles the trace time.
TRACE_PNG_LEVEL = 1
# VTracer keys the transparent pixels of an RGBA image with the first of these colours that no pixel holds
# (transparent pixels count too), and with a random colour when every one is there, so its SVG then changes from
# call to call (a real wordmark's thumbnail at colour precision 2: 14 sizes, 24 KB to 5 MB, in 20 calls).
# Downscaled logos can hold all six (unpremultiplied edge pixels saturate): 8 of the default data's 500 thumbnails,
# 3 of the 120 real native logos' (ACCURACY.md section 18).
VTRACER_KEY_COLOURS = (0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00, 0x00FFFF, 0xFF00FF)


def check_max_side(value: int) -> int:
    """A --max-side as given (InputError when it is out of range)."""
    if not MIN_MAX_SIDE <= value <= MAX_MAX_SIDE:
        raise InputError(f"--max-side must be at least {MIN_MAX_SIDE} and at most {MAX_MAX_SIDE}, got {value}")
    return value


def canonicalize(img: Image.Image) -> Image.Image:
    """Any PIL image -> 256x256 RGB on white (see module docstring)."""
    rgb = over_white(ImageOps.exif_transpose(img))
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


@dataclass(frozen=True, eq=False)
class Source:
    """A logo as its file holds it: RGBA pixels at its own size (long side capped), its transparency."""

    rgba: np.ndarray  # uint8 [H, W, 4]
    has_alpha: bool  # some pixel is not fully opaque
    original_size: tuple[int, int]  # (width, height) before the cap

    @classmethod
    def of(
        cls, img: Image.Image, max_side: int = MAX_SIDE, name: str = "image", stored: tuple[int, int] | None = None
    ) -> Source:
        """InputError for an image too small to score or with nothing visible to trace. `stored`: the size the file
        declares, where `img` was decoded smaller (JPEG's draft mode); the image's size is that, not the decode's."""
        upright = ImageOps.exif_transpose(img)
        original = upright.size
        if stored is not None:
            original = stored[::-1] if upright.size != img.size else stored  # EXIF turned it a quarter
        if min(original) < MIN_SIDE:
            raise InputError(f"{name}: {original[0]}x{original[1]} is too small (at least {MIN_SIDE} px on each side)")
        rgba = upright.convert("RGBA")
        size = traced_size(original, max_side)
        if rgba.size != size:
            rgba = rgba.resize(size, Image.LANCZOS, reducing_gap=3.0)
        a = np.asarray(rgba, dtype=np.uint8)
        if not a[..., 3].any():
            raise InputError(f"{name}: fully transparent, nothing to trace")
        if min(a.shape[:2]) < MIN_SIDE:
            raise InputError(
                f"{name}: {original[0]}x{original[1]} becomes {a.shape[1]}x{a.shape[0]} at --max-side {max_side}, "
                f"under {MIN_SIDE} px on a side"
            )
        return cls(a, bool((a[..., 3] < 255).any()), original)

    @classmethod
    def of_rgb(cls, rgb: np.ndarray) -> Source:
        """An opaque uint8 [H, W, 3] image (e.g. a canonical view) as a source."""
        a = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)
        return cls(a, False, (rgb.shape[1], rgb.shape[0]))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) traced."""
        return self.rgba.shape[1], self.rgba.shape[0]

    @cached_property
    def digest(self) -> str:
        """`source_hash`: hashed once (3 ms for a 1024x1024 logo; `optimize` keys three caches by it)."""
        h = hashlib.sha256(f"{self.size[0]}x{self.size[1]}".encode())
        h.update(np.ascontiguousarray(self.rgba).tobytes())
        return h.hexdigest()

    @property
    def downscaled(self) -> bool:
        return self.size != self.original_size

    @property
    def alpha(self) -> np.ndarray:
        return self.rgba[..., 3]

    def image(self) -> Image.Image:
        return Image.fromarray(self.rgba, "RGBA")

    def over_white(self) -> np.ndarray:
        """uint8 [H, W, 3]: the source composited over white, as its native label sees it."""
        if not self.has_alpha:
            return np.ascontiguousarray(self.rgba[..., :3])
        return to_array(over_white(self.image()))

    def png(self, compress_level: int = 6) -> bytes:
        """What VTracer traces: RGBA when the source has transparency, else RGB. The dataset stores it
        at level 6; a trace's own input uses TRACE_PNG_LEVEL (the pixels, and so the SVG, are the same)."""
        return png_bytes(self.image() if self.has_alpha else Image.fromarray(self.over_white()), compress_level)

    def trace_png(self) -> bytes:
        """The PNG VTracer traces: `png` at TRACE_PNG_LEVEL, with VTracer's transparency key fixed (`fixed_key`)."""
        if not self.has_alpha:
            return self.png(TRACE_PNG_LEVEL)
        return png_bytes(Image.fromarray(fixed_key(self.rgba), "RGBA"), TRACE_PNG_LEVEL)

    def canonical(self) -> Image.Image:
        return canonicalize(self.image())

    def thumbnail(self, side: int = CANVAS) -> Source:
        """The source fit in side x side, its aspect ratio and transparency kept (no padding): what the
        image statistics read. A canonical 256x256 image is its own thumbnail."""
        if max(self.size) <= side:
            return self
        s = side / max(self.size)
        size = (max(MIN_SIDE, round(self.size[0] * s)), max(MIN_SIDE, round(self.size[1] * s)))
        small = np.asarray(self.image().resize(size, Image.LANCZOS, reducing_gap=3.0), dtype=np.uint8)
        return Source(small, self.has_alpha, self.original_size)


def traced_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """(width, height) an image of `size` is traced at: its own, or scaled so that its long side is `max_side`."""
    if max(size) <= max_side:
        return size
    s = max_side / max(size)
    return max(1, round(size[0] * s)), max(1, round(size[1] * s))


def fixed_key(rgba: np.ndarray) -> np.ndarray:
    """`rgba`, or, when it holds every one of VTracer's key colours, a copy where the least used of them moves by
    one level (255 to 254 in its first full channel): VTracer then keys with that colour, on every call."""
    packed = (rgba[..., 0].astype(np.uint32) << 16) | (rgba[..., 1].astype(np.uint32) << 8) | rgba[..., 2]
    counts = [np.count_nonzero(packed == key) for key in VTRACER_KEY_COLOURS]
    if min(counts) == 0:
        return rgba
    key = VTRACER_KEY_COLOURS[int(np.argmin(counts))]
    channel = next(c for c in range(3) if (key >> (16 - 8 * c)) & 0xFF == 0xFF)
    out = rgba.copy()
    out[..., channel][packed == key] = 254
    return out


def over_white(img: Image.Image) -> Image.Image:
    """Any PIL image composited over white, as RGB."""
    rgba = img.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")


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


def load_source(path: str | Path, max_side: int = MAX_SIDE) -> Source:
    """Open a PNG/JPEG/WebP/... or SVG file as a `Source`.

    Raises InputError with a one-line reason for a missing, empty, corrupt or huge file.
    """
    data = read_bytes(path, MAX_FILE_BYTES)
    return decode_source(data, name=str(path), max_side=max_side)


def is_svg(data: bytes) -> bool:
    """Whether a file's bytes are SVG (by its first 512 bytes), whatever it is called."""
    head = data[:512].lstrip().lower()
    return head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head


def decode_source(data: bytes, name: str = "image", max_side: int = MAX_SIDE) -> Source:
    """Bytes of an image file -> Source (InputError on anything unreadable)."""
    if not data:
        raise InputError(f"{name}: empty file")
    if is_svg(data):
        return Source.of(svgrender.render(data, max_side, MAX_PIXELS, name), max_side, name)
    try:
        with warnings.catch_warnings():  # Pillow's own size warning: the size is checked here, below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=RASTER_FORMATS)
        stored = img.size
        if img.width * img.height > MAX_PIXELS:
            raise InputError(f"{name}: {img.width}x{img.height} is too large (over {MAX_PIXELS} pixels)")
        if img.format in ("JPEG", "MPO"):
            _check_scans(data, name)
        # JPEG can decode straight to a smaller size (never below max_side), which keeps huge photos cheap; the
        # image's size stays the one its file declares (`stored`).
        img.draft("RGB", traced_size(stored, max_side))
        img.load()
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(f"{name}: image is too large (over {MAX_PIXELS} pixels)") from None
    except UnidentifiedImageError:
        raise InputError(f"{name}: not a readable image (unknown format or corrupt data)") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise InputError(f"{name}: not a readable image ({e})") from None
    return Source.of(_eight_bit(img, name), max_side, name, stored)


def _check_scans(data: bytes, name: str) -> None:
    """InputError for a JPEG of more scans than MAX_JPEG_SCANS. Each scan of a progressive JPEG is a pass over all
    its pixels, whatever it holds: 300,000 empty scans of a small image keep the decoder busy for hours. An SOS marker
    cannot occur inside a scan's data (a 0xFF there is followed by 0 or a restart marker), so counting the marker
    counts the scans, and at most a few more (an EXIF thumbnail's)."""
    scans = data.count(b"\xff\xda")
    if scans > MAX_JPEG_SCANS:
        raise InputError(f"{name}: a JPEG of {scans} scans (at most {MAX_JPEG_SCANS}; a progressive JPEG has about 10)")


def load_image(path: str | Path) -> Image.Image:
    """The canonical view of an image file (see `load_source`)."""
    return load_source(path).canonical()


def decode_image(data: bytes, name: str = "image") -> Image.Image:
    """The canonical view of an image file's bytes (see `decode_source`)."""
    return decode_source(data, name).canonical()


def png_bytes(img: Image.Image, compress_level: int = 6) -> bytes:
    """Deterministic PNG encoding (no metadata) of a canonical image."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=compress_level)
    return buf.getvalue()


def image_hash(img: Image.Image) -> str:
    """sha256 of the canonical pixels (not of the file), so re-encodings hash alike."""
    return image_hash_array(to_array(img))


def source_hash(source: Source) -> str:
    """sha256 of a source's size and RGBA pixels: the same picture at two sizes is two images."""
    return source.digest


def image_hash_array(arr: np.ndarray) -> str:
    """image_hash of a canonical uint8 [H, W, 3] array."""
    return hashlib.sha256(np.ascontiguousarray(arr, dtype=np.uint8).tobytes()).hexdigest()


def to_array(img: Image.Image) -> np.ndarray:
    """RGB image (e.g. canonical) -> uint8 [H, W, 3]."""
    return np.asarray(img.convert("RGB"), dtype=np.uint8)
