"""Parameter optimisation and the file a user gets: `optimize`'s objectives beside VTracer's defaults, real SVGO
and random search, on logos, all from one run.

For each image (every trace at the image's own size, with its transparency; SSIM at that size over white):
  - vtracer: VTracer's defaults as VTracer writes them;
  - minified: the same trace through the project's minifier on the coarsest grid the render allows
    (`svgq_jax.core.written.choose_grid`, tolerance 0.002 SSIM);
  - svgo: the same trace through real SVGO at its default precision (3);
  - anchor: the same trace through real SVGO at the coarsest --precision (3, 2, 1, 0) whose render keeps the SSIM
    within 0.002 of VTracer's text: the free pipeline a user has without this project;
  - quality, compact, min_ssim: `optimize --objective quality`, the default objective, and `--min-ssim S` with S
    VTracer's defaults' SSIM on that image, each as written (minified), timed warm with its own features;
  - random: N Latin-hypercube parameter sets traced as VTracer writes them: the best SSIM (the quality baseline),
    and the smallest that reaches S written on the image's grid.
Columns: SSIM, bytes, gzip bytes, paths, seconds; each method's median bytes over the anchor's, logo by logo.
The minifier's share of `optimize`'s warm time (minify calls, the grid walk and the pick's refinement) is
measured by timing those calls inside the same runs. Real SVGO runs when `node` and SVGO are installed
(`cd benchmarks && npm install svgo@4`); otherwise its rows are skipped, and the run says so.

Cold start (--cold-rounds, default 5): the first image through `svgq optimize --model RUN/export IMAGE
--out OUT.svg` in a new process per round, process start to SVG written (wall clock, median), per
objective; then the default objective's time split, from the same number of instrumented processes:
start and imports, loads (bundle, ONNX Runtime sessions), features (decode and backbone), statistics
(the eight traces and the defaults' trace), search, verification and writing the SVG.

    python benchmarks/bench_optimize.py --native --limit 120 --cold-rounds 0
    python benchmarks/bench_optimize.py --images ../shared/real-logos --limit 259 --cold-rounds 0
    python benchmarks/bench_optimize.py --cold-only --images ../shared/real-logos --limit 12

Without --images the run's first held-out test images are used; --native is
../shared/real-logos-native (real logos of 384-1024 px with transparent backgrounds).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

from svgq_jax import verify
from svgq_jax.core import images, written
from svgq_jax.core import params as param_space
from svgq_jax.core.tracing import Target, TraceFailure, label, scored, sized
from svgq_jax.predict import QualityPredictor
from svgq_jax.search import Objective
from svgq_jax.train.run import Run
from svgq_jax.verify import optimize_image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from svgo_anchor import Svgo, anchor  # noqa: E402

NATIVE = Path(__file__).resolve().parents[2] / "shared" / "real-logos-native"
COLD_ARGS = {"quality": ["--objective", "quality"], "compact": [], "min_ssim": ["--min-ssim", "0.95"]}
SPLIT = ("imports", "loads", "features", "statistics", "search", "verification", "write")
FILES = ("vtracer", "minified", "svgo", "anchor")  # VTracer's defaults, four ways of writing them
OBJECTIVES = ("quality", "compact", "min_ssim")
METHODS = (*FILES, *OBJECTIVES, "random_best", "random_smallest")
SAME = 0.002  # what the project calls the same SSIM


def row(ssim, svg: str | None, seconds: float, **extra) -> dict:
    """One method's file on one image: SSIM, bytes, gzip bytes, paths, seconds (and what else it reports)."""
    s = written.structure(svg) if svg else {"bytes": None, "gzip_bytes": None, "paths": None}
    return {"ssim": ssim, "bytes": s["bytes"], "gzip_bytes": s["gzip_bytes"], "paths": s["paths"], "seconds": seconds,
            **extra}  # fmt: skip


class MinifyClock:
    """Time spent minifying inside `optimize` (every minify call, the grid walk on the defaults and the pick's
    refinement), measured by wrapping those functions: nested calls count once."""

    def __init__(self):
        self.seconds, self.depth = 0.0, 0
        for owner, name in ((written, "minified"), (written, "choose_grid"), (verify.Writer, "refined")):
            setattr(owner, name, self.timed(getattr(owner, name)))

    def timed(self, fn):
        def call(*args, **kwargs):
            self.depth += 1
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += time.perf_counter() - t

        return call


