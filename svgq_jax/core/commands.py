"""The commands, in one table: what `svgq COMMAND` and `python -m MODULE` run, and what each needs.

`svgq_jax.console` (the `svgq` script) dispatches through it, `svgq_jax.core.extras` reads
which commands need the `[train]` extra as their module loads, and the tests call each
command's function through it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    module: str  # what `python -m` runs
    target: str  # "module:function" that runs it, through `svgq_jax.core.cli.main`
    doc: str
    # whether its module imports the [train] extra (JAX) as it loads, before its command line runs
    loads_train: bool = False

    @property
    def target_module(self) -> str:
        return self.target.partition(":")[0]


COMMANDS = {
    "optimize": Command(
        "svgq_jax.optimize", "svgq_jax.optimize:main", "choose VTracer parameters for logos, write SVGs"
    ),
    "predict": Command("svgq_jax.predict", "svgq_jax.predict:main", "predict SSIM and SVG bytes for JSONL pairs"),
    "train": Command("svgq_jax.train", "svgq_jax.pipeline:main", "the main job, or train a run ([train])", True),
    "data": Command(
        "svgq_jax.data", "svgq_jax.data.__main__:run", "build, measure or inspect datasets ([train] to build)"
    ),
    "validate": Command("svgq_jax.validate", "svgq_jax.validate:main", "validate a run ([train])", True),
    "export": Command("svgq_jax.export", "svgq_jax.export:main", "export a run to a model bundle ([train])"),
}


def train_entry_modules() -> frozenset[str]:
    """`python -m` modules that import JAX as they load (the command's module and the one that runs it)."""
    return frozenset(m for c in COMMANDS.values() if c.loads_train for m in (c.module, c.target_module))
