"""Verification: the candidates the search proposes, really traced, rendered and scored.

`optimize_image` runs the search (`svgq_jax.search`) on one image with the predictor,
traces what the objective needs (`default_verify`) and VTracer's defaults, and keeps
what `choose` picks among them. Everything is traced at the image's own size (long
side capped by --max-side) and with its transparency; the SVG has the image's width
and height and a viewBox. A verified candidate that keeps the source's transparency
worse than VTracer's defaults do (`search.TRANSPARENCY_SLACK`) is not chosen.

Why verify: the model's single pick still loses to VTracer's defaults on some
images, and its bytes err by a fifth; the defaults are traced anyway (the model
reads that trace), so `optimize` never ends below them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from svgq_jax.core import images, svgmin
from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.core.tracing import Label, Target, TraceFailure, scored, sized, trace
from svgq_jax.core.written import GRIDS, gzip_bytes, minified, structure, written
from svgq_jax.search import (
    DEFAULT_OBJECTIVE,
    Candidate,
    Objective,
    choose,
    default_verify,
    keeps_transparency,
    pareto_front,
    refine_floor,
    search,
    targets,
    walk,
)


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
    written: dict = field(default_factory=dict)  # the file written: paths, path commands, grid, bytes, gzip bytes
    vtracer_defaults: Candidate | None = None  # VTracer's defaults as VTracer writes them (not minified)

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("svg")
        return d


# The pick is tried on a coarser grid only with this much SSIM above the objective's floor: a rung coarser costs
# about 0.001 SSIM on real logos, and each try renders the file (ACCURACY.md section 19).
REFINE_MARGIN = 0.001


@dataclass(frozen=True)
class Writer:
    """How one image's candidates become the file a user gets: minified on the image's grid (`core.written`),
    or with --no-minify VTracer's own text; each scored as written, at the traced size."""

    target: Target
    size: tuple[int, int]  # the file's width and height: the image's own
    grid: float | None  # None: VTracer's own text

    def __call__(self, svg: str, seconds: float) -> tuple[Label, str]:
        if self.grid is None:
            text = sized(svg, self.target.size, self.size)
            return replace(scored(self.target, text, seconds), gzip_bytes=gzip_bytes(text)), text
        w = written(self.target, svg, self.grid, seconds, self.size)
        return w.label, w.svg

    def refined(self, raw: str, first: Candidate, text: str, floor: float) -> tuple[Candidate, str]:
        """The pick rewritten on the coarsest grid `svgmin.search` reaches from the image's whose file keeps the SSIM
        at or above `floor` (the objective's tolerance), each grid checked by rendering; (candidate, file)."""
        if self.grid is None or 0 <= first.actual - floor < REFINE_MARGIN:
            return first, text  # VTracer's text, or too close to the floor for a coarser grid to pass
        files = {self.grid: (first, text)}

        def passes(grid: float) -> bool:
            if grid not in files:
                w = written(self.target, raw, grid, first.trace_seconds, self.size)
                files[grid] = (_with_label(first, w.label), w.svg)
            return files[grid][0].actual >= floor

        grid, _ = svgmin.search(passes, GRIDS, self.grid)
        return files[grid if grid is not None else self.grid]

    def unscored(self, svg: str) -> str:
        """The file of a trace nobody scores (--verify 0)."""
        out = sized(svg, self.target.size, self.size)
        return out if self.grid is None else minified(out, self.grid)


def _measure(write: Writer, vector: np.ndarray, predicted: np.ndarray, mode: str = "spline") -> tuple:
    """One candidate traced (in VTracer's curve `mode`) and written: (candidate, its file, VTracer's text)."""
    params = param_space.from_vector(vector)
    svg = None
    try:
        t0 = time.perf_counter()
        svg = trace(write.target.png, params, mode)
        traced = write(svg, time.perf_counter() - t0)
    except TraceFailure as e:
        traced = e
    c, text = _verified(params, predicted, traced)
    return replace(c, mode=mode), text, svg


