"""Functions that run inside pool workers (`svgq_jax.data.pool`).

Kept in their own small module so a worker imports only what it needs: no torch,
no JAX. Each returns plain picklable values.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np

from svgq_jax import params as param_space
from svgq_jax.data import images
from svgq_jax.data.ssim import Reference
from svgq_jax.data.tracing import label

# Workers are single-threaded by design (parallelism is the number of workers);
# OpenCV's own thread pool would only compete with sibling workers.
cv2.setNumThreads(1)

# A worker usually sees the same image several times in a row (one per parameter
# set), so its reference statistics are kept for a few images.
_REFS: OrderedDict[str, tuple[bytes, Reference]] = OrderedDict()
_REFS_KEPT = 8


def _reference(key: str, png_path: str) -> tuple[bytes, Reference]:
    if key in _REFS:
        _REFS.move_to_end(key)
        return _REFS[key]
    png = Path(png_path).read_bytes()
    entry = (png, Reference.of(images.to_array(images.decode_image(png, png_path))))
    _REFS[key] = entry
    while len(_REFS) > _REFS_KEPT:
        _REFS.popitem(last=False)
    return entry


def label_task(image_id: str, png_path: str, vector) -> tuple[float, float, int]:
    """Label one (canonical PNG, raw parameter vector): (ssim, trace seconds, svg bytes)."""
    png, ref = _reference(image_id, png_path)
    result, _ = label(png, ref, param_space.from_vector(vector))
    return result.ssim, result.trace_seconds, result.svg_bytes


def procedural_task(index: int, seed: int) -> tuple[str, str, bytes, np.ndarray]:
    """Draw procedural logo `index`: (logo type, image id, canonical PNG bytes, image statistics)."""
    from svgq_jax.data import logos  # only image workers need the generator and its fonts

    logo_type, img = logos.procedural_logo(index, seed)
    img = images.canonicalize(img)
    return (logo_type, *_canonical(img))


def import_task(path: str) -> tuple[str, bytes, np.ndarray]:
    """Canonicalize a user's image file: (image id, canonical PNG bytes, image statistics)."""
    return _canonical(images.load_image(path))


def _canonical(img) -> tuple[str, bytes, np.ndarray]:
    from svgq_jax.data.imagestats import image_stats  # scikit-image: only image workers pay its import

    return images.image_hash(img), images.png_bytes(img), image_stats(images.to_array(img))


def measure_task(path: str, params: dict) -> tuple[float, float, int]:
    """The real SSIM of one (image file, parameter dict) pair: (ssim, trace seconds, svg bytes)."""
    img = images.load_image(path)
    png = images.png_bytes(img)
    result, _ = label(png, Reference.of(images.to_array(img)), param_space.validate(params))
    return result.ssim, result.trace_seconds, result.svg_bytes
