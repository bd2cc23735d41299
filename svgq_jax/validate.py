"""Validation: `python -m svgq_jax.validate --run RUN` writes validation.json, validation.md and plots.

Sections: metrics of the kept checkpoint on the reserved test images (and the
validation images), ranking metrics per image, per-logo-type results, grouped
K-fold cross-validation by image (the seed's 20 epochs, patience 5), baselines
side by side, and export readiness against the seed's thresholds. The verdict is
written into the bundle metadata at export; export happens either way.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from svgq_jax import baselines
from svgq_jax.data.dataset import Dataset, load_dataset
from svgq_jax.data.splits import Split, kfold_images
from svgq_jax.errors import InputError
from svgq_jax.files import write_atomic, write_json
from svgq_jax.metrics import bytes_metrics, compute_metrics, ranking_metrics, readiness, readiness_lines

MIN_TYPE_EXAMPLES = 10


@dataclasses.dataclass
class RunData:
    """A finished run and the dataset it was trained on."""

    run: Path
    cfg: object
    ds: Dataset
    split: Split

    @property
    def with_stats(self) -> bool:
        return self.cfg.with_stats

    def rows(self, part: str) -> np.ndarray:
        return self.split.rows(self.ds.image_index, part)


def load_run(run_dir: str | Path) -> RunData:
    from svgq_jax import config

    run = Path(run_dir)
    if not (run / "results.json").is_file():
        raise InputError(f"{run}: no finished training run (results.json missing)")
    cfg = config.make_config(json.loads((run / "config.json").read_text()))
    data = json.loads((run / "data.json").read_text())
    ds = load_dataset(data["path"], min_examples=1)
    if ds.metadata["backbone"]["sha256"] != data["backbone"]["sha256"]:
        raise InputError(f"{data['path']}: backbone differs from the one {run} was trained with")
    split = json.loads((run / "split.json").read_text())
    return RunData(run, cfg, ds, Split(**{k: np.asarray(v, dtype=np.int64) for k, v in split.items()}))


def predictor(run: Path):
    """The run's kept model as a jitted numpy function rows -> predictions [N, outputs] (SSIM, log bytes)."""
    import jax
    from flax import nnx

    from svgq_jax.checkpoints import restore_kept_model

    model = restore_kept_model(run)
    graphdef, state = nnx.split(model)
    fn = jax.jit(lambda s, x: nnx.merge(graphdef, s)(x))
    n_out = len(model.cfg.outputs)
    return lambda X: (
        np.concatenate([np.asarray(fn(state, X[i : i + 8192])) for i in range(0, len(X), 8192)])
        if len(X)
        else np.zeros((0, n_out))
    )


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


