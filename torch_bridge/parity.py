"""Parity: every exported format against the JAX fp32 reference, in fresh processes.

The exported files are loaded and run by `python -m torch_bridge.runner`, all in one
new process that never imports JAX (as in a deployment), on batches of 1, 7 and 1024
rows of random inputs and of real dataset rows. The fp32 tolerance is a max
absolute difference of 1e-5 on the predicted SSIM, and 1e-5 relative to max(1, |value|)
on ln(SVG bytes): that output runs near 10 (and far beyond on random inputs), where a
float32 step is 1e-6 and a few layers' rounding alone reach 1e-5 (measured 1.1e-5
through ONNX Runtime on random inputs).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

FP32_TOLERANCE = 1e-5
BATCHES = (1, 7, 1024)


@dataclass
class ParityCheck:
    format: str
    output: str  # "ssim" or "log_bytes"
    source: str  # "random" or "dataset"
    batch: int
    max_abs_diff: float  # relative to max(1, |value|) where `relative`
    tolerance: float
    ok: bool
    jax_imported: bool = False
    relative: bool = False


def random_inputs(feature_mean: np.ndarray, feature_std: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Plausible raw inputs: features around the training distribution, parameters uniform in range."""
    from svgq_jax.core import params as param_space  # numpy only

    rng = np.random.default_rng(seed)
    feats = feature_mean + feature_std * rng.normal(size=(n, len(feature_mean)))
    params = param_space.unscale(rng.uniform(size=(n, param_space.N_PARAMS)))
    return np.concatenate([feats, params], axis=1).astype(np.float32)


def input_sets(random_rows: np.ndarray, dataset_rows: np.ndarray | None) -> dict[str, np.ndarray]:
    """{"random_b1": ..., "dataset_b1024": ...}: each source cut to each batch size."""
    sets = {}
    for source, rows in (("random", random_rows), ("dataset", dataset_rows)):
        if rows is None or len(rows) == 0:
            continue
        for b in BATCHES:
            take = np.resize(np.arange(len(rows)), b)  # repeats rows if the source is smaller
            sets[f"{source}_b{b}"] = rows[take]
    return sets


def run_fresh(paths: dict[str, Path], sets: dict[str, np.ndarray]) -> tuple[dict[str, dict[str, np.ndarray]], bool]:
    """Run exported files ({format: path}) over all input sets in one new process.

    Returns {format: {set name: outputs}} and whether JAX was loaded there."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(inp, **sets)
        specs = [f"{fmt}={path}" for fmt, path in paths.items()]
        r = subprocess.run(
            [sys.executable, "-m", "torch_bridge.runner", str(inp), str(out), *specs], capture_output=True, text=True
        )
        if r.returncode != 0:
            raise RuntimeError(
                f"runner failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}"
            )
        info = json.loads(r.stdout.strip().splitlines()[-1])
        outputs = {fmt: {} for fmt in paths}
        with np.load(out) as z:
            for key in z.files:
                fmt, _, name = key.partition(".")
                outputs[fmt][name] = z[key]
        return outputs, info["jax_imported"]


def compare(
    fmt: str, outputs: dict, reference: dict, jax_imported: bool, names=("ssim",), tol: float = FP32_TOLERANCE
) -> list[ParityCheck]:
    """One check per input set and output column: outputs and reference hold [B, len(names)] per set."""
    checks = []
    for name, ref in reference.items():
        source, b = name.rsplit("_b", 1)
        got, want = np.asarray(outputs[name], np.float64), np.asarray(ref, np.float64)
        if got.shape != want.shape:
            raise RuntimeError(f"{fmt} returned shape {got.shape} for {name}, expected {want.shape}")
        for j, output in enumerate(names):
            relative = output == "log_bytes"
            scale = np.maximum(1.0, np.abs(want[:, j])) if relative else 1.0
            diff = float(np.max(np.abs(got[:, j] - want[:, j]) / scale))
            ok = diff <= tol and not jax_imported
            checks.append(ParityCheck(fmt, output, source, int(b), diff, tol, ok, jax_imported, relative))
    return checks


def parity_table(checks: list[ParityCheck]) -> str:
    lines = ["| format | output | source | batch | max abs diff | tolerance | ok |", "|---|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(
            f"| {c.format} | {c.output} | {c.source} | {c.batch} | {c.max_abs_diff:.2e} | {c.tolerance:.0e}"
            f"{' relative' if c.relative else ''} | "
            f"{'✅' if c.ok else '❌'} |"
        )
    return "\n".join(lines)


def to_json(checks: list[ParityCheck]) -> list[dict]:
    return [asdict(c) for c in checks]
