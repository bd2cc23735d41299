"""The thin layer every `python -m svgq_jax.<command>` shares: exit codes and errors.

0 success; 2 bad input, reported as one line without a traceback; 1 anything
else; 130 interrupted (finished work is kept, rerun to resume). A place the user
named that cannot be written (a read-only or full directory, a directory where a
file belongs) counts as bad input, wherever in a command the write happens, and so
does a command run where the optional extra it needs is not installed.
"""

from __future__ import annotations

import argparse
import errno
import math
import sys
from collections.abc import Callable, Sequence

from svgq_jax.core.errors import InputError
from svgq_jax.core.extras import extra_for, missing_message

# OSErrors that mean a path the user named cannot be written (or read) as asked: bad input, not a bug.
# EFBIG: a file-size limit (RLIMIT_FSIZE) reached while writing.
UNWRITABLE = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EFBIG,
}


# (`python -m svgq_jax.<command>`, the name it runs under) when run as another name (`svgq_jax.console`)
prog_alias: tuple[str, str] | None = None


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def __init__(self, *args, **kwargs):
        prog = kwargs.get("prog")
        if prog_alias and prog and prog.startswith(prog_alias[0]):  # subcommands' parsers too
            kwargs["prog"] = prog_alias[1] + prog[len(prog_alias[0]) :]
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def int_in(low: int, high: int) -> Callable[[str], int]:
    """argparse type: an integer from `low` to `high` (argparse names the flag in its one-line error)."""

    def integer(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be at least {low} and at most {high}, got {text[:40]}")
        return value

    return integer


def max_side(text: str) -> int:
    """argparse type: a --max-side (`images.check_max_side`)."""
    from svgq_jax.core.images import check_max_side

    try:
        return check_max_side(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text[:40]!r}") from None
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--max-side ")) from None


def seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text[:40]!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text[:40]}")
    return value


def main(run: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> None:
    try:
        code = run(argv) or 0
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        code = 2
    except ModuleNotFoundError as e:
        if extra_for(e.name) is None:
            raise
        print(f"error: {missing_message(e.name)}", file=sys.stderr)
        code = 2
    except OSError as e:
        if e.errno not in UNWRITABLE:
            raise
        print(f"error: {e.filename or 'output'}: {e.strerror}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("interrupted: finished work is saved; rerun the same command to resume", file=sys.stderr)
        code = 130
    sys.exit(code)