def cross_validate(rd: RunData, folds: int, epochs: int, patience: int, quiet: bool) -> dict:
    """Grouped K-fold over the non-test images: each fold's images are held out once."""
    from svgq_jax.train import fit, prepare_arrays

    pool = np.sort(np.concatenate([rd.split.train, rd.split.val]))
    cfg = dataclasses.replace(rd.cfg, epochs=epochs, early_stopping_patience=patience)
    results = []
    for k, held in enumerate(kfold_images(rd.ds.image_types, pool, folds, rd.cfg.seed)):
        split = Split(train=np.setdiff1d(pool, held), val=held, test=rd.split.test)
        arrays = prepare_arrays(rd.ds, split, cfg)
        t = time.perf_counter()
        f = fit(cfg, arrays, arrays.rows["train"], arrays.rows["val"], quiet=True)
        pred = f.steps.predict_rows(f.kept_state, arrays, arrays.rows["val"])[:, 0]
        m = compute_metrics(arrays.y[arrays.rows["val"], 0], pred)
        results.append(
            {
                "fold": k + 1,
                "images": int(len(held)),
                "best_pearson": float(f.kept["pearson"]),
                "best_epoch": int(f.kept["epoch"]),
                "final_pearson": f.history[-1].val_pearson,
                "rmse": m.rmse,
                "epochs": len(f.history),
                "seconds": time.perf_counter() - t,
            }
        )
        if not quiet:
            print(
                f"CV fold {k + 1}/{folds}: best r {results[-1]['best_pearson']:.4f} (epoch "
                f"{results[-1]['best_epoch']}), "
                f"final r {results[-1]['final_pearson']:.4f}, RMSE {m.rmse:.4f}",
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


def validate_run(
    run_dir: str | Path,
    cv_folds: int = 5,
    cv_epochs: int = 20,
    cv_patience: int = 5,
    real_data: str | None = None,
    quiet: bool = False,
) -> dict:
    rd = load_run(run_dir)
    predict = predictor(rd.run)
    report = {"run": str(rd.run), "dataset": str(rd.ds.root)}
    for part in ("test", "val"):
        rows = rd.rows(part)
        if len(rows) == 0:
            continue
        pred = predict(rd.ds.inputs(rows, with_stats=rd.with_stats).astype(np.float32))  # these rows only
        report[part] = _scores(rd.ds, rows, pred)
        if part == "test":
            report["_test_pred"] = pred[:, 0].tolist()
    held = "test" if "test" in report else "val"
    report["held_out_split"] = held
    report["baseline_training_rows"] = len(_baseline_rows(rd.rows("train"), rd.cfg.seed))
    report["baselines"] = run_baselines(rd.ds, rd.rows("train"), rd.rows(held), rd.cfg.seed)
    if "bytes" in report[held]:
        report["bytes_baselines"] = run_bytes_baselines(rd.ds, rd.rows("train"), rd.rows(held), rd.cfg.seed)
    report["cv"] = cross_validate(rd, cv_folds, cv_epochs, cv_patience, quiet) if cv_folds >= 2 else None
    if real_data:
        report["real"] = evaluate_external(predict, load_dataset(real_data, min_examples=1), rd.with_stats)
    m = report[held]["metrics"]
    type_rs = [v["pearson_r"] for v in report[held]["per_type"].values() if "pearson_r" in v]
    report["readiness"] = readiness(
        {
            "pearson_r": m["pearson_r"],
            "rmse": m["rmse"],
            "within_0_1": m["within_0_1"],
            "r2": m["r2"],
            "min_type_pearson_r": min(type_rs) if type_rs else None,
            "cv_std": report["cv"]["std"] if report["cv"] else None,
        }
    )
    report["beats_baselines"] = {
        name: bool(m["pearson_r"] > b["pearson_r"] and m["rmse"] < b["rmse"]) for name, b in report["baselines"].items()
    }
    report["summary"] = {
        "split": held,
        "pearson_r": m["pearson_r"],
        "rmse": m["rmse"],
        "r2": m["r2"],
        "within_0_1": m["within_0_1"],
        "cv_mean": report["cv"]["mean"] if report["cv"] else None,
        "cv_std": report["cv"]["std"] if report["cv"] else None,
        "real_pearson_r": report["real"]["metrics"]["pearson_r"] if real_data else None,
        "real_rmse": report["real"]["metrics"]["rmse"] if real_data else None,
    }
    if "bytes" in report[held]:
        b = report[held]["bytes"]
        report["summary"].update(
            bytes_median_abs_log_error=b["median_abs_log_error"],
            bytes_p90_abs_log_error=b["p90_abs_log_error"],
            bytes_mean_spearman=b["mean_spearman"],
        )
    test_pred = np.asarray(report.pop("_test_pred", []))
    write_json(rd.run / "validation.json", report)
    write_atomic(rd.run / "validation.md", to_markdown(report))
    _plots(rd, report, test_pred)
    if not quiet:
        print("\n".join(readiness_lines(report["readiness"])), file=sys.stderr)
    return report


def _fmt_metrics_row(name: str, m: dict) -> str:
    return (
        f"| {name} | {m['pearson_r']:.4f} | {m['rmse']:.4f} | {m['mae']:.4f} | {m['r2']:.4f} | "
        f"{m['within_0_1']:.3f} | {m['within_0_05']:.3f} |"
    )


def to_markdown(r: dict) -> str:
    held = r["held_out_split"]
    m = r[held]["metrics"]
    head = "| model | Pearson r | RMSE | MAE | R² | within 0.1 | within 0.05 |\n|---|---|---|---|---|---|---|"
    out = [
        f"# Validation of `{r['run']}`",
        "",
        f"Dataset `{r['dataset']}`; held-out split: **{held}** ({m['n']} examples, images never seen in training).",
        "",
    ]
    out += [
        "## Metrics (the kept checkpoint: the last epoch, or the best validation r under early stopping)",
        "",
        "| split | n | MSE | MAE | RMSE | Pearson r (p) | Spearman | R² | within 0.1 | within 0.05 | max err | "
        "median err |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for part in ("test", "val"):
        if part in r:
            x = r[part]["metrics"]
            out.append(
                f"| {part} | {x['n']} | {x['mse']:.5f} | {x['mae']:.4f} | {x['rmse']:.4f} | {x['pearson_r']:.4f} "
                f"({x['pearson_p']:.1e}) | {x['spearman_rho']:.4f} | {x['r2']:.4f} | {x['within_0_1']:.3f} | "
                f"{x['within_0_05']:.3f} | {x['max_error']:.3f} | {x['median_error']:.4f} |"
            )
    rk = r[held]["ranking"]
    out += [
        "",
        "## Ranking within each image",
        "",
        f"- mean per-image Spearman over its parameter sets: {rk['mean_spearman']:.4f} ({rk['n_images']} images)",
        f"- top-1 regret (best real SSIM among the sets minus the real SSIM of the model's pick): mean "
        f"{rk['regret_mean']:.4f}, p90 {rk['regret_p90']:.4f}",
        "",
    ]
    if "bytes" in r[held]:
        b = r[held]["bytes"]
        out += [
            "## SVG bytes (the second output)",
            "",
            "| model | median abs ln(pred / actual) | p90 | mean per-image Spearman |",
            "|---|---|---|---|",
            f"| **svgq_jax model** | {b['median_abs_log_error']:.3f} | {b['p90_abs_log_error']:.3f} | "
            f"{b['mean_spearman']:.4f} |",
        ]
        out += [
            f"| {name} | {x['median_abs_log_error']:.3f} | {x['p90_abs_log_error']:.3f} | {x['mean_spearman']:.4f} |"
            for name, x in r.get("bytes_baselines", {}).items()
        ]
        out += ["", "A median of 0.15 is about +-16 %.", ""]
    out += _per_type_table(r[held]["per_type"])
    if r["cv"]:
        cv = r["cv"]
        out += [
            "",
            f"## Grouped {cv['settings']['folds']}-fold cross-validation by image ({cv['settings']['epochs']} "
            f"epochs, patience {cv['settings']['patience']})",
            "",
            "| fold | images | best r (epoch) | final r | RMSE |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {f['fold']} | {f['images']} | {f['best_pearson']:.4f} ({f['best_epoch']}) | "
            f"{f['final_pearson']:.4f} | {f['rmse']:.4f} |"
            for f in cv["folds"]
        ]
        out += [
            "",
            f"Mean {cv['mean']:.4f}, std {cv['std']:.4f}: {'stable' if cv['stable'] else 'NOT stable'} (criterion "
            f"std < 0.05).",
        ]
    out += [
        "",
        f"## Baselines (fit on {r['baseline_training_rows']} rows of the training images, scored on the {held} images)",
        "",
        head,
        _fmt_metrics_row("**svgq_jax model**", m),
    ]
    out += [
        _fmt_metrics_row(name + ("" if r["beats_baselines"][name] else " ⚠ not beaten"), b)
        for name, b in r["baselines"].items()
    ]
    if r.get("real"):
        x = r["real"]
        out += [
            "",
            f"## Real logos (`{x['path']}`, never drawn by the generator)",
            "",
            head,
            _fmt_metrics_row("svgq_jax model", x["metrics"]),
            "",
            "| source | n | Pearson r | RMSE | within 0.1 |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {t} | {v['n']} | {v['pearson_r']:.4f} | {v['rmse']:.4f} | {v['within_0_1']:.3f} |"
            for t, v in x["per_type"].items()
            if "n" in v
        ]
        if "bytes" in x:
            b = x["bytes"]
            out += [
                "",
                f"SVG bytes: median abs ln(pred / actual) {b['median_abs_log_error']:.3f}, p90 "
                f"{b['p90_abs_log_error']:.3f}, mean per-image Spearman {b['mean_spearman']:.4f}.",
            ]
    out += ["", "## Export readiness (the seed's thresholds)", ""] + [
        f"- {line}" for line in readiness_lines(r["readiness"])
    ]
    out += [
        "",
        "Plots: `plots/predicted_vs_actual.png`, `plots/residuals_by_type.png`, `plots/cv_folds.png`, "
        "`plots/baselines.png`.",
    ]
    return "\n".join(out) + "\n"


def _per_type_table(per_type: dict) -> list[str]:
    with_bytes = any("bytes_median_abs_log_error" in v for v in per_type.values())
    head = "| type | n | Pearson r | RMSE | within 0.1 |" + (" bytes median abs ln | bytes p90 |" if with_bytes else "")
    out = ["## Per logo type", "", head, "|---|---|---|---|---|" + ("---|---|" if with_bytes else "")]
    for t, v in per_type.items():
        if "skipped" in v:
            out.append(f"| {t} | skipped: {v['skipped']} | | | |" + (" | |" if with_bytes else ""))
            continue
        row = f"| {t} | {v['n']} | {v['pearson_r']:.4f} | {v['rmse']:.4f} | {v['within_0_1']:.3f} |"
        if with_bytes:
            row += f" {v['bytes_median_abs_log_error']:.3f} | {v['bytes_p90']:.3f} |"
        out.append(row)
    return out


def _plots(rd: RunData, r: dict, test_pred: np.ndarray) -> None:
    import matplotlib

    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = rd.run / "plots"
    out.mkdir(exist_ok=True)
    rows = rd.rows(r["held_out_split"])
    if len(test_pred) != len(rows):
        test_pred = predictor(rd.run)(rd.ds.inputs(rows, with_stats=rd.with_stats).astype(np.float32))[:, 0]
    y, types = rd.ds.ssim[rows], rd.ds.image_types[rd.ds.image_index[rows]]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(y, test_pred, s=4, alpha=0.5)
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.set(
        xlabel="real SSIM",
        ylabel="predicted SSIM",
        title=f"{r['held_out_split']}: r {r[r['held_out_split']]['metrics']['pearson_r']:.3f}",
    )
    fig.savefig(out / "predicted_vs_actual.png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    names = sorted(set(types.tolist()))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.boxplot([test_pred[types == t] - y[types == t] for t in names], tick_labels=names, showfliers=False)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(ylabel="predicted - real SSIM", title="residuals by logo type")
    fig.savefig(out / "residuals_by_type.png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    if r["cv"]:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        f = r["cv"]["folds"]
        ax.bar([x["fold"] for x in f], [x["best_pearson"] for x in f])
        ax.axhline(r["cv"]["mean"], color="k", lw=0.8)
        ax.set(xlabel="fold", ylabel="best Pearson r", title=f"CV: mean {r['cv']['mean']:.3f} ± {r['cv']['std']:.3f}")
        fig.savefig(out / "cv_folds.png", dpi=90, bbox_inches="tight")
        plt.close(fig)
    names = ["svgq_jax", *r["baselines"]]
    rs = [r[r["held_out_split"]]["metrics"]["pearson_r"], *[b["pearson_r"] for b in r["baselines"].values()]]
    rmses = [r[r["held_out_split"]]["metrics"]["rmse"], *[b["rmse"] for b in r["baselines"].values()]]
    fig, ax = plt.subplots(1, 2, figsize=(11, 3.5))
    ax[0].barh(names, rs)
    ax[0].set(title="Pearson r (higher is better)")
    ax[1].barh(names, rmses)
    ax[1].set(title="RMSE (lower is better)")
    fig.savefig(out / "baselines.png", dpi=90, bbox_inches="tight")
    plt.close(fig)


def main(argv=None) -> int:
    from svgq_jax import cli

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
        f"{r['readiness']['verdict']} -> {Path(a.run) / 'validation.md'}"
    )
    return 0


if __name__ == "__main__":
    from svgq_jax import cli

    cli.main(main)
