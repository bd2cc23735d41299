"""Where a build's work runs: the local worker pool (the default) or a Ray cluster.

    open_engine(None)                  the local pool (`svgq_jax.data.pool`)
    open_engine("ray")                 the Ray cluster of $RAY_ADDRESS, or the one this machine is a node of
    open_engine("ray:HOST:PORT")       a cluster by its head's address (HOST:6379 by default)

The driver (the command) runs on a cluster node, or anywhere that reaches every
node; Ray Client (`ray://`) cannot stream results, so it is refused.

An engine's `run_tasks(target, tasks, workers, timeout)` keeps the local pool's
contract: one `Outcome` per task, in completion order; a task that raises, runs
past `timeout` seconds or crashes its worker becomes a failed Outcome with a
one-line reason, never a missing or made-up value. So `data build` and `data
measure` write, resume and record failures the same way on either engine.

On Ray:
- Tasks travel in batches of `BATCH` consecutive tasks, one Ray task each, so
  that scheduling costs little beside a trace. A batch is a streaming generator:
  it yields a start mark, then each task's outcome as it completes. The driver
  thus times every task from its own start (a batch queued behind others is not
  running late) and keeps what a batch finished before its worker was lost.
- A task past its time limit: the driver kills its worker (`ray.cancel(force=
  True)`), reports the task as timed out and sends the rest of the batch again.
- A worker lost (its node died, the process crashed): the batch's unfinished
  tasks are sent again. The task it was running gets a strike; after
  `MAX_LOSSES` strikes it is a failed Outcome (a trace that kills every worker
  it runs on), so a lost node costs time, never a label, and no label is
  reported twice.
- Input files that a task names (`FILE_ARGS`) travel as bytes with its batch, so
  workers need no shared filesystem; they write nothing, the driver writes all.
- The feature stage runs on the cluster's GPUs, one actor per GPU, when it has
  any (`features`); otherwise in the driver, as locally.

Ray is an optional extra (`pip install -e ".[cluster]"`); it is imported only
when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from svgq_jax.core.errors import InputError
from svgq_jax.data.pool import _WORKER_ENV, Outcome, _resolve, cores, run_tasks, usable_workers
from svgq_jax.data.reach import DEFAULT_TIMEOUT, connect, probe

BATCH = 16  # tasks per Ray task: a label costs 10-100 ms, a Ray task about 1 ms of scheduling
MAX_LOSSES = 3  # a task whose worker is lost this many times while running it has failed
WAIT_SECONDS = 1.0  # the longest the driver sleeps between checks of time limits
STARTED = "started"  # what a batch yields first, when it begins to run

# The argument of each task function that names an input file: sent as the file's bytes.
FILE_ARGS = {
    "svgq_jax.data.tasks:label_task": 1,
    "svgq_jax.data.tasks:import_task": 0,
    "svgq_jax.data.tasks:measure_task": 0,
    "svgq_jax.data.tasks:stats_task": 0,
}
INSTALL_HINT = "pip install -e '.[cluster]' (Ray)"


def parse_cluster(spec: str) -> str:
    """The Ray address of a --cluster value: 'ray' -> 'auto', 'ray:HOST:PORT' -> 'HOST:PORT'."""
    if spec == "ray":
        return "auto"
    if spec.startswith("ray://"):
        raise InputError(
            f"--cluster {spec}: Ray Client (ray://) cannot stream a batch's results; run the command on a cluster "
            "node instead, e.g. `ray job submit --address http://HEAD:8265 -- python -m svgq_jax.data build "
            "--cluster ray ...`"
        )
    if spec.startswith("ray:") and len(spec) > len("ray:"):
        return spec[len("ray:") :]
    raise InputError(f"--cluster {spec}: expected ray or ray:HOST:PORT")


@contextlib.contextmanager
def open_engine(cluster: str | None, timeout: float = DEFAULT_TIMEOUT):
    """The engine a build or measure runs on (see the module docstring), a cluster reached within `timeout`
    seconds; closed on exit."""
    if not cluster:
        yield LocalEngine()
        return
    engine = RayEngine.connect(parse_cluster(cluster), timeout)
    try:
        yield engine
    finally:
        engine.close()


class LocalEngine:
    """The in-process pool: `workers` 0 means one per core; features are the driver's."""

    def summary(self) -> dict:
        return {"name": "local", "cpus": cores()}

    def run_tasks(self, target: str, tasks, workers: int, timeout: float) -> Iterator[Outcome]:
        return run_tasks(target, tasks, usable_workers(workers)[0], timeout)

    def features(self, spec, weights: Path | None, batches: list[list[Path]]):
        """Nothing on the cluster: the driver computes them (None)."""
        return None


