"""The --cluster flag (svgq_jax.data.cluster); the real cluster: tests/integration/test_ray_cluster.py."""

import pytest

from svgq_jax.core.errors import InputError
from svgq_jax.data.cluster import parse_cluster


def test_cluster_flag_values():
    assert parse_cluster("ray") == "auto"
    assert parse_cluster("ray:10.0.0.1:6379") == "10.0.0.1:6379"
    for bad in ("dask", "ray:", "ray://head:10001"):
        with pytest.raises(InputError, match="--cluster"):
            parse_cluster(bad)
