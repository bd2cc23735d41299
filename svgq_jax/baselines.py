"""Baselines the model must beat, each fit on the training rows only.

- random: uniform between the training labels' min and max (seeded)
- mean: the training labels' mean
- ridge: ridge regression on cheap image statistics plus scaled parameters (the seed's "simple feature-based" model)
- gradient_boosting: histogram gradient boosting on the same inputs (a strong classical reference)
- per_type_heuristic: the training mean SSIM of each (logo type, color_precision) cell

For the log-bytes output (`BYTES_NAMES`):
- bytes_at_defaults: every parameter set gets the bytes of VTracer's defaults on that image
  (the statistic native_log_bytes, one trace the model reads too)
- bytes_gradient_boosting: gradient boosting on the image statistics + parameters
"""

from __future__ import annotations

import numpy as np

from svgq_jax.core import params as param_space


def _simple_inputs(stats: np.ndarray, params: np.ndarray) -> np.ndarray:
    return np.concatenate([stats, param_space.scale(params)], axis=1)


def fit_predict(name: str, train: dict, test: dict, seed: int = 0) -> np.ndarray:
    """Predictions on `test` of baseline `name` fit on `train`.

    Each dict holds per-example arrays: y (SSIM labels), log_bytes (ln SVG bytes; train only for
    both), stats, params, types.
    """
    if name == "bytes_at_defaults":
        from svgq_jax.core.imagestats import NAMES

        return test["stats"][:, NAMES.index("native_log_bytes")] * 16.0  # stored as ln(bytes) / 16
    if name == "bytes_gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingRegressor

        model = HistGradientBoostingRegressor(max_iter=300, learning_rate=0.05, random_state=seed)
        model.fit(_simple_inputs(train["stats"], train["params"]), train["log_bytes"])
        return model.predict(_simple_inputs(test["stats"], test["params"]))
    y = train["y"]
    n = len(test["params"])
    if name == "random":
        return np.random.default_rng(seed).uniform(y.min(), y.max(), n)
    if name == "mean":
        return np.full(n, y.mean())
    if name in ("ridge", "gradient_boosting"):
        from sklearn.ensemble import HistGradientBoostingRegressor
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        model = (
            make_pipeline(StandardScaler(), Ridge(alpha=1.0))
            if name == "ridge"
            else HistGradientBoostingRegressor(max_iter=300, learning_rate=0.05, random_state=seed)
        )
        model.fit(_simple_inputs(train["stats"], train["params"]), y)
        return np.clip(model.predict(_simple_inputs(test["stats"], test["params"])), 0, 1)
    if name == "per_type_heuristic":
        cp = param_space.PARAM_NAMES.index("color_precision")
        table = {}
        for t, c, v in zip(train["types"], train["params"][:, cp], y):
            table.setdefault((t, c), []).append(v)
        by_type = {t: y[train["types"] == t].mean() for t in np.unique(train["types"])}
        return np.array(
            [
                np.mean(table[(t, c)]) if (t, c) in table else by_type.get(t, y.mean())
                for t, c in zip(test["types"], test["params"][:, cp])
            ]
        )
    raise ValueError(f"unknown baseline {name!r}")


NAMES = ("random", "mean", "ridge", "gradient_boosting", "per_type_heuristic")
BYTES_NAMES = ("bytes_at_defaults", "bytes_gradient_boosting")
