"""The VTracer parameter space: validation, scaling to [0, 1] and seeded sampling.

The order of `PARAMS` is the order of the model's last 8 input columns (after the
image's features and statistics) and never changes without bumping
`PARAM_SPACE_VERSION`.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from svgq_jax.core.errors import InputError

PARAM_SPACE_VERSION = 1

# Settings VTracer takes that are not part of the searched space.
FIXED_SETTINGS = {"colormode": "color", "hierarchical": "stacked", "mode": "spline"}


@dataclass(frozen=True)
class Param:
    name: str
    kind: type  # int or float
    low: float
    high: float
    default: float

    def describe(self) -> str:
        return f"{self.name} ({self.kind.__name__} in [{self.kind(self.low)}, {self.kind(self.high)}])"


PARAMS: tuple[Param, ...] = (
    Param("color_precision", int, 1, 8, 6),
    Param("layer_difference", int, 1, 64, 16),
    Param("corner_threshold", int, 0, 180, 60),
    Param("length_threshold", float, 3.5, 10.0, 4.0),
    Param("max_iterations", int, 1, 20, 10),
    Param("splice_threshold", int, 0, 180, 45),
    Param("filter_speckle", int, 0, 16, 4),
    Param("path_precision", int, 1, 8, 8),
)
PARAM_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS)
N_PARAMS = len(PARAMS)
LOW = np.array([p.low for p in PARAMS], dtype=np.float32)
HIGH = np.array([p.high for p in PARAMS], dtype=np.float32)

# VTracer's own defaults, as one named point of the space.
VTRACER_DEFAULTS: dict[str, int | float] = {p.name: p.kind(p.default) for p in PARAMS}


def _check_value(p: Param, value) -> int | float:
    # bool is an int subclass in Python; a True colour precision is a bug, not a 1.
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"parameter {p.describe()}: got {value!r} of type {type(value).__name__}")
    try:
        x = float(value)
    except OverflowError:  # an integer beyond every float, e.g. 400 digits of JSON
        x = math.inf
    if math.isnan(x) or math.isinf(x):
        raise InputError(f"parameter {p.describe()}: got {reprlib.repr(value)}")
    if p.kind is int and not x.is_integer():
        raise InputError(f"parameter {p.describe()}: got non-integer {value!r}")
    if not p.low <= x <= p.high:
        raise InputError(f"parameter {p.describe()}: {value!r} is out of range")
    return int(x) if p.kind is int else x


def validate(params: Mapping) -> dict[str, int | float]:
    """Check a parameter dict and return it with canonical Python types.

    Raises InputError naming the first missing, extra, mistyped or out-of-range value.
    """
    if not isinstance(params, Mapping):
        raise InputError(f"parameters must be an object of {N_PARAMS} named values, got {type(params).__name__}")
    extra = sorted(set(params) - set(PARAM_NAMES))
    if extra:
        raise InputError(f"unknown parameter {extra[0]!r}; expected {', '.join(PARAM_NAMES)}")
    out = {}
    for p in PARAMS:
        if p.name not in params:
            raise InputError(f"missing parameter {p.describe()}")
        out[p.name] = _check_value(p, params[p.name])
    return out


def to_vector(params: Mapping) -> np.ndarray:
    """Validated parameter dict -> raw float32 vector in `PARAMS` order."""
    checked = validate(params)
    return np.array([checked[n] for n in PARAM_NAMES], dtype=np.float32)


def from_vector(vector) -> dict[str, int | float]:
    """Raw vector in `PARAMS` order -> validated dict (ints rounded from float storage)."""
    v = np.asarray(vector, dtype=np.float64).reshape(-1)
    if v.shape != (N_PARAMS,):
        raise InputError(f"expected {N_PARAMS} parameter values, got {v.shape[0]}")
    raw = {p.name: (round(x) if p.kind is int and abs(x - round(x)) < 1e-4 else x) for p, x in zip(PARAMS, v)}
    return validate(raw)


def validate_matrix(matrix) -> np.ndarray:
    """Check a [N, 8] raw parameter matrix (for batch callers) and return it as float32."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] != N_PARAMS:
        raise InputError(f"expected a [N, {N_PARAMS}] parameter matrix, got shape {m.shape}")
    for j, p in enumerate(PARAMS):
        col = m[:, j]
        bad = ~np.isfinite(col) | (col < p.low) | (col > p.high)
        if p.kind is int:
            bad |= np.abs(col - np.round(col)) > 1e-6
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"row {i}: parameter {p.describe()}: got {col[i]!r}")
    return m.astype(np.float32)


