"""Choose VTracer parameters for a logo with the quality predictor.

    python -m svgq_jax.optimize --model BUNDLE IMAGE_OR_FOLDER [--out OUT.svg|DIR] [--budget 4096] [--verify K] [--json]

Search: `budget` parameter sets (VTracer's defaults plus a Latin hypercube) are
scored in batches by the predictor (SSIM and SVG bytes), then refined by batched
coordinate steps around the objective's targets. Then a few candidates and
VTracer's defaults are really traced and scored (`DEFAULT_VERIFY`: the top pick
for quality, four points spread along the predicted front of SSIM against bytes
for the default compact objective, a walk along it for --min-ssim), the objective
picks among them (see `Objective`: by default the smallest SVG that looks as good
as the best), and a table compares them; --verify 0 traces only the model's own pick.

Everything is traced at the image's own size (long side capped by --max-side)
and with its transparency, and the SVG written has the image's width and height
and a viewBox. A verified candidate that keeps the source's transparency worse
than VTracer's defaults do (TRANSPARENCY_SLACK) is not chosen.

Why verify: the model's single pick still loses to VTracer's defaults on some
images, and its bytes err by a fifth; the defaults are traced anyway (the model
reads that trace), so `optimize` never ends below them.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from svgq_jax import params as param_space
from svgq_jax.data import images
from svgq_jax.data.tracing import Target, TraceFailure, label, sized, trace
from svgq_jax.errors import InputError
from svgq_jax.files import check_output, write_atomic

REFINE_TOP = 8
REFINE_ROUNDS = 3
# coordinate steps per parameter, as fractions of its range (ints round to at least 1)
STEP_FRACTIONS = (-0.25, -0.1, -0.03, 0.03, 0.1, 0.25)
# How much worse than VTracer's defaults a candidate may keep a transparent source's transparency:
# its alpha mean absolute difference at most this much higher, and the share of fully transparent
# pixels it keeps transparent at most ten times this lower.
TRANSPARENCY_SLACK = 0.001


@dataclass
class Candidate:
    params: dict
    predicted: float
    predicted_bytes: float | None = None
    actual: float | None = None
    svg_bytes: int | None = None
    trace_seconds: float | None = None
    alpha_mad: float | None = None  # transparent sources: alpha agreement of the render
    transparent_kept: float | None = None
    error: str | None = None


@dataclass
class Result:
    image: str
    size: tuple[int, int]  # the SVG's width and height: the image's
    traced: tuple[int, int]  # the size it was traced at (smaller when over --max-side)
    objective: str
    reached: bool  # whether a verified candidate met the objective's bound (always, for compact and quality)
    best: Candidate
    svg: str | None
    candidates: list[Candidate] = field(default_factory=list)  # the verified ones, best predicted first
    defaults: Candidate | None = None
    n_scored: int = 0
    search_seconds: float = 0.0
    total_seconds: float = 0.0
    front: list[dict] = field(default_factory=list)  # the predicted Pareto front, with --pareto

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


@dataclass(frozen=True)
class Objective:
    """What `optimize` looks for (the verified traces decide; the model only proposes).

    compact   (the default) the smallest SVG within SAME_QUALITY of the best verified SSIM, and never larger
              than VTracer's defaults unless CLEARLY_BETTER than them
    quality   the best SSIM, whatever the size
    min_ssim  the smallest SVG whose SSIM reaches `value`
    max_bytes the best SSIM whose SVG fits in `value` bytes
    """

    kind: str = "compact"
    value: float | None = None

    @property
    def needs_bytes(self) -> bool:
        return self.kind != "quality"

    def describe(self) -> str:
        return {
            "compact": f"the smallest SVG within {SAME_QUALITY} SSIM of the best",
            "quality": "the best SSIM",
            "min_ssim": f"the smallest SVG with SSIM >= {self.value}",
            "max_bytes": f"the best SSIM in <= {self.value:.0f} bytes" if self.value else "",
        }[self.kind]


# The default objective, measured on real logos (README, benchmarks/bench_optimize.py): an SSIM step of
# 0.002 is below what anyone sees on a logo, and bytes past the defaults' must buy a clear 0.02: with
# 0.01 the default made 17 % of 256-px real logos larger than the defaults (for +0.01 to +0.02), with 0.02
# 8 %, at 0.0013 mean SSIM (ACCURACY.md section 16).
SAME_QUALITY = 0.002
CLEARLY_BETTER = 0.02
# The verified candidates sit at these predicted-SSIM margins below the predicted best (compact), or at
# these shares of the byte budget (max_bytes): spread along the front, since the model errs by a few
# hundredths.
COMPACT_MARGINS = (0.0, 0.003, 0.006, 0.012)
# min_ssim walks the front instead (`walk`), each step aimed by the model's measured error: it first asks
# for the smallest candidate predicted to reach the target plus the error the model made at VTracer's
# defaults (traced anyway), then after each trace for the smallest predicted to reach it plus the error
# just measured there (plus WALK_SAFETY when the trace missed). A step that would not move goes
# WALK_MIN_STEP further. Replayed on two halves of 120 real native logos and on 64 real 256-px logos
# (ACCURACY.md section 17), two traces found median bytes of 0.31x / 0.37x / 0.40x the defaults' where fixed
# steps of 0.006 found 0.35x / 0.74x / 0.44x.
WALK_SAFETY = 0.002
WALK_MIN_STEP = 0.003
# images whose backbone features are computed in one batch when `optimize` is given a folder
BATCH_IMAGES = 16
BUDGET_SHARES = (1.0, 0.85, 0.7, 0.55)


def pareto_front(preds: np.ndarray) -> np.ndarray:
    """Indices of the candidates no other beats on both predicted SSIM (higher) and bytes (lower),
    by decreasing SSIM."""
    order = np.lexsort((preds[:, 1], -preds[:, 0]))
    sizes = preds[order, 1]
    # on the front: smaller than every candidate before it in that order
    before = np.concatenate([[np.inf], np.minimum.accumulate(sizes)[:-1]])
    return order[sizes < before].astype(np.int64)


def targets(preds: np.ndarray, objective: Objective, k: int) -> np.ndarray:
    """Up to k candidate indices worth verifying for the objective, spread along the predicted front
    (the top k by predicted SSIM for the quality objective or a model without bytes)."""
    if objective.kind == "quality" or preds.shape[1] < 2:
        return np.argsort(-preds[:, 0], kind="stable")[:k]
    front = pareto_front(preds)
    ssim, log_bytes = preds[front, 0], preds[front, 1]
    if objective.kind == "max_bytes":
        picks = [
            front[np.argmax(np.where(log_bytes <= np.log(objective.value * s), ssim, -np.inf))] for s in BUDGET_SHARES
        ]
    elif objective.kind == "min_ssim":  # around where `walk` goes, for the model's usual errors
        picks = [front[_smallest_above(ssim, objective.value + m)] for m in (0.0, -0.006, 0.006, -0.012, 0.012)]
    else:
        picks = [front[_smallest_above(ssim, ssim.max() - m)] for m in COMPACT_MARGINS]
    picks = list(dict.fromkeys(int(i) for i in picks))[:k]  # in order, without repeats
    rest = [int(i) for i in front if int(i) not in picks]
    if len(picks) < k and rest:  # fill up with points spread over the rest of the front
        picks += rest[:: max(1, len(rest) // (k - len(picks)))][: k - len(picks)]
    return np.asarray(picks, dtype=np.int64)


def _smallest_above(front_ssim: np.ndarray, floor: float) -> int:
    """The front is by decreasing SSIM: its last point predicted at or above `floor` is the smallest."""
    return max(int(np.sum(front_ssim >= floor)) - 1, 0)


def walk(preds: np.ndarray, goal: float, k: int, error: float, trace) -> list[int]:
    """min_ssim's candidates, in the order traced (at most k): each the smallest on the predicted front that
    reaches `goal` once the model's last measured error is taken off its prediction. `error`: the model's
    error (predicted - real SSIM) at VTracer's defaults; `trace(index)` -> the real SSIM (None if the
    trace failed or keeps the transparency worse than the defaults)."""
    front = pareto_front(preds)
    ssim = preds[front, 0]
    at = lambda floor: int(front[_smallest_above(ssim, floor)])
    i, tried = at(goal + error + WALK_SAFETY), []
    while len(tried) < k and i not in tried:
        tried.append(i)
        real = trace(i)
        reached = real is not None and real >= goal
        error = preds[i, 0] - (real if real is not None else 0.0)
        nxt = at(goal + error + (0.0 if reached else WALK_SAFETY))
        if reached and preds[nxt, 0] >= preds[i, 0]:  # smaller, by at least a minimal step (or stop)
            below = front[ssim <= preds[i, 0] - WALK_MIN_STEP]
            nxt = int(below[0]) if len(below) else i
        if not reached and preds[nxt, 0] <= preds[i, 0]:  # larger, likewise
            above = front[ssim >= preds[i, 0] + WALK_MIN_STEP]
            nxt = int(above[-1]) if len(above) else i
        i = nxt
    return tried


def search(
    score, budget: int, seed: int = 0, fixed: dict[int, float] | None = None, objective: Objective = Objective()
) -> tuple[np.ndarray, np.ndarray, int]:
    """Every candidate scored: (vectors [M, 8], predictions [M, outputs], number scored).

    `score` maps raw parameter vectors [N, 8] to predictions [N, outputs] (SSIM, then ln bytes).
    Latin-hypercube candidates and the defaults first; then rounds of coordinate steps around the
    objective's current targets, until those stop moving."""
    fixed = fixed or {}
    pin = lambda v: _pin(v, fixed)
    cand = pin(np.concatenate([param_space.defaults_vector()[None], param_space.sample(max(budget - 1, 0), seed)]))
    pred = score(cand)
    n = len(cand)
    chosen = targets(pred, objective, REFINE_TOP)
    for _ in range(REFINE_ROUNDS):
        moves = np.unique(pin(_neighbours(cand[chosen], fixed)), axis=0)
        mp = score(moves)
        n += len(moves)
        cand, pred = np.concatenate([cand, moves]), np.concatenate([pred, mp])
        again = targets(pred, objective, REFINE_TOP)
        if np.array_equal(np.sort(again), np.sort(chosen)):
            break  # no neighbour became a target (old candidates keep their indices)
        chosen = again
    cand, idx = np.unique(cand, axis=0, return_index=True)
    return cand, pred[idx], n