def files_of_the_defaults(target: Target, size, svgo: Svgo | None) -> tuple[dict, float]:
    """VTracer's defaults on one image, written four ways; and their SSIM (S, the bar of --min-ssim)."""
    t = time.perf_counter()
    try:
        raw, svg = label(target, param_space.VTRACER_DEFAULTS)
    except TraceFailure:
        return {k: None for k in FILES}, 0.0
    text = sized(svg, target.size, size)
    rows = {"vtracer": row(raw.ssim, text, time.perf_counter() - t, alpha_mad=raw.alpha_mad, kept=raw.transparent_kept)}
    t = time.perf_counter()
    mine = written.choose_grid(target, svg, raw)
    out = mine.resized(target, size) if tuple(size) != target.size else mine
    rows["minified"] = row(out.label.ssim, out.svg, time.perf_counter() - t, grid=mine.grid)
    if svgo is not None:
        score = lambda s: _score(target, s)
        t = time.perf_counter()
        default, _ = svgo.minify(text, None)
        rows["svgo"] = row(score(default) if default else None, default, time.perf_counter() - t)
        t = time.perf_counter()
        file, ssim, precision, _ = anchor(svgo, text, score, raw.ssim - SAME)
        rows["anchor"] = row(ssim, file, time.perf_counter() - t, precision=precision)
    return rows, raw.ssim


def _score(target: Target, svg: str) -> float | None:
    try:
        return scored(target, svg, 0.0).ssim
    except TraceFailure:  # resvg could not draw it
        return None


def run_optimize(predictor, path: Path, objective: Objective, a, clock: MinifyClock) -> dict:
    predictor.forget()  # each run computes its own features and defaults trace, as a new image would
    before = clock.seconds
    t = time.perf_counter()
    r = optimize_image(predictor, path, budget=a.budget, verify=a.verify, seed=a.seed, objective=objective)
    seconds = time.perf_counter() - t
    b = r.best
    return row(
        b.actual,
        r.svg,
        seconds,
        alpha_mad=b.alpha_mad,
        kept=b.transparent_kept,
        reached=r.reached,
        grid=b.grid,
        minify_seconds=clock.seconds - before,
        svg_has_image_size=svg_size(r.svg) == tuple(r.size),
    )


def random_sets(target: Target, size, grid: float | None, goal: float, n: int, seed: int) -> tuple[dict, dict]:
    """N random parameter sets: the best SSIM as VTracer writes them, and the smallest reaching `goal` written on
    the image's grid (as `optimize` would write it)."""
    t = time.perf_counter()
    best, smallest = None, None
    for v in param_space.sample(n, [seed, n]):
        try:
            raw, svg = label(target, param_space.from_vector(v))
        except TraceFailure:
            continue
        if best is None or raw.ssim > best[0]:
            best = (raw.ssim, sized(svg, target.size, size))
        if grid is not None and raw.ssim >= goal - SAME:
            w = written.written(target, svg, grid, 0.0, size)
            if w.label.ssim >= goal and (smallest is None or w.label.svg_bytes < len(smallest[1].encode())):
                smallest = (w.label.ssim, w.svg)
    seconds = time.perf_counter() - t
    return (row(*best, seconds) if best else None), (row(*smallest, seconds) if smallest else None)


def svg_size(svg: str) -> tuple[int, int] | None:
    head = re.search(r"<svg\b[^>]*>", svg)
    w = re.search(r'\swidth="(\d+)"', head.group(0)) if head else None
    h = re.search(r'\sheight="(\d+)"', head.group(0)) if head else None
    return (int(w.group(1)), int(h.group(1))) if w and h else None


def bench_image(predictor, path: Path, a, svgo: Svgo | None, clock: MinifyClock, seed: int) -> dict:
    source = images.load_source(path)
    target = Target.of(source)
    predictor.image_features([source])  # warm-up of this image's first run
    rows, goal = files_of_the_defaults(target, source.original_size, svgo)
    objectives = {"quality": Objective("quality"), "compact": Objective(), "min_ssim": Objective("min_ssim", goal)}
    for name, objective in objectives.items():
        rows[name] = run_optimize(predictor, path, objective, a, clock)
    grid = rows["minified"]["grid"] if rows["minified"] else None
    rows["random_best"], rows["random_smallest"] = random_sets(target, source.original_size, grid, goal, a.random, seed)
    return {"image": path.name, "size": list(source.size), "transparent": source.has_alpha, **rows}


