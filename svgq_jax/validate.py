"""Validation: `python -m svgq_jax.validate --run RUN` writes validation.json, validation.md and plots.

Sections: metrics of the kept checkpoint on the reserved test images (and the
validation images), ranking metrics per image, per-logo-type results, grouped
K-fold cross-validation by image (the seed's 20 epochs, patience 5), baselines
side by side, and export readiness against the seed's thresholds. The verdict is
written into the bundle metadata at export; export happens either way.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from svgq_jax import baselines, validation_report
from svgq_jax.configs.default import TrainConfig
from svgq_jax.core import cli
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import write_atomic, write_json
from svgq_jax.data.dataset import Dataset, load_dataset
from svgq_jax.data.splits import Split, kfold_images
from svgq_jax.metrics import bytes_metrics, compute_metrics, ranking_metrics, readiness, readiness_lines
from svgq_jax.model import predict_fn
from svgq_jax.train import fit
from svgq_jax.train.checkpoints import restore_kept_model
from svgq_jax.train.inputs import prepare_arrays
from svgq_jax.train.run import Run

MIN_TYPE_EXAMPLES = 10


@dataclasses.dataclass
class Trained:
    """What validation reads: a trained model (as a predict function), the data and the split it trained on."""

    predict: Callable[[np.ndarray], np.ndarray]  # raw inputs [N, n_inputs] -> [N, outputs] (SSIM, ln bytes)
    cfg: TrainConfig
    ds: Dataset
    split: Split

    @property
    def with_stats(self) -> bool:
        return self.cfg.with_stats

    def rows(self, part: str) -> np.ndarray:
        return self.split.rows(self.ds.image_index, part)

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """Predictions for these examples only (the dataset is never expanded whole)."""
        return self.predict(self.ds.inputs(rows, with_stats=self.with_stats).astype(np.float32))


def load_trained(run: Run) -> Trained:
    """A finished run's kept model and the dataset it was trained on."""
    run.require_finished()
    return Trained(predict_fn(restore_kept_model(run)), run.config(), run.dataset(), run.split())


def per_type(y, p, types, log_bytes=None, p_bytes=None) -> dict:
    """Both outputs' accuracy per logo type (bytes when the model predicts them)."""
    out = {}
    for t in sorted(set(types.tolist())):
        m = types == t
        if m.sum() < MIN_TYPE_EXAMPLES:
            out[t] = {"skipped": f"{int(m.sum())} examples (< {MIN_TYPE_EXAMPLES})"}
            continue
        met = compute_metrics(y[m], p[m])
        out[t] = {"n": met.n, "pearson_r": met.pearson_r, "rmse": met.rmse, "within_0_1": met.within_0_1}
        if p_bytes is not None:
            err = np.abs(p_bytes[m] - log_bytes[m])
            out[t].update(bytes_median_abs_log_error=float(np.median(err)), bytes_p90=float(np.percentile(err, 90)))
    return out


def _example_arrays(ds: Dataset, rows: np.ndarray) -> dict:
    return {
        "y": ds.ssim[rows],
        "log_bytes": np.log(ds.svg_bytes[rows].astype(np.float64)),
        "stats": ds.image_stats[ds.image_index[rows]],
        "params": ds.params[rows],
        "types": ds.image_types[ds.image_index[rows]],
        "groups": ds.image_index[rows],
    }


# The baselines fit on at most this many training rows (a seeded sample): their learning curve is flat past a
# few thousand (ACCURACY.md section 13), and a dataset larger than memory must not be expanded whole for them.
BASELINE_ROWS = 200_000


def _baseline_rows(rows: np.ndarray, seed: int, limit: int = BASELINE_ROWS) -> np.ndarray:
    rows = np.asarray(rows)
    return rows if len(rows) <= limit else np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))


def run_baselines(ds: Dataset, train_rows, test_rows, seed: int) -> dict:
    train, test = _example_arrays(ds, _baseline_rows(train_rows, seed)), _example_arrays(ds, test_rows)
    return {
        name: compute_metrics(test["y"], baselines.fit_predict(name, train, test, seed)).to_json()
        for name in baselines.NAMES
    }


def run_bytes_baselines(ds: Dataset, train_rows, test_rows, seed: int) -> dict:
    train, test = _example_arrays(ds, _baseline_rows(train_rows, seed)), _example_arrays(ds, test_rows)
    return {
        name: bytes_metrics(test["log_bytes"], baselines.fit_predict(name, train, test, seed), test["groups"]).to_json()
        for name in baselines.BYTES_NAMES
    }


