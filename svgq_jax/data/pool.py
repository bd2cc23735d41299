"""A process pool with a time limit per task.

VTracer runs native code that can hang and never returns to Python, so a timer
inside the worker cannot stop it. Each worker is its own process; the parent
kills a worker that overruns its limit (or dies), reports that task as failed
and starts a replacement. Results arrive in completion order.

Workers are plain subprocesses (`python -m svgq_jax.data.pool TARGET`) that
import only their target module, not the parent's `__main__` (which may import
JAX or torch), and start single-threaded with glibc tuned to keep freed memory:
a label allocates and frees a few MB per call, and by default each of those
comes fresh from the kernel; the page faults cost as much as the SSIM itself
(measured 12 ms vs 7 ms per SSIM).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

_WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
    "MALLOC_MMAP_THRESHOLD_": str(256 << 20),
    "MALLOC_TRIM_THRESHOLD_": str(512 << 20),
}


# What one worker may hold: its trace targets (up to 8 images' PNGs, references and SSIM statistics: about 150 MB
# each at 2048 px) beside the interpreter and its libraries.
WORKER_MEMORY = 1 << 30


def cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available_memory() -> int | None:
    """Bytes of memory this machine (or this cgroup, if it is tighter) can still give; None when unknown."""
    found = []
    try:
        with open("/proc/meminfo") as f:
            found += [int(line.split()[1]) << 10 for line in f if line.startswith("MemAvailable:")]
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f, open("/sys/fs/cgroup/memory.current") as g:
            limit = f.read().strip()
            if limit != "max":
                found.append(max(0, int(limit) - int(g.read().strip())))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def usable_workers(requested: int) -> tuple[int, str | None]:
    """How many workers to start for `--workers requested` (0: all cores): at most one per core and one per
    WORKER_MEMORY of available memory, at least one. With a note when that is fewer than asked for."""
    n_cores, memory = cores(), available_memory()
    cap = n_cores if memory is None else max(1, min(n_cores, memory // WORKER_MEMORY))
    if requested and requested <= cap:
        return requested, None
    if not requested and cap == n_cores:
        return cap, None
    room = f"{n_cores} cores" + ("" if memory is None else f", {memory / (1 << 30):.1f} GiB of memory available")
    return cap, f"--workers {requested}: this machine runs {cap} at once ({room}; up to 1 GiB a worker): using {cap}"


@dataclass(frozen=True)
class Outcome:
    key: Hashable
    ok: bool
    value: Any = None  # the function's return value when ok
    error: str | None = None  # a one-line reason when not ok


def _resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


class _Worker:
    def __init__(self, target: str):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "svgq_jax.data.pool", target, str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w),
            # the parent's sys.path, so workers import what the parent can
            env={**os.environ, **_WORKER_ENV, "PYTHONPATH": os.pathsep.join(p or os.getcwd() for p in sys.path)},
            stdin=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.tx = Connection(to_child_w, readable=False)
        self.rx = Connection(from_child_r, writable=False)
        self.task: tuple | None = None
        self.started = 0.0

    def wait_ready(self, timeout: float = 300.0) -> _Worker:
        # A worker that cannot start would otherwise be replaced forever.
        try:
            if self.rx.poll(timeout) and self.rx.recv() == "ready":
                return self
        except (EOFError, OSError):
            pass
        self.kill()
        raise RuntimeError(f"a pool worker failed to start (exit code {self.proc.returncode})")

    def send(self, task: tuple) -> None:
        self.task, self.started = task, time.monotonic()
        self.tx.send(task)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.tx.close()
        self.rx.close()

    def stop(self) -> None:
        try:
            self.tx.send(None)
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


def run_tasks(
    target: str,
    tasks: Iterable[tuple[Hashable, tuple]],
    workers: int,
    timeout: float,
) -> Iterator[Outcome]:
    """Run `target(*args)` for each `(key, args)` in `tasks` on `workers` processes.

    `target` is "module:function"; workers import it themselves. Yields one
    Outcome per task; a task past `timeout` seconds, or whose worker dies,
    becomes a failed Outcome and the pool carries on.
    """
    _resolve(target)  # fail here, once, if the target cannot be imported at all
    pending = iter(tasks)
    pool = [_Worker(target) for _ in range(max(1, workers))]
    try:
        for w in pool:
            w.wait_ready()
        exhausted = False
        while True:
            for w in pool:
                if w.task is None and not exhausted:
                    task = next(pending, None)
                    if task is None:
                        exhausted = True
                    else:
                        w.send(task)
            busy = [w for w in pool if w.task is not None]
            if not busy:
                return
            deadline = min(w.started for w in busy) + timeout
            ready = set(wait([w.rx for w in busy], timeout=max(0.0, deadline - time.monotonic())))
            for i, w in enumerate(pool):
                if w.task is None:
                    continue
                key = w.task[0]
                if w.rx in ready:
                    try:
                        _, ok, value, error = w.rx.recv()
                    except (EOFError, OSError):
                        w.kill()
                        pool[i] = _Worker(target).wait_ready()
                        yield Outcome(key, False, error=f"worker crashed (exit code {w.proc.returncode})")
                        continue
                    w.task = None
                    yield Outcome(key, ok, value, error)
                elif time.monotonic() - w.started > timeout:
                    w.kill()
                    pool[i] = _Worker(target).wait_ready()
                    yield Outcome(key, False, error=f"timed out after {timeout:g} s")
    finally:
        for w in pool:
            w.stop()


def _serve(target: str, rx_fd: int, tx_fd: int) -> None:
    rx, tx = Connection(rx_fd, writable=False), Connection(tx_fd, readable=False)
    fn = _resolve(target)
    # A parent that dies (kill -9, Ctrl-C) closes its ends of the pipes: the worker then just exits,
    # without a BrokenPipe traceback on the terminal the parent shared with it.
    with contextlib.suppress(EOFError, OSError, KeyboardInterrupt):
        tx.send("ready")
        while (msg := rx.recv()) is not None:
            key, args = msg
            try:
                reply = (key, True, fn(*args), None)
            except Exception as e:
                reply = (key, False, None, str(e) or type(e).__name__)
            tx.send(reply)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
