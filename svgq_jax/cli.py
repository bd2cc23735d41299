"""The thin layer every `python -m svgq_jax.<command>` shares: exit codes and errors.

0 success; 2 bad input, reported as one line without a traceback; 1 anything
else; 130 interrupted (finished work is kept, rerun to resume).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from svgq_jax.errors import InputError


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(run: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> None:
    try:
        code = run(argv) or 0
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("interrupted: finished work is saved; rerun the same command to resume", file=sys.stderr)
        code = 130
    sys.exit(code)
