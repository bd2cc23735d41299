"""JSONL pairs files: `{"image": PATH, "params": {8 named values}, ...}` per line.

Used by `data measure` (adds `ssim`) and `predict` (adds `predicted_ssim`).
A relative PATH is resolved against the JSONL file's folder. Output keeps every
input field; a bad line gets an `error` field and the others go on. Output is
written in input order to OUT.partial as results complete and renamed to OUT at
the end, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from svgq_jax import params as param_space
from svgq_jax.errors import InputError

ADDED_FIELDS = ("ssim", "predicted_ssim", "trace_seconds", "svg_bytes", "error")


@dataclass
class Pair:
    line: int  # 1-based line number in the input file
    record: dict  # the input fields, echoed in the output
    image: Path | None = None
    params: dict | None = None
    error: str | None = None


def _parse(line_no: int, text: str, base: Path) -> Pair:
    try:
        record = json.loads(text)
    except ValueError as e:
        return Pair(line_no, {"input": text.rstrip("\n")}, error=f"line {line_no}: not valid JSON ({e.msg})")
    if not isinstance(record, dict):
        return Pair(line_no, {"input": record}, error=f"line {line_no}: expected a JSON object")
    pair = Pair(line_no, record)
    image = record.get("image")
    if not isinstance(image, str) or not image:
        pair.error = f'line {line_no}: missing "image" path'
        return pair
    pair.image = (base / image).resolve() if not os.path.isabs(image) else Path(image)
    try:
        pair.params = param_space.validate(record.get("params"))
    except InputError as e:
        pair.error = f"line {line_no}: {e}"
    return pair


def read_pairs(path: str | os.PathLike) -> list[Pair]:
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"--pairs {path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    base = path.resolve().parent
    pairs = [_parse(i, line, base) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not pairs:
        raise InputError(f"--pairs {path}: no pairs in the file")
    return pairs


class OrderedWriter:
    """Writes result rows in input order to OUT.partial, resuming a consistent prefix."""

    def __init__(self, out: str | os.PathLike, pairs: list[Pair]):
        self.out = Path(out)
        self.partial = self.out.with_name(self.out.name + ".partial")
        self.pairs = pairs
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.done = self._resumable_prefix()
        kept = self.partial.read_text().splitlines(keepends=True)[: self.done] if self.done else []
        self._f = open(self.partial, "w")
        self._f.writelines(kept)
        self._ready: dict[int, dict] = {}
        self._next = self.done

    def _resumable_prefix(self) -> int:
        if not self.partial.is_file():
            return 0
        n = 0
        with open(self.partial) as f:
            for line, pair in zip(f, self.pairs):
                try:
                    row = json.loads(line)
                except ValueError:
                    break
                if {k: v for k, v in row.items() if k not in ADDED_FIELDS} != pair.record:
                    break
                n += 1
        return n

    def put(self, index: int, row: dict) -> None:
        """Row for pairs[index]; flushed once every earlier row is in."""
        self._ready[index] = row
        while self._next in self._ready:
            self._f.write(json.dumps(self._ready.pop(self._next)) + "\n")
            self._next += 1
        self._f.flush()

    def close(self) -> None:
        self._f.close()
        if self._next == len(self.pairs):
            os.replace(self.partial, self.out)

    def todo(self) -> Iterator[tuple[int, Pair]]:
        return ((i, p) for i, p in enumerate(self.pairs) if i >= self.done)


def result_row(pair: Pair, **fields) -> dict:
    row = dict(pair.record)
    row.update({k: v for k, v in fields.items() if v is not None})
    return row
