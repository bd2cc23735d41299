"""Inference speed of every exported format of a run, beside the JAX model it came from.

For ONNX Runtime (CPU, default session options), TorchScript traced and scripted,
torch eager (the state-dict module), the torch.export program and the JAX jit
function: latency at batch 1 (p50/p95 over many calls) and throughput at batch
1024 (rows/s), all measured in one process, in interleaved rounds.

    python benchmarks/bench_export.py [--run runs/default] [--rounds 5] [--calls 2000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

LATENCY_GOAL_MS = 1.0  # ONNX Runtime p50 at batch 1
SEED_TARGET_MS, SEED_EXCEEDED_MS = 100.0, 50.0  # the seed's latency target, and the "exceeded" bar


def _os_threads() -> int | None:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def onnx_runner(path: Path):
    """An ORT session with default options, and the intra-op threads it really uses."""
    import onnxruntime as ort

    before = _os_threads()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    after = _os_threads()
    # intra_op_num_threads stays 0 ("auto"); the pool it starts has one thread fewer than it uses (the caller joins in)
    threads = after - before + 1 if before is not None else None
    name = sess.get_inputs()[0].name
    return (lambda x: sess.run(None, {name: x})[0]), {
        "intra_op_num_threads_option": sess.get_session_options().intra_op_num_threads,
        "intra_op_threads_used": threads,
    }


def jax_runner(run: Path):
    import jax
    from flax import nnx

    from svgq_jax.train.checkpoints import restore_kept_model

    model = restore_kept_model(run)
    graphdef, state = nnx.split(model)
    fn = jax.jit(lambda s, x: nnx.merge(graphdef, s)(x))
    # np.asarray waits for the result, so a call is timed to completion, transfer included
    return (lambda x: np.asarray(fn(state, x))), model


def latency_ms(fn, x: np.ndarray, calls: int, warmup: int) -> tuple[float, float]:
    for _ in range(warmup):  # each turn re-warms caches the other formats evicted
        fn(x)
    ns = np.empty(calls)
    for i in range(calls):
        t = time.perf_counter_ns()
        fn(x)
        ns[i] = time.perf_counter_ns() - t
    return float(np.percentile(ns, 50) / 1e6), float(np.percentile(ns, 95) / 1e6)


def rows_per_s(fn, X: np.ndarray, calls: int) -> float:
    fn(X)
    best = min(_timed(fn, X) for _ in range(calls))
    return len(X) / best


def _timed(fn, x) -> float:
    t = time.perf_counter()
    fn(x)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", default="runs/default", help="a run with an export/ folder")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are reported")
    ap.add_argument("--calls", type=int, default=2000, help="timed batch-1 calls per format per round")
    ap.add_argument("--warmup", type=int, default=100, help="untimed batch-1 calls before each format's turn")
    ap.add_argument("--batch", type=int, default=1024, help="rows per throughput call")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    run = Path(a.run)
    export = run / "export"
    if not (export / "metadata.json").is_file():
        print(
            f"{export}: no exported bundle; run the main job (python -m svgq_jax.train) or python -m "
            f"svgq_jax.export --run {run} first",
            file=sys.stderr,
        )
        sys.exit(2)
    import jax
    import torch

    from svgq_jax.core.bundle import FILES
    from svgq_jax.model import raw_feature_distribution
    from torch_bridge.parity import random_inputs
    from torch_bridge.runner import load

    n_inputs = json.loads((export / "metadata.json").read_text())["input"]["n_inputs"]
    runners = {}
    runners["onnxruntime"], ort_info = onnx_runner(export / FILES["onnx"])
    with warnings.catch_warnings():  # TorchScript is deprecated, but the bundle ships it
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.", category=FutureWarning)
        for label, fmt in (
            ("torchscript_traced", "traced"),
            ("torchscript_scripted", "scripted"),
            ("torch_eager", "full"),
            ("torch_export", "export"),
        ):
            runners[label] = load(fmt, str(export / FILES[fmt]))
    runners["jax_jit"], model = jax_runner(run)
    X = random_inputs(*raw_feature_distribution(model), a.batch)  # the export's own parity inputs
    x1 = X[:1].copy()

    # Round-robin rounds: this VM's speed drifts by tens of percent within minutes,
    # so every format takes its turn in each round and the medians over rounds are reported.
    per_round = {name: {"p50_ms": [], "p95_ms": [], "rows_per_s": []} for name in runners}
    for _ in range(a.rounds):
        for name, fn in runners.items():
            p50, p95 = latency_ms(fn, x1, a.calls, a.warmup)
            rec = per_round[name]
            rec["p50_ms"].append(p50)
            rec["p95_ms"].append(p95)
            rec["rows_per_s"].append(rows_per_s(fn, X, 3))
    med = {name: {k: float(np.median(v)) for k, v in rec.items()} for name, rec in per_round.items()}
    ort_p50 = med["onnxruntime"]["p50_ms"]
    worst_p95 = max(m["p95_ms"] for m in med.values())
    r = {
        "run": str(run),
        "device": str(jax.devices()[0]),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "jax_threads": "XLA CPU default (one per core)",
        "onnxruntime": ort_info,
        "rounds": a.rounds,
        "calls_per_round": a.calls,
        "batch": a.batch,
        "n_inputs": n_inputs,
        "median": med,
        "per_round": per_round,
        "goal_ort_p50_under_1ms": ort_p50 < LATENCY_GOAL_MS,
        "seed_target_met": worst_p95 < SEED_TARGET_MS,
        "seed_target_exceeded": worst_p95 < SEED_EXCEEDED_MS,
    }
    if a.json:
        print(json.dumps(r, indent=2))
        return
    print(
        f"inference, {run} ({n_inputs} inputs), median of {a.rounds} interleaved rounds ({a.calls} batch-1 calls each):"
    )
    print(f"  {'format':22s} {'p50 ms (b=1)':>12s} {'p95 ms':>8s} {f'rows/s (b={a.batch})':>17s}")
    for name, m in med.items():
        print(f"  {name:22s} {m['p50_ms']:12.3f} {m['p95_ms']:8.3f} {m['rows_per_s']:17,.0f}")
    print(
        f"  ONNX Runtime p50 at batch 1: {ort_p50:.3f} ms, under {LATENCY_GOAL_MS:g} ms (goal): "
        f"{'yes' if r['goal_ort_p50_under_1ms'] else 'NO'}"
    )
    verdict = "exceeded" if r["seed_target_exceeded"] else "met" if r["seed_target_met"] else "MISSED"
    print(
        f"  seed's targets <{SEED_TARGET_MS:g} ms (<{SEED_EXCEEDED_MS:g} ms exceeded): slowest p95 {worst_p95:.3f} "
        f"ms -> {verdict}"
    )
    print(
        f"  device {r['device']}, {r['cpu_count']} CPUs; threads: torch {r['torch_threads']}, JAX {r['jax_threads']}, "
        f"ONNX Runtime intra-op {ort_info['intra_op_threads_used']} (option "
        f"{ort_info['intra_op_num_threads_option']} = default)"
    )


if __name__ == "__main__":
    main()
