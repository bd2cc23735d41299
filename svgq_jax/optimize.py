"""`python -m svgq_jax.optimize`: choose VTracer parameters for logos with the quality predictor.

    python -m svgq_jax.optimize --model BUNDLE IMAGE_OR_FOLDER [--out OUT.svg|DIR] [--budget 4096] [--verify K] [--json]

The command: its flags, the files it reads and writes, and the table it prints.
The search is `svgq_jax.search` (pure numpy: score candidates with the predictor,
pick which to trace, keep what the objective asks for); the tracing that verifies
the picks is `svgq_jax.verify` (`optimize_image`, one image).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import numpy as np

from svgq_jax.core import cli, images, outputs
from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.core.tracing import TraceFailure
from svgq_jax.report import Report, check_report_path
from svgq_jax.search import CLEARLY_BETTER, MAX_BUDGET, SAME_QUALITY, SMALL_IMAGE, Objective
from svgq_jax.verify import Result, optimize_image

# images whose backbone features are computed in one batch when `optimize` is given a folder
BATCH_IMAGES = 16


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


def table(r: Result, objective: Objective | None = None) -> str:
    short = ["cp", "ld", "ct", "lt", "mi", "st", "fs", "pp"]
    head = (
        f"{'candidate':10s} "
        + " ".join(f"{s:>5s}" for s in short)
        + "  pred SSIM  pred bytes   SSIM    bytes   gzip  trace s"
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
        gz = f"{c.gzip_bytes:6d}" if c.gzip_bytes is not None else "     –"
        secs = f"{c.trace_seconds:.3f}" if c.trace_seconds is not None else "  –"
        lines.append(f"{name:10s} {vals}  {c.predicted:9.4f} {pred_size}  {actual:>6s} {size} {gz}  {secs}")
    if not r.reached:
        lines.append("no verified candidate met the objective: the table's * is the nearest")
    if r.written:
        w = r.written
        on = f"minified on a {w['grid']:g}-px grid" if w.get("grid") else "VTracer's own text (--no-minify)"
        lines.append(
            f"written: {w['bytes']} bytes ({w['gzip_bytes']} gzipped), {w['paths']} paths, {w['path_commands']} path "
            f"commands, {on}; SSIM and bytes above are of each file as written"
        )
    if r.front:
        lines.append(
            f"predicted front ({len(r.front)} points, SSIM / bytes): "
            + ", ".join(
                f"{p['predicted']:.4f}/{p['predicted_bytes']:.0f}" for p in r.front[:: max(1, len(r.front) // 12)]
            )
        )
    lines.append(f"scored {r.n_scored} parameter sets in {r.search_seconds:.2f} s; total {r.total_seconds:.2f} s")
    return "\n".join(lines)


def _parser() -> cli.Parser:
    p = cli.Parser(
        prog="python -m svgq_jax.optimize",
        description="Choose VTracer parameters for a logo with the quality predictor. Writes the SVG traced with "
        "the best parameters.",
    )
    p.add_argument("--model", required=True, metavar="BUNDLE", help="an export directory (RUN/export)")
    p.add_argument("image", metavar="IMAGE", help="a logo file (PNG, JPEG, WebP, SVG, ...) or a folder of them")
    p.add_argument(
        "--out",
        metavar="OUT",
        help="SVG file for one image, or a folder for several (default: beside each image, its name with .svg "
        "added: logo.png -> logo.png.svg)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace SVGs that exist already (without it an existing file is refused before any work; an input, a "
        "link or a device never is replaced)",
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
        type=cli.max_side,
        default=images.MAX_SIDE,
        help=f"an image with a longer side is traced downscaled to it; its SVG keeps the image's size "
        f"(default {images.MAX_SIDE})",
    )
    p.add_argument(
        "--no-minify",
        action="store_true",
        help="write VTracer's own SVG text; by default the SVG is minified on the coarsest grid whose render keeps "
        "the SSIM within 0.002 of VTracer's text (checked by rendering)",
    )
    p.add_argument("--seed", type=cli.int_in(0, 2**63 - 1), default=0)
    p.add_argument("--json", action="store_true", help="machine-readable output (one JSON document)")
    p.add_argument(
        "--report",
        metavar="PATH.html",
        help="also write one self-contained HTML page: each logo beside its SVG, where they differ, the verified "
        "candidates and the numbers against VTracer's defaults (for a folder an index first, and the failures)",
    )
    return p


def main(argv=None) -> int:
    from svgq_jax.predict import QualityPredictor

    a = _parser().parse_args(argv)
    if a.verify is not None and a.verify < 0:
        raise InputError(f"--verify must be at least 0, got {a.verify}")
    fixed = parse_fixed(a.fix)
    if len(fixed) == param_space.N_PARAMS:
        raise InputError(
            f"--fix pins all {param_space.N_PARAMS} parameters: nothing is left to choose; trace that set with "
            "`python -m svgq_jax.data measure`"
        )
    objective = parse_objective(a)
    many = Path(a.image).is_dir()
    plan = outputs.plan(Path(a.image), a.out, a.overwrite)  # every output checked before any work
    files = [f for f, _ in plan]
    if a.report:
        check_report_path(a.report, plan, a.overwrite)
    predictor = QualityPredictor.load(a.model, max_side=a.max_side)
    report = Report(a.model, objective.describe(), many) if a.report else None
    progress = Progress(len(plan), many)
    results, failures = [], []
    try:
        for i, (f, dest) in enumerate(plan):
            if i % BATCH_IMAGES == 0:
                decoded = _prefetch(predictor, files[i : i + BATCH_IMAGES])
            try:
                image = decoded.pop(f, f)  # decoded by the batch path, or a file for optimize_image to report
                r = optimize_image(
                    predictor, image, a.budget, a.verify, a.seed, fixed, objective, a.pareto, str(f), not a.no_minify
                )
                outputs.check_plan([(f, dest)], a.overwrite)  # again: the place may have changed meanwhile
            except InputError as e:
                if not many:
                    raise
                failures.append({"image": str(f), "error": str(e)})
                if report:
                    report.fail(str(f), str(e))
                progress.failed(e)
                continue
            outputs.write(dest, r.svg)
            results.append((r, dest))
            if report:
                _add_to_report(report, predictor, image, r, dest)
            with progress.beside():
                _report(r, dest, f, a, objective)
            progress.done(f, r)
    finally:  # an interrupted folder still gets the report of the logos it finished
        progress.close()
        if report and (results or failures):
            size = report.write(a.report)
            done = f"{len(results)} logos, {len(failures)} failed"
            print(f"report: {a.report} ({done}; {size:,} bytes)", file=sys.stderr)
    if a.json:
        print(
            json.dumps(
                {"results": [{**r.to_json(), "svg_path": str(d)} for r, d in results], "failures": failures}, indent=2
            )
        )
    return 0 if results else 2


def _add_to_report(report: Report, predictor, image, r: Result, dest: Path) -> None:
    """One logo into the report: its source as traced, and the defaults' trace the predictor keeps (their paths)."""
    source = predictor.source(image)
    traced = predictor.defaults_trace(source)
    report.add(r, source, dest, None if isinstance(traced, TraceFailure) else traced[1])