def _scores(ds: Dataset, rows: np.ndarray, pred: np.ndarray) -> dict:
    """Metrics of predictions [n, outputs] on `rows`: SSIM, ranking, per type, and bytes when predicted."""
    y, groups, types = ds.ssim[rows], ds.image_index[rows], ds.image_types[ds.image_index[rows]]
    out = {
        "metrics": compute_metrics(y, pred[:, 0]).to_json(),
        "ranking": ranking_metrics(y, pred[:, 0], groups).to_json(),
    }
    if pred.shape[1] > 1:
        log_bytes = np.log(ds.svg_bytes[rows].astype(np.float64))
        out["bytes"] = bytes_metrics(log_bytes, pred[:, 1], groups).to_json()
        out["per_type"] = per_type(y, pred[:, 0], types, log_bytes, pred[:, 1])
    else:
        out["per_type"] = per_type(y, pred[:, 0], types)
    return out


def cross_validate(t: Trained, folds: int, epochs: int, patience: int, quiet: bool) -> dict:
    """Grouped K-fold over the non-test images: each fold's images are held out once, each fold trained with
    the public `fit`."""
    pool = np.sort(np.concatenate([t.split.train, t.split.val]))
    cfg = dataclasses.replace(t.cfg, epochs=epochs, early_stopping_patience=patience)
    results = []
    for k, held in enumerate(kfold_images(t.ds.image_types, pool, folds, t.cfg.seed)):
        split = Split(train=np.setdiff1d(pool, held), val=held, test=t.split.test)
        arrays = prepare_arrays(t.ds, split, cfg)
        start = time.perf_counter()
        f = fit(cfg, arrays, arrays.rows["train"], arrays.rows["val"], quiet=True)
        m = compute_metrics(arrays.y[arrays.rows["val"], 0], f.predict_rows(arrays, arrays.rows["val"])[:, 0])
        results.append(
            {
                "fold": k + 1,
                "images": int(len(held)),
                "best_pearson": float(f.kept["pearson"]),
                "best_epoch": int(f.kept["epoch"]),
                "final_pearson": f.history[-1].val_pearson,
                "rmse": m.rmse,
                "epochs": len(f.history),
                "seconds": time.perf_counter() - start,
            }
        )
        if not quiet:
            r = results[-1]
            print(
                f"CV fold {k + 1}/{folds}: best r {r['best_pearson']:.4f} (epoch {r['best_epoch']}), "
                f"final r {r['final_pearson']:.4f}, RMSE {m.rmse:.4f}",
                file=sys.stderr,
            )
    best = np.array([r["best_pearson"] for r in results])
    return {
        "folds": results,
        "mean": float(best.mean()),
        "std": float(best.std()),
        "stable": bool(best.std() < 0.05),
        "settings": {"folds": folds, "epochs": epochs, "patience": patience},
    }


def evaluate_external(predict, ds: Dataset, with_stats: bool) -> dict:
    """Metrics on another dataset (e.g. real logos labelled by `data build`), all of it held out."""
    pred = predict(ds.inputs(with_stats=with_stats).astype(np.float32))
    return {"path": str(ds.root), **_scores(ds, np.arange(ds.n_examples), pred)}


def validate(
    t: Trained, cv_folds: int = 5, cv_epochs: int = 20, cv_patience: int = 5, real: Dataset | None = None, quiet=False
) -> tuple[dict, np.ndarray]:
    """The validation report of a trained model, and its held-out SSIM predictions (for the plots)."""
    report, held_pred = {"dataset": str(t.ds.root)}, None
    for part in ("test", "val"):
        rows = t.rows(part)
        if len(rows):
            pred = t.predict_rows(rows)
            report[part] = _scores(t.ds, rows, pred)
            held_pred = pred[:, 0] if held_pred is None else held_pred
    held = "test" if "test" in report else "val"
    report["held_out_split"] = held
    train_rows = t.rows("train")
    report["baseline_training_rows"] = len(_baseline_rows(train_rows, t.cfg.seed))
    report["baselines"] = run_baselines(t.ds, train_rows, t.rows(held), t.cfg.seed)
    if "bytes" in report[held]:
        report["bytes_baselines"] = run_bytes_baselines(t.ds, train_rows, t.rows(held), t.cfg.seed)
    report["cv"] = cross_validate(t, cv_folds, cv_epochs, cv_patience, quiet) if cv_folds >= 2 else None
    if real is not None:
        report["real"] = evaluate_external(t.predict, real, t.with_stats)
    report["readiness"] = _readiness(report)
    m = report[held]["metrics"]
    report["beats_baselines"] = {
        name: bool(m["pearson_r"] > b["pearson_r"] and m["rmse"] < b["rmse"]) for name, b in report["baselines"].items()
    }
    report["summary"] = _summary(report)
    return report, held_pred


