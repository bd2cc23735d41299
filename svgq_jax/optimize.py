"""Choose VTracer parameters for a logo with the quality predictor.

    python -m svgq_jax.optimize --model BUNDLE IMAGE_OR_FOLDER [--out OUT.svg|DIR] [--budget 4096] [--verify 4] [--json]

Search: `budget` parameter sets (VTracer's defaults plus a Latin hypercube) are
scored in batches by the predictor, then the best few are refined by batched
coordinate steps. Then the top K candidates (--verify K, default 4) and
VTracer's defaults are really traced and scored (SSIM), the best real one is
kept, and a table compares them; --verify 0 traces only the model's top pick.

Why verify by default: the model's single pick still loses to VTracer's
defaults on some images (3 of 20 in benchmarks/bench_optimize.py); tracing 5
finalists costs ~0.2 s per image, never ends below the defaults and matches
tracing 64 random sets (README).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from svgq_jax import params as param_space
from svgq_jax.data import images
from svgq_jax.data.ssim import Reference
from svgq_jax.data.tracing import TraceFailure, label, trace
from svgq_jax.errors import InputError
from svgq_jax.files import check_output, write_atomic

REFINE_TOP = 8
REFINE_ROUNDS = 3
# coordinate steps per parameter, as fractions of its range (ints round to at least 1)
STEP_FRACTIONS = (-0.25, -0.1, -0.03, 0.03, 0.1, 0.25)


@dataclass
class Candidate:
    params: dict
    predicted: float
    actual: float | None = None
    svg_bytes: int | None = None
    trace_seconds: float | None = None
    error: str | None = None


@dataclass
class Result:
    image: str
    best: Candidate
    svg: str | None
    candidates: list[Candidate] = field(default_factory=list)  # the verified ones, best predicted first
    defaults: Candidate | None = None
    n_scored: int = 0
    search_seconds: float = 0.0
    total_seconds: float = 0.0

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("svg")
        return d


def _neighbours(vectors: np.ndarray, fixed: dict[int, float]) -> np.ndarray:
    """Each vector moved along one parameter by each step; fixed parameters stay put."""
    out = []
    span = param_space.HIGH - param_space.LOW
    for j, p in enumerate(param_space.PARAMS):
        if j in fixed:
            continue
        for f in STEP_FRACTIONS:
            step = f * span[j]
            if p.kind is int:
                step = np.sign(step) * max(1.0, round(abs(step)))
            moved = vectors.copy()
            moved[:, j] = np.clip(moved[:, j] + step, param_space.LOW[j], param_space.HIGH[j])
            out.append(moved)
    return np.concatenate(out) if out else vectors[:0]


def search(
    score, budget: int, seed: int = 0, fixed: dict[int, float] | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Candidates sorted by predicted SSIM, best first: (vectors [M, 8], predictions [M], number scored).

    `score` maps raw parameter vectors [N, 8] to predictions [N]."""
    fixed = fixed or {}
    pin = lambda v: _pin(v, fixed)
    cand = pin(np.concatenate([param_space.defaults_vector()[None], param_space.sample(max(budget - 1, 0), seed)]))
    pred = score(cand)
    n = len(cand)
    for _ in range(REFINE_ROUNDS):
        top = cand[np.argsort(-pred)[:REFINE_TOP]]
        moves = np.unique(pin(_neighbours(top, fixed)), axis=0)
        mp = score(moves)
        n += len(moves)
        cand, pred = np.concatenate([cand, moves]), np.concatenate([pred, mp])
        if mp.max() <= pred[: -len(mp)].max():
            break  # no neighbour beats the best so far
    cand, idx = np.unique(cand, axis=0, return_index=True)
    pred = pred[idx]
    order = np.argsort(-pred, kind="stable")
    return cand[order], pred[order], n


def _pin(vectors: np.ndarray, fixed: dict[int, float]) -> np.ndarray:
    v = vectors.copy()
    for j, x in fixed.items():
        v[:, j] = x
    return v


