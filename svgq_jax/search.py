"""The optimizer's search, pure numpy: what to score, which candidates to trace, and which to keep.

`search` scores `budget` parameter sets with the predictor (VTracer's defaults plus
a Latin hypercube), then refines them by batched coordinate steps around the
objective's targets. `targets` and `walk` pick the candidates worth tracing along
the predicted front of SSIM against bytes; `choose` keeps, among the traced ones,
what the objective asks for (`Objective`). Nothing here traces: `svgq_jax.verify`
does, and calls these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from svgq_jax.core import params as param_space

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
    gzip_bytes: int | None = None  # of the file as written
    grid: float | None = None  # the grid it was written on (None: VTracer's own text, --no-minify)
    mode: str = "spline"  # VTracer's curve mode it was traced in ("polygon": straight segments only)
    error: str | None = None


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


DEFAULT_OBJECTIVE = Objective()

# The default objective, measured on real logos (README, benchmarks/bench_optimize.py): an SSIM step of
# 0.002 is below what anyone sees on a logo, and bytes past the defaults' must buy a clear 0.02: with
# 0.01 the default made 17 % of 256-px real logos larger than the defaults (for +0.01 to +0.02), with 0.02


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
BUDGET_SHARES = (1.0, 0.85, 0.7, 0.55)
# min_ssim walks the front instead (`walk`), each step aimed by the model's measured error: it first asks
# for the smallest candidate predicted to reach the target plus the error the model made at VTracer's
# defaults (traced anyway), then after each trace for the smallest predicted to reach it plus the error
# just measured there (plus WALK_SAFETY when the trace missed). A step that would not move goes
# WALK_MIN_STEP further. Replayed on two halves of 120 real native logos and on 64 real 256-px logos
# (ACCURACY.md section 17), two traces found median bytes of 0.31x / 0.37x / 0.40x the defaults' where fixed
# steps of 0.006 found 0.35x / 0.74x / 0.44x.
WALK_SAFETY = 0.002
WALK_MIN_STEP = 0.003


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
    score, budget: int, seed: int = 0, fixed: dict[int, float] | None = None, objective: Objective = DEFAULT_OBJECTIVE
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


def refine_floor(objective: Objective, verified: list[Candidate], chosen: Candidate) -> float | None:
    """How low the written pick's SSIM may go when its grid is made coarser, by the objective's own tolerance:
    compact, within SAME_QUALITY of the best verified, and never under the pick (`choose` may keep the smaller
    defaults further below); --min-ssim, the bound (a pick under it is tried on finer grids). quality and
    --max-bytes keep the image's grid (None)."""
    if objective.kind == "compact":
        return min(max(c.actual for c in verified) - SAME_QUALITY, chosen.actual)
    if objective.kind == "min_ssim":
        return objective.value
    return None
