"""python -m svgq_jax.data build|measure|info — build, label and inspect datasets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from svgq_jax.core import cli
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import inside, read_json
from svgq_jax.core.images import MAX_SIDE
from svgq_jax.data.build import (
    DEFAULT_LOGOS,
    DEFAULT_PARAMS_PER_LOGO,
    DEFAULT_SIZES,
    BuildConfig,
    build_dataset,
    format_report,
)
from svgq_jax.data.cluster import parse_cluster
from svgq_jax.data.pool import usable_workers
from svgq_jax.data.reach import DEFAULT_TIMEOUT

MAX_SIDE_HELP = (
    f"images with a longer side are downscaled to it before tracing, and the command says so (default {MAX_SIDE})"
)


WORKERS = cli.int_in(0, 1024)
SEED = cli.int_in(0, 2**63 - 1)


def _parser() -> cli.Parser:
    p = cli.Parser(prog="python -m svgq_jax.data", description=__doc__.split(" — ")[1])
    sub = p.add_subparsers(dest="command", required=True, parser_class=cli.Parser)
    b = sub.add_parser(
        "build",
        help="build a dataset directory (resumable)",
        description="Draw or import logos at their own size, trace each with K parameter sets through VTracer, label "
        "each with the real SSIM of the re-rendered SVG at that size, and compute ResNet-50 features of its "
        "canonical 256-px view. Interrupt at any time; rerun the same command to resume.",
    )
    b.add_argument("--out", required=True, help="dataset directory to create or resume")
    b.add_argument(
        "--logos",
        default=DEFAULT_LOGOS,
        help=f"'procedural:N' or a folder of PNG/JPEG/WebP/SVG files; subfolder names give the logo type (default "
        f"{DEFAULT_LOGOS})",
    )
    b.add_argument(
        "--params-per-logo",
        type=int,
        default=DEFAULT_PARAMS_PER_LOGO,
        help=f"parameter sets per logo: VTracer's defaults plus K-1 Latin-hypercube samples (default "
        f"{DEFAULT_PARAMS_PER_LOGO})",
    )
    b.add_argument("--workers", type=WORKERS, default=0, help="parallel tracing processes (default 0 = all cores)")
    b.add_argument("--seed", type=SEED, default=0, help="seed for the logos and parameter sets (default 0)")
    b.add_argument(
        "--backbone-weights",
        metavar="FILE",
        help="pretrained ResNet-50 weights (.pth); default: $SVGQ_BACKBONE_WEIGHTS, the torch hub cache, else the "
        "seeded random backbone",
    )
    b.add_argument(
        "--timeout",
        type=cli.seconds,
        default=30.0,
        help="seconds allowed per trace before it is recorded as failed (default 30)",
    )
    b.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        metavar="SIDE:WEIGHT,...",
        help=f"procedural logos: the long sides they are drawn at, with relative weights (default {DEFAULT_SIZES})",
    )
    b.add_argument("--max-side", type=cli.max_side, default=MAX_SIDE, help=MAX_SIDE_HELP)
    b.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    _cluster_flag(b)
    m = sub.add_parser(
        "measure",
        help="the real SSIM of each (image, parameters) pair in a JSONL file, at the image's own size",
        description='Each input line is {"image": PATH, "params": {8 named values}, ...}; relative paths are resolved '
        "against the JSONL file's folder. Each image is traced at its own size and with its transparency, and scored "
        "against itself over white, as the file `optimize` writes: minified on the image's grid (chosen on VTracer's "
        "defaults). Output lines keep every input field and add ssim, trace_seconds, svg_bytes, gzip_bytes, raw_bytes "
        "(VTracer's own text), grid, alpha_mad and transparent_kept (transparent images), trace_size and "
        "downscaled_from (or error).",
    )
    m.add_argument("--pairs", required=True, metavar="IN.jsonl")
    m.add_argument("--out", required=True, metavar="OUT.jsonl")
    m.add_argument("--workers", type=WORKERS, default=0, help="parallel processes (default 0 = all cores)")
    m.add_argument("--timeout", type=cli.seconds, default=30.0, help="seconds allowed per trace (default 30)")
    m.add_argument("--max-side", type=cli.max_side, default=MAX_SIDE, help=MAX_SIDE_HELP)
    m.add_argument("--quiet", action="store_true")
    _cluster_flag(m)
    i = sub.add_parser(
        "info", help="summarise a dataset directory", description="Print a dataset's metadata and build report."
    )
    i.add_argument("dir", metavar="DIR")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _cluster_flag(p: cli.Parser) -> None:
    p.add_argument(
        "--cluster-timeout",
        type=cli.seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"with --cluster: seconds to reach the cluster before the command gives up (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--cluster",
        metavar="ray[:HOST:PORT]",
        help="run the traces on a Ray cluster instead of local processes: 'ray' ($RAY_ADDRESS or the cluster this "
        "machine is a node of) or 'ray:HOST:PORT' (the head's address); --workers then caps the batches in flight "
        "(0 = two per cluster CPU). Needs the [cluster] extra",
    )


def _info(path: str, as_json: bool) -> None:
    root = Path(path)
    if not (root / "metadata.json").is_file():
        raise InputError(f"{root}: not a finished dataset (no metadata.json)")
    meta = read_json(inside(root, root / "metadata.json"))
    report = read_json(inside(root, root / "report.json"))
    if as_json:
        print(json.dumps({"metadata": meta, "report": report}, indent=2))
        return
    try:
        bb = meta["backbone"]
        text = "\n".join(
            [
                f"dataset {root}  (format {meta['format_version']}, parameter space v{meta['param_space_version']})",
                f"logos {meta['logos']}  seed {meta['seed']}  parameter sets per logo {meta['params_per_logo']}",
                f"backbone {bb['name']}  sha256 {bb['sha256'][:16]}…  pretrained {bb['pretrained']}",
                format_report(report),
            ]
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(f"{root}: corrupt metadata.json or report.json ({type(e).__name__}: {e})") from None
    print(text)


def _workers(a) -> int:
    """--workers, capped by this machine's cores and memory when the work runs here (a note says so)."""
    if a.cluster:
        return a.workers  # the batches in flight on the cluster
    workers, note = usable_workers(a.workers)
    if note and not a.quiet:
        print(f"note: {note}", file=sys.stderr)
    return workers