def parse_fixed(items: list[str]) -> dict[int, float]:
    """--fix NAME=VALUE (repeatable) -> {parameter index: value}, validated against the table."""
    fixed = {}
    for item in items or []:
        name, _, value = item.partition("=")
        if name not in param_space.PARAM_NAMES or not value:
            raise InputError(f"--fix {item}: expected NAME=VALUE with NAME one of {', '.join(param_space.PARAM_NAMES)}")
        try:
            x = float(value)
        except ValueError:
            raise InputError(f"--fix {item}: {value!r} is not a number") from None
        checked = param_space.validate({**param_space.VTRACER_DEFAULTS, name: int(x) if x.is_integer() else x})
        fixed[param_space.PARAM_NAMES.index(name)] = float(checked[name])
    return fixed


def _measure(png: bytes, ref: Reference, vector: np.ndarray, predicted: float) -> tuple[Candidate, str | None]:
    params = param_space.from_vector(vector)
    try:
        lab, svg = label(png, ref, params)
    except TraceFailure as e:
        return Candidate(params, predicted, error=str(e)), None
    return Candidate(params, predicted, lab.ssim, lab.svg_bytes, lab.trace_seconds), svg


# The most parameter sets --budget may score: each is a row of model inputs held in memory at once.
MAX_BUDGET = 65536
DEFAULT_VERIFY = 4


def optimize_image(
    predictor, image, budget: int = 4096, verify: int = DEFAULT_VERIFY, seed: int = 0, fixed=None
) -> Result:
    """Search, then trace the winner (and measure the top `verify` candidates and the defaults)."""
    t0 = time.perf_counter()
    canon = predictor.canonical(image)
    row = predictor.image_features([canon])
    vectors, preds, n = search(lambda v: predictor.predict_rows(np.repeat(row, len(v), axis=0), v), budget, seed, fixed)
    t_search = time.perf_counter() - t0
    png = images.png_bytes(Image.fromarray(canon))
    if verify <= 0:
        best = Candidate(param_space.from_vector(vectors[0]), float(preds[0]))
        try:
            svg = trace(png, best.params)
        except TraceFailure as e:
            raise InputError(f"{image}: VTracer could not trace it ({e})") from None
        return Result(
            str(image), best, svg, n_scored=n, search_seconds=t_search, total_seconds=time.perf_counter() - t0
        )
    ref = Reference.of(canon)
    measured = [_measure(png, ref, v, float(p)) for v, p in zip(vectors[:verify], preds[:verify])]
    default_pred = float(predictor.predict_rows(row, param_space.defaults_vector()[None])[0])
    defaults, default_svg = _measure(png, ref, param_space.defaults_vector(), default_pred)
    # VTracer's defaults are a candidate too: the model may not beat them on every image
    ok = [(c, s) for c, s in [*measured, (defaults, default_svg)] if c.actual is not None]
    if not ok:
        raise InputError(f"{image}: VTracer failed on every verified candidate ({measured[0][0].error})")
    best, svg = max(ok, key=lambda cs: cs[0].actual)
    return Result(str(image), best, svg, [c for c, _ in measured], defaults, n, t_search, time.perf_counter() - t0)


def table(r: Result) -> str:
    short = ["cp", "ld", "ct", "lt", "mi", "st", "fs", "pp"]
    head = f"{'candidate':10s} " + " ".join(f"{s:>5s}" for s in short) + "  predicted  actual   bytes  trace s"
    lines = [f"{r.image}", head]
    rows = [(f"#{i + 1}" + (" *" if c is r.best else ""), c) for i, c in enumerate(r.candidates)] or [
        ("best *", r.best)
    ]
    if r.defaults:
        rows.append(("defaults" + (" *" if r.defaults is r.best else ""), r.defaults))
    for name, c in rows:
        vals = " ".join(
            f"{c.params[n]:5.1f}" if isinstance(c.params[n], float) else f"{c.params[n]:5d}"
            for n in param_space.PARAM_NAMES
        )
        actual = f"{c.actual:.4f}" if c.actual is not None else ("failed" if c.error else "   –  ")
        size = f"{c.svg_bytes:7d}" if c.svg_bytes is not None else "      –"
        secs = f"{c.trace_seconds:.3f}" if c.trace_seconds is not None else "  –"
        lines.append(f"{name:10s} {vals}  {c.predicted:9.4f}  {actual:>6s} {size}  {secs}")
    lines.append(f"scored {r.n_scored} parameter sets in {r.search_seconds:.2f} s; total {r.total_seconds:.2f} s")
    return "\n".join(lines)