class Progress:
    """A folder's progress on stderr: a bar on a terminal, else one line per logo; nothing for one image."""

    def __init__(self, total: int, many: bool):
        self.total, self.n, self.bar = total, 0, None
        self.lines = many and not sys.stderr.isatty()
        if many and not self.lines:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="logo", file=sys.stderr, dynamic_ncols=True)

    def beside(self):
        """A context to print in while the bar is up (it is taken down and redrawn)."""
        return self.bar.external_write_mode(file=sys.stderr) if self.bar else contextlib.nullcontext()

    def _step(self, line: str) -> None:
        self.n += 1
        if self.bar is not None:
            self.bar.update()
        elif self.lines:
            print(f"[{self.n}/{self.total}] {line}", file=sys.stderr, flush=True)

    def done(self, f: Path, r: Result) -> None:
        c, vt = r.best, r.vtracer_defaults
        ssim = f"SSIM {c.actual:.4f}" if c.actual is not None else "not verified"
        size = r.written.get("bytes") or len(r.svg.encode())
        ratio = f" ({size / vt.svg_bytes:.2f}x VTracer's defaults)" if vt is not None and vt.svg_bytes else ""
        self._step(f"{f}: {ssim}, {size} bytes{ratio}, {r.total_seconds:.2f} s")

    def failed(self, e: InputError) -> None:
        if self.lines:
            self._step(f"skipped: {e}")
            return
        with self.beside():
            print(f"skipped: {e}", file=sys.stderr)
        self._step("")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _report(r: Result, dest: Path, f: Path, a, objective: Objective) -> None:
    """What the user reads of one image: a note when it was traced downscaled, and the table (without --json)."""
    if r.traced != r.size:
        print(
            f"note: {f} is {r.size[0]}x{r.size[1]}, over --max-side {a.max_side}: traced at "
            f"{r.traced[0]}x{r.traced[1]}, written at its own size",
            file=sys.stderr,
        )
    if not a.json:
        print(table(r, objective) + f"\n-> {dest}\n")


if __name__ == "__main__":
    cli.main(main)
