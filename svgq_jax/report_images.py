"""The report's pictures of one logo: the source beside the SVG, where they differ, as small inline images.

The SVG written is rendered with resvg at the size it was traced at, over white, exactly as its SSIM was
measured, and compared with the source over white pixel by pixel: |difference| is the largest of the three
channels' (0-255). From that come the difference map (max-pooled to at most DIFF_SIDE pixels, so a one-pixel
seam stays visible, on LEVELS square-root steps of RAMP) and the zoom window: the square of the image with
the largest summed difference, cropped from both images at their own pixels.

Every picture is a `data:` URI, PNG or lossless WebP whichever is smaller; the source's is reduced to COLOURS
colours first (a report of the 120 native logos must stay under a third of their files plus their SVGs). The
SVG itself is embedded as it was written (`svg_uri`), to be shown by an `<img>`, where it cannot run script.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from svgq_jax.core.images import Source, over_white
from svgq_jax.core.tracing import render

DISPLAY = 192  # the long side, in CSS pixels, of the source, the SVG and the difference map as shown
COLOURS = 32  # the palette of the source's picture (at most DISPLAY on its long side)
DIFF_SIDE = 96  # the long side of the difference map's pixels (each the largest difference under it)
WINDOW = (24, 48)  # the zoom window's side in traced pixels: an eighth of the long side, within these bounds
ZOOM_SHOW = 88  # CSS pixels of each zoomed crop
THUMB = 40  # the index's thumbnails fit in THUMB x THUMB CSS pixels
# the difference map's colours: level 0 is no difference, level L holds |difference| in (BOUNDS[L-1], BOUNDS[L]]
RAMP = ("#ffffff", "#fff3c4", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026", "#7a0177", "#2d004b")
LEVELS = len(RAMP) - 1
BOUNDS = tuple(round(255 * (k / LEVELS) ** 2) for k in range(LEVELS + 1))  # 0, 4, 16, 36, 64, 100, 143, 195, 255


@dataclass(frozen=True)
class Pictures:
    """One logo's pictures as data: URIs, and where the zoom window lies (in traced pixels)."""

    shown: tuple[int, int]  # (width, height) in CSS pixels of the source, the SVG and the difference map
    source: str
    source_pixelated: bool  # the source's picture is at most half the size it is shown at
    colours: int  # the source picture's palette
    svg: str
    diff: str
    window: tuple[int, int, int]  # x, y and side of the zoom window
    zoom_source: str
    zoom_svg: str
    max_diff: int  # the largest |difference| (0-255)
    share_over: float  # share of pixels whose |difference| is over BOUNDS[2]


def data_uri(img: Image.Image) -> str:
    """A picture as the smaller of a PNG and a lossless WebP, as a data: URI."""
    png, webp = io.BytesIO(), io.BytesIO()
    img.save(png, format="PNG", optimize=True)
    (img.convert("RGBA") if img.mode == "P" else img).save(webp, format="WEBP", lossless=True, quality=100, method=6)
    kind, data = min((("png", png.getvalue()), ("webp", webp.getvalue())), key=lambda kv: len(kv[1]))
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled (up or down) so that its long side is `side`."""
    s = side / max(size)
    return max(1, round(size[0] * s)), max(1, round(size[1] * s))


def over_white_pair(source: Source, svg: str) -> tuple[np.ndarray, np.ndarray]:
    """(source, SVG's render) as uint8 [H, W, 3] over white at the traced size, as the SSIM compares them
    (TraceFailure when resvg cannot render the SVG)."""
    rendered = over_white(Image.fromarray(render(svg, source.size, transparent=True)))
    return source.over_white(), np.asarray(rendered, dtype=np.uint8)


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """uint8 [H, W]: per pixel, the largest channel's |a - b|."""
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2).astype(np.uint8)


def levels(diff: np.ndarray) -> np.ndarray:
    """|difference| (0-255) -> its level on the ramp (0 = none; level L up to BOUNDS[L])."""
    return np.searchsorted(np.asarray(BOUNDS), diff, side="left").astype(np.uint8)


def pooled(diff: np.ndarray, side: int = DIFF_SIDE) -> np.ndarray:
    """`diff` reduced so that its long side is at most `side`, each pixel the largest under it."""
    f = int(np.ceil(max(diff.shape) / side))
    if f <= 1:
        return diff
    h, w = diff.shape
    padded = np.pad(diff, ((0, -h % f), (0, -w % f)))
    return padded.reshape(padded.shape[0] // f, f, padded.shape[1] // f, f).max(axis=(1, 3))


def ramp_image(diff: np.ndarray) -> Image.Image:
    """A difference as a palette image on RAMP."""
    img = Image.fromarray(levels(diff), "P")
    img.putpalette([int(c[i : i + 2], 16) for c in RAMP for i in (1, 3, 5)])
    return img


def window(diff: np.ndarray) -> tuple[int, int, int]:
    """(x, y, side): the square of `diff` with the largest summed difference (the first such, top left; the
    centre when nothing differs). Its side is an eighth of the long side within WINDOW, at most the short side."""
    h, w = diff.shape
    k = min(h, w, max(WINDOW[0], min(WINDOW[1], round(max(h, w) / 8))))
    if not diff.any():
        return (w - k) // 2, (h - k) // 2, k
    sums = np.zeros((h + 1, w + 1), np.int64)
    sums[1:, 1:] = diff.astype(np.int64).cumsum(0).cumsum(1)
    boxes = sums[k:, k:] - sums[:-k, k:] - sums[k:, :-k] + sums[:-k, :-k]
    y, x = np.unravel_index(int(np.argmax(boxes)), boxes.shape)
    return int(x), int(y), k


def source_picture(source: Source) -> tuple[str, bool, int]:
    """The source's picture (transparency kept, at most DISPLAY on its long side, at most COLOURS colours),
    whether it is shown at twice its pixels or more, and its colours."""
    img = source.image()
    if max(img.size) > DISPLAY:
        img = img.resize(fit(img.size, DISPLAY), Image.LANCZOS, reducing_gap=3.0)
    small = img.quantize(COLOURS, method=Image.Quantize.FASTOCTREE)
    return data_uri(small), 2 * max(img.size) <= DISPLAY, len(small.getcolors(COLOURS) or ())


def pictures(source: Source, svg: str) -> Pictures:
    """The pictures of a source and the SVG written for it (TraceFailure when the SVG does not render)."""
    ours, theirs = over_white_pair(source, svg)
    diff = difference(ours, theirs)
    x, y, k = window(diff)
    crop = (slice(y, y + k), slice(x, x + k))
    source_uri, pixelated, colours = source_picture(source)
    return Pictures(
        shown=fit(source.size, DISPLAY),
        source=source_uri,
        source_pixelated=pixelated,
        colours=colours,
        svg=svg_uri(svg),
        diff=data_uri(ramp_image(pooled(diff))),
        window=(x, y, k),
        zoom_source=data_uri(Image.fromarray(ours[crop])),
        zoom_svg=data_uri(Image.fromarray(theirs[crop])),
        max_diff=int(diff.max()),
        share_over=float(np.mean(diff > BOUNDS[2])),
    )