def _pin(vectors: np.ndarray, fixed: dict[int, float]) -> np.ndarray:
    v = vectors.copy()
    for j, x in fixed.items():
        v[:, j] = x
    return v


def parse_objective(args) -> Objective:
    """--objective / --max-bytes / --min-ssim -> Objective (InputError naming a bad bound)."""
    if args.max_bytes is not None:
        if not (np.isfinite(args.max_bytes) and args.max_bytes >= 1):
            raise InputError(f"--max-bytes must be a positive number of bytes, got {args.max_bytes}")
        return Objective("max_bytes", float(args.max_bytes))
    if args.min_ssim is not None:
        if not (np.isfinite(args.min_ssim) and 0 < args.min_ssim <= 1):
            raise InputError(f"--min-ssim must be an SSIM in (0, 1], got {args.min_ssim}")
        return Objective("min_ssim", float(args.min_ssim))
    return Objective(args.objective)


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


def _measure(target: Target, vector: np.ndarray, predicted: np.ndarray) -> tuple[Candidate, str | None]:
    params = param_space.from_vector(vector)
    try:
        traced = label(target, params)
    except TraceFailure as e:
        traced = e
    return _verified(params, predicted, traced)


def _verified(params: dict, predicted: np.ndarray, traced) -> tuple[Candidate, str | None]:
    """A candidate with its prediction and its trace: `traced` is (Label, SVG) or the TraceFailure."""
    size = float(np.exp(predicted[1])) if len(predicted) > 1 else None
    if isinstance(traced, TraceFailure):
        return Candidate(params, float(predicted[0]), size, error=str(traced)), None
    lab, svg = traced
    return Candidate(
        params,
        float(predicted[0]),
        size,
        lab.ssim,
        lab.svg_bytes,
        lab.trace_seconds,
        lab.alpha_mad,
        lab.transparent_kept,
    ), svg


