import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from conftest import REPO, run_cli, tiny

from svgq_jax.core.bundle import FILES
from svgq_jax.core.imagestats import N_STATS


@pytest.fixture(scope="module")
def bundle(tiny_bundle):
    return tiny_bundle, json.loads((tiny_bundle / "metadata.json").read_text())


def test_every_format_is_written_and_checked(bundle):
    out, meta = bundle
    for name in (*FILES.values(), "metadata.json", "report.md"):
        assert (out / name).is_file(), name
    onnx.checker.check_model(str(out / FILES["onnx"]))
    graph = onnx.load(str(out / FILES["onnx"])).graph
    assert graph.input[0].name == "input" and graph.output[0].name == "prediction"
    assert graph.output[0].type.tensor_type.shape.dim[1].dim_value == 2 and meta["outputs"] == ["ssim", "log_bytes"]
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param  # a named, dynamic batch axis
    assert set(meta["sizes_mb"]) >= set(FILES) and all(v > 0 for v in meta["sizes_mb"].values())
    assert meta["backbone"]["name"] == "resnet50-random-seed0" and meta["input"]["n_inputs"] == 2048 + N_STATS + 8
    full = torch.load(out / FILES["full"], weights_only=True)
    assert {"state_dict", "model_config", "training_metrics", "export_timestamp", "environment"} <= set(full)


def test_parity_within_tolerance_in_fresh_processes(bundle):
    _, meta = bundle
    checks = meta["parity"]["checks"]
    formats = {c["format"] for c in checks}
    assert formats == {"torch_eager", "full", "traced", "scripted", "export", "onnx", "onnx_split"}
    assert {c["batch"] for c in checks} == {1, 7, 1024} and {c["source"] for c in checks} == {"random", "dataset"}
    assert {c["output"] for c in checks} == {"ssim", "log_bytes"}  # parity per output
    assert len(checks) == 7 * 2 * 3 * 2  # formats x sources x batches x outputs
    assert all(c["ok"] and c["max_abs_diff"] <= c["tolerance"] and not c["jax_imported"] for c in checks)
    # 1e-5 on the SSIM, 1e-5 relative on ln(bytes)
    assert all(c["tolerance"] == 1e-5 and c["relative"] == (c["output"] == "log_bytes") for c in checks)
    assert "| onnx | log_bytes | dataset | 1024 |" in (bundle[0] / "report.md").read_text()


def test_runner_loads_every_format_without_jax(bundle, tmp_path):
    out, _ = bundle
    x = np.random.default_rng(0).normal(size=(5, 2048 + N_STATS + 8)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    specs = [f"{fmt}={out / FILES[fmt]}" for fmt in ("full", "traced", "scripted", "export", "onnx")]
    specs.append(f"onnx_split={out / FILES['image_part']},{out / FILES['candidate_part']}")
    r = subprocess.run(
        [sys.executable, "-m", "torch_bridge.runner", str(tmp_path / "in.npz"), str(tmp_path / "o.npz"), *specs],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr[-500:]
    info = json.loads(r.stdout.strip().splitlines()[-1])
    formats = ["full", "traced", "scripted", "export", "onnx", "onnx_split"]
    assert info["jax_imported"] is False and info["formats"] == formats
    results = np.load(tmp_path / "o.npz")
    for fmt in formats:
        np.testing.assert_allclose(results[f"{fmt}.x"], results["onnx.x"], atol=1e-5)


def test_tampered_state_dict_is_refused(bundle, tmp_path):
    out, _ = bundle
    full = torch.load(out / FILES["full"], weights_only=True)
    key = next(k for k in full["state_dict"] if k.endswith("hidden.1.weight"))  # members.0. prefix in ensembles
    del full["state_dict"][key]
    torch.save(full, tmp_path / "bad.pth")
    np.savez(tmp_path / "in.npz", x=np.zeros((1, 2048 + N_STATS + 8), np.float32))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch_bridge.runner",
            str(tmp_path / "in.npz"),
            str(tmp_path / "o.npz"),
            f"full={tmp_path / 'bad.pth'}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert r.returncode != 0 and key in r.stderr


def test_export_cli_needs_a_finished_run(tmp_path):
    r = run_cli("svgq_jax.export", "--run", tmp_path)
    assert r.returncode == 2 and "no finished training run" in r.stderr


def test_export_records_the_validation_verdict(bundle):
    out, meta = bundle
    validation = json.loads((out.parent / "validation.json").read_text())
    assert meta["readiness"]["verdict"] == validation["readiness"]["verdict"]
    assert meta["validation"] == validation["summary"]
    assert "## Readiness" in (out / "report.md").read_text()


@pytest.mark.slow
def test_bf16_run_is_checked_against_its_fp32_cast(tiny_dataset, tmp_path):
    import jax.numpy as jnp

    from svgq_jax.model import raw_feature_distribution
    from svgq_jax.train import train_and_evaluate
    from svgq_jax.train.checkpoints import restore_kept_model
    from svgq_jax.train.run import Run
    from torch_bridge import parity
    from torch_bridge.export import bf16_parity

    run = tmp_path / "r"
    train_and_evaluate(tiny(epochs=1, precision="bf16"), tiny_dataset, run, quiet=True)
    model = restore_kept_model(run)  # float32 compute: the exported model
    sets = parity.input_sets(parity.random_inputs(*raw_feature_distribution(model), 256), None)
    reference = {k: np.asarray(model(jnp.asarray(v))) for k, v in sets.items()}
    b = bf16_parity(Run(run), sets, reference)
    assert b["ok"] and 0 < b["max_abs_diff"] <= b["tolerance"]  # bf16 rounds, but within the bound
