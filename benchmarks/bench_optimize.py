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

Cold start (--cold-rounds, default 5): the first image through `svgq optimize --model RUN/export IMAGE
--out OUT.svg` in a new process per round, process start to SVG written (wall clock, median), per
objective; then the default objective's time split, from the same number of instrumented processes:
start and imports, loads (bundle, ONNX Runtime sessions), features (decode and backbone), statistics
(the eight traces and the defaults' trace), search, verification and writing the SVG.

    python benchmarks/bench_optimize.py [--run runs/default] [--images DIR | --native] [--limit 30] [--random 32]
    python benchmarks/bench_optimize.py --cold-only --images ../shared/real-logos --limit 12

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

from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.core.tracing import Target, TraceFailure, label
from svgq_jax.predict import QualityPredictor
from svgq_jax.search import Objective
from svgq_jax.train.run import Run
from svgq_jax.verify import optimize_image

NATIVE = Path(__file__).resolve().parents[2] / "shared" / "real-logos-native"
COLD_ARGS = {"quality": ["--objective", "quality"], "compact": [], "min_ssim": ["--min-ssim", "0.95"]}
SPLIT = ("imports", "loads", "features", "statistics", "search", "verification", "write")
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


def run_optimize(predictor, path: Path, objective: Objective, budget: int, verify: int, seed: int, size):
    predictor.forget()  # each run computes its own features and defaults trace, as a new image would
    t = time.perf_counter()
    r = optimize_image(predictor, path, budget=budget, verify=verify, seed=seed, objective=objective)
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


def bench_image(predictor: QualityPredictor, path: Path, budget: int, verify: int, n_random: int, seed: int) -> dict:
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
        rows[name], seconds[name] = run_optimize(predictor, path, objective, budget, verify, seed, source.original_size)
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


def cold_start(bundle: Path, image: Path, rounds: int, out_dir: Path) -> dict:
    """Median wall seconds of `svgq optimize` in a new process per round, process start to SVG written, per
    objective (interleaved), and the default objective's median time split (`SPLIT_CHILD`)."""
    import subprocess
    import sys

    svgq = Path(sys.executable).with_name("svgq")
    walls = {k: [] for k in COLD_ARGS}
    splits = []
    for r in range(rounds):
        for name, extra in COLD_ARGS.items():
            out = out_dir / f"{name}-{r}.svg"
            t = time.perf_counter()
            done = subprocess.run(
                [str(svgq), "optimize", "--model", str(bundle), str(image), "--out", str(out), *extra],
                capture_output=True,
                text=True,
            )
            walls[name].append(time.perf_counter() - t)
            if done.returncode != 0 or not out.is_file():
                raise RuntimeError(f"svgq optimize failed: {done.stderr.strip()[-300:]}")
        start = time.time()
        child = subprocess.run(
            [sys.executable, "-c", SPLIT_CHILD, str(bundle), str(image), str(out_dir / f"split-{r}.svg"), str(start)],
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            raise RuntimeError(f"instrumented optimize failed: {child.stderr.strip()[-300:]}")
        splits.append(json.loads(child.stdout.strip().splitlines()[-1]))
    return {
        "image": image.name,
        "rounds": rounds,
        "wall_seconds": {k: float(np.median(v)) for k, v in walls.items()},
        "split_seconds": {k: float(np.median([s[k] for s in splits])) for k in (*SPLIT, "total")},
    }


# One cold `optimize` of argv[2] with the bundle argv[1], written to argv[3], timed by phase from argv[4] (the
# parent's time.time() when it started this process); the same calls as the command line, with the backbone
# and the image features timed where the predictor calls them.
SPLIT_CHILD = """
import json, sys, time

class Timed:
    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *args):
        t = time.perf_counter()
        try:
            return self.fn(*args)
        finally:
            self.seconds += time.perf_counter() - t

from svgq_jax.core.files import write_atomic
from svgq_jax.verify import optimize_image
from svgq_jax.predict import QualityPredictor

bundle, image, dest, started = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
imports = time.time() - started
t = time.perf_counter()
predictor = QualityPredictor.load(bundle)
loads = time.perf_counter() - t
predictor.extractor = backbone = Timed(predictor.extractor)
predictor.image_features = features = Timed(predictor.image_features)
result = optimize_image(predictor, image)
t = time.perf_counter()
write_atomic(dest, result.svg)
write = time.perf_counter() - t
split = {
    "imports": imports,
    "loads": loads,
    "features": backbone.seconds,
    "statistics": features.seconds - backbone.seconds,
    "search": result.search_seconds - features.seconds,
    "verification": result.total_seconds - result.search_seconds,
    "write": write,
}
print(json.dumps({**split, "total": time.time() - started}))
"""


def print_cold(cold: dict) -> None:
    walls = ", ".join(f"{k} {v:.2f} s" for k, v in cold["wall_seconds"].items())
    print(f"cold start, {cold['image']}, process start to SVG written (median of {cold['rounds']}): {walls}")
    split = cold["split_seconds"]
    print("  time split (default objective): " + ", ".join(f"{k} {split[k]:.3f}" for k in (*SPLIT, "total")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", default="runs/default")
    ap.add_argument("--images", type=Path, help="a folder of logos (default: the run's held-out test images)")
    ap.add_argument("--native", action="store_true", help=f"the folder {NATIVE}")
    ap.add_argument("--limit", type=int, default=20, help="images to use (spread over the folder)")
    ap.add_argument("--random", type=int, default=32, help="random parameter sets traced for the baseline")
    ap.add_argument("--budget", type=int, default=4096)
    ap.add_argument("--verify", type=int, help="optimize --verify K (default: each objective's own)")
    ap.add_argument("--cold-rounds", type=int, default=5, help="new processes per objective for the cold start")
    ap.add_argument("--cold-only", action="store_true", help="measure the cold start alone")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    folder = NATIVE if a.native else a.images
    if folder:
        paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in images.IMAGE_SUFFIXES)
        paths = paths[:: max(1, len(paths) // a.limit)][: a.limit]
    else:
        run = Run(a.run)
        paths = [run.dataset().source_path(i) for i in run.split().test[: a.limit]]
    cold = None
    if a.cold_rounds > 0:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            cold = cold_start(Path(a.run) / "export", paths[0], a.cold_rounds, Path(tmp))
        if not a.json:
            print_cold(cold)
    if a.cold_only:
        if a.json:
            print(json.dumps({"run": a.run, "cold_start": cold}, indent=2))
        return
    predictor = QualityPredictor.load(Path(a.run) / "export")
    rows = [bench_image(predictor, p, a.budget, a.verify, a.random, seed=i) for i, p in enumerate(paths)]
    s = summary(rows)
    if a.json:
        print(json.dumps({"run": a.run, "summary": s, "cold_start": cold, "per_image": rows}, indent=2))
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