def keeps_transparency(c: Candidate, defaults: Candidate) -> bool:
    """Whether `c` keeps the source's transparency about as well as VTracer's defaults (always for
    an opaque source, or when the defaults' trace failed)."""
    if c.alpha_mad is None or defaults.alpha_mad is None:
        return True
    kept_ok = (
        c.transparent_kept is None
        or defaults.transparent_kept is None
        or (c.transparent_kept >= defaults.transparent_kept - 10 * TRANSPARENCY_SLACK)
    )
    return kept_ok and c.alpha_mad <= defaults.alpha_mad + TRANSPARENCY_SLACK


# The most parameter sets --budget may score: each is a row of model inputs held in memory at once.
MAX_BUDGET = 65536
# Candidates traced beside VTracer's defaults, per objective (--verify K overrides). A trace at native size
# costs a quarter of the features and search together, so each objective traces what it measurably needs
# (ACCURACY.md section 17, real logos): quality's top pick alone is within 0.0004 SSIM of its top four there;
# compact compares four points spread along the front; min_ssim walks along it (`walk`). On an image of at
# most SMALL_IMAGE pixels a trace costs 20 ms, a tenth of the features, and more are worth it: there quality's
# top four gain 0.0018 SSIM over its top pick, and a third trace of the walk took the median bytes from 0.40x
# to 0.38x the defaults'.
DEFAULT_VERIFY = {"quality": 1, "compact": 4, "min_ssim": 2, "max_bytes": 4}
SMALL_IMAGE_VERIFY = {"quality": 4, "compact": 4, "min_ssim": 3, "max_bytes": 4}
SMALL_IMAGE = 256 * 256


