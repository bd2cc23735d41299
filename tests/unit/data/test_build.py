"""The dataset build's settings (svgq_jax.data.build), without building."""

import numpy as np
import pytest
from conftest import SMALL

from svgq_jax.core.errors import InputError
from svgq_jax.data.build import BuildConfig


def test_size_mix_is_seeded_and_checked():
    from svgq_jax.data.buildargs import native_spec, parse_sizes

    cfg = BuildConfig(out="-", **SMALL)
    specs = [native_spec(cfg, i) for i in range(200)]
    assert specs == [native_spec(cfg, i) for i in range(200)]
    assert specs != [native_spec(BuildConfig(out="-", **{**SMALL, "seed": 1}), i) for i in range(200)]
    weights = dict(parse_sizes(cfg.sizes))
    for side in (None, 256, 512):  # None: canonical
        assert abs(np.mean([s == side for s, _ in specs]) - weights[side]) < 0.1
    assert not any(t for s, t in specs if s is None)  # canonical logos are opaque
    assert parse_sizes("canonical:1,1024:3") == [(None, 0.25), (1024, 0.75)]
    for bad in ("256", "256:0", "10:1", "4096:1", "a:b", "canonical:nan"):
        with pytest.raises(InputError, match="--sizes"):
            parse_sizes(bad)