def scale(raw) -> np.ndarray:
    """Raw values (..., 8) -> [0, 1] by the parameter table (numpy; the models bake in the same map)."""
    return (np.asarray(raw, dtype=np.float32) - LOW) / (HIGH - LOW)


# Parameters whose effect is multiplicative (thresholds, areas, iteration counts), with the
# offset that keeps log2 finite at 0. The model also reads log2(p + offset), standardised like
# its features; trees split either scale alike, an MLP does not (benchmarks/ACCURACY.md section 11).
LOG_SCALED: tuple[tuple[str, float], ...] = (
    ("layer_difference", 0.0),
    ("corner_threshold", 1.0),
    ("length_threshold", 0.0),
    ("max_iterations", 0.0),
    ("splice_threshold", 1.0),
    ("filter_speckle", 1.0),
)


def log_pairs() -> tuple[tuple[int, float], ...]:
    """LOG_SCALED as (parameter index, offset) pairs, the form model configs store."""
    return tuple((PARAM_NAMES.index(name), offset) for name, offset in LOG_SCALED)


def log2_params(raw, pairs, xp=np):
    """Raw parameters [B, 8] -> [B, len(pairs)] log2(p + offset); `xp` is numpy or jax.numpy.

    The torch bridge mirrors it op for op.
    """
    idx = np.array([int(i) for i, _ in pairs], np.int32)
    off = np.array([float(o) for _, o in pairs], np.float32)
    return xp.log2(raw[:, idx] + off)


def unscale(unit) -> np.ndarray:
    """[0, 1] values (..., 8) -> raw values, ints rounded to the nearest legal value."""
    u = np.clip(np.asarray(unit, dtype=np.float64), 0.0, 1.0)
    raw = LOW + u * (HIGH - LOW)
    for j, p in enumerate(PARAMS):
        if p.kind is int:
            raw[..., j] = np.round(raw[..., j])
    return raw.astype(np.float32)


def sample(n: int, seed) -> np.ndarray:
    """`n` raw parameter sets [n, 8] from a Latin hypercube, so every range is covered evenly.

    Integer parameters take each of their values equally often in expectation:
    cell u in [0, 1) maps to floor(u * (high - low + 1)) + low.
    """
    if n <= 0:
        return np.zeros((0, N_PARAMS), dtype=np.float32)
    u = latin_hypercube(n, N_PARAMS, seed)
    out = np.empty((n, N_PARAMS), dtype=np.float32)
    for j, p in enumerate(PARAMS):
        if p.kind is int:
            out[:, j] = np.minimum(np.floor(u[:, j] * (p.high - p.low + 1)) + p.low, p.high)
        else:
            out[:, j] = p.low + u[:, j] * (p.high - p.low)
    return out


def latin_hypercube(n: int, d: int, seed) -> np.ndarray:
    """[n, d] points in [0, 1): each column has one point in each of the n equal cells, at a random offset.

    The same numbers as `scipy.stats.qmc.LatinHypercube(d, rng=np.random.default_rng(seed)).random(n)`
    (tests/unit/core/test_params.py checks it), without importing scipy.stats, which takes about 0.7 s: as long as
    everything else in a cold `optimize` of one logo. scipy draws from a generator spawned off the one
    it is given, the offsets first, then a shuffle of the cells per column."""
    rng = np.random.default_rng(seed).spawn(1)[0]
    offsets = rng.uniform(size=(n, d))
    cells = np.tile(np.arange(1, n + 1), (d, 1))
    for column in cells:
        rng.shuffle(column)
    return (cells.T - offsets) / n


def defaults_vector() -> np.ndarray:
    return to_vector(VTRACER_DEFAULTS)


def param_sets_for_image(k: int, seed) -> np.ndarray:
    """The K parameter sets labelled for one image: VTracer's defaults first, then K-1 LHS points.

    The defaults are always labelled so every image has the reference point that
    `optimize` compares against.
    """
    if k < 1:
        raise InputError(f"--params-per-logo must be at least 1, got {k}")
    return np.concatenate([defaults_vector()[None], sample(k - 1, seed)])


def table() -> list[dict]:
    """The parameter table as plain JSON, for metadata files."""
    return [
        {"name": p.name, "type": p.kind.__name__, "low": p.low, "high": p.high, "default": p.default} for p in PARAMS
    ]