def default_verify(objective: Objective, size: tuple[int, int]) -> int:
    """How many candidates `optimize` traces for the objective on an image traced at `size` (width, height)."""
    return (SMALL_IMAGE_VERIFY if size[0] * size[1] <= SMALL_IMAGE else DEFAULT_VERIFY)[objective.kind]


def choose(verified: list[Candidate], defaults: Candidate, objective: Objective) -> tuple[Candidate, bool]:
    """The verified candidate the objective picks, and whether it met the objective's bound."""
    best_ssim = max(c.actual for c in verified)
    if objective.kind == "quality":
        return max(verified, key=lambda c: c.actual), True
    if objective.kind == "compact":
        same = [c for c in verified if c.actual >= best_ssim - SAME_QUALITY]
        pick = min(same, key=lambda c: c.svg_bytes)
        if (
            defaults in verified
            and pick.svg_bytes > defaults.svg_bytes
            and pick.actual < defaults.actual + CLEARLY_BETTER
        ):
            return defaults, True  # larger than the defaults without being clearly better
        return pick, True
    if objective.kind == "min_ssim":
        good = [c for c in verified if c.actual >= objective.value]
        return (min(good, key=lambda c: c.svg_bytes), True) if good else (max(verified, key=lambda c: c.actual), False)
    fits = [c for c in verified if c.svg_bytes <= objective.value]  # max_bytes
    return (max(fits, key=lambda c: c.actual), True) if fits else (min(verified, key=lambda c: c.svg_bytes), False)


def _prefetch(predictor, files: list[Path]) -> dict[Path, images.Source]:
    """The batch path for a folder: the next images, decoded once, with the backbone run over them at once (the
    predictor caches their features for `optimize_image`). A file that does not load is left out, for
    `optimize_image` to report."""
    sources = {}
    for f in files:
        try:
            sources[f] = predictor.source(f)
        except InputError:
            pass
    if len(sources) > 1:
        predictor.image_features(list(sources.values()))
    return sources


