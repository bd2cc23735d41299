"""Which optional extra a command needs, for a predictor-only install (`pip install svgq_jax`).

The base install predicts and optimizes. Building datasets, training, validating and
exporting need `[train]` (JAX, torch, ONNX, ...); run without it, such a command stops
with one line naming the extra and exit code 2, not an ImportError traceback.
"""

from __future__ import annotations

import importlib.util
import sys

from svgq_jax.core.commands import train_entry_modules

# top-level modules that only the [train] extra installs
TRAIN_MODULES = frozenset(
    {"jax", "jaxlib", "flax", "optax", "orbax", "torch", "torchvision", "onnx", "onnxscript"}
    | {"scipy", "matplotlib", "yaml", "sklearn"}
)


def extra_for(module: str | None) -> str | None:
    """The extra that installs `module` (a dotted name), or None for one this package does not provide."""
    return "train" if module and module.partition(".")[0] in TRAIN_MODULES else None


def missing_message(module: str) -> str:
    extra = extra_for(module)
    return (
        f"this command needs the [{extra}] extra (no module named {module.partition('.')[0]!r}): "
        f"pip install 'svgq_jax[{extra}]'"
    )


def check_entry_module(argv: list[str]) -> None:
    """Called while `python -m svgq_jax.<command>` is located: a command whose module imports JAX as it
    loads exits here with one line, and code 2, where [train] is not installed."""
    module = next((b for a, b in zip(argv, argv[1:]) if a == "-m"), None)
    if module in train_entry_modules() and importlib.util.find_spec("jax") is None:
        print(f"error: {missing_message('jax')}", file=sys.stderr)
        raise SystemExit(2)
