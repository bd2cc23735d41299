"""Training throughput: the JAX step beside an idiomatic PyTorch loop, same MLP, data, batch and threads.

Reports training examples/s for
  - JAX fp32, lax.scan over steps (the default) and one jit call per step,
  - JAX bf16 (bf16 compute, float32 master weights),
  - PyTorch fp32 and PyTorch bf16 autocast (AdamW, gradient clipping, dropout),
the JAX/PyTorch ratio, and the achieved GFLOP/s beside a bare matmul's GFLOP/s.

    python benchmarks/bench_train.py [--batch 128] [--rows 8192] [--epochs 1] [--rounds 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from svgq_jax.core.params import HIGH, LOW, N_PARAMS

HIDDEN = (1024, 512, 256)
DROPOUT = (0.3, 0.2, 0.1)
N_IN = 2056


def flops_per_example() -> float:
    dims = (N_IN, *HIDDEN, 1)
    macs = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    return 6.0 * macs  # forward 2 FLOPs per MAC, backward twice the forward


def make_data(rows: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, N_IN)).astype(np.float32)
    X[:, -N_PARAMS:] = LOW + rng.uniform(size=(rows, N_PARAMS)) * (HIGH - LOW)
    # targets [rows, 2] as the dataset's: SSIM, ln(SVG bytes) (the seed MLP fits the first)
    y = np.stack([rng.uniform(0.5, 1.0, size=rows), rng.normal(9.0, 1.0, size=rows)], axis=1).astype(np.float32)
    return X, y


def jax_runner(X, y, batch: int, precision: str, scan: bool):
    import jax
    import jax.numpy as jnp
    from flax import nnx
    from jax.sharding import Mesh

    from svgq_jax import config
    from svgq_jax.model import ModelConfig, create_model
    from svgq_jax.train.loop import epoch_batches, steps_per_call
    from svgq_jax.train.steps import Steps, make_optimizer, make_schedule

    cfg = config.make_config({"batch_size": batch, "precision": precision})
    spe = len(X) // batch
    n_feat = N_IN - N_PARAMS
    model = create_model(
        ModelConfig(n_feat, HIDDEN, DROPOUT),
        np.zeros(n_feat),
        np.ones(n_feat),
        0,
        jnp.bfloat16 if precision == "bf16" else jnp.float32,
    )
    opt = nnx.Optimizer(model, make_optimizer(cfg, make_schedule(cfg, spe)), wrt=nnx.Param)
    graphdef, state = nnx.split((model, opt))
    steps = Steps(graphdef, nnx.graphdef(model), Mesh(np.array(jax.devices()), ("data",)))
    # one "image" per row: the step gathers each batch's rows as training does
    Xd = jax.device_put((X[:, :n_feat], np.arange(len(X), dtype=np.int32), X[:, n_feat:]))
    yd = jax.device_put(y)
    chunk = steps_per_call(spe) if scan else 1  # one jit call per step: the baseline the scan is measured against

    def epoch(state, e):
        idx = epoch_batches(len(X), batch, 0, e)
        for s in range(0, spe, chunk):
            state, loss = steps.train(state, Xd, yd, idx[s : s + chunk])
        jax.block_until_ready(loss)
        return state

    box = {"state": epoch(state, 0), "e": 0}  # the first epoch compiles

    def run(epochs: int) -> float:
        t = time.perf_counter()
        for _ in range(epochs):
            box["e"] += 1
            box["state"] = epoch(box["state"], box["e"])
        return spe * batch * epochs / (time.perf_counter() - t)

    return run


def torch_runner(X, y, batch: int, bf16: bool):
    import torch
    from torch import nn

    torch.manual_seed(0)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # same device as JAX's default
    dims = (N_IN, *HIDDEN)
    layers = []
    for (a, b), p in zip(zip(dims[:-1], dims[1:]), DROPOUT):
        layers += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(p)]
    model = nn.Sequential(*layers, nn.Linear(dims[-1], 1), nn.Sigmoid()).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-5)
    Xt, yt = torch.from_numpy(X).to(dev), torch.from_numpy(y).to(dev)
    spe = len(X) // batch

    def epoch(e):
        perm = torch.from_numpy(np.random.default_rng([0, e]).permutation(len(X))[: spe * batch]).to(dev)
        for s in range(spe):
            rows = perm[s * batch : (s + 1) * batch]
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                loss = nn.functional.mse_loss(model(Xt[rows])[:, 0].float(), yt[rows, 0])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()

    model.train()
    epoch(0)
    box = {"e": 0}

    def run(epochs: int) -> float:
        t = time.perf_counter()
        for _ in range(epochs):
            box["e"] += 1
            epoch(box["e"])
        return spe * batch * epochs / (time.perf_counter() - t)

    return run


def matmul_gflops(rows: int = 2048) -> dict:
    """Bare float32 matmuls [rows x 2056] @ [2056 x 1024]: the machine's ceiling for this work."""
    import jax
    import jax.numpy as jnp
    import torch

    a = np.random.default_rng(0).normal(size=(rows, N_IN)).astype(np.float32)
    b = np.random.default_rng(1).normal(size=(N_IN, HIDDEN[0])).astype(np.float32)
    flops = 2.0 * rows * N_IN * HIDDEN[0]
    f = jax.jit(jnp.dot)
    ja, jb = jax.device_put(a), jax.device_put(b)
    f(ja, jb).block_until_ready()
    n = 30
    t = time.perf_counter()
    for _ in range(n):
        r = f(ja, jb)
    r.block_until_ready()
    jx = flops * n / (time.perf_counter() - t) / 1e9
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    ta, tb = torch.from_numpy(a).to(dev), torch.from_numpy(b).to(dev)
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    ta @ tb
    sync()
    t = time.perf_counter()
    for _ in range(n):
        ta @ tb
    sync()
    return {"jax": jx, "torch": flops * n / (time.perf_counter() - t) / 1e9}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--rows", type=int, default=8192)
    ap.add_argument("--epochs", type=int, default=1, help="epochs per timed round")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds; medians are reported")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    import jax
    import torch

    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    # On a GPU, JAX's default float32 matmul precision uses TF32 tensor cores; torch's does not unless asked.
    torch.backends.cuda.matmul.allow_tf32 = True  # same arithmetic on both sides
    X, y = make_data(a.rows)
    runners = {
        "jax_fp32": jax_runner(X, y, a.batch, "fp32", True),  # the default: lax.scan over steps
        "jax_fp32_per_step": jax_runner(X, y, a.batch, "fp32", False),
        "jax_bf16": jax_runner(X, y, a.batch, "bf16", True),
        "torch_fp32": torch_runner(X, y, a.batch, False),
        "torch_bf16_autocast": torch_runner(X, y, a.batch, True),
    }
    # Round-robin rounds: this VM's speed drifts by tens of percent within minutes,
    # so contenders take turns and ratios are taken within a round (then the median).
    rates = {name: [] for name in runners}
    for _ in range(a.rounds):
        for name, run in runners.items():
            rates[name].append(run(a.epochs if "bf16_autocast" not in name else 1))
    med = {name: float(np.median(v)) for name, v in rates.items()}
    r = {
        "device": str(jax.devices()[0]),
        "threads": threads,
        "batch": a.batch,
        "rounds": rates,
        **med,
        "matmul_gflops": matmul_gflops(),
    }
    fpe = flops_per_example()
    per_round = np.array(rates["jax_fp32"]) / np.array(rates["torch_fp32"])
    r["ratio_jax_over_torch_fp32"] = float(np.median(per_round))
    r["ratio_scan_over_per_step"] = float(np.median(np.array(rates["jax_fp32"]) / np.array(rates["jax_fp32_per_step"])))
    r["achieved_gflops"] = {k: med[k] * fpe / 1e9 for k in runners}
    if a.json:
        print(json.dumps(r, indent=2))
        return
    print(
        f"training examples/s (median of {a.rounds} interleaved rounds), batch {a.batch}, {a.rows} rows, {threads} "
        f"threads, {r['device']}:"
    )
    for k in r["achieved_gflops"]:
        print(f"  {k:22s} {r[k]:9.0f}/s   {r['achieved_gflops'][k]:6.1f} GFLOP/s")
    print(f"  JAX fp32 / PyTorch fp32: {r['ratio_jax_over_torch_fp32']:.2f}x per-round median (target >= 1.2x on CPU)")
    print(f"  JAX scan / per-step: {r['ratio_scan_over_per_step']:.2f}x per-round median")
    m = r["matmul_gflops"]
    print(
        f"  bare matmul [2048x{N_IN}]@[{N_IN}x{HIDDEN[0]}]: JAX {m['jax']:.1f} GFLOP/s, torch {m['torch']:.1f} "
        f"GFLOP/s (ceiling)"
    )


if __name__ == "__main__":
    main()