def _with_label(c: Candidate, lab: Label) -> Candidate:
    fields = ("svg_bytes", "alpha_mad", "transparent_kept", "gzip_bytes", "grid")
    return replace(c, actual=lab.ssim, **{k: getattr(lab, k) for k in fields})


def _verified(params: dict, predicted: np.ndarray, traced) -> tuple[Candidate, str | None]:
    """A candidate with its prediction and its file: `traced` is (Label, SVG as written) or the TraceFailure."""
    size = float(np.exp(predicted[1])) if len(predicted) > 1 else None
    if isinstance(traced, TraceFailure):
        return Candidate(params, float(predicted[0]), size, error=str(traced)), None
    lab, svg = traced
    fields = ("svg_bytes", "trace_seconds", "alpha_mad", "transparent_kept", "gzip_bytes", "grid")
    return Candidate(params, float(predicted[0]), size, lab.ssim, **{k: getattr(lab, k) for k in fields}), svg


def optimize_image(
    predictor,
    image,
    budget: int = 4096,
    verify: int | None = None,
    seed: int = 0,
    fixed=None,
    objective: Objective = DEFAULT_OBJECTIVE,
    pareto: bool = False,
    name: str | None = None,
    minify: bool = True,
) -> Result:
    """Search, then trace up to `verify` candidates for the objective (default: `default_verify`), and the
    defaults, and keep what the objective picks among them; with verify 0, trace the model's own pick.
    Every candidate is written as the user gets it (minified on the image's grid, or with `minify` False
    VTracer's own text) and scored as written. `name`: what the result and errors call the image."""
    name = name or str(image)
    if objective.needs_bytes and not predictor.predicts_bytes:
        raise InputError(f"this model bundle does not predict SVG bytes: use --objective quality ({objective.kind})")
    t0 = time.perf_counter()
    source = predictor.source(image)
    verify = default_verify(objective, source.size) if verify is None else verify
    row = predictor.image_features([source])
    vectors, preds, n = search(lambda v: predictor.score_candidates(row[0], v), budget, seed, fixed, objective)
    t_search = time.perf_counter() - t0
    d = _defaults(predictor, source, row, minify)
    defaults, write = d.candidate, d.write
    front = [_front_point(vectors[i], preds[i]) for i in pareto_front(preds)] if pareto and preds.shape[1] > 1 else []

    def done(reached, best, svg, *rest) -> Result:
        result = Result(name, source.original_size, source.size, objective.kind, reached, best, svg, *rest)
        written_grid = {"grid": best.grid} if svg is not None else {}
        return replace(
            result,
            n_scored=n,
            search_seconds=t_search,
            total_seconds=time.perf_counter() - t0,
            front=front,
            written={**structure(svg), **written_grid} if svg else {},
            vtracer_defaults=d.vtracer,
        )

    if verify <= 0:
        return done(True, *_model_pick(write, vectors, preds, objective, name))
    measured = _verify(write, vectors, preds, objective, verify, defaults)
    # VTracer's defaults are a candidate too: the model may not beat them on every image
    ok = [m for m in [*measured, (defaults, d.svg, d.raw)] if m[0].actual is not None]
    ok = [m for m in ok if keeps_transparency(m[0], defaults)]
    if not ok:
        raise InputError(f"{name}: VTracer failed on every verified candidate ({measured[0][0].error})")
    chosen, reached = choose([c for c, _, _ in ok], defaults, objective)
    pick = next(m for m in ok if m[0] is chosen)
    if refine_floor(objective, [c for c, _, _ in ok], chosen) is None:  # quality, --max-bytes: the image's grid
        return done(reached, chosen, pick[1], [c for c, _, _ in measured], defaults)
    # VTracer's polygon mode on the pick's parameters is one more candidate; then the pick's coarsest grid within
    # the objective's tolerance
    alt = _polygon(write, pick[0])
    measured.append(alt)
    if alt[0].actual is not None and keeps_transparency(alt[0], defaults):
        ok.append(alt)
        chosen, reached = choose([c for c, _, _ in ok], defaults, objective)
        pick = next(m for m in ok if m[0] is chosen)
    floor = refine_floor(objective, [c for c, _, _ in ok], chosen)
    best, svg = write.refined(pick[2], chosen, pick[1], floor)
    reached = reached or best.actual >= floor  # --min-ssim: a finer grid may reach the bound
    swap = lambda c: best if c is chosen else c
    return done(reached, best, svg, [swap(c) for c, _, _ in measured], swap(defaults))


