"""Accuracy experiments: train configs, then score them on held-out images and on real logos.

Each experiment trains on DATA (split by image, the test images reserved) and is
scored on those test images and, when given, on a second dataset of real logos
that the generator never drew (e.g. `../shared/real-logos` built with
`python -m svgq_jax.data build --logos ../shared/real-logos --out /tmp/real`).
Baselines (ridge and gradient boosting on image statistics + parameters) are fit
and scored in the same run. Prints a markdown table for benchmarks/ACCURACY.md.

    python benchmarks/bench_accuracy.py --data data/default [--real /tmp/real] [--out /tmp/acc] \
        '{}' '{"resnet_weight": 1.0}' '{"input_features": "resnet"}'
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from svgq_jax import baselines
from svgq_jax import config as C
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
    cfg = C.make_config({})
    split = split_images(ds.image_types, cfg.validation_split, cfg.test_split, seed)
    arr = lambda d, rows: {"y": d.ssim[rows], "stats": d.image_stats[d.image_index[rows]], "params": d.params[rows], "types": d.image_types[d.image_index[rows]]}
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
    cfg = C.make_config(overrides)
    run = out / f"exp{abs(hash(json.dumps(overrides, sort_keys=True))) % 10**8}"
    t = time.perf_counter()
    res = train_and_evaluate(cfg, data, run, overwrite=True, quiet=True)
    rd = load_run(run)
    predict = predictor(run)
    rows = rd.rows("test")
    held = compute_metrics(rd.ds.ssim[rows], predict(rd.ds.inputs(rows, with_stats=rd.with_stats).astype(np.float32))).to_json()
    rr = evaluate_external(predict, load_dataset(real, 1), rd.with_stats)["metrics"] if real else None
    return _row(f"`{json.dumps(overrides)}`", held, rr, f"{res.epochs_trained} ep, {time.perf_counter() - t:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="data/default")
    ap.add_argument("--real", help="a dataset of real logos (built with `data build --logos FOLDER`)")
    ap.add_argument("--out", default="/tmp/svgq_accuracy", help="where experiment runs are written")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("configs", nargs="*", default=["{}"], help="JSON config overrides, one experiment each")
    a = ap.parse_args()
    print(f"data `{a.data}`, real logos `{a.real}`\n")
    print("| experiment | held-out r | held-out RMSE | real r | real RMSE | notes |\n|---|---|---|---|---|---|")
    if not a.no_baselines:
        for r in baseline_rows(a.data, a.real):
            print(r, flush=True)
    for spec in a.configs:
        print(experiment(a.data, a.real, Path(a.out), json.loads(spec)), flush=True)


if __name__ == "__main__":
    main()
