"""A validation report for people: `validation.md` and the plots (`svgq_jax.validate` computes the report)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from svgq_jax.metrics import readiness_lines

HEAD = "| model | Pearson r | RMSE | MAE | R² | within 0.1 | within 0.05 |\n|---|---|---|---|---|---|---|"


def _fmt_metrics_row(name: str, m: dict) -> str:
    return (
        f"| {name} | {m['pearson_r']:.4f} | {m['rmse']:.4f} | {m['mae']:.4f} | {m['r2']:.4f} | "
        f"{m['within_0_1']:.3f} | {m['within_0_05']:.3f} |"
    )


def to_markdown(r: dict) -> str:
    """validation.md: every section of a validation report, for people."""
    held = r["held_out_split"]
    m = r[held]["metrics"]
    out = [
        f"# Validation of `{r['run']}`",
        "",
        f"Dataset `{r['dataset']}`; held-out split: **{held}** ({m['n']} examples, images never seen in training).",
        "",
    ]
    out += _metrics_table(r) + _ranking(r[held]["ranking"])
    if "bytes" in r[held]:
        out += _bytes_table(r[held]["bytes"], r.get("bytes_baselines", {}))
    out += _per_type_table(r[held]["per_type"])
    if r["cv"]:
        out += _cv_table(r["cv"])
    out += _baselines_table(r, held, m)
    if r.get("real"):
        out += _real_table(r["real"])
    out += ["", "## Export readiness (the seed's thresholds)", ""] + [
        f"- {line}" for line in readiness_lines(r["readiness"])
    ]
    out += [
        "",
        "Plots: `plots/predicted_vs_actual.png`, `plots/residuals_by_type.png`, `plots/cv_folds.png`, "
        "`plots/baselines.png`.",
    ]
    return "\n".join(out) + "\n"


def _metrics_table(r: dict) -> list[str]:
    out = [
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
    return out


def _ranking(rk: dict) -> list[str]:
    return [
        "",
        "## Ranking within each image",
        "",
        f"- mean per-image Spearman over its parameter sets: {rk['mean_spearman']:.4f} ({rk['n_images']} images)",
        f"- top-1 regret (best real SSIM among the sets minus the real SSIM of the model's pick): mean "
        f"{rk['regret_mean']:.4f}, p90 {rk['regret_p90']:.4f}",
        "",
    ]


def _bytes_table(b: dict, baselines: dict) -> list[str]:
    out = [
        "## SVG bytes (the second output)",
        "",
        "| model | median abs ln(pred / actual) | p90 | mean per-image Spearman |",
        "|---|---|---|---|",
        f"| **svgq_jax model** | {b['median_abs_log_error']:.3f} | {b['p90_abs_log_error']:.3f} | "
        f"{b['mean_spearman']:.4f} |",
    ]
    out += [
        f"| {name} | {x['median_abs_log_error']:.3f} | {x['p90_abs_log_error']:.3f} | {x['mean_spearman']:.4f} |"
        for name, x in baselines.items()
    ]
    return out + ["", "A median of 0.15 is about +-16 %.", ""]


def _cv_table(cv: dict) -> list[str]:
    out = [
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
    return out + [
        "",
        f"Mean {cv['mean']:.4f}, std {cv['std']:.4f}: {'stable' if cv['stable'] else 'NOT stable'} (criterion "
        f"std < 0.05).",
    ]


def _baselines_table(r: dict, held: str, m: dict) -> list[str]:
    out = [
        "",
        f"## Baselines (fit on {r['baseline_training_rows']} rows of the training images, scored on the {held} images)",
        "",
        HEAD,
        _fmt_metrics_row("**svgq_jax model**", m),
    ]
    return out + [
        _fmt_metrics_row(name + ("" if r["beats_baselines"][name] else " ⚠ not beaten"), b)
        for name, b in r["baselines"].items()
    ]


def _real_table(x: dict) -> list[str]:
    out = [
        "",
        f"## Real logos (`{x['path']}`, never drawn by the generator)",
        "",
        HEAD,
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
    return out


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


def plots(t, r: dict, held_pred: np.ndarray, out: Path) -> None:
    """predicted_vs_actual.png, residuals_by_type.png, cv_folds.png and baselines.png in `out`. `t`: the
    `validate.Trained` model and data; `held_pred`: its SSIM predictions on the held-out rows."""
    import matplotlib

    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(exist_ok=True)
    rows = t.rows(r["held_out_split"])
    y, types, test_pred = t.ds.ssim[rows], t.ds.image_types[t.ds.image_index[rows]], held_pred
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
