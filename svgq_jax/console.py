"""`svgq COMMAND ...`: every `python -m svgq_jax.<command>` under one console script.

    svgq optimize --model BUNDLE logo.png     python -m svgq_jax.optimize --model BUNDLE logo.png
    svgq predict ...                          python -m svgq_jax.predict ...
    svgq train | data | validate | export     python -m svgq_jax.train | data | validate | export

Each subcommand runs the same function through the same command-line layer (`svgq_jax.core.cli`):
the same flags, output and exit codes. `optimize` and `predict` run in the base install;
the others need the `[train]` extra and say so in one line (exit 2) where it is missing.
"""

from __future__ import annotations

import importlib
import sys

from svgq_jax.core import cli
from svgq_jax.core.commands import COMMANDS


def usage() -> str:
    lines = ["usage: svgq COMMAND [ARGS ...]   (svgq COMMAND --help for its flags)", "", "commands:"]
    lines += [f"  {name:9s} {c.doc}" for name, c in COMMANDS.items()]
    return "\n".join(lines)


def run(argv: list[str]) -> int | None:
    """Run subcommand argv[0] with the rest of argv; the import of its module is part of the run, so a
    missing extra is reported by `cli.main` as one line."""
    command = COMMANDS[argv[0]]
    name, _, function = command.target.partition(":")
    cli.prog_alias = (f"python -m {command.module}", f"svgq {argv[0]}")
    return getattr(importlib.import_module(name), function)(argv[1:])


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if argv else sys.stderr)
        sys.exit(0 if argv else 2)
    if argv[0] not in COMMANDS:
        print(f"svgq: error: unknown command {argv[0][:40]!r}; expected one of {', '.join(COMMANDS)}", file=sys.stderr)
        sys.exit(2)
    cli.main(run, argv)


if __name__ == "__main__":
    main()
