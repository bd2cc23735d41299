"""One label: VTracer(params) -> SVG -> resvg render -> SSIM against the image it traced.

A `Target` is what one image is traced and scored against: a canonical 256-px view,
or a user's source at its own size with its transparency. The render is made at the
target's size; for a transparent source it is rendered on a transparent background,
composited over white for the SSIM (DESIGN.md, "Native size"), and its alpha is
compared with the source's.

A trace or render that fails raises `TraceFailure` with its reason; callers record
it as a failure and never as a zero label. Hangs are bounded by the worker pool
(`svgq_jax.data.pool`), which kills a worker that overruns its time limit.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

from svgq_jax.core import params as param_space
from svgq_jax.core.images import TRACE_PNG_LEVEL, Source, over_white, png_bytes
from svgq_jax.core.ssim import Reference, ssim_to


class TraceFailure(Exception):
    """A parameter set that VTracer or resvg could not turn into a usable render."""


@dataclass(frozen=True)
class Label:
    ssim: float
    trace_seconds: float
    svg_bytes: int
    # With a transparent source: mean |alpha of the render - alpha of the source| / 255, and the
    # share of the source's fully transparent pixels that stay under half opacity in the render.
    alpha_mad: float | None = None
    transparent_kept: float | None = None
    # A written file (`svgq_jax.core.written`): its gzip bytes and the grid it was written on (None: VTracer's text).
    gzip_bytes: int | None = None
    grid: float | None = None


@dataclass(frozen=True, eq=False)
class Target:
    """What an image is traced and scored against: its PNG, its reference over white and, for a
    transparent source, its alpha channel."""

    png: bytes
    ref: Reference
    alpha: np.ndarray | None = None  # uint8 [H, W]

    @classmethod
    def of(cls, source: Source) -> Target:
        return cls(source.trace_png(), Reference.of(source.over_white()), source.alpha if source.has_alpha else None)

    @classmethod
    def of_rgb(cls, rgb: np.ndarray) -> Target:
        """An opaque image (e.g. a canonical view) as a target."""
        return cls(png_bytes(Image.fromarray(rgb), TRACE_PNG_LEVEL), Reference.of(rgb))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.ref.shape[1], self.ref.shape[0]


# VTracer's curve modes: the model predicts "spline" (the fixed setting); `optimize` also verifies "polygon"
# (ACCURACY.md section 19: straight segments only, often the smaller file at the same SSIM).
MODES = ("spline", "polygon")


def trace(png: bytes, params: Mapping, mode: str = "spline") -> str:
    """Trace PNG bytes (RGB, or RGBA: VTracer leaves transparent pixels out) with VTracer;
    `params` must already be validated."""
    import vtracer

    try:
        svg = vtracer.convert_raw_image_to_svg(
            png,
            img_format="png",
            **{**param_space.FIXED_SETTINGS, "mode": mode},
            color_precision=int(params["color_precision"]),
            layer_difference=int(params["layer_difference"]),
            corner_threshold=int(params["corner_threshold"]),
            length_threshold=float(params["length_threshold"]),
            max_iterations=int(params["max_iterations"]),
            splice_threshold=int(params["splice_threshold"]),
            filter_speckle=int(params["filter_speckle"]),
            path_precision=int(params["path_precision"]),
        )
    except Exception as e:  # the binding raises plain exceptions of several kinds
        raise TraceFailure(f"vtracer failed: {type(e).__name__}: {e}") from None
    if not svg or "<svg" not in svg:
        raise TraceFailure("vtracer returned no SVG")
    return svg


def sized(svg: str, traced: tuple[int, int], size: tuple[int, int]) -> str:
    """VTracer's SVG of an image traced at `traced` (width, height), with `size` as its width and height
    and a viewBox of the traced pixels: the file a user gets for a source of that size."""
    import re

    head = re.search(r"<svg\b[^>]*>", svg)
    if head is None:
        raise TraceFailure("VTracer's output has no <svg> element")
    tag = re.sub(r'\s(width|height|viewBox)="[^"]*"', "", head.group(0))
    attrs = f' width="{size[0]}" height="{size[1]}" viewBox="0 0 {traced[0]} {traced[1]}"'
    tag = tag[:-1].rstrip("/").rstrip() + attrs + (" />" if tag.endswith("/>") else ">")
    return svg[: head.start()] + tag + svg[head.end() :]


def render(svg: str, size: tuple[int, int], transparent: bool = False) -> np.ndarray:
    """Render SVG text with resvg at size = (width, height): on white -> uint8 [H, W, 3], or with
    `transparent` on a transparent background -> uint8 [H, W, 4]."""
    import resvg_py

    width, height = size
    try:
        background = None if transparent else "#ffffff"
        png = resvg_py.svg_to_bytes(svg_string=svg, background=background, width=width, height=height)
        img = Image.open(io.BytesIO(bytes(png)))
        img.load()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # resvg's Rust panics reach Python as PanicException, a BaseException
        raise TraceFailure(f"resvg could not render the SVG: {type(e).__name__}: {e}") from None
    if img.size != (width, height):
        raise TraceFailure(f"resvg rendered {img.size[0]}x{img.size[1]}, expected {width}x{height}")
    rgba = img.convert("RGBA")
    if transparent:
        return np.asarray(rgba, dtype=np.uint8)
    return np.asarray(over_white(rgba), dtype=np.uint8)


def alpha_agreement(rendered: np.ndarray, source: np.ndarray) -> tuple[float, float | None]:
    """(mean |alpha difference| / 255, share of the source's transparent pixels under half opacity
    in the render; None without such pixels) for two uint8 alpha channels of one size."""
    mad = float(np.mean(np.abs(rendered.astype(np.int16) - source.astype(np.int16))) / 255)
    clear = source == 0
    return mad, (float(np.mean(rendered[clear] < 128)) if clear.any() else None)


def label(target: Target, params: Mapping) -> tuple[Label, str]:
    """Trace, render and score one parameter set. Returns the label and the SVG text."""
    t0 = time.perf_counter()
    svg = trace(target.png, params)
    return scored(target, svg, time.perf_counter() - t0), svg


def scored(target: Target, svg: str, seconds: float) -> Label:
    """The label of an SVG traced from `target` in `seconds`: rendered at its size and scored."""
    alpha_mad = kept = None
    if target.alpha is None:
        rgb = render(svg, target.size)
    else:
        rgba = render(svg, target.size, transparent=True)
        rgb = np.asarray(over_white(Image.fromarray(rgba)))
        alpha_mad, kept = alpha_agreement(rgba[..., 3], target.alpha)
    score = ssim_to(target.ref, rgb)
    if not np.isfinite(score):
        raise TraceFailure(f"SSIM is not finite ({score})")
    return Label(score, seconds, len(svg.encode()), alpha_mad, kept)
