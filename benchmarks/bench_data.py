"""Data pipeline throughput, each figure beside its baseline from the same run.

1. Labelled examples per second (trace + render + SSIM) with 1 worker and with
   all workers, on the same procedural logos and parameter sets.
2. Feature images per second of the dataset's feature stage (PNG decode,
   preprocessing, ResNet-50) beside a bare batched ResNet-50 forward pass on
   random tensors of the same shape: the ceiling on this machine.

    python benchmarks/bench_data.py [--images 40] [--params-per-logo 8] [--feature-images 64] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from svgq_jax.data import dataset
from svgq_jax.data.build import BuildConfig, image_param_sets, native_spec
from svgq_jax.data.features import FeatureExtractor
from svgq_jax.data.pool import run_tasks
from svgq_jax.data.tasks import procedural_task


def make_images(root: Path, n: int) -> list[tuple[str, Path, Path]]:
    """(id, source PNG, canonical PNG) of the default build's first n procedural logos (native sizes)."""
    cfg, out = BuildConfig(out="-"), []
    for i in range(n):
        _, (image_id, source_png, canonical_png, *_) = procedural_task(i, 0, *native_spec(cfg, i))
        source, canon = root / f"s{dataset.image_filename(i, image_id)}", root / dataset.image_filename(i, image_id)
        source.write_bytes(source_png)
        canon.write_bytes(canonical_png)
        out.append((image_id, source, canon))
    return out


def label_rate(imgs, k: int, workers: int) -> dict:
    cfg = BuildConfig(out="-", params_per_logo=k)
    tasks = [
        ((i, j), (image_id, str(source), vec))
        for i, (image_id, source, _) in enumerate(imgs)
        for j, vec in enumerate(image_param_sets(cfg, image_id))
    ]
    t0 = time.perf_counter()
    stamps = [time.perf_counter() for o in run_tasks("svgq_jax.data.tasks:label_task", tasks, workers, 60.0)]
    total = stamps[-1] - t0
    # steady state: from the first result to the last, so worker start-up is excluded
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return {
        "workers": workers,
        "examples": len(tasks),
        "seconds": total,
        "per_second": len(tasks) / total,
        "steady_per_second": steady,
    }


def feature_rates(imgs, batch: int, repeats: int = 3) -> dict:
    import torch
    from PIL import Image

    fx = FeatureExtractor(quiet=True, batch_size=batch)
    paths = [canon for *_, canon in imgs]

    def pipeline():  # what the build's feature stage does per batch
        for s in range(0, len(paths), batch):
            fx(np.stack([np.asarray(Image.open(p).convert("RGB")) for p in paths[s : s + batch]]))

    x = torch.randn(batch, 3, fx.spec.crop, fx.spec.crop, device=fx.device).contiguous(memory_format=fx.memory_format)

    def bare():
        with torch.inference_mode():
            for _ in range(0, len(paths), batch):
                fx.model(x)

    bare(), pipeline()  # warm-up: allocator and oneDNN kernel selection
    # Alternate the two and keep each one's best, so drift in machine speed hits both.
    best = {"bare_forward": float("inf"), "feature_stage": float("inf")}
    for _ in range(repeats):
        for name, fn in (("bare_forward", bare), ("feature_stage", pipeline)):
            best[name] = min(best[name], _timed(fn))
    out = {name: len(paths) / t for name, t in best.items()}
    out["ratio"] = out["feature_stage"] / out["bare_forward"]
    out.update(device=str(fx.device), batch=batch, images=len(paths), threads=torch.get_num_threads())
    return out


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=40, help="procedural logos to label")
    ap.add_argument(
        "--repeats", type=int, default=3, help="rounds of (1 worker, all workers); the median round is reported"
    )
    ap.add_argument("--params-per-logo", type=int, default=8)
    ap.add_argument("--feature-images", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        imgs = make_images(Path(tmp), max(a.images, a.feature_images))
        # Alternate 1 worker and all workers: this VM's second core is sometimes slow for
        # minutes at a time, so the speed-up is the median of the ratios within each round.
        rounds = [
            (label_rate(imgs[: a.images], a.params_per_logo, 1), label_rate(imgs[: a.images], a.params_per_logo, cores))
            for _ in range(a.repeats)
        ]
        ratios = sorted(
            (
                (b["per_second"] / o["per_second"], b["steady_per_second"] / o["steady_per_second"], o, b)
                for o, b in rounds
            ),
            key=lambda t: t[0],
        )
        speedup, steady_speedup, one, all_ = ratios[len(ratios) // 2]
        feats = feature_rates(imgs[: a.feature_images], a.batch)
    result = {
        "cores": cores,
        "label_1_worker": one,
        "label_all_workers": all_,
        "label_speedup": speedup,
        "label_steady_speedup": steady_speedup,
        "label_speedup_rounds": [round(r[0], 3) for r in ratios],
        "features": feats,
    }
    if a.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"labelled examples/s ({one['examples']} examples, {cores} cores; the median of "
        f"{len(result['label_speedup_rounds'])} rounds, "
        f"speed-ups per round {result['label_speedup_rounds']}):"
    )
    print(f"  1 worker       {one['per_second']:7.1f}/s  (steady state {one['steady_per_second']:.1f}/s)")
    print(f"  {cores} workers      {all_['per_second']:7.1f}/s  (steady state {all_['steady_per_second']:.1f}/s)")
    print(
        f"  speed-up       {result['label_speedup']:7.2f}x (steady state {result['label_steady_speedup']:.2f}x; "
        f"target >= 1.8x)"
    )
    print(
        f"feature images/s (batch {feats['batch']}, {feats['images']} images, {feats['device']}, {feats['threads']} "
        f"threads):"
    )
    print(f"  bare ResNet-50 forward  {feats['bare_forward']:6.2f}/s  (ceiling)")
    print(
        f"  feature stage           {feats['feature_stage']:6.2f}/s  = {feats['ratio']:.1%} of the ceiling (target "
        f">= 90%)"
    )


if __name__ == "__main__":
    main()
