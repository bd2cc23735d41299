"""Faults: training killed (a real SIGKILL) at every kind of checkpoint point and resumed to the same
metrics; a second writer on an output in use (two real predict runs on one --out:
tests/integration/test_hostile_inputs.py); an output directory that turns read-only mid-run; workers whose
parent was killed."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO, call_main, draw_test_logo, run_cli, tiny_flags
from hostile import corpus

from svgq_jax.core import files
from svgq_jax.train.checkpoints import KILL_AT_ENV

# --------------------------------------------------------------------------- training killed and resumed

# The tiny config trains 3 epochs, saving the kept model (the last epoch's, as the default keeps) just
# before the periodic checkpoint of every epoch; `tiny_run` is such a run, uninterrupted. Each chain kills
# one run at each of its points in turn (each later run resumes the one before), then resumes it to the
# end; the two chains run side by side. Between them they kill it at every kind of point: with an epoch
# trained but not saved, during the kept model's save, between it and the periodic one (a resume then
# saves the kept model of that epoch again; at the last epoch too), during the periodic save, and after
# the last checkpoint with no results written.
KILL_CHAINS = (
    ("epoch-trained:2", "kept-writing:2", "kept-saved:2"),
    ("periodic-writing:2", "kept-saved:3", "periodic-saved:3"),
)


def train_process(run: Path, data: Path, kill_at: str | None, resume: bool):
    # the suite's JAX compilation cache (conftest) already holds what tiny_run compiled: the same steps
    env = {**os.environ, KILL_AT_ENV: kill_at or ""}
    cmd = [sys.executable, "-m", "svgq_jax.train", "--data", data, "--out", run, "--quiet", "--no-validate"]
    # plots only at the end: they cost a second an epoch and change nothing trained
    cmd += ["--no-export", *tiny_flags(plot_every=100), *(["--resume"] if resume else [])]
    return subprocess.run(list(map(str, cmd)), cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def kill_chain(run: Path, data: Path, points, outcomes: list) -> None:
    for i, point in enumerate(points):
        outcomes.append((point, train_process(run, data, point, i > 0), sorted(_checkpoints(run))))
    outcomes.append(("end", train_process(run, data, None, True), sorted(_checkpoints(run))))


def _checkpoints(run: Path) -> set[str]:
    """The complete checkpoints on disk, as "kept/N" and "checkpoints/N" (orbax's temporaries left out)."""
    return {f"{d}/{p.name}" for d in ("kept", "checkpoints") if (run / d).is_dir() for p in (run / d).iterdir()}


@pytest.mark.slow
def test_training_resumes_identically_after_a_kill_at_every_checkpoint_point(tiny_run, tiny_dataset, tmp_path):
    outcomes = [[] for _ in KILL_CHAINS]
    chains = [
        threading.Thread(target=kill_chain, args=(tmp_path / f"run{i}", tiny_dataset, points, outcomes[i]))
        for i, points in enumerate(KILL_CHAINS)
    ]
    for chain in chains:
        chain.start()
    for chain in chains:
        chain.join()
    want = json.loads((tiny_run / "history.json").read_text())
    want_results = json.loads((tiny_run / "results.json").read_text())
    for i, chain_outcomes in enumerate(outcomes):
        assert [point for point, _, _ in chain_outcomes] == [*KILL_CHAINS[i], "end"]
        for point, r, on_disk in chain_outcomes[:-1]:
            assert r.returncode == -signal.SIGKILL, (point, r.returncode, r.stderr[-1500:])
            event, _, epoch = point.partition(":")
            if event == "kept-saved":  # killed between the kept and the periodic save of that epoch
                assert f"kept/{epoch}" in on_disk and f"checkpoints/{epoch}" not in on_disk, (point, on_disk)
        _, r, _ = chain_outcomes[-1]
        assert r.returncode == 0, r.stderr[-1500:]
        got = json.loads((tmp_path / f"run{i}" / "history.json").read_text())
        assert len(got) == len(want) == 3
        for x, y in zip(got, want):
            for k in ("train_loss", "val_loss", "val_pearson"):
                assert abs(x[k] - y[k]) <= 1e-6, (i, x["epoch"], k)
        results = json.loads((tmp_path / f"run{i}" / "results.json").read_text())
        assert abs(results["test_loss"] - want_results["test_loss"]) <= 1e-6


# --------------------------------------------------------------------------- two writers, one output


def _pairs(path: Path, images: list[Path], tag: str) -> Path:
    rows = [{"image": str(p), "params": corpus.GOOD_PARAMS, "tag": tag, "n": i} for i, p in enumerate(images)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_a_held_output_is_refused_and_free_once_released(tmp_path):
    draw_test_logo(0).save(tmp_path / "a.png")
    pairs = _pairs(tmp_path / "p.jsonl", [tmp_path / "a.png"], "x")
    out = tmp_path / "o.jsonl"
    holder = files.locked_file(out.with_name("o.jsonl.partial"), "test")  # as a run in progress holds it
    r = call_main("svgq_jax.data", "measure", "--pairs", pairs, "--out", out, "--quiet", "--workers", "1")
    assert r.returncode == 2 and "being written by another process" in r.stderr.strip().splitlines()[-1]
    holder.close()
    r = call_main("svgq_jax.data", "measure", "--pairs", pairs, "--out", out, "--quiet", "--workers", "1")
    assert r.returncode == 0 and json.loads(out.read_text())["ssim"] > 0


def test_a_dataset_being_built_is_refused(tmp_path):
    with files.locked_directory(tmp_path / "ds", "a dataset build"):
        r = call_main("svgq_jax.data", "build", "--out", tmp_path / "ds", "--logos", "procedural:2", "--quiet")
    assert r.returncode == 2 and "being written by another process" in r.stderr.strip().splitlines()[-1]


# --------------------------------------------------------------------------- read-only output


def read_only(monkeypatch, directory: Path) -> None:
    """Make every write under `directory` fail as a read-only directory's would, as root too (whom chmod
    does not stop): creating, opening for writing, renaming into it."""
    inside = lambda p: Path(os.fsdecode(p)).absolute().is_relative_to(directory)
    refuse = lambda p: PermissionError(errno.EACCES, "Permission denied", os.fsdecode(p))
    real_open, real_mkdir, real_replace = os.open, os.mkdir, os.replace
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def open_(path, flags, *a, **k):
        if flags & writes and inside(path):
            raise refuse(path)
        return real_open(path, flags, *a, **k)

    def mkdir(path, *a, **k):
        if inside(path):
            raise refuse(path)
        return real_mkdir(path, *a, **k)

    def replace(src, dst, *a, **k):
        if inside(dst):
            raise refuse(dst)
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "replace", replace)


def test_output_under_a_read_only_directory_is_one_line(tiny_bundle, tmp_path, monkeypatch):
    draw_test_logo(0).save(tmp_path / "a.png")
    pairs = _pairs(tmp_path / "p.jsonl", [tmp_path / "a.png"], "x")
    locked = tmp_path / "read-only"
    locked.mkdir()
    read_only(monkeypatch, locked)
    for args in (
        ("svgq_jax.data", "measure", "--pairs", pairs, "--out", locked / "o.jsonl", "--workers", "1"),
        ("svgq_jax.predict", "--model", tiny_bundle, "--pairs", pairs, "--out", locked / "o.jsonl"),
        ("svgq_jax.optimize", "--model", tiny_bundle, tmp_path / "a.png", "--out", locked / "a.svg", "--verify", "0"),
        ("svgq_jax.data", "build", "--out", locked / "ds", "--logos", "procedural:2", "--quiet"),
    ):
        r = call_main(*args)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (args[0], r.stderr[-800:])
        assert "Permission denied" in r.stderr.strip().splitlines()[-1], (args[0], r.stderr[-800:])
    assert list(locked.iterdir()) == []


def test_output_directory_turning_read_only_mid_run_loses_nothing(tmp_path, monkeypatch):
    for i in range(3):
        draw_test_logo(i).save(tmp_path / f"{i}.png")
    pairs = _pairs(tmp_path / "p.jsonl", [tmp_path / f"{i}.png" for i in range(3)], "x")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "o.jsonl"
    real_replace = os.replace

    def refuse_final_rename(src, dst, *a, **k):  # the rows are all in OUT.partial; the folder just turned read-only
        if Path(dst) == out:
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", refuse_final_rename)
    r = call_main("svgq_jax.data", "measure", "--pairs", pairs, "--out", out, "--workers", "1", "--quiet")
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Permission denied" in r.stderr and not out.exists()
    kept = out.with_name("o.jsonl.partial").read_text()
    assert len(kept.splitlines()) == 3
    monkeypatch.setattr(os, "replace", real_replace)
    r = call_main("svgq_jax.data", "measure", "--pairs", pairs, "--out", out, "--workers", "1")
    assert r.returncode == 0 and "resumed 3" in r.stderr and out.read_text() == kept


# --------------------------------------------------------------------------- orphaned workers


def test_workers_of_a_killed_run_exit_quietly(tmp_path):
    slow = tmp_path / "slow.svg"  # a worker is busy rendering it when its parent dies
    slow.write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><filter id="f"><feMorphology '
        b'radius="1000"/></filter><rect width="2000" height="2000" fill="red" filter="url(#f)"/></svg>'
    )
    pairs = _pairs(tmp_path / "p.jsonl", [slow, slow.with_name("other.svg")], "x")
    slow.with_name("other.svg").write_bytes(slow.read_bytes().replace(b"1000", b"999"))
    cmd = [sys.executable, "-m", "svgq_jax.data", "measure", "--pairs", pairs, "--out", tmp_path / "o.jsonl"]
    env = {**os.environ, "SVGQ_SVG_SECONDS": "2"}
    proc = subprocess.Popen([*map(str, cmd), "--workers", "2"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    while not (tmp_path / "o.jsonl.partial").exists():  # the writer opens before the workers start
        time.sleep(0.05)
    time.sleep(1.5)  # the workers started and are rendering
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    err = proc.stderr.read()  # returns once the orphaned workers, which share the pipe, have exited too
    assert "Traceback" not in err and "BrokenPipe" not in err, err[-1500:]


# --------------------------------------------------------------------------- killed between write and rename

KILL_AT_RENAME = """
import os, runpy, signal, sys
real = os.replace
def replace(src, dst, *a, **k):  # the SVG is whole in its temporary file: killed before it takes its name
    if str(src).endswith(".tmp") and str(dst).endswith(".svg"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, *a, **k)
os.replace = replace
sys.argv = ["optimize", *sys.argv[1:]]
runpy.run_module("svgq_jax.optimize", run_name="__main__")
"""


def test_a_run_killed_at_its_rename_leaves_nothing_after_the_next(tiny_bundle, tmp_path):
    """kill -9 between the SVG's temporary file and its rename: the rerun into the same output removes it."""
    draw_test_logo(1).save(tmp_path / "a.png")
    args = ["--model", str(tiny_bundle), str(tmp_path / "a.png"), "--budget", "16", "--verify", "0"]
    cmd = [sys.executable, "-c", KILL_AT_RENAME, *args]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == -signal.SIGKILL, r.stderr[-500:]
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and left[0].name.startswith(".a.png.svg.") and not (tmp_path / "a.png.svg").exists()
    assert b"<svg" in left[0].read_bytes()  # whole, only not renamed
    r = call_main("svgq_jax.optimize", *args)
    assert r.returncode == 0 and (tmp_path / "a.png.svg").is_file(), r.stderr[-500:]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --------------------------------------------------------------------------- a cluster that does not answer


@pytest.mark.parametrize("head", ["silent", "192.0.2.1:6379"])
def test_a_cluster_that_does_not_answer_is_refused_in_bounded_time(tmp_path, head):
    """A head that accepts connections and never answers, and an address routed nowhere (TEST-NET-1): data build
    gives up after --cluster-timeout with one line, and leaves no dataset folder."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}" if head == "silent" else head
        out = tmp_path / "ds"
        args = ["--out", out, "--logos", "procedural:2", "--cluster", f"ray:{address}", "--cluster-timeout", "3"]
        start = time.monotonic()
        r = run_cli("svgq_jax.data", "build", *args, "--quiet", timeout=60)
        wall = time.monotonic() - start
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-800:]
    assert "cannot reach the Ray cluster" in r.stderr.strip().splitlines()[-1] and wall < 20, (wall, r.stderr)
    assert not out.exists()
