"""What `data build` is asked for, checked before any work: the logos, their sizes and the build's numbers.

Every bound here keeps a build's memory in reach: the images stage holds each drawn logo's two PNGs until all are
drawn (about 100 KB a logo at the largest `--sizes`, 30 KB at the default), so `procedural:N` stops at
MAX_PROCEDURAL_LOGOS (1 GB at the largest sizes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from svgq_jax.core.errors import InputError
from svgq_jax.core.images import check_max_side

MAX_PARAMS_PER_LOGO = 4096
MAX_PROCEDURAL_LOGOS = 10_000
CANONICAL = "canonical"  # a --sizes entry: the 256x256 opaque logo of the canonical form
TRANSPARENT_SHARE = 0.75  # of the logos drawn at their own size, those on a transparent background


def parse_sizes(spec: str) -> list[tuple[int | None, float]]:
    """'canonical:2,512:1' -> [(None, 0.667), (512, 0.333)] (long side, None for canonical; probability)."""
    from svgq_jax.data.logos import MAX_LONG_SIDE, MIN_LONG_SIDE

    try:
        pairs = [
            (None if a == CANONICAL else _decimal(a), float(b))
            for a, _, b in (item.partition(":") for item in spec.split(","))
        ]
    except ValueError:
        pairs = []
    total = sum(w for _, w in pairs)
    sides_ok = all(n is None or MIN_LONG_SIDE <= n <= MAX_LONG_SIDE for n, _ in pairs)
    if not pairs or not sides_ok or not all(w > 0 for _, w in pairs) or not np.isfinite(total):
        raise InputError(
            f"--sizes {spec[:80]}: expected SIZE:WEIGHT,... with SIZE '{CANONICAL}' or a long side in "
            f"{MIN_LONG_SIDE}..{MAX_LONG_SIDE}, and positive weights whose sum is finite"
        )
    return [(n, w / total) for n, w in pairs]


def _decimal(text: str) -> int:
    """An integer written in ASCII digits (int() also takes '²'-like digits of other scripts, and '1_0')."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError(text)
    return int(text)


def native_spec(cfg, index: int) -> tuple[int | None, bool]:
    """Procedural logo `index`'s (long side, transparent); long side None for a canonical logo. A pure
    function of the seed and index."""
    sizes = parse_sizes(cfg.sizes)
    rng = np.random.default_rng([cfg.seed, index, 0x517E])
    side = sizes[int(rng.choice(len(sizes), p=[w for _, w in sizes]))][0]
    return side, side is not None and bool(rng.random() < TRANSPARENT_SHARE)


def parse_logos(spec: str) -> tuple[str, int | Path]:
    """'procedural:N' -> ('procedural', N); a path -> ('folder', Path)."""
    if spec.startswith("procedural:"):
        n = spec.split(":", 1)[1]
        if not (n.isascii() and n.isdigit()) or not 1 <= int(n) <= MAX_PROCEDURAL_LOGOS:
            raise InputError(
                f"--logos {spec[:80]}: expected procedural:N with N from 1 to {MAX_PROCEDURAL_LOGOS} (a larger set: "
                "build a folder of images)"
            )
        return "procedural", int(n)
    path = Path(spec).expanduser()
    if not path.exists():
        raise InputError(f"--logos {spec}: no such folder or file (or use procedural:N)")
    return "folder", path.resolve()


def check_config(cfg) -> None:
    """InputError naming the first flag of a BuildConfig that is out of range."""
    from svgq_jax.data.cluster import parse_cluster

    if not 1 <= cfg.params_per_logo <= MAX_PARAMS_PER_LOGO:
        raise InputError(
            f"--params-per-logo must be at least 1 and at most {MAX_PARAMS_PER_LOGO}, got {cfg.params_per_logo}"
        )
    if cfg.workers < 0:
        raise InputError(f"--workers must be 0 (all cores) or more, got {cfg.workers}")
    check_max_side(cfg.max_side)
    parse_logos(cfg.logos)
    parse_sizes(cfg.sizes)
    if cfg.cluster:
        parse_cluster(cfg.cluster)
