"""Files: written whole or not at all, read without trusting them, and held by one writer at a time.

Writes: a temporary file beside the target, renamed onto it when complete (an
interruption, even `kill -9`, leaves the old file). Every stage writes through these.
The writer holds a lock on its temporary file, so the next run into the same output
removes what a killed one left (`.NAME.XXXXXXXX.tmp`) and nothing a live one is
writing (`remove_stale_temps`, and `locked_directory` for a whole folder).

Reads of anything a user hands over (`read_bytes`, `read_text`, `read_json`,
`read_jsonl`, `load_npy`, `load_npz`) open regular files only (a FIFO would block
forever, /dev/zero never ends), are bounded in size, and never unpickle: an array
file's header must declare exactly the bytes that follow and no Python objects.
Any failure is one `InputError` line naming the file.

Locks (`locked_file`, `locked_directory`): an exclusive `flock` held while a
command writes an output. A second writer is refused rather than interleaved with
the first; the kernel drops the lock when its holder dies, even by `kill -9`.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

import numpy as np

from svgq_jax.core.errors import InputError

MIB = 1 << 20
# The most a read holds in memory: JSON and other text (configs, metadata, pairs files), and arrays.
MAX_TEXT_BYTES = 64 * MIB
MAX_ARRAY_BYTES = 1024 * MIB
# The largest model file (ONNX, TorchScript, torch.export, state dict) that is read.
MAX_MODEL_BYTES = 1024 * MIB


class _temp_for:
    """A temporary file beside `path` (`.NAME.XXXXXXXX.tmp`), renamed onto it when the block completes. Its
    writer holds an exclusive lock on it, so that `remove_stale_temps` can tell a dead writer's file from a
    live one's."""

    def __init__(self, path: Path):
        self.path = Path(path)
        while True:
            fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a cleaner holds it, to find it linked no more
            if os.fstat(fd).st_nlink:
                break
            os.close(fd)  # a cleaner took it for a dead writer's in the instant before the lock: make another
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; these files are meant to be shared
        self.f = os.fdopen(fd, "wb")

    def __enter__(self):
        return self.f

    def __exit__(self, exc_type, *_):
        try:
            self.f.close()  # flushes: a full disk or a file-size limit fails here
            if exc_type is None:
                os.replace(self.tmp, self.path)
                return
        except BaseException:
            with suppress(OSError):
                os.unlink(self.tmp)
            raise
        with suppress(OSError):
            os.unlink(self.tmp)


# The name of a temporary file of `_temp_for`: mkstemp's ".NAME." prefix, 8 random characters, ".tmp".
TEMP_NAME = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")


def temp_files(path: str | os.PathLike) -> list[Path]:
    """The temporary files `write_atomic` makes beside `path` (`.NAME.XXXXXXXX.tmp`), whoever made them."""
    path = Path(path)
    try:
        names = [e.name for e in os.scandir(path.parent) if e.name.startswith(f".{path.name}.")]
    except OSError:
        return []
    return [path.parent / n for n in names if (m := TEMP_NAME.fullmatch(n)) and m[1] == path.name]


def remove_stale_temps(path: str | os.PathLike) -> int:
    """Remove the temporary files beside `path` whose writer is gone (killed between its write and its rename:
    nobody holds their lock), leaving a live writer's alone; how many were removed."""
    return sum(_remove_if_stale(tmp) for tmp in temp_files(path))


def remove_stale_temps_under(folder: str | os.PathLike) -> int:
    """`remove_stale_temps` for every temporary file anywhere below `folder`: what a killed run left in an output
    folder (a dataset, a training run) that the next run into it takes over."""
    removed = 0
    for parent, _, names in os.walk(folder):
        removed += sum(_remove_if_stale(Path(parent) / n) for n in names if TEMP_NAME.fullmatch(n))
    return removed


def _remove_if_stale(tmp: Path) -> bool:
    try:
        fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(tmp)
            return True
    except OSError:  # BlockingIOError: its writer is alive
        pass
    finally:
        os.close(fd)
    return False


