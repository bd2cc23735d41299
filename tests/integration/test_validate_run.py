"""Validation of the session's tiny run (svgq_jax.validate): the report, its metrics, the splits, the CLI."""

import json
import shutil

import numpy as np
import pytest
from conftest import call_main, run_cli

from svgq_jax.data.dataset import load_dataset
from svgq_jax.validate import validate_run


@pytest.fixture(scope="module")
def validated(tiny_run, tmp_path_factory):
    run = tmp_path_factory.mktemp("val") / "run"
    shutil.copytree(tiny_run, run)
    report = validate_run(run, cv_folds=2, cv_epochs=2, cv_patience=1, quiet=True)
    return run, report


def test_report_has_every_section(validated):
    run, r = validated
    assert (run / "validation.json").is_file() and (run / "validation.md").is_file()
    for name in ("predicted_vs_actual", "residuals_by_type", "cv_folds", "baselines"):
        assert (run / "plots" / f"{name}.png").is_file()
    assert r["held_out_split"] == "test"
    assert set(r["baselines"]) == {"random", "mean", "ridge", "gradient_boosting", "per_type_heuristic"}
    assert len(r["cv"]["folds"]) == 2 and r["cv"]["std"] >= 0
    assert {c["name"] for c in r["readiness"]["checks"]} == {
        "pearson_r",
        "rmse",
        "within_0_1",
        "min_type_pearson_r",
        "r2",
        "cv_std",
    }
    assert r["readiness"]["ready"] == all(c["ok"] for c in r["readiness"]["checks"])
    md = (run / "validation.md").read_text()
    for heading in (
        "## Metrics",
        "## Ranking",
        "## Per logo type",
        "cross-validation",
        "## Baselines",
        "## Export readiness",
    ):
        assert heading in md


def test_test_metrics_agree_with_training_predictions(validated, tiny_dataset):
    run, r = validated
    saved = np.load(run / "predictions.npz")
    ds = load_dataset(tiny_dataset, 1)
    y = ds.ssim[saved["test_rows"]]
    rmse = float(np.sqrt(np.mean((saved["test_pred"][:, 0] - y) ** 2)))
    assert r["test"]["metrics"]["rmse"] == pytest.approx(rmse, abs=1e-6)
    assert r["test"]["metrics"]["n"] == len(y)
    log_error = np.abs(saved["test_pred"][:, 1] - np.log(ds.svg_bytes[saved["test_rows"]]))
    assert r["test"]["bytes"]["median_abs_log_error"] == pytest.approx(float(np.median(log_error)), abs=1e-5)
    assert set(r["bytes_baselines"]) == {"bytes_at_defaults", "bytes_gradient_boosting"}
    assert all("bytes_median_abs_log_error" in v for v in r["test"]["per_type"].values() if "n" in v)
    assert "## SVG bytes" in (run / "validation.md").read_text()


def test_no_image_leaks_across_splits(validated, tiny_dataset):
    run, _ = validated
    split = json.loads((run / "split.json").read_text())
    ds = load_dataset(tiny_dataset, 1)
    ids = {k: {ds.image_ids[i] for i in v} for k, v in split.items()}
    assert not (ids["train"] & ids["test"]) and not (ids["train"] & ids["val"]) and not (ids["val"] & ids["test"])


def test_small_types_are_skipped_and_say_so(validated):
    _, r = validated
    for v in r["test"]["per_type"].values():
        assert ("skipped" in v) == (v.get("n", 0) < 10)
        if "skipped" in v:
            assert "< 10" in v["skipped"]


def test_cli_bad_input(tmp_path, tiny_run):
    r = run_cli("svgq_jax.validate", "--run", tmp_path)
    assert r.returncode == 2 and "no finished training run" in r.stderr
    r = call_main("svgq_jax.validate", "--run", tiny_run, "--cv-folds", "1")
    assert r.returncode == 2 and "--cv-folds" in r.stderr
