"""JSONL pairs files: `{"image": PATH, "params": {8 named values}, ...}` per line.

Used by `data measure` (adds `ssim`) and `predict` (adds `predicted_ssim`).
A relative PATH is resolved against the JSONL file's folder. Output keeps every
input field; a bad line (not UTF-8, not JSON, nested too deeply, a bad path or
parameter) gets an `error` field and the others go on. Output is written in input
order to OUT.partial as results complete and renamed to OUT at the end, so an
interrupted run resumes where it stopped; OUT.partial is locked meanwhile, so a
second run on the same OUT is refused instead of mixing its rows in. Beside each
row, OUT.partial.sources records the file its image resolved to (absolute path,
device, inode, size, modification time): a row resumes only when its line is the
same and its image resolves to the same file, unchanged (the same pairs text run
from another folder names other pictures).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import MAX_TEXT_BYTES, check_output, locked_file, parse_json, read_bytes

ADDED_FIELDS = (
    "ssim",
    "predicted_ssim",
    "predicted_bytes",
    "trace_seconds",
    "svg_bytes",
    "gzip_bytes",
    "raw_bytes",
    "grid",
    "alpha_mad",
    "transparent_kept",
    "trace_size",
    "downscaled_from",
    "error",
)


@dataclass
class Pair:
    line: int  # 1-based line number in the input file
    record: dict  # the input fields, echoed in the output
    image: Path | None = None
    params: dict | None = None
    error: str | None = None


def _parse(line_no: int, raw: bytes, base: Path) -> Pair:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return Pair(
            line_no, {"input": raw.decode("utf-8", "replace")}, error=f"line {line_no}: not UTF-8 (byte {e.start})"
        )
    try:
        record = parse_json(text)
    except ValueError as e:
        return Pair(line_no, {"input": text}, error=f"line {line_no}: not valid JSON ({getattr(e, 'msg', e)})")
    if not isinstance(record, dict):
        return Pair(line_no, {"input": record}, error=f"line {line_no}: expected a JSON object")
    pair = Pair(line_no, record)
    image = record.get("image")
    if not isinstance(image, str) or not image:
        pair.error = f'line {line_no}: missing "image" path'
        return pair
    try:
        pair.image = (base / image).resolve() if not os.path.isabs(image) else Path(image)
    except (OSError, ValueError) as e:  # a NUL byte, an unencodable character, a path too long
        pair.error = f"line {line_no}: image path {image[:60]!r}: {getattr(e, 'strerror', None) or e}"
        return pair
    try:
        pair.params = param_space.validate(record.get("params"))
    except InputError as e:
        pair.error = f"line {line_no}: {e}"
    return pair


def read_pairs(path: str | os.PathLike) -> list[Pair]:
    path = Path(path)
    data = read_bytes(path, MAX_TEXT_BYTES, f"--pairs {path}")
    base = path.resolve().parent
    pairs = [_parse(i, line, base) for i, line in enumerate(data.splitlines(), 1) if line.strip()]
    if not pairs:
        raise InputError(f"--pairs {path}: no pairs in the file")
    return pairs


def check_out(out: str | os.PathLike, pairs_path: str | os.PathLike) -> None:
    """Refuse at once an --out (or its OUT.partial) that is a directory, the --pairs file itself, or being
    written by another run (which `OrderedWriter` checks again, under its lock)."""
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    for path in (out, partial, _sources_of(partial)):
        check_output(path, "--out", inputs=[pairs_path])
    if partial.is_file():
        locked_file(partial, f"--out {out}").close()


def _echo(record: dict) -> dict:
    """An input record without the fields a result adds."""
    return {k: v for k, v in record.items() if k not in ADDED_FIELDS}


def _sources_of(partial: Path) -> Path:
    return partial.with_name(partial.name + ".sources")


class OrderedWriter:
    """Writes result rows in input order to OUT.partial, and what each row's image resolved to in
    OUT.partial.sources, resuming a consistent prefix; holds an exclusive lock on OUT.partial until `close` (a
    second writer is refused)."""

    def __init__(self, out: str | os.PathLike, pairs: list[Pair]):
        self.out = Path(out)
        self.partial = self.out.with_name(self.out.name + ".partial")
        self.pairs = pairs
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._f = locked_file(self.partial, f"--out {self.out}")
        try:
            self._k = locked_file(_sources_of(self.partial), f"--out {self.out}")
        except BaseException:
            self._f.close()
            raise
        self._identities: dict[Path, list] = {}
        self.done, kept, kept_sources = self._resumable_prefix()
        for f, size in ((self._f, kept), (self._k, kept_sources)):
            f.truncate(size)
            f.seek(size)
        self._ready: dict[int, dict] = {}
        self._next = self.done
        self._broken = False

    def _identity(self, pair: Pair) -> list | None:
        """What a pair's image resolves to now: [absolute path, device, inode, size, mtime] (or [path, None]
        when it cannot be read), None for a line without an image."""
        if pair.image is None:
            return None
        if pair.image not in self._identities:
            path = os.path.abspath(pair.image)
            try:
                st = os.stat(path)
                self._identities[pair.image] = [path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
            except (OSError, ValueError):
                self._identities[pair.image] = [path, None]
        return self._identities[pair.image]

    def _resumable_prefix(self) -> tuple[int, int, int]:
        """(rows, bytes of OUT.partial, bytes of OUT.partial.sources) at their start that are complete results
        of these pairs, in order, whose images resolve to the same files as when they were written."""
        rows = size = sources = 0
        for line, source, pair in zip(self._f, self._k, self.pairs):
            try:
                row, identity = parse_json(line), parse_json(source)
            except ValueError:
                break
            complete = line.endswith(b"\n") and source.endswith(b"\n") and isinstance(row, dict)
            if not complete or _echo(row) != _echo(pair.record) or identity != self._identity(pair):
                break
            rows, size, sources = rows + 1, size + len(line), sources + len(source)
        return rows, size, sources

    def put(self, index: int, row: dict) -> None:
        """Row for pairs[index]; flushed once every earlier row is in."""
        self._ready[index] = row
        try:
            while self._next in self._ready:
                self._f.write((json.dumps(self._ready.pop(self._next)) + "\n").encode())
                self._k.write((json.dumps(self._identity(self.pairs[self._next])) + "\n").encode())
                self._next += 1
            self._f.flush()
            self._k.flush()  # after the rows: a row without its source line is redone, never one the other way
        except BaseException:
            self._broken = True  # a full disk, a file-size limit: OUT.partial stays, for a rerun to resume
            raise

    def close(self) -> None:
        try:
            if self._next == len(self.pairs) and not self._broken:
                os.replace(self.partial, self.out)  # still under the lock
                os.unlink(_sources_of(self.partial))
        finally:
            self._k.close()
            self._f.close()

    def todo(self) -> Iterator[tuple[int, Pair]]:
        return ((i, p) for i, p in enumerate(self.pairs) if i >= self.done)


def result_row(pair: Pair, **fields) -> dict:
    """The pair's input fields with the result `fields` added. Result fields the input carried are
    dropped from a failed row (an `ssim` of its own beside the error would read as a result), and an
    old `error` from a successful one."""
    stale = ADDED_FIELDS if fields.get("error") else ("error",)
    row = {k: v for k, v in pair.record.items() if k not in stale}
    row.update({k: v for k, v in fields.items() if v is not None})
    return row