def _polygon(write: Writer, c: Candidate) -> tuple:
    """The candidate `c` traced again in VTracer's polygon mode (straight segments only): on real logos it was the
    smallest same-SSIM file of 27 on about half of them (ACCURACY.md section 19). One more trace."""
    alt = _measure(write, param_space.to_vector(c.params), np.array([c.predicted]), "polygon")  # the model's: spline
    return (replace(alt[0], predicted_bytes=c.predicted_bytes), alt[1], alt[2])


def _verify(write: Writer, vectors, preds, objective: Objective, k: int, defaults: Candidate) -> list[tuple]:
    """The candidates the objective needs, traced and written: the walk along the front for --min-ssim, else
    the targets spread along it."""
    if objective.kind != "min_ssim":
        return [_measure(write, vectors[i], preds[i]) for i in targets(preds, objective, k)]
    traced = {}

    def real(i: int) -> float | None:
        traced[i] = _measure(write, vectors[i], preds[i])
        c = traced[i][0]
        return c.actual if c.actual is not None and keeps_transparency(c, defaults) else None

    error = defaults.predicted - defaults.actual if defaults.actual is not None else 0.0
    walk(preds, objective.value, k, error, real)
    return list(traced.values())


def _model_pick(write: Writer, vectors, preds, objective: Objective, name: str) -> tuple[Candidate, str]:
    """--verify 0: the model's own pick, traced and written, not scored."""
    i = targets(preds, objective, 1)[0]
    best = Candidate(
        param_space.from_vector(vectors[i]),
        float(preds[i, 0]),
        float(np.exp(preds[i, 1])) if preds.shape[1] > 1 else None,
        grid=write.grid,
    )
    try:
        return best, write.unscored(trace(write.target.png, best.params))
    except TraceFailure as e:
        raise InputError(f"{name}: VTracer could not trace it ({e})") from None


@dataclass(frozen=True)
class Defaults:
    """VTracer's defaults on one image, from the trace the predictor made for its features."""

    candidate: Candidate  # written as every candidate is, and verified
    svg: str | None  # its file
    raw: str | None  # VTracer's own text
    vtracer: Candidate  # the defaults as VTracer writes them, not minified
    write: Writer  # the image's Writer, on the grid chosen on this trace


def _defaults(predictor, source: images.Source, row: np.ndarray, minify: bool) -> Defaults:
    pred = predictor.predict_rows(row, param_space.defaults_vector()[None])[0]
    target, traced = predictor.target(source), predictor.defaults_trace(source)
    params = dict(param_space.VTRACER_DEFAULTS)
    if isinstance(traced, TraceFailure):
        failed, _ = _verified(params, pred, traced)
        return Defaults(failed, None, None, failed, Writer(target, source.original_size, GRIDS[-1] if minify else None))
    raw, out = traced
    text = sized(out.raw, target.size, source.original_size)
    as_written = replace(raw, svg_bytes=len(text.encode()), gzip_bytes=gzip_bytes(text))
    vtracer, _ = _verified(params, pred, (as_written, text))
    if not minify:
        return Defaults(vtracer, text, out.raw, vtracer, Writer(target, source.original_size, None))
    out = out if source.original_size == source.size else out.resized(target, source.original_size)
    candidate, svg = _verified(params, pred, (out.label, out.svg))
    return Defaults(candidate, svg, out.raw, vtracer, Writer(target, source.original_size, out.grid))


def _front_point(vector: np.ndarray, pred: np.ndarray) -> dict:
    return {
        "params": param_space.from_vector(vector),
        "predicted": float(pred[0]),
        "predicted_bytes": float(np.exp(pred[1])),
    }
