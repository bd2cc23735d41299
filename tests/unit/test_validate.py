"""The pure parts of svgq_jax.validate; validating a trained run: tests/integration/test_validate_run.py."""

import numpy as np


def test_baselines_fit_on_a_bounded_seeded_sample():
    from svgq_jax.validate import _baseline_rows

    rows = np.arange(10, 5010)
    assert _baseline_rows(rows, 0, limit=10_000) is rows  # small enough: every row
    sample = _baseline_rows(rows, 0, limit=1000)
    assert len(sample) == 1000 and len(np.unique(sample)) == 1000 and np.isin(sample, rows).all()
    assert np.array_equal(sample, _baseline_rows(rows, 0, limit=1000))  # the same sample every time
    assert not np.array_equal(sample, _baseline_rows(rows, 1, limit=1000))