def _readiness(report: dict) -> dict:
    held = report[report["held_out_split"]]
    m, cv = held["metrics"], report["cv"]
    type_rs = [v["pearson_r"] for v in held["per_type"].values() if "pearson_r" in v]
    return readiness(
        {
            "pearson_r": m["pearson_r"],
            "rmse": m["rmse"],
            "within_0_1": m["within_0_1"],
            "r2": m["r2"],
            "min_type_pearson_r": min(type_rs) if type_rs else None,
            "cv_std": cv["std"] if cv else None,
        }
    )


def _summary(report: dict) -> dict:
    held = report["held_out_split"]
    m, cv, real = report[held]["metrics"], report["cv"], report.get("real")
    summary = {
        "split": held,
        "pearson_r": m["pearson_r"],
        "rmse": m["rmse"],
        "r2": m["r2"],
        "within_0_1": m["within_0_1"],
        "cv_mean": cv["mean"] if cv else None,
        "cv_std": cv["std"] if cv else None,
        "real_pearson_r": real["metrics"]["pearson_r"] if real else None,
        "real_rmse": real["metrics"]["rmse"] if real else None,
    }
    if "bytes" in report[held]:
        b = report[held]["bytes"]
        summary.update(
            bytes_median_abs_log_error=b["median_abs_log_error"],
            bytes_p90_abs_log_error=b["p90_abs_log_error"],
            bytes_mean_spearman=b["mean_spearman"],
        )
    return summary


def validate_run(
    run_dir: str | Path,
    cv_folds: int = 5,
    cv_epochs: int = 20,
    cv_patience: int = 5,
    real_data: str | None = None,
    quiet: bool = False,
) -> dict:
    """Validate a finished run; writes RUN/validation.json, validation.md and plots, and returns the report."""
    run = Run(run_dir)
    t = load_trained(run)
    real = load_dataset(real_data, min_examples=1) if real_data else None
    report, held_pred = validate(t, cv_folds, cv_epochs, cv_patience, real, quiet)
    report = {"run": str(run.root), **report}
    write_json(run.validation_file, report)
    write_atomic(run.validation_report, validation_report.to_markdown(report))
    validation_report.plots(t, report, held_pred, run.plots)
    if not quiet:
        print("\n".join(readiness_lines(report["readiness"])), file=sys.stderr)
    return report


def main(argv=None) -> int:
    p = cli.Parser(
        prog="python -m svgq_jax.validate",
        description="Validate a trained run: test metrics, ranking, per-type results, "
        "grouped K-fold CV, baselines and export readiness; writes RUN/validation.json, validation.md and plots.",
    )
    p.add_argument("--run", required=True, metavar="RUN")
    p.add_argument("--cv-folds", type=int, default=5, help="folds of grouped cross-validation (default 5; 0 skips it)")
    p.add_argument("--cv-epochs", type=int, default=20, help="epochs per fold (default 20, the seed's setting)")
    p.add_argument("--cv-patience", type=int, default=5, help="early-stopping patience per fold (default 5)")
    p.add_argument(
        "--real-data",
        metavar="DIR",
        help="also evaluate on this dataset (e.g. real logos built with `data build --logos FOLDER`)",
    )
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.cv_folds == 1 or a.cv_folds < 0:
        raise InputError(f"--cv-folds must be 0 (skip) or at least 2, got {a.cv_folds}")
    r = validate_run(a.run, a.cv_folds, a.cv_epochs, a.cv_patience, a.real_data, a.quiet)
    s = r["summary"]
    print(
        f"{s['split']}: r {s['pearson_r']:.4f}, RMSE {s['rmse']:.4f}, R² {s['r2']:.4f}; readiness "
        f"{r['readiness']['verdict']} -> {Run(a.run).validation_report}"
    )
    return 0


if __name__ == "__main__":
    cli.main(main)