def summary(rows: list[dict]) -> dict:
    have = lambda k: [r for r in rows if r[k] and r[k]["bytes"]]
    ratio = lambda k, base: [r[k]["bytes"] / r[base]["bytes"] for r in have(k) if r[base] and r[base]["bytes"]]
    med = lambda xs: float(np.median(xs)) if xs else None
    out = {"images": len(rows), "methods": {}}
    for k in METHODS:
        rs = have(k)
        out["methods"][k] = {
            "mean_ssim": float(np.mean([r[k]["ssim"] for r in rs if r[k]["ssim"] is not None])) if rs else None,
            "median_bytes": med([r[k]["bytes"] for r in rs]),
            "median_gzip_bytes": med([r[k]["gzip_bytes"] for r in rs]),
            "median_paths": med([r[k]["paths"] for r in rs]),
            "mean_seconds": float(np.mean([r[k]["seconds"] for r in rs])) if rs else None,
            "median_vs_vtracer": med(ratio(k, "vtracer")),
            "median_vs_anchor": med(ratio(k, "anchor")),
            "median_gzip_vs_anchor": med(
                [
                    r[k]["gzip_bytes"] / r["anchor"]["gzip_bytes"]
                    for r in rs
                    if r["anchor"] and r["anchor"]["gzip_bytes"]
                ]
            ),
            "same_ssim": float(np.mean([(r[k]["ssim"] or 0) >= r["vtracer"]["ssim"] - SAME for r in rs]))
            if rs
            else None,
        }
    out.update(_goals(rows))
    return out


def _goals(rows: list[dict]) -> dict:
    """The acceptance figures: shares, the quality objective against best-of-N, the minifier's share of time."""
    v = lambda r: r["vtracer"]
    opt_seconds = [r[k]["seconds"] for r in rows for k in OBJECTIVES]
    out = {
        "quality_at_least_defaults": float(np.mean([r["quality"]["ssim"] >= v(r)["ssim"] for r in rows])),
        "quality_minus_random_best": float(
            np.mean([r["quality"]["ssim"] for r in rows]) - np.mean([r["random_best"]["ssim"] for r in rows])
        ),
        "quality_time_vs_random": float(
            np.mean([r["quality"]["seconds"] for r in rows]) / np.mean([r["random_best"]["seconds"] for r in rows])
        ),
        "min_ssim_reached": float(np.mean([r["min_ssim"]["ssim"] >= v(r)["ssim"] for r in rows])),
        "min_ssim_time_vs_random": float(
            np.mean([r["min_ssim"]["seconds"] for r in rows]) / np.mean([r["random_best"]["seconds"] for r in rows])
        ),
        "random_reaches_defaults": float(np.mean([r["random_smallest"] is not None for r in rows])),
        "minify_share_of_optimize": float(sum(r[k]["minify_seconds"] for r in rows for k in OBJECTIVES))
        / float(sum(opt_seconds)),
        "svg_has_image_size": float(np.mean([r[k]["svg_has_image_size"] for r in rows for k in OBJECTIVES])),
    }
    clear = [r for r in rows if r["transparent"] and v(r)["alpha_mad"] is not None]
    if clear:
        out["transparency"] = {
            k: {
                "kept_within_0.01": float(np.mean([(r[k]["kept"] or 1) >= (v(r)["kept"] or 1) - 0.01 for r in clear])),
                "alpha_mad_within_0.005": float(
                    np.mean([r[k]["alpha_mad"] <= v(r)["alpha_mad"] + 0.005 for r in clear])
                ),
            }
            for k in OBJECTIVES
        } | {"images": len(clear)}
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