def _inputs(target: Path) -> list[Path]:
    if target.is_dir():
        # not only regular files: a FIFO or a device named like an image is reported, not silently passed over
        files = sorted(p for p in target.rglob("*") if not p.is_dir() and p.suffix.lower() in images.IMAGE_SUFFIXES)
        if not files:
            raise InputError(f"{target}: no images (PNG, JPEG, WebP, GIF, BMP, TIFF or SVG)")
        return files
    if not target.exists():
        raise InputError(f"{target}: no such file or folder")
    return [target]


def main(argv=None) -> int:
    from svgq_jax import cli
    from svgq_jax.predict import QualityPredictor

    p = cli.Parser(
        prog="python -m svgq_jax.optimize",
        description=__doc__.split("\n\n")[0] + " Writes the SVG traced with the best parameters.",
    )
    p.add_argument("--model", required=True, metavar="BUNDLE", help="an export directory (RUN/export)")
    p.add_argument("image", metavar="IMAGE", help="a logo file (PNG, JPEG, WebP, SVG, ...) or a folder of them")
    p.add_argument(
        "--out",
        metavar="OUT",
        help="SVG file for one image, or a folder for several (default: IMAGE with .svg beside it)",
    )
    p.add_argument(
        "--budget",
        type=cli.int_in(1, MAX_BUDGET),
        default=4096,
        help="parameter sets scored before refinement (default 4096)",
    )
    p.add_argument(
        "--verify",
        type=int,
        default=DEFAULT_VERIFY,
        metavar="K",
        help=f"really trace the top K and VTracer's defaults, keep the best real one (default {DEFAULT_VERIFY}; 0 = "
        f"trust the model's top pick)",
    )
    p.add_argument(
        "--fix", action="append", metavar="NAME=VALUE", help="pin a parameter (repeatable), e.g. --fix path_precision=3"
    )
    p.add_argument("--seed", type=cli.int_in(0, 2**63 - 1), default=0)
    p.add_argument("--backbone-weights", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output (one JSON document)")
    a = p.parse_args(argv)
    if a.budget < 1 or a.verify < 0:
        raise InputError("--budget must be at least 1 and --verify at least 0")
    fixed = parse_fixed(a.fix)
    if len(fixed) == param_space.N_PARAMS:
        raise InputError(
            f"--fix pins all {param_space.N_PARAMS} parameters: nothing is left to choose; trace that set with "
            "`python -m svgq_jax.data measure`"
        )
    target = Path(a.image)
    many = target.is_dir()
    out_dir = Path(a.out) if (a.out and many) else None
    if out_dir and out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: not a folder (several images write one SVG each into it)")
    files = _inputs(target)
    predictor = QualityPredictor.load(a.model, a.backbone_weights)
    results, failures = [], []
    for f in files:
        dest = (
            (out_dir / f.relative_to(target)).with_suffix(".svg")
            if many and out_dir
            else Path(a.out)
            if a.out and not many
            else f.with_suffix(".svg")
        )
        try:
            check_output(dest, "--out", inputs=[f])  # an SVG logo's default output would be itself
            r = optimize_image(predictor, f, a.budget, a.verify, a.seed, fixed)
        except InputError as e:
            if not many:
                raise
            failures.append({"image": str(f), "error": str(e)})
            print(f"skipped: {e}", file=sys.stderr)
            continue
        write_atomic(dest, r.svg)
        results.append((r, dest))
        if not a.json:
            print(table(r) + f"\n-> {dest}\n")
    if a.json:
        print(
            json.dumps(
                {"results": [{**r.to_json(), "svg_path": str(d)} for r, d in results], "failures": failures}, indent=2
            )
        )
    return 0 if results else 2


if __name__ == "__main__":
    from svgq_jax import cli

    cli.main(main)
