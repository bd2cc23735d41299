"""Functions that run inside pool workers (`svgq_jax.data.pool`).

Kept in their own small module so a worker imports only what it needs: no torch,
no JAX. Each returns plain picklable values.
"""

from __future__ import annotations

from collections import OrderedDict

import cv2
import numpy as np

from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.core.tracing import Target, TraceFailure
from svgq_jax.core.written import GRIDS, defaults_written, label_written

# Workers are single-threaded by design (parallelism is the number of workers);
# OpenCV's own thread pool would only compete with sibling workers.
cv2.setNumThreads(1)

# A worker usually sees the same image several times in a row (one per parameter
# set), so its targets (PNG, reference statistics, alpha) and grids are kept for a few images.
_TARGETS: OrderedDict[str, Target] = OrderedDict()
_GRIDS: OrderedDict[str, float] = OrderedDict()
_KEPT = 8


def _kept(cache: OrderedDict, key: str, make):
    """cache[key], made on the first call; the last _KEPT keys are kept."""
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    cache[key] = make()
    while len(cache) > _KEPT:
        cache.popitem(last=False)
    return cache[key]


def _target(key: str, path: str, max_side: int = images.MAX_SIDE) -> Target:
    return _kept(_TARGETS, key, lambda: Target.of(images.load_source(path, max_side)))


def label_task(image_id: str, source_path: str, vector, grid: float) -> tuple:
    """Label one (source PNG, raw parameter vector) at the source's size, as written on the image's grid:
    (ssim, trace seconds, bytes, alpha mad, transparent kept, gzip bytes, VTracer's own bytes)."""
    w = label_written(_target(image_id, source_path), param_space.from_vector(vector), grid)
    lab = w.label
    return lab.ssim, lab.trace_seconds, lab.svg_bytes, lab.alpha_mad, lab.transparent_kept, lab.gzip_bytes, w.raw_bytes


def procedural_task(index: int, seed: int, long_side: int | None, transparent: bool) -> tuple:
    """Draw procedural logo `index`, canonical (long side None) or at its own size: (logo type, ImageFile)."""
    from svgq_jax.data import logos  # only image workers need the generator and its fonts

    logo_type = logos.LOGO_TYPES[index % len(logos.LOGO_TYPES)]
    if long_side is None:
        img = logos.draw_logo(logo_type, [seed, index])
    else:
        img = logos.draw_source(logo_type, [seed, index], long_side, transparent)
    return logo_type, _image_file(images.Source.of(img))


def import_task(path: str, max_side: int) -> tuple:
    """A user's image file at its own size (long side capped): ImageFile."""
    return _image_file(images.load_source(path, max_side))


def _image_file(source: images.Source) -> tuple:
    """What the dataset keeps of an image: (id, source PNG, canonical PNG, statistics, (width, height), has alpha)."""
    from svgq_jax.core.imagestats import image_stats  # scikit-image: only image workers pay its import

    canon = source.canonical()
    return (
        images.source_hash(source),
        source.png(),
        images.png_bytes(canon),
        image_stats(source),
        source.size,
        source.has_alpha,
    )


def stats_task(source_path: str) -> np.ndarray:
    """The image statistics of a dataset's source file (a dataset built by an older version)."""
    from svgq_jax.core.imagestats import image_stats

    return image_stats(images.load_source(source_path))


def measure_task(path: str, params: dict, max_side: int = images.MAX_SIDE) -> dict:
    """The real label of one (image file, parameter dict) pair at the image's own size, as written on the
    image's grid (chosen on VTracer's defaults, as `data build` and `optimize` choose it; kept per image)."""
    source = images.load_source(path, max_side)
    key = f"{images.source_hash(source)}:{max_side}"
    target = _kept(_TARGETS, key, lambda: Target.of(source))
    grid = _kept(_GRIDS, key, lambda: _defaults_grid(target))
    w = label_written(target, param_space.validate(params), grid)
    result = w.label
    return {
        "ssim": result.ssim,
        "trace_seconds": result.trace_seconds,
        "svg_bytes": result.svg_bytes,
        "gzip_bytes": result.gzip_bytes,
        "raw_bytes": w.raw_bytes,
        "grid": grid,
        "alpha_mad": result.alpha_mad,
        "transparent_kept": result.transparent_kept,
        "trace_size": list(source.size),
        "downscaled_from": list(source.original_size) if source.downscaled else None,
    }


def _defaults_grid(target: Target) -> float:
    """The image's grid, from VTracer's defaults traced on it (the finest grid when they fail)."""
    try:
        return defaults_written(target, param_space.VTRACER_DEFAULTS)[1].grid
    except TraceFailure:
        return GRIDS[-1]
