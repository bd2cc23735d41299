"""Accuracy experiments: train configs, then score them on held-out images and on real logos.

Each experiment trains on DATA (split by image, the test images reserved) and is
scored on those test images and, when given, on a second dataset of real logos
that the generator never drew (e.g. `../shared/real-logos` built with
`python -m svgq_jax.data build --logos ../shared/real-logos --out /tmp/real`).
Baselines (ridge and gradient boosting on image statistics + parameters) are fit
and scored in the same run. Prints a markdown table for benchmarks/ACCURACY.md.

    python benchmarks/bench_accuracy.py --data data/default [--real /tmp/real] [--out /tmp/acc] \
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
from svgq_jax.metrics import compute_metrics
from svgq_jax.train import train_and_evaluate
from svgq_jax.validate import evaluate_external, load_run, predictor


def _row(name: str, held: dict, real: dict | None, extra: str = "") -> str:
    r = f"| {name} | {held['pearson_r']:.3f} | {held['rmse']:.4f} |"
    r += f" {real['pearson_r']:.3f} | {real['rmse']:.4f} |" if real else " – | – |"
    return r + f" {extra} |"


def baseline_rows(data: str, real: str | None, seed: int = 0) -> list[str]:
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
    rds = load_dataset(real, 1) if real else None
    rows = []
    for name in ("ridge", "gradient_boosting"):
        held = compute_metrics(test["y"], baselines.fit_predict(name, train, test, seed)).to_json()
        rr = None
        if rds is not None:
            ra = arr(rds, np.arange(rds.n_examples))
            rr = compute_metrics(ra["y"], baselines.fit_predict(name, train, ra, seed)).to_json()
        rows.append(_row(f"baseline: {name}", held, rr))
    return rows


def experiment(data: str, real: str | None, out: Path, overrides: dict) -> str:
    cfg = config.make_config(overrides)
    run = out / f"exp{abs(hash(json.dumps(overrides, sort_keys=True))) % 10**8}"
    t = time.perf_counter()
    res = train_and_evaluate(cfg, data, run, overwrite=True, quiet=True)
    rd = load_run(run)
    predict = predictor(run)
    rows = rd.rows("test")
    held = compute_metrics(
        rd.ds.ssim[rows], predict(rd.ds.inputs(rows, with_stats=rd.with_stats).astype(np.float32))
    ).to_json()
    rr = evaluate_external(predict, load_dataset(real, 1), rd.with_stats)["metrics"] if real else None
    return _row(f"`{json.dumps(overrides)}`", held, rr, f"{res.epochs_trained} ep, {time.perf_counter() - t:.0f} s")


def ensemble(data: str, real: str | None, overrides: dict, n: int) -> list[str]:
    """Members differ only in init and batch order; the split (seed 0) is shared, so the rows compare."""
    from svgq_jax.data.splits import split_images
    from svgq_jax.train import fit, prepare_arrays

    base = config.make_config(overrides)
    ds = load_dataset(data, base.min_examples)
    split = split_images(ds.image_types, base.validation_split, base.test_split, base.seed)
    arrays = prepare_arrays(ds, split, base)
    rds = load_dataset(real, 1) if real else None
    X_real = rds.inputs(with_stats=base.with_stats).astype(np.float32) if rds else None
    test_rows = arrays.rows["test"]
    held, reals = [], []
    for k in range(n):
        f = fit(
            config.make_config({**overrides, "seed": k}), arrays, arrays.rows["train"], arrays.rows["val"], quiet=True
        )
        held.append(f.steps.predict(f.kept_state, arrays.X[test_rows]))
        reals.append(f.steps.predict(f.kept_state, X_real) if rds else None)
    score = lambda preds, y: compute_metrics(y, np.mean(preds, axis=0)).to_json()
    real_of = lambda preds: score(preds, rds.ssim) if rds else None
    y = arrays.y[test_rows]
    each = [(score([h], y), real_of([r])) for h, r in zip(held, reals)]
    spread = lambda part, key: (
        f"{np.mean([e[part][key] for e in each]):.3f} ± {np.std([e[part][key] for e in each]):.3f}"
    )
    per_seed = f"per seed: held-out r {spread(0, 'pearson_r')}" + (f", real r {spread(1, 'pearson_r')}" if rds else "")
    return [
        _row(f"`{json.dumps(overrides)}`, member 0 of the ensemble", score(held[:1], y), real_of(reals[:1])),
        _row(f"`{json.dumps(overrides)}`, mean of {n} members", score(held, y), real_of(reals), per_seed),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="data/default")
    ap.add_argument("--real", help="a dataset of real logos (built with `data build --logos FOLDER`)")
    ap.add_argument("--out", default="/tmp/svgq_accuracy", help="where experiment runs are written")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--ensemble", type=int, default=0, metavar="N", help="also score the mean of N seeds per config")
    ap.add_argument("configs", nargs="*", default=["{}"], help="JSON config overrides, one experiment each")
    a = ap.parse_args()
    print(f"data `{a.data}`, real logos `{a.real}`\n")
    print("| experiment | held-out r | held-out RMSE | real r | real RMSE | notes |\n|---|---|---|---|---|---|")
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
