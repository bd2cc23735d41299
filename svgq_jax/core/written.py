"""The file a user gets: VTracer's SVG minified (`svgmin`) on the coarsest grid its render allows.

Each image gets one grid, chosen on VTracer's defaults traced at the image's size: the
coarsest of `svgmin.GRIDS` whose written file renders within `TOLERANCE` SSIM of
VTracer's own text (`choose_grid`, a walk from `START` that renders two or three
files). Every parameter set is then written on that grid and scored as written
(`label_written`): its SSIM, bytes and gzip bytes are those of the file written.
That is what the model learns, what `optimize` verifies and writes, and what
`data measure` reports.

Why one grid per image, not one per parameter set: choosing per parameter set renders
VTracer's own text and two or three written files for each, where the image's grid
costs one render per parameter set, the same as a label before minification; the
grid depends on the image's scale and detail more than on the parameters
(ACCURACY.md section 19 measures how often they differ).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from svgq_jax.core import svgmin
from svgq_jax.core.tracing import Label, Target, TraceFailure, label, scored, sized, trace

# The SSIM a written file may lose against VTracer's own text: what the project calls the same SSIM.
TOLERANCE = 0.002
GRIDS = svgmin.GRIDS  # coarse to fine, in pixels of the traced image
START = svgmin.START  # the grid most images keep: the walk starts there
_PATH_DATA = re.compile(r'\sd="([^"]*)"')


@dataclass(frozen=True)
class Written:
    """A parameter set's file as written: its text, its label (of that file) and its grid."""

    svg: str
    label: Label
    grid: float
    raw: str  # VTracer's own text

    @property
    def raw_bytes(self) -> int:
        return len(self.raw.encode())

    def resized(self, target: Target, size: tuple[int, int]) -> Written:
        """The same file with `size` as its width and height (the render, at the traced size, is the same)."""
        text = minified(sized(self.raw, target.size, size), self.grid)
        return replace(
            self, svg=text, label=replace(self.label, svg_bytes=len(text.encode()), gzip_bytes=gzip_bytes(text))
        )


def gzip_bytes(svg: str) -> int:
    return len(gzip.compress(svg.encode(), 9, mtime=0))


def minified(svg: str, grid: float) -> str:
    """VTracer's text written on `grid` (TraceFailure when it is not VTracer's grammar or over its bounds)."""
    try:
        return svgmin.minify(svg, grid)
    except ValueError as e:
        raise TraceFailure(f"could not minify VTracer's SVG: {e}") from None


def written(target: Target, svg: str, grid: float, seconds: float, size: tuple[int, int] | None = None) -> Written:
    """VTracer's text `svg` (traced from `target` in `seconds`) written on `grid` and scored as written. The file
    has `size` as its width and height (default: the traced size) and a viewBox of the traced pixels."""
    text = minified(sized(svg, target.size, size or target.size), grid)
    lab = scored(target, text, seconds)
    return Written(text, replace(lab, gzip_bytes=gzip_bytes(text), grid=grid), grid, svg)


def label_written(target: Target, params: Mapping, grid: float, mode: str = "spline") -> Written:
    """Trace one parameter set (in VTracer's curve `mode`) and write it on the image's grid."""
    import time

    t0 = time.perf_counter()
    svg = trace(target.png, params, mode)
    return written(target, svg, grid, time.perf_counter() - t0)


def choose_grid(target: Target, svg: str, raw: Label, tolerance: float = TOLERANCE) -> Written:
    """A coarse grid whose written file keeps the SSIM within `tolerance` of VTracer's own text `svg` (labelled
    `raw`), and that file: `svgmin.search`'s walk from START, coarser while files pass, finer while they fail
    (2.5 renders per native logo on average). It returns only grids it rendered, so the file passes; pass or
    fail is not quite monotone along the grids (ACCURACY.md section 19), so on a few images a coarser grid would
    have passed too. The finest grid when none passes."""
    floor, files = raw.ssim - tolerance, {}

    def passes(grid: float) -> bool:
        files[grid] = written(target, svg, grid, raw.trace_seconds)
        return files[grid].label.ssim >= floor

    grid, _ = svgmin.search(passes, GRIDS, START)
    return files[grid if grid is not None else GRIDS[-1]]


def defaults_written(target: Target, params: Mapping) -> tuple[Label, Written]:
    """VTracer's defaults (`params`) traced at the image's size: (the label of VTracer's own text, the file written
    on the image's grid). TraceFailure when VTracer or the render fails."""
    raw, svg = label(target, params)
    return raw, choose_grid(target, svg, raw)


def grid_of(log2_grid: float) -> float:
    """The grid a statistic `log2_grid` (float32) names: the nearest of GRIDS."""
    import math

    return min(GRIDS, key=lambda g: abs(math.log2(g) - float(log2_grid)))


def structure(svg: str) -> dict:
    """What a written file holds: its paths, the command letters of their path data, bytes and gzip bytes."""
    data = "".join(_PATH_DATA.findall(svg))
    return {
        "paths": svg.count("<path"),
        "path_commands": sum(1 for ch in data if ch.isalpha() and ch not in "eE"),
        "bytes": len(svg.encode()),
        "gzip_bytes": gzip_bytes(svg),
    }
