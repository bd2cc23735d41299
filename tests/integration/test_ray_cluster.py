"""The build and measure on a real Ray cluster: a head and a second node, each `ray start` of its own, on this
machine (svgq_jax.data.cluster). Every process the cluster started is killed when the module's tests end."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import REPO

from svgq_jax.data.cluster import LocalRayCluster, _group_alive, open_engine
from svgq_jax.data.dataset import load_dataset


@pytest.fixture(scope="module")
def cluster():
    """Two nodes of one CPU each; the head declares one GPU, so the feature stage runs in a GPU actor (on the
    CPU: the machine has none). The test targets' folder is on the nodes' path, as the package is."""
    with LocalRayCluster(cpus=[1, 1], gpus=[1, 0], env={"PYTHONPATH": str(REPO / "tests")}) as c, c.driver():
        yield c  # this process is a driver too
    assert not any(_group_alive(g) for g in c.groups)


@pytest.mark.slow
def test_time_limits_crashes_and_errors_keep_the_pool_contract(cluster):
    with open_engine(f"ray:{cluster.address}") as engine:
        tasks = [("slow", (60, "x"))] + [(i, (0, i)) for i in range(6)]
        out = {o.key: o for o in engine.run_tasks("pool_targets:sleep_then_echo", tasks, 0, 1.5)}
        assert not out["slow"].ok and out["slow"].error == "timed out after 1.5 s"
        assert all(out[i].ok and out[i].value == i for i in range(6))
        out = {o.key: o for o in engine.run_tasks("pool_targets:crash", [("c", (3,))], 0, 10.0)}
        assert not out["c"].ok and "worker lost 3 times" in out["c"].error
        out = {o.key: o for o in engine.run_tasks("pool_targets:fail", [("a", ("bad thing",)), ("b", ("x",))], 0, 10.0)}
        assert out["a"].error == "bad thing" and out["b"].error == "x"


@pytest.mark.slow
def test_measure_on_the_cluster_equals_the_local_measure(cluster, tiny_dataset, tmp_path):
    from svgq_jax.core import params as param_space
    from svgq_jax.data.measure import measure_pairs

    defaults = param_space.from_vector(param_space.defaults_vector())
    sources = sorted((tiny_dataset / "sources").iterdir())[:3]
    rows = [{"image": str(p), "params": {**defaults, "color_precision": c}} for p in sources for c in (2, 6)]
    rows.append({"image": str(tmp_path / "missing.png"), "params": defaults})
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    measure_pairs(pairs, tmp_path / "local.jsonl", workers=2, quiet=True)
    counts = measure_pairs(pairs, tmp_path / "ray.jsonl", quiet=True, cluster=f"ray:{cluster.address}")
    assert counts["measured"] == 6 and counts["errors"] == 1
    local, remote = (
        [json.loads(line) for line in (tmp_path / n).read_text().splitlines()] for n in ("local.jsonl", "ray.jsonl")
    )
    for a, b in zip(local, remote):
        a.pop("trace_seconds", None), b.pop("trace_seconds", None)
        assert a == b  # the same labels; the missing file's error names the same path
    assert "missing.png" in remote[-1]["error"]


@pytest.mark.slow
def test_cluster_build_survives_a_lost_node_and_equals_the_local_build(cluster, tiny_dataset, tmp_path):
    """tiny_dataset is the local build of the same settings (seed 0, 30 logos x 8 parameter sets)."""
    out = tmp_path / "ray"
    cmd = [sys.executable, "-m", "svgq_jax.data", "build", "--out", str(out), "--logos", "procedural:30"]
    cmd += ["--params-per-logo", "8", "--quiet", "--cluster", f"ray:{cluster.address}"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        labels, deadline = out / "labels", time.monotonic() + 300
        while time.monotonic() < deadline and len(list(labels.glob("*.json"))) < 6 and proc.poll() is None:
            time.sleep(0.05)
        done_when_killed = len(list(labels.glob("*.json")))
        cluster.stop_node(1)  # the second node dies with the batches it was running
        log, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log[-3000:]
    assert 6 <= done_when_killed < 30 and not _group_alive(cluster.groups[1])
    local, remote = load_dataset(tiny_dataset, 1), load_dataset(out, 1)
    # nothing lost, nothing counted twice: the same examples, labels and failures as the local build
    assert remote.image_ids == local.image_ids
    for name in ("image_index", "params", "ssim", "svg_bytes", "alpha_mad", "trace_size"):
        np.testing.assert_array_equal(getattr(remote, name), getattr(local, name), err_msg=name)
    assert (out / "failures.jsonl").read_text() == (tiny_dataset / "failures.jsonl").read_text()
    for path in (out / "labels").glob("*.json"):
        assert len(json.loads(path.read_text())["ssim"]) == 8
    # the same build spec, so a build may be resumed on either engine
    assert (out / "build.json").read_text() == (tiny_dataset / "build.json").read_text()
    report = json.loads((out / "report.json").read_text())
    assert report["engine"]["name"] == "ray" and report["engine"]["feature_actors"] == 1
    # features from the GPU actor (one CPU thread here) equal the driver's to float rounding
    np.testing.assert_allclose(remote.features, local.features, rtol=1e-5, atol=1e-4)
