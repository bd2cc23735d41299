"""Image statistics read off at each example's own parameter values.

Some image statistics come as a family over one VTracer parameter's range: the
colour count, quantisation error and trace SSIM at each `color_precision`, the share of
colour steps of at most t (what `layer_difference` thresholds), the area in
regions smaller than a (what `filter_speckle` drops: patches under fs² pixels).
The MLP could learn to pick the member its parameter selects, but from ~500
training images it learns that poorly; picking it explicitly gained +0.04 r on
real logos (benchmarks/ACCURACY.md section 8).

A selection is (parameter index, first feature column, knots, log2): the family's
n columns sit at knots 1..n of q = the parameter (or log2 of it), and the value is
the linear interpolation there (hat weights; 0 below the first knot, the last
column above the last). `select` takes numpy or jax.numpy as `xp`; the torch
bridge mirrors it op for op.
"""

from __future__ import annotations

import numpy as np

from svgq_jax.core import params as param_space


def default_selections() -> tuple[tuple[int, int, int, bool], ...]:
    """The seven families of `imagestats` (stats follow the 2048 ResNet features)."""
    from svgq_jax.core import imagestats  # the model itself needs only the tables
    from svgq_jax.core.features import FEATURE_DIM

    col = lambda name: FEATURE_DIM + imagestats.NAMES.index(name)
    par = param_space.PARAM_NAMES.index
    # knots: color_precision 1..8; log2(layer_difference) 1..6 = steps of 2..64;
    # log2(filter_speckle) 1..4 = areas of 4..256 pixels (fs²)
    assert imagestats.STEP_THRESHOLDS == (2, 4, 8, 16, 32, 64) and imagestats.REGION_AREAS == (4, 16, 64, 256)
    return (
        (par("color_precision"), col("quant_rmse_p1"), 8, False),
        (par("color_precision"), col("log_colours_p1"), 8, False),
        (par("color_precision"), col("quant_ssim_p1"), 8, False),
        (par("layer_difference"), col("steps_le2"), 6, True),
        (par("filter_speckle"), col("small_region_area_lt4"), 4, True),
        (par("color_precision"), col("trace_ssim_p1"), 8, False),
        (par("color_precision"), col("trace_log_bytes_p1"), 8, False),
    )


def tables(selections) -> dict[str, np.ndarray]:
    """Constant index tables for `select`: param [S], cols [S, K], mask [S, K], log [S], top [S]."""
    k = max(s[2] for s in selections)
    cols = np.array([[s[1] + min(i, s[2] - 1) for i in range(k)] for s in selections], np.int32)
    mask = np.array([[float(i < s[2]) for i in range(k)] for s in selections], np.float32)
    return {
        "param": np.array([s[0] for s in selections], np.int32),
        "cols": cols,
        "mask": mask,
        "log": np.array([bool(s[3]) for s in selections]),
        "top": np.array([float(s[2]) for s in selections], np.float32),
    }


def select(features, params, t: dict, xp=np):
    """[B, S] selected values from raw features [B, F] and raw parameters [B, 8]."""
    p = params[:, t["param"]]
    q = xp.minimum(xp.where(t["log"], xp.log2(xp.maximum(p, 1.0)), p), t["top"])
    knots = xp.arange(1, t["cols"].shape[1] + 1, dtype=features.dtype)
    w = xp.maximum(1.0 - xp.abs(q[:, :, None] - knots), 0.0) * t["mask"]
    v = xp.take(features, t["cols"].ravel(), axis=1).reshape(features.shape[0], *t["cols"].shape)
    return (w * v).sum(axis=2)
