"""The main job: build the default dataset, train, validate and export, in that order.

    python -m svgq_jax.train [flags]      (the command-line contract; runs `main` here)

With no arguments it builds (or finishes, or reuses) `data/default`, trains into
`runs/default`, validates and exports to `runs/default/export`. Each stage is
its own module and is also a command of its own; this module only chains them.
"""

from __future__ import annotations

from svgq_jax import config
from svgq_jax.core import cli
from svgq_jax.train import train_and_evaluate

DEFAULT_DATA = "data/default"
DEFAULT_RUN = "runs/default"


def _parser() -> cli.Parser:
    p = cli.Parser(
        prog="python -m svgq_jax.train",
        description="Train the quality model. With no arguments this is the main job: build data/default if it is "
        "missing (procedural logos, resumable), train into runs/default, validate and export to runs/default/export.",
    )
    p.add_argument(
        "--data",
        default=DEFAULT_DATA,
        help=f"dataset directory (default {DEFAULT_DATA}; built if it is the default and missing)",
    )
    p.add_argument("--out", default=DEFAULT_RUN, metavar="RUN", help=f"run directory (default {DEFAULT_RUN})")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace a finished run in RUN")
    p.add_argument("--backup-dir", metavar="DIR", help="mirror the kept model's checkpoint here (e.g. Google Drive)")
    p.add_argument(
        "--backbone-weights",
        metavar="FILE",
        help="pretrained ResNet-50 weights, used when the default dataset is built and carried by the bundle",
    )
    p.add_argument("--no-validate", action="store_true", help="skip validation after training")
    p.add_argument("--no-export", action="store_true", help="skip export after training")
    p.add_argument("--quiet", action="store_true", help="no progress bars or epoch lines")
    config.add_flags(p)
    return p


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def main(argv=None) -> int:
    a = _parser().parse_args(argv)
    cfg = config.from_args(a)
    if a.data == DEFAULT_DATA:
        from svgq_jax.data.build import BuildConfig, build_dataset

        # builds, finishes an interrupted build, or returns at once if complete
        build_dataset(BuildConfig(out=DEFAULT_DATA, backbone_weights=a.backbone_weights, quiet=a.quiet))
    results = train_and_evaluate(
        cfg, a.data, a.out, resume=a.resume, overwrite=a.overwrite, backup_dir=a.backup_dir, quiet=a.quiet
    )
    print(
        f"trained {results.epochs_trained} epochs in {results.total_training_time_minutes:.1f} min: kept epoch "
        f"{results.kept_epoch} ({results.kept_by}; val r {results.kept_val_correlation:.4f}), "
        f"test r {_fmt(results.test_correlation)}, test RMSE {_fmt(results.test_rmse)} -> {a.out}"
    )
    if not a.no_validate:
        from svgq_jax.validate import validate_run

        validate_run(a.out, quiet=a.quiet)
    if not a.no_export:
        from torch_bridge.export import export_run

        export_run(a.out, quiet=a.quiet, backbone_weights=a.backbone_weights)
    return 0


if __name__ == "__main__":
    cli.main(main)
