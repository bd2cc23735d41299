import numpy as np

from svgq_jax.core import imagestats
from svgq_jax.core import params as param_space
from svgq_jax.core.features import FEATURE_DIM
from svgq_jax.model import ModelConfig
from svgq_jax.selection import default_selections, select, tables


def _inputs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    feats = rng.uniform(0, 1, size=(n, FEATURE_DIM + imagestats.N_STATS)).astype(np.float32)
    params = param_space.sample(n, seed)  # raw, in range
    params[:, 0] = rng.integers(1, 9, n)
    params[:, 1] = rng.integers(1, 65, n)
    params[:, 6] = rng.integers(0, 17, n)
    return feats, params.astype(np.float32)


def test_colour_precision_picks_its_own_column():
    feats, params = _inputs(200)
    got = select(feats, params, tables(default_selections()))
    cp = params[:, 0].astype(int)
    rows = np.arange(200)
    first = FEATURE_DIM + imagestats.NAMES.index("quant_rmse_p1")
    np.testing.assert_allclose(got[:, 0], feats[rows, first + cp - 1], rtol=0, atol=1e-6)
    for k, family in ((1, "log_colours_p1"), (2, "quant_ssim_p1")):
        first = FEATURE_DIM + imagestats.NAMES.index(family)
        np.testing.assert_allclose(got[:, k], feats[rows, first + cp - 1], rtol=0, atol=1e-6)


def test_threshold_families_interpolate_in_log2_like_numpy():
    feats, params = _inputs(200, seed=1)
    got = select(feats, params, tables(default_selections()))
    steps = feats[:, [FEATURE_DIM + imagestats.NAMES.index(f"steps_le{t}") for t in imagestats.STEP_THRESHOLDS]]
    want = [
        np.interp(np.log2(ld), np.log2(imagestats.STEP_THRESHOLDS), row, left=np.nan)
        for ld, row in zip(params[:, 1], steps)
    ]
    # below the first knot (layer_difference 1) the value ramps to 0 instead
    want = np.where(params[:, 1] < 2, steps[:, 0] * np.log2(np.maximum(params[:, 1], 1)), want)
    np.testing.assert_allclose(got[:, 3], want, rtol=0, atol=1e-5)
    areas = feats[
        :, [FEATURE_DIM + imagestats.NAMES.index(f"small_region_area_lt{a}") for a in imagestats.REGION_AREAS]
    ]
    fs = params[:, 6]
    # fs 1 drops nothing (area 1): 0; then linear in log2(fs²) between the areas 4..256
    want = [
        np.interp(np.log2(f * f), np.log2(imagestats.REGION_AREAS), row) if f >= 2 else 0.0 for f, row in zip(fs, areas)
    ]
    np.testing.assert_allclose(got[:, 4], want, rtol=0, atol=1e-5)
    assert (got[fs == 0, 4] == 0).all() and (fs == 0).any()


def test_jax_matches_numpy_and_config_round_trips():
    import jax.numpy as jnp

    feats, params = _inputs(50, seed=2)
    t = tables(default_selections())
    np.testing.assert_allclose(
        np.asarray(select(jnp.asarray(feats), jnp.asarray(params), t, xp=jnp)), select(feats, params, t), atol=1e-6
    )
    cfg = ModelConfig(n_features=FEATURE_DIM + imagestats.N_STATS, selections=default_selections())
    assert ModelConfig.from_json(cfg.to_json()) == cfg and cfg.n_standardised == cfg.n_features + len(
        default_selections()
    )