def run(argv=None) -> int:
    a = _parser().parse_args(argv)
    if a.command in ("build", "measure"):
        a.workers = _workers(a)
    if a.command == "build":
        build_dataset(
            BuildConfig(
                out=a.out,
                logos=a.logos,
                params_per_logo=a.params_per_logo,
                workers=a.workers,
                seed=a.seed,
                backbone_weights=a.backbone_weights,
                timeout=a.timeout,
                sizes=a.sizes,
                max_side=a.max_side,
                quiet=a.quiet,
                cluster=a.cluster,
                cluster_timeout=a.cluster_timeout,
            )
        )
    elif a.command == "measure":
        from svgq_jax.core.pairs import check_out
        from svgq_jax.data.measure import measure_pairs

        check_out(a.out, a.pairs)

        if a.cluster:
            parse_cluster(a.cluster)
        counts = measure_pairs(
            a.pairs,
            a.out,
            workers=a.workers,
            timeout=a.timeout,
            max_side=a.max_side,
            quiet=a.quiet,
            cluster=a.cluster,
            cluster_timeout=a.cluster_timeout,
        )
        if not a.quiet:
            if counts.get("downscaled"):
                print(
                    f"note: {counts['downscaled']} pairs' images were larger than --max-side {a.max_side} "
                    "and were traced downscaled (downscaled_from)",
                    file=sys.stderr,
                )
            print(
                f"measured {counts.get('measured', 0)}, errors {counts.get('errors', 0)}, resumed "
                f"{counts.get('resumed', 0)} -> {a.out}",
                file=sys.stderr,
            )
    else:
        _info(a.dir, a.json)
    return 0


if __name__ == "__main__":
    cli.main(run)
