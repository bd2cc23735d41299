"""Splits by image, never by example: an image lives in exactly one split.

The test split is reserved and chosen by seed; validation is drawn from the
rest. Each logo type is split separately so every split sees every type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from svgq_jax.core.errors import InputError


@dataclass(frozen=True)
class Split:
    train: np.ndarray  # image indices
    val: np.ndarray
    test: np.ndarray

    def rows(self, image_index: np.ndarray, part: str) -> np.ndarray:
        """Example rows whose image is in `part` ("train", "val" or "test")."""
        return np.flatnonzero(np.isin(image_index, getattr(self, part)))


def split_images(image_types: np.ndarray, val_fraction: float, test_fraction: float, seed: int) -> Split:
    """Stratified-by-type image split. Every non-empty fraction gets at least one image."""
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise InputError(
            f"split fractions must be in [0, 1) and sum below 1, got val {val_fraction}, test {test_fraction}"
        )
    rng = np.random.default_rng([seed, 0x5EED])
    parts = {"train": [], "val": [], "test": []}
    for t in sorted(set(image_types.tolist())):
        idx = rng.permutation(np.flatnonzero(image_types == t))
        n_test = int(round(len(idx) * test_fraction))
        n_val = int(round(len(idx) * val_fraction))
        parts["test"].append(idx[:n_test])
        parts["val"].append(idx[n_test : n_test + n_val])
        parts["train"].append(idx[n_test + n_val :])
    split = Split(**{k: np.sort(np.concatenate(v)).astype(np.int64) for k, v in parts.items()})
    n = len(image_types)
    for name, frac in (("val", val_fraction), ("test", test_fraction)):
        if frac > 0 and len(getattr(split, name)) == 0 and n >= 3:
            raise InputError(f"{n} images are too few for a {name} split of {frac:.0%}")
    if len(split.train) == 0:
        raise InputError(f"{n} images leave no training images")
    return split


def kfold_images(image_types: np.ndarray, pool: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """K disjoint folds of the images in `pool`, stratified by type."""
    if not 2 <= k <= len(pool):
        raise InputError(f"{k} folds need between 2 and {len(pool)} images")
    rng = np.random.default_rng([seed, 0xF01D])
    # types one after another, each shuffled; dealing round-robin keeps folds stratified
    order = np.concatenate(
        [rng.permutation(pool[image_types[pool] == t]) for t in sorted(set(image_types[pool].tolist()))]
    )
    return [np.sort(order[i::k]).astype(np.int64) for i in range(k)]
