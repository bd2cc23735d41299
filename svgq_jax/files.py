"""Files written so that a reader sees the old content or the new, never a torn one.

Every stage writes through these: a temporary file beside the target, renamed
onto it when complete (an interruption, even `kill -9`, leaves the old file).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np


class _temp_for:
    """A temporary file beside `path`, renamed onto it when the block completes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; these files are meant to be shared
        self.f = os.fdopen(fd, "wb")

    def __enter__(self):
        return self.f

    def __exit__(self, exc_type, *_):
        self.f.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)


def write_atomic(path: Path, data: bytes | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _temp_for(path) as f:
        f.write(data.encode() if isinstance(data, str) else data)


def write_json(path: Path, obj) -> None:
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_jsonl(path: Path, rows) -> None:
    write_atomic(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def read_jsonl(path: Path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def save_npy(path: Path, array: np.ndarray) -> None:
    with _temp_for(path) as f:
        np.save(f, array)


def save_npz(path: Path, **arrays) -> None:
    with _temp_for(path) as f:
        np.savez(f, **arrays)
