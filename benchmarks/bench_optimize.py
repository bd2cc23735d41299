"""Parameter optimisation on held-out images: `optimize` beside random search and VTracer's defaults.

For each test image of a run (never seen in training), in one run:
  - optimize (as the CLI runs it): the predictor searches the space, its top 4 picks and the
    defaults are traced and the best real one kept,
  - optimize --verify 0: the model's top pick alone is traced (how good the model's ranking is),
  - best of 64: 64 Latin-hypercube parameter sets, each really traced and scored; the best kept,
  - defaults: VTracer's defaults, traced.
Reports the mean real SSIM each reaches and the wall time per image.

    python benchmarks/bench_optimize.py [--run runs/default] [--images 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from svgq_jax import params as param_space
from svgq_jax.data import images
from svgq_jax.data.ssim import Reference
from svgq_jax.data.tracing import TraceFailure, label
from svgq_jax.optimize import DEFAULT_VERIFY, optimize_image
from svgq_jax.predict import QualityPredictor
from svgq_jax.validate import load_run


def real_ssim(png: bytes, ref: Reference, vector) -> float:
    try:
        return label(png, ref, param_space.from_vector(vector))[0].ssim
    except TraceFailure:
        return 0.0  # a failed trace is worth nothing to a user


def bench_image(predictor: QualityPredictor, path: Path, budget: int, seed: int) -> dict:
    canon = images.load_image(path)
    png, ref = images.png_bytes(canon), Reference.of(images.to_array(canon))
    t = time.perf_counter()
    opt = optimize_image(predictor, path, budget=budget, seed=seed).best.actual
    t_opt = time.perf_counter() - t
    predictor._cache.clear()  # time the model-only run with its own feature extraction
    t = time.perf_counter()
    r = optimize_image(predictor, path, budget=budget, verify=0, seed=seed)
    t_top = time.perf_counter() - t
    top = real_ssim(png, ref, param_space.to_vector(r.best.params))  # measured for the benchmark, not by optimize
    t = time.perf_counter()
    best64 = max(real_ssim(png, ref, v) for v in param_space.sample(64, [seed, 64]))
    t_64 = time.perf_counter() - t
    t = time.perf_counter()
    default = real_ssim(png, ref, param_space.defaults_vector())
    t_def = time.perf_counter() - t
    return {
        "image": path.name,
        "optimize": opt,
        "model_top_pick": top,
        "predicted": r.best.predicted,
        "best_of_64": best64,
        "defaults": default,
        "seconds": {"optimize": t_opt, "model_top_pick": t_top, "best_of_64": t_64, "defaults": t_def},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", default="runs/default")
    ap.add_argument("--images", type=int, default=20, help="held-out test images to use")
    ap.add_argument("--budget", type=int, default=4096)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rd = load_run(a.run)
    predictor = QualityPredictor.load(Path(a.run) / "export")
    test = rd.split.test[: a.images]
    rows = [bench_image(predictor, rd.ds.image_path(i), a.budget, seed=int(i)) for i in test]
    keys = ("optimize", "model_top_pick", "best_of_64", "defaults")
    mean = {k: float(np.mean([r[k] for r in rows])) for k in (*keys, "predicted")}
    secs = {k: float(np.mean([r["seconds"][k] for r in rows])) for k in keys}
    out = {
        "run": a.run,
        "images": len(rows),
        "mean_ssim": mean,
        "mean_seconds": secs,
        "per_image": rows,
        "optimize_minus_best_of_64": mean["optimize"] - mean["best_of_64"],
        "optimize_minus_defaults": mean["optimize"] - mean["defaults"],
        "optimize_wins_vs_defaults": int(sum(r["optimize"] > r["defaults"] for r in rows)),
        "model_top_pick_wins_vs_defaults": int(sum(r["model_top_pick"] > r["defaults"] for r in rows)),
    }
    if a.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{len(rows)} held-out images of {a.run} (real SSIM, mean; wall time per image):")
    print(f"  optimize (budget {a.budget}, verify {DEFAULT_VERIFY})  {mean['optimize']:.4f}   {secs['optimize']:.2f} s")
    print(
        f"  optimize --verify 0           {mean['model_top_pick']:.4f}   {secs['model_top_pick']:.2f} s   "
        f"(predicted {mean['predicted']:.4f}; "
        f"better than defaults on {out['model_top_pick_wins_vs_defaults']}/{len(rows)} images)"
    )
    print(f"  best of 64 traced             {mean['best_of_64']:.4f}   {secs['best_of_64']:.2f} s")
    print(f"  VTracer defaults              {mean['defaults']:.4f}   {secs['defaults']:.2f} s")
    print(
        f"  optimize - best of 64: {out['optimize_minus_best_of_64']:+.4f} (target >= -0.01); optimize - defaults: "
        f"{out['optimize_minus_defaults']:+.4f} (target > 0; better on "
        f"{out['optimize_wins_vs_defaults']}/{len(rows)} images); "
        f"{secs['optimize']:.2f} s per image (target < 2 s)"
    )


if __name__ == "__main__":
    main()
