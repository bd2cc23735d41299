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
from dataclasses import asdict, dataclass, field

import numpy as np

from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.core.tracing import Target, TraceFailure, label, sized, trace
from svgq_jax.search import (
    DEFAULT_OBJECTIVE,
    Candidate,
    Objective,
    choose,
    default_verify,
    keeps_transparency,
    pareto_front,
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

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("svg")
        return d


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