# ---------------------------------------------------------------- worker side


def _run_batch(target: str, batch: list, files: dict, file_arg: int | None):
    """Inside a Ray worker: yield STARTED, then (key, ok, value, error) per task of `batch`, as the pool's
    workers reply. Input files arrive as bytes and are written to a private folder for the task
    function; error messages name the original path, not the copy."""
    _use_worker_env()
    fn = _resolve(target)
    with tempfile.TemporaryDirectory(prefix="svgq-batch-") as tmp:
        copies = {}
        for n, (path, data) in enumerate(files.items()):
            copies[path] = os.path.join(tmp, f"{n}{Path(path).suffix}")
            Path(copies[path]).write_bytes(data)
        yield STARTED
        for key, args in batch:
            if file_arg is not None:
                args = (*args[:file_arg], copies[args[file_arg]], *args[file_arg + 1 :])
            try:
                yield key, True, fn(*args), None
            except Exception as e:
                message = str(e) or type(e).__name__
                for path, copy in copies.items():
                    message = message.replace(copy, path)
                yield key, False, None, message


def _use_worker_env() -> None:
    """glibc's malloc settings of the pool's workers (see svgq_jax.data.pool), set again in case a Ray
    worker was started without them: at these sizes they are worth 40 % of a label's time."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, int(_WORKER_ENV["MALLOC_MMAP_THRESHOLD_"]))  # M_MMAP_THRESHOLD
        libc.mallopt(-1, int(_WORKER_ENV["MALLOC_TRIM_THRESHOLD_"]))  # M_TRIM_THRESHOLD


class FeatureWorker:
    """A Ray actor on one GPU: the build's backbone, checked to be the driver's, on PNG batches."""

    def __init__(self, spec_json: dict, weights: bytes | None):
        from svgq_jax.data.resnet import FeatureExtractor

        with tempfile.TemporaryDirectory(prefix="svgq-weights-") as tmp:
            path = None
            if weights is not None:
                path = Path(tmp) / "weights.pth"
                path.write_bytes(weights)
            self.fx = FeatureExtractor(path, quiet=True, pretrained=weights is not None)
        if self.fx.spec.to_json() != spec_json:
            raise RuntimeError(f"backbone {self.fx.spec.short} on the worker differs from the driver's")

    def features(self, index: int, pngs: list[bytes]) -> tuple[int, np.ndarray]:
        """(index, features) of one batch of canonical PNGs: the index says which batch came back."""
        from PIL import Image

        return index, self.fx(np.stack([np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) for png in pngs]))

    def device(self) -> str:
        return str(self.fx.device)


# ---------------------------------------------------------------- driver side


@dataclass
class _Batch:
    tasks: deque  # (key, args) not yet reported, in the order the worker runs them
    files: dict  # path -> bytes of the input files the tasks name
    stream: object = None  # the ObjectRefGenerator of its Ray task
    last: float | None = None  # when it started or last reported a task; None while queued


@dataclass
class RayEngine:
    """A connection to a Ray cluster; see the module docstring."""

    ray: object  # the ray module
    losses: dict = field(default_factory=dict)  # task key -> strikes (workers lost while running it)
    feature_actors: int = 0  # how many GPU actors computed features (0: the driver did)

    @classmethod
    def connect(cls, address: str, timeout: float = DEFAULT_TIMEOUT) -> RayEngine:
        """Connected within `timeout` seconds, or InputError (`svgq_jax.data.reach`); the head is probed before
        Ray is imported, so that a closed port or an unknown host costs nothing."""
        started = time.monotonic()
        probe(address, timeout)
        try:
            import ray
        except ImportError:
            raise InputError(f"--cluster needs Ray: {INSTALL_HINT}") from None
        env = {"env_vars": dict(_WORKER_ENV)}
        connect(ray, address, timeout, started, runtime_env=env, logging_level="ERROR", log_to_driver=False)
        return cls(ray)

    def close(self) -> None:
        self.ray.shutdown()

    def summary(self) -> dict:
        """What the build report records of the engine (the build spec does not depend on it)."""
        return {"name": "ray", "cpus": self.cpus(), "gpus": self.gpus(), "feature_actors": self.feature_actors}

    def cpus(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def gpus(self) -> int:
        return int(self.ray.cluster_resources().get("GPU", 0))

    # -------------------------------------------------------- tasks

    def run_tasks(
        self, target: str, tasks: Iterable[tuple[Hashable, tuple]], workers: int, timeout: float
    ) -> Iterator[Outcome]:
        """The pool's contract on the cluster; `workers` caps the batches in flight (0: two per cluster CPU,
        so that no CPU waits for the driver between batches)."""
        _resolve(target)  # fail here, once, if the target cannot be imported at all
        remote = self.ray.remote(num_cpus=1, max_retries=0)(_run_batch)
        file_arg = FILE_ARGS.get(target)
        pending, retry = iter(tasks), deque()
        slots = workers or 2 * self.cpus()
        running: dict = {}  # ObjectRefGenerator -> _Batch
        try:
            while True:
                while len(running) < slots:
                    batch, unreadable = self._next_batch(pending, retry, file_arg)
                    yield from unreadable
                    if batch is None:
                        break
                    batch.stream = remote.options(name=f"batch {target}").remote(
                        target, list(batch.tasks), batch.files, file_arg
                    )
                    running[batch.stream] = batch
                if not running:
                    return
                yield from self._collect(target, running, retry, timeout)
        finally:
            for stream in running:
                self.ray.cancel(stream, force=True)

    def _next_batch(self, pending: Iterator, retry: deque, file_arg: int | None) -> tuple[_Batch | None, list]:
        """The next batch to send (tasks sent again first), and failed Outcomes for tasks whose input file
        cannot be read here (the local pool's worker would fail them the same way)."""
        chunk = [retry.popleft() for _ in range(min(BATCH, len(retry)))] or list(islice(pending, BATCH))
        if not chunk:
            return None, []
        files, tasks, unreadable = {}, deque(), []
        for key, args in chunk:
            if file_arg is not None and args[file_arg] not in files:
                try:
                    files[args[file_arg]] = _read_input(args[file_arg])
                except InputError as e:
                    unreadable.append(Outcome(key, False, error=str(e)))
                    continue
            tasks.append((key, args))
        return (_Batch(tasks, files) if tasks else None), unreadable

    def _collect(self, target: str, running: dict, retry: deque, timeout: float) -> Iterator[Outcome]:
        """Wait for the next reports (at most until the earliest time limit) and turn them into Outcomes."""
        started = [b.last for b in running.values() if b.last is not None]
        wait = min([WAIT_SECONDS, *(t + timeout - time.monotonic() for t in started)])
        ready, _ = self.ray.wait(list(running), num_returns=1, timeout=max(0.0, wait))
        for stream in ready:
            batch = running[stream]
            try:
                report = self.ray.get(next(stream))
            except StopIteration:
                del running[stream]
                continue
            except self.ray.exceptions.RayTaskError as e:  # the batch's own code failed, before any task ran
                cause = getattr(e, "cause", None) or e
                raise RuntimeError(f"a cluster worker cannot run {target}: {type(cause).__name__}: {cause}") from None
            except self.ray.exceptions.RayError as e:
                del running[stream]
                yield from self._lost(batch, retry, e)
                continue
            batch.last = time.monotonic()
            if report != STARTED:
                key, ok, value, error = report
                batch.tasks.popleft()
                self.losses.pop(key, None)
                yield Outcome(key, ok, value, error)
        now = time.monotonic()
        for stream, batch in list(running.items()):
            if batch.last is not None and now - batch.last > timeout:
                self.ray.cancel(stream, force=True)  # kills the worker stuck in native code
                del running[stream]
                key, _ = batch.tasks.popleft()
                retry.extend(batch.tasks)
                yield Outcome(key, False, error=f"timed out after {timeout:g} s")

    def _lost(self, batch: _Batch, retry: deque, error: Exception) -> Iterator[Outcome]:
        """A batch whose worker (or node) was lost: its unfinished tasks go again. The one it was running (or
        would have run first) gets a strike and fails after MAX_LOSSES, so that no loss repeats forever."""
        if batch.tasks:
            key, _ = batch.tasks[0]
            self.losses[key] = self.losses.get(key, 0) + 1
            if self.losses[key] >= MAX_LOSSES:
                batch.tasks.popleft()
                reason = _first_line(error)
                yield Outcome(key, False, error=f"worker lost {MAX_LOSSES} times while running it ({reason})")
        retry.extend(batch.tasks)

    # -------------------------------------------------------- features

    def features(self, spec, weights: Path | None, batches: list[list[Path]]):
        """(batch index, features) for each batch of canonical PNGs, computed by one actor per cluster GPU in
        completion order; None when the cluster has no GPU (the driver computes them, as locally)."""
        if not self.gpus() or not batches:
            return None
        return self._feature_results(spec, weights, batches)

    def _feature_results(self, spec, weights: Path | None, batches: list[list[Path]]):
        from ray.util import ActorPool

        weights_ref = self.ray.put(Path(weights).read_bytes()) if weights else None
        actor = self.ray.remote(num_gpus=1, num_cpus=1, max_restarts=1, max_task_retries=2)(FeatureWorker)
        actors = [actor.remote(spec.to_json(), weights_ref) for _ in range(min(self.gpus(), len(batches)))]
        self.feature_actors = len(actors)
        try:
            jobs = ((n, [_read_input(p) for p in paths]) for n, paths in enumerate(batches))
            yield from ActorPool(actors).map_unordered(lambda a, job: a.features.remote(*job), jobs)
        finally:
            for a in actors:
                self.ray.kill(a)


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _read_input(path) -> bytes:
    from svgq_jax.core.files import read_bytes
    from svgq_jax.core.images import MAX_FILE_BYTES

    return read_bytes(path, MAX_FILE_BYTES)


# ---------------------------------------------------------------- a cluster on this machine


class LocalRayCluster:
    """A Ray cluster of real processes on this machine (a head and further nodes, each `ray start` in a session
    of its own): what the tests and `benchmarks/bench_data.py --cluster` run on. `stop_node` kills one node's
    processes as a lost machine would lose them; `close` kills every process it started, by session, and
    removes its temporary folder."""

    def __init__(
        self, cpus: list[int], gpus: list[int] | None = None, object_store_mb: int = 80, env: dict | None = None
    ):
        import shutil
        import sys

        self.ray_cli = str(Path(sys.executable).with_name("ray"))
        if not shutil.which(self.ray_cli):
            raise InputError(f"no `ray` command beside {sys.executable}: {INSTALL_HINT}")
        self.tmp = tempfile.mkdtemp(prefix="svgq-ray-", dir="/tmp")  # Ray's socket paths must stay short
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        # Every node and driver of the cluster shares one token (Ray's token authentication): give `env` to
        # the drivers' processes.
        token = Path(self.tmp) / "auth_token"
        token.write_text(os.urandom(32).hex())
        self.env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token), "RAY_USAGE_STATS_ENABLED": "0"}
        self.node_env = {**os.environ, **self.env, **(env or {})}  # what the nodes and so their workers inherit
        self.groups: list[int] = []  # one session (of `ray start` and all it started) per node, in start order
        try:
            for n, node_cpus in enumerate(cpus):
                node_gpus = (gpus or [0] * len(cpus))[n]
                self.groups.append(self._start_node(n == 0, node_cpus, node_gpus, object_store_mb))
        except BaseException:
            self.close()
            raise

    def _start_node(self, head: bool, cpus: int, gpus: int, object_store_mb: int) -> int:
        import subprocess

        where = ["--head", f"--port={self.port}", f"--temp-dir={self.tmp}", "--include-dashboard=false"]
        args = [
            self.ray_cli,
            "start",
            *(where if head else [f"--address={self.address}"]),
            # Ray swaps 127.0.0.1 for this machine's own interface address; the traffic stays on this machine
            "--node-ip-address=127.0.0.1",
            f"--num-cpus={cpus}",
            f"--num-gpus={gpus}",
            f"--object-store-memory={object_store_mb << 20}",
            "--disable-usage-stats",
        ]
        proc = subprocess.Popen(
            args,
            start_new_session=True,
            env=self.node_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            _kill_group(proc.pid)
            raise RuntimeError(f"ray start failed ({proc.returncode}): {out[-1500:]}")
        return proc.pid  # `ray start` has exited; its daemons keep its session

    def stop_node(self, n: int) -> None:
        """Kill node n's processes at once (SIGKILL), as a machine that dies would lose them."""
        _kill_group(self.groups[n], hard=True)

    def close(self) -> None:
        import shutil

        for group in reversed(self.groups):
            _kill_group(group)
        self.groups = []
        shutil.rmtree(self.tmp, ignore_errors=True)

    @contextlib.contextmanager
    def driver(self):
        """This process as a driver of the cluster: its `env` (the token) set while inside, then restored."""
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            yield self
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def __enter__(self) -> LocalRayCluster:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_pids(session: int) -> list[int]:
    """The processes of a session: `ray start` runs in a session of its own, and some of Ray's workers move to
    process groups of their own but stay in it."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command) "
            if int(fields[3]) == session and fields[0] != "Z":
                pids.append(int(entry))
    return pids


def _group_alive(session: int) -> bool:
    return bool(_session_pids(session))


def _kill_group(session: int, hard: bool = False, grace: float = 5.0) -> None:
    """Stop every process of a session: SIGTERM (unless `hard`), then SIGKILL after `grace` seconds."""
    import signal

    for sig, wait in ((None if hard else signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        if sig is None:
            continue
        for pid in _session_pids(session):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while _session_pids(session) and time.monotonic() < deadline:
            time.sleep(0.1)