def write_atomic(path: Path, data: bytes | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _temp_for(path) as f:
        f.write(data.encode() if isinstance(data, str) else data)


def write_json(path: Path, obj) -> None:
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_jsonl(path: Path, rows) -> None:
    write_atomic(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def save_npy(path: Path, array: np.ndarray) -> None:
    with _temp_for(path) as f:
        np.save(f, array)


def save_npz(path: Path, **arrays) -> None:
    with _temp_for(path) as f:
        np.savez(f, **arrays)


# ---------------------------------------------------------------- reads


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISREG, "a file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((k for test, k in kinds if test(mode)), "not a regular file")


def _require_regular(mode: int, name: str) -> None:
    if not stat.S_ISREG(mode):
        raise InputError(f"{name}: {_kind(mode)}, not a regular file")


def open_regular(path: str | os.PathLike, what: str | None = None) -> BinaryIO:
    """A regular file opened for reading; InputError for a missing file, a FIFO, a device or a directory."""
    name = what or str(path)
    try:
        _require_regular(os.stat(path).st_mode, name)  # checked before opening: opening a device can act
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO swapped in meanwhile cannot block the open
    except (OSError, ValueError) as e:  # ValueError: a NUL byte or an unencodable character in the path
        raise InputError(f"{name}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    f = os.fdopen(fd, "rb")
    try:
        _require_regular(os.fstat(fd).st_mode, name)
    except InputError:
        f.close()
        raise
    return f


def inside(root: str | os.PathLike, path: str | os.PathLike, what: str | None = None) -> Path:
    """`path`, unless it leads outside folder `root` (by `..` or a symbolic link): then InputError. What a folder
    holds (a bundle's models, a dataset's files) is read from inside it only."""
    root, path = Path(root), Path(path)
    try:
        if path.resolve().is_relative_to(root.resolve()):
            return path
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        pass
    raise InputError(f"{what or path}: leads outside {root}, refused")


def _too_large(name: str, limit: int) -> InputError:
    return InputError(f"{name}: larger than {limit / MIB:g} MiB, refused")


def read_bytes(path: str | os.PathLike, limit: int, what: str | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes."""
    name = what or str(path)
    with open_regular(path, name) as f:
        if os.fstat(f.fileno()).st_size > limit:
            raise _too_large(name, limit)
        try:
            data = f.read(limit + 1)  # the file may have grown since
        except OSError as e:
            raise InputError(f"{name}: cannot read ({e.strerror or e})") from None
    if len(data) > limit:
        raise _too_large(name, limit)
    return data


def read_text(path: str | os.PathLike, limit: int = MAX_TEXT_BYTES, what: str | None = None) -> str:
    """A UTF-8 text file of at most `limit` bytes."""
    name = what or str(path)
    try:
        return read_bytes(path, limit, name).decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not UTF-8 text (byte {e.start})") from None


def parse_json(text: str | bytes):
    """json.loads; nesting too deep for the parser is a ValueError like any other malformed JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def read_json(path: str | os.PathLike, what: str | None = None, limit: int = MAX_TEXT_BYTES):
    name = what or str(path)
    text = read_text(path, limit, name)
    try:
        return parse_json(text)
    except ValueError as e:
        raise InputError(f"{name}: not valid JSON ({e})") from None


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(read_text(path).splitlines(), 1):
        if line.strip():
            try:
                rows.append(parse_json(line))
            except ValueError as e:
                raise InputError(f"{path}: line {n} is not valid JSON ({e})") from None
    return rows


def _read_array(f: BinaryIO, size: int, name: str, budget: int) -> np.ndarray:
    """The .npy array in `f` (`size` bytes), after checking that its header declares no Python objects
    and exactly the `size` bytes that follow it, and no more than `budget` bytes."""
    try:
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        if version not in read_header:
            raise ValueError(f"npy format version {version[0]}.{version[1]}")
        shape, _, dtype = read_header[version](f)
        if dtype.hasobject:
            raise ValueError("it holds Python objects (a pickle), which are never loaded")
        declared = math.prod(shape) * dtype.itemsize
        if declared > budget:
            raise ValueError(f"it declares {declared} bytes, over {budget / MIB:g} MiB")
        if declared != size - f.tell():
            raise ValueError(f"truncated or padded: the header declares {declared} bytes, {size - f.tell()} follow")
        f.seek(0)
        return np.lib.format.read_array(f, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{name}: not a readable array ({e})") from None


def load_npy(path: str | os.PathLike, what: str | None = None, limit: int = MAX_ARRAY_BYTES) -> np.ndarray:
    name = what or str(path)
    with open_regular(path, name) as f:
        return _read_array(f, os.fstat(f.fileno()).st_size, name, limit)


def load_npz(path: str | os.PathLike, what: str | None = None, limit: int = MAX_ARRAY_BYTES) -> dict[str, np.ndarray]:
    """Every array of an .npz (as np.savez writes it), `limit` bytes in all."""
    name = what or str(path)
    arrays, budget = {}, limit
    with open_regular(path, name) as f:
        try:
            with zipfile.ZipFile(f) as z:
                for info in z.infolist():
                    with z.open(info) as member:
                        array = _read_array(member, info.file_size, f"{name}: {info.filename}", budget)
                    budget -= array.nbytes
                    arrays[info.filename.removesuffix(".npy")] = array
        except InputError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise InputError(f"{name}: not a readable .npz ({e})") from None
    return arrays


# ---------------------------------------------------------------- outputs


def _same_path(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def check_output(path: str | os.PathLike, flag: str, inputs=()) -> None:
    """Refuse an output path that is neither a regular file nor a new name in a folder (a directory, a FIFO, a
    device, a symbolic link: writing would replace the link or the device with a file; a path below a file), or
    that is one of the command's own inputs."""
    path = Path(path)
    for source in inputs:
        if source is not None and _same_path(path, Path(source)):
            raise InputError(f"{flag} {path} is the input {source}; writing it would replace the input")
    check_parent(path, flag)
    try:
        mode = os.lstat(path).st_mode
    except OSError as e:
        if e.errno == errno.ENOENT:
            return
        raise InputError(f"{flag} {path}: cannot write ({e.strerror or e})") from None
    except ValueError as e:  # a NUL byte in the path
        raise InputError(f"{flag} {path}: cannot write ({e})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{flag} {path}: is a directory; name a file")
    if not stat.S_ISREG(mode):
        raise InputError(f"{flag} {path}: {_kind(mode)}, not a regular file; name a file or a new path")


def check_parent(path: str | os.PathLike, flag: str) -> None:
    """Refuse a path whose nearest existing ancestor is not a folder (a file, a device): nothing can be made there."""
    for parent in Path(path).absolute().parents:
        try:
            mode = os.stat(parent).st_mode
        except FileNotFoundError:
            continue
        except OSError as e:
            if e.errno == errno.ENOTDIR:
                continue  # a file further up: reported when the walk reaches it
            raise InputError(f"{flag} {path}: cannot write ({e.strerror or e})") from None
        if not stat.S_ISDIR(mode):
            raise InputError(f"{flag} {path}: {parent} is {_kind(mode)}, not a folder")
        return


def _busy(what: str) -> InputError:
    return InputError(f"{what} is being written by another process; wait for it to finish or choose another output")


def locked_file(path: Path, what: str) -> BinaryIO:
    """`path` opened for reading and writing (created, never truncated) under an exclusive lock that
    lasts until it is closed. InputError if another process holds it."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK, 0o644)
        except OSError as e:
            raise InputError(f"{what}: cannot write ({e.strerror or e})") from None
        f = os.fdopen(fd, "r+b")
        try:
            _require_regular(os.fstat(fd).st_mode, what)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise _busy(what) from None
        except InputError:
            f.close()
            raise
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return f
        except FileNotFoundError:
            pass
        f.close()  # its holder renamed it away between our open and our lock: lock the file now there


@contextmanager
def locked_directory(path: str | os.PathLike, what: str) -> Iterator[Path]:
    """Hold an exclusive lock on directory `path` (created if missing) while the block writes into it.
    InputError if another process holds it, or if `path` cannot be a directory. A directory created
    here is removed again if the block fails before writing anything into it. The temporary files a killed
    holder left in it are removed first."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: not a directory")
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise InputError(f"{path}: cannot write ({e.strerror or e})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(f"{path} ({what})") from None
        remove_stale_temps_under(path)  # a killed holder's, left between a write and its rename
        yield path
    except BaseException:
        if created:
            with suppress(OSError):
                path.rmdir()  # only succeeds while it is still empty
        raise
    finally:
        os.close(fd)
