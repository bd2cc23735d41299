"""One label: VTracer(params) -> SVG -> resvg render -> SSIM against the canonical image.

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

from svgq_jax import params as param_space
from svgq_jax.data.images import CANVAS
from svgq_jax.data.ssim import Reference, ssim_to


class TraceFailure(Exception):
    """A parameter set that VTracer or resvg could not turn into a usable render."""


@dataclass(frozen=True)
class Label:
    ssim: float
    trace_seconds: float
    svg_bytes: int


def trace(png: bytes, params: Mapping) -> str:
    """Trace canonical PNG bytes with VTracer; `params` must already be validated."""
    import vtracer

    try:
        svg = vtracer.convert_raw_image_to_svg(
            png,
            img_format="png",
            **param_space.FIXED_SETTINGS,
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


def render(svg: str, size: int = CANVAS) -> np.ndarray:
    """Render SVG text with resvg at size x size on white -> uint8 [size, size, 3]."""
    import resvg_py

    try:
        png = resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff", width=size, height=size)
        img = Image.open(io.BytesIO(bytes(png)))
        img.load()
    except Exception as e:
        raise TraceFailure(f"resvg could not render the SVG: {type(e).__name__}: {e}") from None
    if img.size != (size, size):
        raise TraceFailure(f"resvg rendered {img.size[0]}x{img.size[1]}, expected {size}x{size}")
    rgba = img.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.uint8)


def label(png: bytes, ref: Reference, params: Mapping) -> tuple[Label, str]:
    """Trace, render and score one parameter set. Returns the label and the SVG text."""
    t0 = time.perf_counter()
    svg = trace(png, params)
    seconds = time.perf_counter() - t0
    score = ssim_to(ref, render(svg, ref.x.shape[0]))  # the reference's size: CANVAS for canonical images
    if not np.isfinite(score):
        raise TraceFailure(f"SSIM is not finite ({score})")
    return Label(ssim=score, trace_seconds=seconds, svg_bytes=len(svg.encode())), svg
