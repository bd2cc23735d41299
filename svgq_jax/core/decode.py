"""Image files decoded in a bounded child process: a decode that takes too long is refused in one line.

A decoder is native code that Python cannot interrupt, and a crafted file can keep it busy for hours (a
progressive JPEG of 300,000 empty scans; `images` refuses that one by its scan count before decoding). So the
commands that decode a user's file in their own process (`predict`, `optimize`) decode each raster file in a forked
child limited to DECODE_SECONDS of CPU time ($SVGQ_DECODE_SECONDS) and twice that plus 5 s of wall-clock time, as
`svgrender` renders an SVG. The child sends back the pixels that are traced (RGBA, the long side capped), so the
command holds no more of the image than it did when it decoded in-process. SVG files go to `svgrender`'s child
directly. The pool's workers (`data build`, `data measure`) decode in-process: the worker is the bounded child there,
killed when its task runs past `--timeout`.

Cost: the fork and the pixels' trip through a pipe, about 15 ms for a 1-megapixel logo whose decoding takes 20 ms
(README, "What the tool refuses").
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import struct
import time
import warnings
from contextlib import suppress
from pathlib import Path

import numpy as np

from svgq_jax.core import images
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import read_bytes

F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, which Python names from 3.10 on Linux only
DECODE_SECONDS = 10  # CPU seconds per decode: a 40-megapixel PNG decodes in about 1 s


def decode_seconds() -> int:
    try:
        return max(1, int(os.environ.get("SVGQ_DECODE_SECONDS", DECODE_SECONDS)))
    except ValueError:
        return DECODE_SECONDS


def load_source(path: str | Path, max_side: int = images.MAX_SIDE) -> images.Source:
    """`images.load_source`, the decoding bounded in time."""
    data = read_bytes(path, images.MAX_FILE_BYTES)
    return decode_source(data, str(path), max_side)


def decode_source(data: bytes, name: str = "image", max_side: int = images.MAX_SIDE) -> images.Source:
    """`images.decode_source` in a child limited in time (InputError when it runs out, or fails)."""
    if not data or images.is_svg(data):
        return images.decode_source(data, name, max_side)  # rendered in svgrender's own bounded child
    seconds = decode_seconds()
    r, w = os.pipe()
    with suppress(OSError):
        fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)  # the pixels cross in 1 MiB steps, not 64 KiB ones
    with warnings.catch_warnings():  # JAX, where it is imported, warns at every fork: this child runs no JAX
        warnings.simplefilter("ignore")
        pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(data, name, max_side, seconds, w)
    os.close(w)
    try:
        payload, status = _receive(r, pid, 2 * seconds + 5)
    finally:
        os.close(r)
    if payload is None:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            raise InputError(f"{name}: took more than {seconds} s to decode, refused")
        raise InputError(f"{name}: the image crashed its decoder (exit status {status})")
    return _source(payload, name)


def _child(data: bytes, name: str, max_side: int, seconds: int, w: int) -> None:
    """In the forked child: decode, write the header and pixels to `w`, and leave without running any exit
    handler of the parent's (Ray's, JAX's)."""
    try:
        import resource

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it kills this child
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
        body = b""
        try:
            source = images.decode_source(data, name, max_side)
            head = {"shape": source.rgba.shape, "has_alpha": source.has_alpha, "original": source.original_size}
            body = memoryview(np.ascontiguousarray(source.rgba)).cast("B")
        except InputError as e:
            head = {"error": str(e)}
        except MemoryError:
            head = {"error": f"{name}: not enough memory to decode the image"}
        except Exception as e:
            head = {"error": f"{name}: not a readable image ({type(e).__name__}: {e})"}
        text = json.dumps(head).encode()
        _write_all(w, struct.pack("<I", len(text)) + text)
        _write_all(w, body)
    finally:
        os._exit(0)


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(r: int, pid: int, wall: float) -> tuple[bytearray | None, int]:
    """Everything the child writes, and its exit status; (None, status) if it died first or ran past `wall`
    seconds (then it is killed). The child is always reaped."""
    chunks, deadline, done = [], time.monotonic() + wall, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break
            chunk = os.read(r, 1 << 20)
            if not chunk:
                done = True
                break
            chunks.append(chunk)
    finally:
        if not done:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    complete = done and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return (bytearray().join(chunks) if complete else None), status


def _source(payload: bytearray, name: str) -> images.Source:
    """The Source the child sent: a JSON header (its length first), then the RGBA bytes."""
    try:
        (n,) = struct.unpack_from("<I", payload)
        head = json.loads(payload[4 : 4 + n])
        if "error" not in head:
            rgba = np.frombuffer(payload, np.uint8, offset=4 + n).reshape(tuple(head["shape"]))
            return images.Source(rgba, bool(head["has_alpha"]), tuple(head["original"]))
    except (struct.error, ValueError, KeyError, TypeError) as e:
        raise InputError(f"{name}: the decoder's answer is incomplete ({type(e).__name__})") from None
    raise InputError(head["error"])