def optimize_image(
    predictor,
    image,
    budget: int = 4096,
    verify: int | None = None,
    seed: int = 0,
    fixed=None,
    objective: Objective = Objective(),
    pareto: bool = False,
    name: str | None = None,
) -> Result:
    """Search, then trace up to `verify` candidates for the objective (default: `default_verify`), and the
    defaults, and keep what the objective picks among them; with verify 0, trace the model's own pick.
    `name`: what the result and errors call the image (default: `image` itself, e.g. its path)."""
    name = name or str(image)
    if objective.needs_bytes and not predictor.predicts_bytes:
        raise InputError(f"this model bundle does not predict SVG bytes: use --objective quality ({objective.kind})")
    t0 = time.perf_counter()
    source = predictor.source(image)
    verify = default_verify(objective, source.size) if verify is None else verify
    row = predictor.image_features([source])
    vectors, preds, n = search(lambda v: predictor.score_candidates(row[0], v), budget, seed, fixed, objective)
    t_search = time.perf_counter() - t0
    target = predictor.target(source)
    out = lambda svg: sized(svg, source.size, source.original_size)
    front = [_front_point(vectors[i], preds[i]) for i in pareto_front(preds)] if pareto and preds.shape[1] > 1 else []
    done = lambda *a, **kw: Result(
        name,
        source.original_size,
        source.size,
        objective.kind,
        *a,
        n_scored=n,
        search_seconds=t_search,
        total_seconds=time.perf_counter() - t0,
        front=front,
        **kw,
    )
    if verify <= 0:
        i = targets(preds, objective, 1)[0]
        best = Candidate(
            param_space.from_vector(vectors[i]),
            float(preds[i, 0]),
            float(np.exp(preds[i, 1])) if preds.shape[1] > 1 else None,
        )
        try:
            svg = trace(target.png, best.params)
        except TraceFailure as e:
            raise InputError(f"{name}: VTracer could not trace it ({e})") from None
        return done(True, best, out(svg))
    defaults, default_svg = _defaults(predictor, source, row)
    if objective.kind == "min_ssim":
        traced = {}

        def real(i: int) -> float | None:
            traced[i] = _measure(target, vectors[i], preds[i])
            c = traced[i][0]
            return c.actual if c.actual is not None and keeps_transparency(c, defaults) else None

        error = defaults.predicted - defaults.actual if defaults.actual is not None else 0.0
        walk(preds, objective.value, verify, error, real)
        measured = list(traced.values())
    else:
        measured = [_measure(target, vectors[i], preds[i]) for i in targets(preds, objective, verify)]
    # VTracer's defaults are a candidate too: the model may not beat them on every image
    ok = [(c, s) for c, s in [*measured, (defaults, default_svg)] if c.actual is not None]
    ok = [(c, s) for c, s in ok if keeps_transparency(c, defaults)]
    if not ok:
        raise InputError(f"{name}: VTracer failed on every verified candidate ({measured[0][0].error})")
    best, reached = choose([c for c, _ in ok], defaults, objective)
    svg = next(s for c, s in ok if c is best)
    return done(reached, best, out(svg), [c for c, _ in measured], defaults)


def _defaults(predictor, source: images.Source, row: np.ndarray) -> tuple[Candidate, str | None]:
    """VTracer's defaults as a verified candidate, from the trace the predictor made for its features."""
    pred = predictor.predict_rows(row, param_space.defaults_vector()[None])[0]
    return _verified(dict(param_space.VTRACER_DEFAULTS), pred, predictor.defaults_trace(source))


def _front_point(vector: np.ndarray, pred: np.ndarray) -> dict:
    return {
        "params": param_space.from_vector(vector),
        "predicted": float(pred[0]),
        "predicted_bytes": float(np.exp(pred[1])),
    }


