"""Parameter optimisation: `optimize`'s objectives beside random search and VTracer's defaults, on logos.

For each image, in one run (every trace at the image's own size, with its transparency):
  - defaults: VTracer's defaults, traced;
  - optimize --objective quality: the best SSIM, whatever the size;
  - optimize (the default objective, compact): the smallest SVG within 0.002 SSIM of the best verified;
  - optimize --min-ssim S, with S the defaults' SSIM on that image;
  - random: N Latin-hypercube parameter sets, each traced; its best SSIM, and its smallest SVG that
    reaches S.
Each optimize run is timed warm (models loaded), its own features included. Reports mean SSIM,
median bytes relative to the defaults', seconds per image, whether each SVG has the image's width and
height, and how well a transparent image's transparency is kept beside the defaults'.

    python benchmarks/bench_optimize.py [--run runs/default] [--images DIR | --native] [--limit 30] [--random 32]

Without --images the run's first held-out test images are used; --native is
../shared/real-logos-native (real logos of 384-1024 px with transparent backgrounds).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np

from svgq_jax import params as param_space
from svgq_jax.data import images
from svgq_jax.data.tracing import Target, TraceFailure, label
from svgq_jax.optimize import Objective, optimize_image
from svgq_jax.predict import QualityPredictor
from svgq_jax.validate import load_run

NATIVE = Path(__file__).resolve().parents[2] / "shared" / "real-logos-native"
METHODS = ("defaults", "quality", "compact", "min_ssim", "random_best", "random_smallest")


def traced(target: Target, vector) -> dict:
    try:
        lab, _ = label(target, param_space.from_vector(vector))
    except TraceFailure:  # a failed trace is worth nothing to a user
        return {"ssim": 0.0, "bytes": None, "alpha_mad": None, "kept": None}
    return {"ssim": lab.ssim, "bytes": lab.svg_bytes, "alpha_mad": lab.alpha_mad, "kept": lab.transparent_kept}


def svg_size(svg: str) -> tuple[int, int] | None:
    head = re.search(r"<svg\b[^>]*>", svg)
    w = re.search(r'\swidth="(\d+)"', head.group(0)) if head else None
    h = re.search(r'\sheight="(\d+)"', head.group(0)) if head else None
    return (int(w.group(1)), int(h.group(1))) if w and h else None


def run_optimize(predictor, path: Path, objective: Objective, budget: int, seed: int, size) -> tuple[dict, float]:
    predictor._cache.clear()  # each run computes its own features, as a new image would
    t = time.perf_counter()
    r = optimize_image(predictor, path, budget=budget, seed=seed, objective=objective)
    seconds = time.perf_counter() - t
    b = r.best
    out = {
        "ssim": b.actual,
        "bytes": b.svg_bytes,
        "alpha_mad": b.alpha_mad,
        "kept": b.transparent_kept,
        "reached": r.reached,
        "svg_has_image_size": svg_size(r.svg) == tuple(size),
    }
    return out, seconds


def bench_image(predictor: QualityPredictor, path: Path, budget: int, n_random: int, seed: int) -> dict:
    source = images.load_source(path)
    target = Target.of(source)
    predictor.image_features([source])  # warm-up of this image's first run
    t = time.perf_counter()
    rows = {"defaults": traced(target, param_space.defaults_vector())}
    seconds = {"defaults": time.perf_counter() - t}
    goal = rows["defaults"]["ssim"]
    for name, objective in (
        ("quality", Objective("quality")),
        ("compact", Objective()),
        ("min_ssim", Objective("min_ssim", goal)),
    ):
        rows[name], seconds[name] = run_optimize(predictor, path, objective, budget, seed, source.original_size)
    t = time.perf_counter()
    randoms = [traced(target, v) for v in param_space.sample(n_random, [seed, n_random])]
    seconds["random"] = time.perf_counter() - t
    rows["random_best"] = max(randoms, key=lambda x: x["ssim"])
    reaching = [x for x in randoms if x["ssim"] >= goal and x["bytes"]]
    rows["random_smallest"] = min(reaching, key=lambda x: x["bytes"]) if reaching else None
    return {"image": path.name, "size": list(source.size), "transparent": source.has_alpha, **rows, "seconds": seconds}


def summary(rows: list[dict]) -> dict:
    d = lambda r: r["defaults"]
    rel = lambda k: [r[k]["bytes"] / d(r)["bytes"] for r in rows if r[k] and r[k]["bytes"] and d(r)["bytes"]]
    out = {
        "images": len(rows),
        "mean_ssim": {k: float(np.mean([r[k]["ssim"] for r in rows if r[k]])) for k in METHODS},
        "median_bytes_vs_defaults": {k: float(np.median(rel(k))) if rel(k) else None for k in METHODS},
        "mean_seconds": {
            k: float(np.mean([r["seconds"][k] for r in rows]))
            for k in ("defaults", "quality", "compact", "min_ssim", "random")
        },
        "svg_has_image_size": float(
            np.mean([r[k]["svg_has_image_size"] for r in rows for k in ("quality", "compact", "min_ssim")])
        ),
        "quality_at_least_defaults": float(np.mean([r["quality"]["ssim"] >= d(r)["ssim"] for r in rows])),
        "compact_as_good_and_no_larger": float(
            np.mean(
                [r["compact"]["ssim"] >= d(r)["ssim"] - 0.002 and r["compact"]["bytes"] <= d(r)["bytes"] for r in rows]
            )
        ),
        "min_ssim_reached": float(np.mean([r["min_ssim"]["ssim"] >= d(r)["ssim"] for r in rows])),
        "random_reaches_defaults": float(np.mean([r["random_smallest"] is not None for r in rows])),
    }
    clear = [r for r in rows if r["transparent"] and d(r)["alpha_mad"] is not None]
    if clear:
        out["transparency"] = {
            k: {
                "kept_within_0.01": float(np.mean([(r[k]["kept"] or 1) >= (d(r)["kept"] or 1) - 0.01 for r in clear])),
                "alpha_mad_within_0.005": float(
                    np.mean([r[k]["alpha_mad"] <= d(r)["alpha_mad"] + 0.005 for r in clear])
                ),
            }
            for k in ("quality", "compact", "min_ssim")
        } | {"images": len(clear), "median_kept_defaults": float(np.median([d(r)["kept"] or 1 for r in clear]))}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", default="runs/default")
    ap.add_argument("--images", type=Path, help="a folder of logos (default: the run's held-out test images)")
    ap.add_argument("--native", action="store_true", help=f"the folder {NATIVE}")
    ap.add_argument("--limit", type=int, default=20, help="images to use (spread over the folder)")
    ap.add_argument("--random", type=int, default=32, help="random parameter sets traced for the baseline")
    ap.add_argument("--budget", type=int, default=4096)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    predictor = QualityPredictor.load(Path(a.run) / "export")
    folder = NATIVE if a.native else a.images
    if folder:
        paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in images.IMAGE_SUFFIXES)
        paths = paths[:: max(1, len(paths) // a.limit)][: a.limit]
    else:
        rd = load_run(a.run)
        paths = [rd.ds.source_path(i) for i in rd.split.test[: a.limit]]
    rows = [bench_image(predictor, p, a.budget, a.random, seed=i) for i, p in enumerate(paths)]
    s = summary(rows)
    if a.json:
        print(json.dumps({"run": a.run, "summary": s, "per_image": rows}, indent=2))
        return
    where = folder or f"held-out test images of {a.run}"
    print(
        f"{len(rows)} images of {where}, each traced at its own size (mean SSIM, median bytes / the defaults', "
        "warm seconds per image):"
    )
    names = {
        "defaults": "VTracer defaults",
        "quality": "optimize --objective quality",
        "compact": "optimize (default: compact)",
        "min_ssim": "optimize --min-ssim <defaults' SSIM>",
        "random_best": f"best SSIM of {a.random} random, traced",
        "random_smallest": f"smallest of {a.random} random reaching the defaults' SSIM",
    }
    for k in METHODS:
        secs = s["mean_seconds"].get(k, s["mean_seconds"]["random"] if k.startswith("random") else None)
        rel = s["median_bytes_vs_defaults"][k]
        print(f"  {names[k]:55s} {s['mean_ssim'][k]:.4f}  {rel:5.2f}x  {secs:6.2f} s")
    rs = s["mean_seconds"]["random"]
    print(
        f"  quality: >= defaults on {s['quality_at_least_defaults']:.0%}; "
        f"{s['mean_ssim']['quality'] - s['mean_ssim']['random_best']:+.4f} "
        f"vs best of {a.random}; time {s['mean_seconds']['quality'] / rs:.2f}x best of {a.random}'s"
    )
    print(f"  compact: SSIM >= defaults - 0.002 and bytes <= defaults' on {s['compact_as_good_and_no_larger']:.0%}")
    print(
        f"  min-ssim: reached on {s['min_ssim_reached']:.0%} (random reaches it on "
        f"{s['random_reaches_defaults']:.0%}); "
        f"time {s['mean_seconds']['min_ssim'] / rs:.2f}x best of {a.random}'s"
    )
    print(f"  SVG has the image's width and height: {s['svg_has_image_size']:.0%}")
    if "transparency" in s:
        t = s["transparency"]
        print(
            f"  transparency ({t['images']} transparent images; defaults keep a median "
            f"{t['median_kept_defaults']:.3f}): "
            + "; ".join(
                f"{k} kept within 0.01 {t[k]['kept_within_0.01']:.0%}, alpha within 0.005 "
                f"{t[k]['alpha_mad_within_0.005']:.0%}"
                for k in ("quality", "compact", "min_ssim")
            )
        )


if __name__ == "__main__":
    main()
