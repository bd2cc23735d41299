"""A user's SVG file -> pixels, sandboxed: nothing outside the file is read, time and memory are bounded.

Left alone, resvg loads any file an SVG names (`<image href="/abs/path.png">`, or a
path relative to the working directory), and a few hundred bytes of SVG can ask it
for gigabytes (a 20000x20000 canvas, a pattern scaled 5000 times) or for minutes
(feMorphology or feTurbulence on a large canvas). So, before rendering:

- the XML is parsed (expat: external entities are never fetched, entity expansion
  is capped) and every `href` must point inside the document (`#id`) or be an
  embedded raster image (`data:image/png;base64,...`, JPEG, GIF, WebP); any other
  reference (a path, a URL, an embedded SVG document) refuses the file;
- the declared size (`width`/`height`, percentages of the `viewBox`, else the
  `viewBox`) must be at most `max_pixels`; a larger long side than `max_side` is
  rendered straight at `max_side`;

then resvg runs in a child process (`svgrender_child.py`, `python -I -S`) with an
address-space limit (RENDER_MEMORY) and a CPU-time limit (RENDER_SECONDS, or
$SVGQ_SVG_SECONDS), in an empty temporary directory that is also its resources
directory. Any failure is the file's one-line InputError. resvg still reads the
system's installed fonts to draw `<text>`: fixed files, which an SVG can choose
among by family name only.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from svgq_jax.core.errors import InputError

RENDER_MEMORY = 1 << 30  # bytes of address space for the renderer
RENDER_SECONDS = 10  # CPU seconds per render; a logo takes well under one
MAX_DEPTH = 256  # element nesting
EMBEDDED_IMAGES = ("data:image/png", "data:image/jpeg", "data:image/jpg", "data:image/gif", "data:image/webp")
# CSS absolute units in px, as resvg converts them
UNITS = {"": 1.0, "px": 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "pt": 4 / 3, "pc": 16.0}
_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(px|in|cm|mm|pt|pc|%)?\s*")
_CHILD = Path(__file__).with_name("svgrender_child.py")


def render(data: bytes, max_side: int, max_pixels: int, name: str):
    """The SVG in `data` as a PIL image at its own size (the long side capped at `max_side`), on a
    transparent background; InputError for anything unreadable, unsafe or too large."""
    text = data.decode("utf-8-sig", errors="replace")  # a byte-order mark is no part of the XML
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise InputError(f"{name}: unreadable SVG ({e})") from None
    check_references(root, name)
    size = declared_size(root)
    if size and size[0] * size[1] > max_pixels:
        raise InputError(f"{name}: the SVG declares {size[0]:g}x{size[1]:g}, over {max_pixels} pixels")
    if size and max(size) > max_side:
        return _run(text, _long_side(size, max_side), max_pixels, name)
    img = _run(text, (0, 0), max_pixels, name)  # its own size, which resvg may measure from the drawing
    return _run(text, _long_side(img.size, max_side), max_pixels, name) if max(img.size) > max_side else img


def check_references(root: ET.Element, name: str) -> None:
    """InputError for an `href` (any namespace) that points outside the document, or for elements nested
    deeper than MAX_DEPTH (resvg recurses through them and would overflow its stack)."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"{name}: unreadable SVG (elements nested over {MAX_DEPTH} deep)")
        for key, value in element.attrib.items():
            if key.rpartition("}")[2] == "href" and not _inside(value.strip()):
                shown = value if len(value) <= 60 else value[:57] + "..."
                raise InputError(f"{name}: the SVG refers to {shown!r}; nothing outside the file is read")
        stack.extend((child, depth + 1) for child in element)


def _inside(ref: str) -> bool:
    return ref.startswith("#") or ref.lower().startswith(EMBEDDED_IMAGES)


def declared_size(root: ET.Element) -> tuple[float, float] | None:
    """(width, height) in px as resvg sizes the canvas, or None where the file leaves it to the drawing
    (percentages without a viewBox) or uses units resvg resolves itself (em, ex)."""
    view = _view_box(root.get("viewBox"))
    size = []
    for attr, extent in (("width", 2), ("height", 3)):
        match = _LENGTH.fullmatch(root.get(attr, "100%"))
        if match is None:
            return None
        number, unit = float(match[1]), match[2] or ""
        if unit == "%":
            if view is None:
                return None
            size.append(number / 100 * view[extent])
        else:
            size.append(number * UNITS[unit])
    return (size[0], size[1]) if min(size) > 0 else None


def _view_box(value: str | None) -> list[float] | None:
    try:
        box = [float(v) for v in (value or "").replace(",", " ").split()]
    except ValueError:
        return None
    return box if len(box) == 4 and box[2] > 0 and box[3] > 0 else None


def _long_side(size, max_side: int) -> tuple[int, int]:
    """(width, height) arguments that render the long side at `max_side`, the other side to scale."""
    return (max_side, 0) if size[0] >= size[1] else (0, max_side)


def render_seconds() -> int:
    return int(os.environ.get("SVGQ_SVG_SECONDS", RENDER_SECONDS))


def _run(text: str, size: tuple[int, int], max_pixels: int, name: str):
    """resvg in the sandboxed child at (width, height) (0: the SVG's own) -> a loaded PIL image."""
    from PIL import Image

    seconds = render_seconds()
    resvg_dir = str(Path(importlib.util.find_spec("resvg_py").origin).parent.parent)
    args = [resvg_dir, *map(str, size), str(RENDER_MEMORY), str(seconds)]
    with tempfile.TemporaryDirectory(prefix="svgq-svg-") as empty:
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-S", str(_CHILD), *args],
                input=text.encode(),
                capture_output=True,
                cwd=empty,
                env={},
                timeout=2 * seconds + 5,  # wall clock, for a child starved of CPU
            )
        except subprocess.TimeoutExpired:
            raise InputError(f"{name}: the SVG took more than {seconds} s to render") from None
    if done.returncode != 0:
        raise InputError(f"{name}: {_failure(done, seconds)}")
    img = Image.open(io.BytesIO(done.stdout), formats=["PNG"])
    if img.width * img.height > max_pixels:
        raise InputError(f"{name}: the SVG renders at {img.width}x{img.height}, over {max_pixels} pixels")
    img.load()
    return img


def _failure(done: subprocess.CompletedProcess, seconds: int) -> str:
    import signal

    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"the SVG took more than {seconds} s to render"
    if done.returncode == 3:
        return f"unreadable SVG ({done.stderr.decode(errors='replace').strip()})"
    if done.returncode == -signal.SIGABRT:  # how the allocator answers a refusal of the address-space limit
        return f"the SVG needs more than {RENDER_MEMORY >> 20} MiB to render"
    return f"the SVG crashed the renderer (exit {done.returncode})"