NAMES = {
    "vtracer": "VTracer's defaults, as VTracer writes them",
    "minified": "the defaults, minified on the coarsest grid (ours)",
    "svgo": "the defaults, real SVGO at its default precision",
    "anchor": "the defaults, real SVGO at the coarsest same-SSIM precision (anchor)",
    "quality": "optimize --objective quality",
    "compact": "optimize (default objective)",
    "min_ssim": "optimize --min-ssim <the defaults' SSIM>",
    "random_best": "best SSIM of N random sets, as VTracer writes them",
    "random_smallest": "smallest of N random sets reaching the defaults' SSIM, minified",
}


def print_summary(s: dict, where, n_random: int, skipped: str | None) -> None:
    print(f"{s['images']} images of {where}, each traced at its own size; medians logo by logo:")
    print(f"  {'method':72s}  SSIM   same  bytes    gzip  paths     s  ×VTracer ×anchor gzip×anchor")
    fmt = lambda x, f: "   –  " if x is None else format(x, f)
    for k in METHODS:
        m = s["methods"][k]
        if m["median_bytes"] is None:
            continue
        print(
            f"  {NAMES[k].replace('N random', f'{n_random} random'):72s} {fmt(m['mean_ssim'], '.4f')} "
            f"{fmt(m['same_ssim'], '4.0%')} {m['median_bytes']:6.0f} {m['median_gzip_bytes']:6.0f} "
            f"{m['median_paths']:5.0f} {m['mean_seconds']:5.2f}  {fmt(m['median_vs_vtracer'], '6.3f')}  "
            f"{fmt(m['median_vs_anchor'], '6.3f')}  {fmt(m['median_gzip_vs_anchor'], '6.3f')}"
        )
    if skipped:
        print(f"  real SVGO skipped: {skipped}")
    print(
        f"  quality: >= defaults on {s['quality_at_least_defaults']:.0%}; "
        f"{s['quality_minus_random_best']:+.4f} vs best of {n_random}; "
        f"time {s['quality_time_vs_random']:.2f}x best of {n_random}'s"
    )
    print(
        f"  min-ssim: reached on {s['min_ssim_reached']:.0%} (random on {s['random_reaches_defaults']:.0%}); time "
        f"{s['min_ssim_time_vs_random']:.2f}x best of {n_random}'s"
    )
    print(f"  minifying (minify calls, grid walk, refinement): {s['minify_share_of_optimize']:.1%} of optimize's time")
    print(f"  SVG has the image's width and height: {s['svg_has_image_size']:.0%}")
    if "transparency" in s:
        t = s["transparency"]
        print(
            f"  transparency ({t['images']} transparent images): "
            + "; ".join(
                f"{k} kept within 0.01 {t[k]['kept_within_0.01']:.0%}, alpha within 0.005 "
                f"{t[k]['alpha_mad_within_0.005']:.0%}"
                for k in OBJECTIVES
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", default="runs/default")
    ap.add_argument("--images", type=Path, help="a folder of logos (default: the run's held-out test images)")
    ap.add_argument("--native", action="store_true", help=f"the folder {NATIVE}")
    ap.add_argument("--limit", type=int, default=20, help="images to use (spread over the folder)")
    ap.add_argument("--random", type=int, default=32, help="random parameter sets traced for the baseline")
    ap.add_argument("--budget", type=int, default=4096)
    ap.add_argument("--verify", type=int, help="optimize --verify K (default: each objective's own)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cold-rounds", type=int, default=5, help="new processes per objective for the cold start")
    ap.add_argument("--cold-only", action="store_true", help="measure the cold start alone")
    ap.add_argument("--json", metavar="FILE", help="also write every figure, per image, to FILE")
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
        print_cold(cold)
    if a.cold_only:
        return
    skipped = Svgo.available()
    svgo = None if skipped else Svgo()
    predictor, clock = QualityPredictor.load(Path(a.run) / "export"), MinifyClock()
    from tqdm import tqdm

    rows = [bench_image(predictor, p, a, svgo, clock, seed=i) for i, p in enumerate(tqdm(paths, file=sys.stderr))]
    if svgo:
        svgo.close()
    s = summary(rows)
    if a.json:
        Path(a.json).write_text(json.dumps({"run": a.run, "summary": s, "cold_start": cold, "per_image": rows}))
    print_summary(s, folder or f"held-out test images of {a.run}", a.random, skipped)


if __name__ == "__main__":
    main()
