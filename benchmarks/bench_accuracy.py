"""Accuracy experiments: train configs, then score them on held-out images and on real logos.

Each experiment trains on DATA (split by image, the test images reserved) and is
scored on those test images and, when given, on datasets of real logos that the
generator never drew (each `--real`, e.g. `../shared/real-logos` built with
`python -m svgq_jax.data build --logos ../shared/real-logos --out /tmp/real`, and
`../shared/real-logos-native`, labelled at the logos' own sizes).
Baselines (ridge and gradient boosting on image statistics + parameters) are fit
and scored in the same run. Prints a markdown table for benchmarks/ACCURACY.md.

    python benchmarks/bench_accuracy.py --data data/default [--real /tmp/real ...] [--out /tmp/acc] \
        [--ensemble 5] '{}' '{"resnet_weight": 1.0}' '{"input_features": "resnet"}'

With --ensemble N, each config is also trained N times on the same split (init and
batch-order seeds 0..N-1) and the members' mean prediction is scored beside the
first member's.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from svgq_jax import baselines, config
from svgq_jax.data.dataset import load_dataset
from svgq_jax.metrics import bytes_metrics, compute_metrics
from svgq_jax.train import train_and_evaluate
from svgq_jax.train.run import Run
from svgq_jax.validate import evaluate_external, load_trained


def _row(name: str, held: dict, reals: list[dict], extra: str = "") -> str:
    r = f"| {name} | {held['pearson_r']:.3f} | {held['rmse']:.4f} |"
    r += "".join(f" {m['pearson_r']:.3f} | {m['rmse']:.4f} |" for m in reals)
    return r + f" {extra} |"


def baseline_rows(data: str, reals: list[str], seed: int = 0) -> list[str]:
    from svgq_jax.data.splits import split_images

    ds = load_dataset(data, 1)
    cfg = config.make_config({})
    split = split_images(ds.image_types, cfg.validation_split, cfg.test_split, seed)
    arr = lambda d, rows: {
        "y": d.ssim[rows],
        "stats": d.image_stats[d.image_index[rows]],
        "params": d.params[rows],
        "types": d.image_types[d.image_index[rows]],
    }
    train, test = arr(ds, split.rows(ds.image_index, "train")), arr(ds, split.rows(ds.image_index, "test"))
    real_sets = [arr(d, np.arange(d.n_examples)) for d in (load_dataset(r, 1) for r in reals)]
    rows = []
    for name in ("ridge", "gradient_boosting"):
        held = compute_metrics(test["y"], baselines.fit_predict(name, train, test, seed)).to_json()
        rr = [compute_metrics(ra["y"], baselines.fit_predict(name, train, ra, seed)).to_json() for ra in real_sets]
        rows.append(_row(f"baseline: {name}", held, rr))
    return rows


def experiment(data: str, reals: list[str], out: Path, overrides: dict) -> str:
    cfg = config.make_config(overrides)
    run = out / f"exp{abs(hash(json.dumps(overrides, sort_keys=True))) % 10**8}"
    t = time.perf_counter()
    res = train_and_evaluate(cfg, data, run, overwrite=True, quiet=True)
    rd = load_trained(Run(run))
    predict = rd.predict
    rows = rd.rows("test")
    pred = rd.predict_rows(rows)
    held = compute_metrics(rd.ds.ssim[rows], pred[:, 0]).to_json()
    external = [evaluate_external(predict, load_dataset(r, 1), rd.with_stats) for r in reals]
    notes = f"{res.epochs_trained} ep, {time.perf_counter() - t:.0f} s"
    if pred.shape[1] > 1:  # the bytes output, held-out then each real set
        b = bytes_metrics(np.log(rd.ds.svg_bytes[rows].astype(np.float64)), pred[:, 1], rd.ds.image_index[rows])
        notes += "; bytes median/p90 abs ln error, within-image Spearman: " + ", ".join(
            f"{m['median_abs_log_error']:.3f}/{m['p90_abs_log_error']:.3f}/{m['mean_spearman']:.3f}"
            for m in [b.to_json(), *(e["bytes"] for e in external)]
        )
    return _row(f"`{json.dumps(overrides)}`", held, [e["metrics"] for e in external], notes)


def ensemble(data: str, reals: list[str], overrides: dict, n: int) -> list[str]:
    """Members differ only in init and batch order; the split (seed 0) is shared, so the rows compare."""
    from svgq_jax.data.splits import split_images
    from svgq_jax.train import fit
    from svgq_jax.train.inputs import prepare_arrays

    base = config.make_config(overrides)
    ds = load_dataset(data, base.min_examples)
    split = split_images(ds.image_types, base.validation_split, base.test_split, base.seed)
    arrays = prepare_arrays(ds, split, base)
    rds = [load_dataset(r, 1) for r in reals]
    X_real = [d.inputs(with_stats=base.with_stats).astype(np.float32) for d in rds]
    test_rows = arrays.rows["test"]
    held, real_preds = [], []  # real_preds[k][j]: member k on real set j
    for k in range(n):
        f = fit(
            config.make_config({**overrides, "seed": k}), arrays, arrays.rows["train"], arrays.rows["val"], quiet=True
        )
        held.append(f.steps.predict_rows(f.kept_state, arrays, test_rows)[:, 0])
        real_preds.append([f.steps.predict(f.kept_state, X)[:, 0] for X in X_real])
    score = lambda preds, y: compute_metrics(y, np.mean(preds, axis=0)).to_json()
    real_of = lambda members: [score([m[j] for m in members], d.ssim) for j, d in enumerate(rds)]
    y = arrays.y[test_rows, 0]
    held_r = [score([h], y)["pearson_r"] for h in held]
    per_seed = f"per seed: held-out r {np.mean(held_r):.3f} ± {np.std(held_r):.3f}"
    return [
        _row(f"`{json.dumps(overrides)}`, member 0 of the ensemble", score(held[:1], y), real_of(real_preds[:1])),
        _row(f"`{json.dumps(overrides)}`, mean of {n} members", score(held, y), real_of(real_preds), per_seed),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="data/default")
    ap.add_argument(
        "--real", action="append", default=[], help="a dataset of real logos (`data build --logos FOLDER`); repeatable"
    )
    ap.add_argument("--out", default="/tmp/svgq_accuracy", help="where experiment runs are written")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--ensemble", type=int, default=0, metavar="N", help="also score the mean of N seeds per config")
    ap.add_argument("configs", nargs="*", default=["{}"], help="JSON config overrides, one experiment each")
    a = ap.parse_args()
    print(f"data `{a.data}`, real logos {', '.join(f'`{r}`' for r in a.real) or 'none'}\n")
    cols = "".join(f" {Path(r).name} r | {Path(r).name} RMSE |" for r in a.real)
    print(
        f"| experiment | held-out r | held-out RMSE |{cols} notes |\n|---|---|---|" + "---|---|" * len(a.real) + "---|"
    )
    if not a.no_baselines:
        for r in baseline_rows(a.data, a.real):
            print(r, flush=True)
    for spec in a.configs:
        print(experiment(a.data, a.real, Path(a.out), json.loads(spec)), flush=True)
        if a.ensemble > 1:
            for r in ensemble(a.data, a.real, json.loads(spec), a.ensemble):
                print(r, flush=True)


if __name__ == "__main__":
    main()
