import numpy as np
import pytest

from svgq_jax.core.errors import InputError
from svgq_jax.data.splits import kfold_images, split_images


def test_split_by_image_is_stratified_and_seeded():
    types = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    s = split_images(types, 0.2, 0.1, seed=3)
    assert len(s.train) + len(s.val) + len(s.test) == 100
    assert not set(s.train) & set(s.val) and not set(s.test) & (set(s.train) | set(s.val))
    for part in (s.train, s.val, s.test):
        assert set(types[part]) == {"a", "b", "c"}
    again = split_images(types, 0.2, 0.1, seed=3)
    assert np.array_equal(s.test, again.test) and not np.array_equal(s.test, split_images(types, 0.2, 0.1, seed=4).test)
    rows = s.rows(np.repeat(np.arange(100), 3), "test")
    assert len(rows) == 3 * len(s.test)


def test_kfold_partitions_the_pool():
    types = np.array(["a", "b"] * 20)
    pool = np.arange(40)
    folds = kfold_images(types, pool, 5, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(40))
    assert all(len(f) == 8 and set(types[f]) == {"a", "b"} for f in folds)
    with pytest.raises(InputError):
        kfold_images(types, pool[:1], 5, 0)
