"""Training across processes: two real processes on this machine join through `jax.distributed` (coordinator on
localhost, one CPU device each) and train the tiny config data-parallel into one run directory."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, TINY, tiny_json

from svgq_jax.data.dataset import load_dataset
from svgq_jax.train.checkpoints import restore_kept_model

WORKER = """
import json, sys
import jax
port, process, data, run, cfg = sys.argv[1:6]
jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=2, process_id=int(process))
from svgq_jax import config
from svgq_jax.train import train_and_evaluate
results = train_and_evaluate(config.make_config(json.loads(cfg)), data, run, quiet=True)
print(json.dumps({"process": jax.process_index(), "devices": len(jax.devices()), "n_devices": results.n_devices}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_in_two_processes(data, run) -> list[dict]:
    port, env = free_port(), {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    args = [str(port), "", str(data), str(run), json.dumps(tiny_json())]
    procs = []
    try:
        for process in (0, 1):
            args[1] = str(process)
            cmd = [sys.executable, "-c", WORKER, *args]
            procs.append(subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        outs = [p.communicate(timeout=600) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()[-3000:]
    return [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outs]


@pytest.mark.slow
def test_two_processes_train_like_one(tiny_dataset, tiny_run, tmp_path):
    """tiny_run is the same config trained by one process on one device."""
    run = tmp_path / "two"
    reports = train_in_two_processes(tiny_dataset, run)
    assert sorted(r["process"] for r in reports) == [0, 1] and all(r["n_devices"] == r["devices"] == 2 for r in reports)
    one = json.loads((tiny_run / "history.json").read_text())
    two = json.loads((run / "history.json").read_text())
    assert [h["epoch"] for h in two] == [h["epoch"] for h in one] == list(range(1, TINY.epochs + 1))
    for a, b in zip(one, two):
        for key in ("train_loss", "val_loss", "val_pearson"):
            assert abs(a[key] - b[key]) <= 1e-5, (key, a, b)
    # one writer: the checkpoints a single process keeps, no second copy from process 1
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["2", "3"]
    assert not [p for p in run.rglob("ocdbt.process_1/d/*")]  # no array data from process 1
    # the kept model, written by a two-process mesh, restores in this single process and predicts as one
    ds = load_dataset(tiny_dataset, 1)
    saved = np.load(run / "predictions.npz")
    x = ds.inputs(saved["test_rows"], with_stats=True)
    np.testing.assert_allclose(np.asarray(restore_kept_model(run)(x)), saved["test_pred"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(saved["test_pred"], np.load(tiny_run / "predictions.npz")["test_pred"], atol=1e-5)