def table(r: Result, objective: Objective | None = None) -> str:
    short = ["cp", "ld", "ct", "lt", "mi", "st", "fs", "pp"]
    head = (
        f"{'candidate':10s} " + " ".join(f"{s:>5s}" for s in short) + "  pred SSIM  pred bytes   SSIM    bytes  trace s"
    )
    traced = "" if r.traced == r.size else f", traced at {r.traced[0]}x{r.traced[1]} (over --max-side)"
    goal = f"; objective: {objective.describe()}" if objective else ""
    lines = [f"{r.image} ({r.size[0]}x{r.size[1]}{traced}{goal})", head]
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
        pred_size = f"{c.predicted_bytes:10.0f}" if c.predicted_bytes is not None else "         –"
        size = f"{c.svg_bytes:8d}" if c.svg_bytes is not None else "       –"
        secs = f"{c.trace_seconds:.3f}" if c.trace_seconds is not None else "  –"
        lines.append(f"{name:10s} {vals}  {c.predicted:9.4f} {pred_size}  {actual:>6s} {size}  {secs}")
    if not r.reached:
        lines.append("no verified candidate met the objective: the table's * is the nearest")
    if r.front:
        lines.append(
            f"predicted front ({len(r.front)} points, SSIM / bytes): "
            + ", ".join(
                f"{p['predicted']:.4f}/{p['predicted_bytes']:.0f}" for p in r.front[:: max(1, len(r.front) // 12)]
            )
        )
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
    goal = p.add_mutually_exclusive_group()
    goal.add_argument(
        "--objective",
        choices=("compact", "quality"),
        default="compact",
        help=f"compact (default): the smallest SVG within {SAME_QUALITY} SSIM of the best verified one, never larger "
        f"than VTracer's defaults' unless {CLEARLY_BETTER} SSIM better; quality: the best SSIM, whatever the size",
    )
    goal.add_argument("--max-bytes", type=float, metavar="N", help="the best SSIM whose SVG fits in N bytes")
    goal.add_argument("--min-ssim", type=float, metavar="S", help="the smallest SVG whose SSIM reaches S")
    p.add_argument(
        "--pareto",
        action="store_true",
        help="also print (with --json: return) the predicted front of SSIM against bytes",
    )
    p.add_argument(
        "--verify",
        type=int,
        metavar="K",
        help="really trace up to K candidates for the objective, and VTracer's defaults, and keep what the objective "
        "picks among them (default: quality 1, compact 4, --max-bytes 4, --min-ssim 2 stepping along the front; on "
        f"an image of at most {SMALL_IMAGE} pixels quality 4 and --min-ssim 3; 0 = trust the model's own pick)",
    )
    p.add_argument(
        "--fix", action="append", metavar="NAME=VALUE", help="pin a parameter (repeatable), e.g. --fix path_precision=3"
    )
    p.add_argument(
        "--max-side",
        type=int,
        default=images.MAX_SIDE,
        help=f"an image with a longer side is traced downscaled to it; its SVG keeps the image's size "
        f"(default {images.MAX_SIDE})",
    )
    p.add_argument("--seed", type=cli.int_in(0, 2**63 - 1), default=0)
    p.add_argument("--json", action="store_true", help="machine-readable output (one JSON document)")
    a = p.parse_args(argv)
    if a.budget < 1 or (a.verify is not None and a.verify < 0):
        raise InputError("--budget must be at least 1 and --verify at least 0")
    if a.max_side < 16:
        raise InputError(f"--max-side must be at least 16, got {a.max_side}")
    fixed = parse_fixed(a.fix)
    if len(fixed) == param_space.N_PARAMS:
        raise InputError(
            f"--fix pins all {param_space.N_PARAMS} parameters: nothing is left to choose; trace that set with "
            "`python -m svgq_jax.data measure`"
        )
    objective = parse_objective(a)
    target = Path(a.image)
    many = target.is_dir()
    out_dir = Path(a.out) if (a.out and many) else None
    if out_dir and out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: not a folder (several images write one SVG each into it)")
    files = _inputs(target)
    predictor = QualityPredictor.load(a.model, max_side=a.max_side)
    results, failures = [], []
    for i, f in enumerate(files):
        if i % BATCH_IMAGES == 0:
            decoded = _prefetch(predictor, files[i : i + BATCH_IMAGES])
        dest = (
            (out_dir / f.relative_to(target)).with_suffix(".svg")
            if many and out_dir
            else Path(a.out)
            if a.out and not many
            else f.with_suffix(".svg")
        )
        try:
            check_output(dest, "--out", inputs=[f])  # an SVG logo's default output would be itself
            image = decoded.pop(f, f)  # decoded by the batch path, or a file for optimize_image to report
            r = optimize_image(predictor, image, a.budget, a.verify, a.seed, fixed, objective, a.pareto, str(f))
        except InputError as e:
            if not many:
                raise
            failures.append({"image": str(f), "error": str(e)})
            print(f"skipped: {e}", file=sys.stderr)
            continue
        write_atomic(dest, r.svg)
        results.append((r, dest))
        if r.traced != r.size:
            print(
                f"note: {f} is {r.size[0]}x{r.size[1]}, over --max-side {a.max_side}: traced at "
                f"{r.traced[0]}x{r.traced[1]}, written at its own size",
                file=sys.stderr,
            )
        if not a.json:
            print(table(r, objective) + f"\n-> {dest}\n")
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
