"""Regression and ranking metrics for predicted SSIM, vectorised with numpy/scipy.

Correlations and p-values come from scipy.stats. Everything takes plain arrays:
`y` the real SSIM, `p` the prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass
class ValidationMetrics:
    n: int
    mse: float
    mae: float
    rmse: float
    pearson_r: float
    pearson_p: float
    spearman_rho: float
    r2: float
    within_0_1: float  # share of predictions within 0.1 of the real SSIM
    within_0_05: float
    max_error: float
    median_error: float

    def to_json(self) -> dict:
        return asdict(self)


def _corr(fn, y, p) -> tuple[float, float]:
    if len(y) < 3 or np.ptp(y) == 0 or np.ptp(p) == 0:
        return 0.0, 1.0  # undefined for constant inputs: report no correlation
    res = fn(y, p)
    return float(res.statistic), float(res.pvalue)


def compute_metrics(y, p) -> ValidationMetrics:
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if y.shape != p.shape or y.ndim != 1 or len(y) == 0:
        raise ValueError(f"expected two equal 1-D arrays, got {y.shape} and {p.shape}")
    err = np.abs(p - y)
    mse = float(np.mean(err**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r, pv = _corr(stats.pearsonr, y, p)
    rho, _ = _corr(stats.spearmanr, y, p)
    return ValidationMetrics(
        n=len(y),
        mse=mse,
        mae=float(err.mean()),
        rmse=float(np.sqrt(mse)),
        pearson_r=r,
        pearson_p=pv,
        spearman_rho=rho,
        r2=float(1 - np.sum((y - p) ** 2) / ss_tot) if ss_tot > 0 else 0.0,
        within_0_1=float(np.mean(err <= 0.1)),
        within_0_05=float(np.mean(err <= 0.05)),
        max_error=float(err.max()),
        median_error=float(np.median(err)),
    )


@dataclass
class RankingMetrics:
    """How well the model orders one image's parameter sets (what an optimizer needs)."""

    n_images: int
    mean_spearman: float  # per-image Spearman over its parameter sets, averaged
    regret_mean: float  # best real SSIM among the sets minus the real SSIM of the model's top pick
    regret_p90: float

    def to_json(self) -> dict:
        return asdict(self)


def ranking_metrics(y, p, groups) -> RankingMetrics:
    """Ranking quality within each group (image) of at least two examples."""
    y, p, groups = np.asarray(y), np.asarray(p), np.asarray(groups)
    rhos, regrets = [], []
    for g in np.unique(groups):
        m = groups == g
        if m.sum() < 2:
            continue
        yg, pg = y[m], p[m]
        regrets.append(float(yg.max() - yg[np.argmax(pg)]))
        if np.ptp(yg) > 0 and np.ptp(pg) > 0:
            rhos.append(float(stats.spearmanr(yg, pg).statistic))
    if not regrets:
        return RankingMetrics(0, 0.0, 0.0, 0.0)
    return RankingMetrics(
        len(regrets), float(np.mean(rhos)) if rhos else 0.0, float(np.mean(regrets)), float(np.percentile(regrets, 90))
    )


# The seed's export-readiness thresholds: (metric, comparison, threshold).
READINESS = (
    ("pearson_r", ">=", 0.90),
    ("rmse", "<=", 0.05),
    ("within_0_1", ">=", 0.85),
    ("min_type_pearson_r", ">=", 0.85),
    ("r2", ">=", 0.80),
    ("cv_std", "<", 0.05),
)


def readiness(values: dict) -> dict:
    """Judge each threshold; a missing value fails. Returns checks and an overall verdict."""
    ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}
    checks = []
    for name, op, threshold in READINESS:
        v = values.get(name)
        ok = v is not None and bool(ops[op](v, threshold))
        checks.append(
            {"name": name, "value": float("nan") if v is None else float(v), "op": op, "threshold": threshold, "ok": ok}
        )
    return {
        "checks": checks,
        "ready": all(c["ok"] for c in checks),
        "verdict": "READY" if all(c["ok"] for c in checks) else "NOT READY",
    }


def readiness_lines(r: dict) -> list[str]:
    return [
        f"{'✅' if c['ok'] else '❌'} {c['name']:20s} {c['value']:.4f} (needs {c['op']} {c['threshold']})"
        for c in r["checks"]
    ] + [f"{'✅' if r['ready'] else '❌'} export readiness: {r['verdict']}"]


@dataclass
class BytesMetrics:
    """How well the log-bytes output predicts the SVG's size."""

    n: int
    median_abs_log_error: float  # median |ln(predicted / actual bytes)|: 0.15 is about +-16 %
    p90_abs_log_error: float
    mean_spearman: float  # per-image Spearman of predicted vs actual bytes over its parameter sets

    def to_json(self) -> dict:
        return asdict(self)


def bytes_metrics(log_y, log_p, groups) -> BytesMetrics:
    """Accuracy of predicted log bytes `log_p` against the actual `log_y`, ranking within each group (image)."""
    log_y, log_p, groups = np.asarray(log_y, np.float64), np.asarray(log_p, np.float64), np.asarray(groups)
    err = np.abs(log_p - log_y)
    rhos = [
        float(stats.spearmanr(log_y[m], log_p[m]).statistic)
        for m in (groups == g for g in np.unique(groups))
        if m.sum() >= 3 and np.ptp(log_y[m]) > 0 and np.ptp(log_p[m]) > 0
    ]
    return BytesMetrics(
        n=len(err),
        median_abs_log_error=float(np.median(err)) if len(err) else 0.0,
        p90_abs_log_error=float(np.percentile(err, 90)) if len(err) else 0.0,
        mean_spearman=float(np.mean(rhos)) if rhos else 0.0,
    )
