import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import mean_absolute_error, r2_score

from svgq_jax.metrics import READINESS, compute_metrics, ranking_metrics, readiness


def test_metrics_match_reference_implementations():
    rng = np.random.default_rng(0)
    y = rng.uniform(0.5, 1, 500)
    p = np.clip(y + rng.normal(0, 0.04, 500), 0, 1)
    m = compute_metrics(y, p)
    assert m.n == 500
    assert m.pearson_r == pytest.approx(np.corrcoef(y, p)[0, 1], abs=1e-12)
    assert m.pearson_p == pytest.approx(stats.pearsonr(y, p).pvalue, rel=1e-9)
    assert m.spearman_rho == pytest.approx(stats.spearmanr(y, p).statistic, abs=1e-12)
    assert m.r2 == pytest.approx(r2_score(y, p), abs=1e-12)
    assert m.mae == pytest.approx(mean_absolute_error(y, p), abs=1e-12)
    assert m.rmse == pytest.approx(np.sqrt(np.mean((y - p) ** 2)), abs=1e-12) and m.mse == pytest.approx(m.rmse**2)
    err = np.abs(y - p)
    assert m.within_0_1 == np.mean(err <= 0.1) and m.within_0_05 == np.mean(err <= 0.05)
    assert m.max_error == err.max() and m.median_error == np.median(err)


def test_known_small_case_and_degenerate_inputs():
    m = compute_metrics([0.0, 0.5, 1.0], [0.1, 0.5, 0.8])
    assert m.max_error == pytest.approx(0.2) and m.within_0_1 == pytest.approx(2 / 3)
    assert m.mae == pytest.approx(0.1)
    const = compute_metrics([0.9, 0.9, 0.9], [0.8, 0.85, 0.9])
    assert const.pearson_r == 0.0 and const.r2 == 0.0  # undefined -> reported as no correlation
    with pytest.raises(ValueError):
        compute_metrics([1, 2], [1, 2, 3])


def test_ranking_regret_and_per_image_spearman():
    y = np.array([0.9, 0.8, 0.7, 0.6, 0.95, 0.5])
    p = np.array([0.1, 0.9, 0.3, 0.2, 0.9, 0.1])  # image 0 picks its 2nd best; image 1 its best
    g = np.array([0, 0, 0, 0, 1, 1])
    r = ranking_metrics(y, p, g)
    assert r.n_images == 2
    assert r.regret_mean == pytest.approx((0.1 + 0.0) / 2)
    expected = np.mean([stats.spearmanr(y[:4], p[:4]).statistic, 1.0])
    assert r.mean_spearman == pytest.approx(expected)


def test_readiness_at_its_thresholds():
    at = {name: t for name, _, t in READINESS}
    r = readiness(at)
    ok = {c["name"]: c["ok"] for c in r["checks"]}
    assert all(ok[n] for n in ("pearson_r", "rmse", "within_0_1", "min_type_pearson_r", "r2"))
    assert not ok["cv_std"] and r["verdict"] == "NOT READY"  # std must be strictly below 0.05
    r = readiness({**at, "cv_std": 0.0499})
    assert r["ready"] and r["verdict"] == "READY"
    for name, op, t in READINESS:
        worse = t - 1e-6 if op == ">=" else t + 1e-6
        assert not readiness({**at, "cv_std": 0.0, name: worse})["ready"], name
    assert not readiness({**at, "cv_std": 0.0, "r2": None})["ready"]  # missing fails
