"""Weight copy between the Flax model and the torch module, as pure functions over named arrays.

Flax side: a flat {"mlps/0/hidden/0/kernel": array, ...} dict (`named_arrays` makes one
from an nnx model). Torch side: the module's state dict. Per MLP m (one per member and
output group, svgq_jax.model.ModelConfig.member_outputs), the mapping:

    mlps/m/hidden/i/kernel [in, out] <-> mlps.m.hidden.i.weight [out, in]   (transposed)
    mlps/m/hidden/i/bias, head/*     <-> mlps.m.hidden.i.bias, head.*       (head kernel transposed)
    mlps/m/norms/i/scale, bias       <-> mlps.m.norms.i.weight, bias
    mlps/m/norms/i/mean, var         <-> mlps.m.norms.i.running_mean, running_var (num_batches_tracked: 0)
    mlps/m/feature_mean, feature_scale, param_low, param_scale, and bytes_mean, bytes_std for an MLP
    that predicts bytes              <-> buffers of the same name
    (selection index tables and output averaging are rebuilt from the config, never copied)

BatchNorm momentum is converted by the modules themselves (torch = 1 - flax).
bf16 arrays are cast to float32. A missing, extra or mis-shaped key raises,
naming the key. Flax -> torch -> Flax is exact.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from svgq_jax.core.params import N_PARAMS  # numpy only: no JAX

OUTPUTS = ("ssim", "log_bytes")


def output_groups(bytes_output: str) -> list[list[str]]:
    """The outputs of each MLP of one member, as svgq_jax.model.ModelConfig.member_outputs."""
    if bytes_output == "none":
        return [["ssim"]]
    return [list(OUTPUTS)] if bytes_output == "shared" else [[o] for o in OUTPUTS]


def expected_shapes(config: Mapping) -> dict[str, tuple]:
    """Flax-side key -> shape for a model config (n_features, hidden_dims, batch_norm, members, bytes_output)."""
    groups = [
        g for _ in range(int(config.get("members", 1))) for g in output_groups(config.get("bytes_output", "none"))
    ]
    return {f"mlps/{m}/{key}": shape for m, g in enumerate(groups) for key, shape in _mlp_shapes(config, g).items()}


def _mlp_shapes(config: Mapping, outputs) -> dict[str, tuple]:
    # features, selected statistics, log2 parameters
    n_std = int(config["n_features"]) + len(config.get("selections", ())) + len(config.get("log_params", ()))
    dims = [n_std + N_PARAMS, *config["hidden_dims"]]
    shapes = {"feature_mean": (n_std,), "feature_scale": (n_std,), "param_low": (N_PARAMS,), "param_scale": (N_PARAMS,)}
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        shapes[f"hidden/{i}/kernel"] = (a, b)
        shapes[f"hidden/{i}/bias"] = (b,)
        if config["batch_norm"]:
            for k in ("scale", "bias", "mean", "var"):
                shapes[f"norms/{i}/{k}"] = (b,)
    shapes["head/kernel"] = (dims[-1], len(outputs))
    shapes["head/bias"] = (len(outputs),)
    if "log_bytes" in outputs:
        shapes["bytes_mean"] = shapes["bytes_std"] = (1,)
    return shapes


def _torch_key(key: str) -> str:
    parts = key.split("/")
    layer = parts[2]  # mlps/m/<layer>/...
    if layer in ("hidden", "head"):
        parts[-1] = {"kernel": "weight"}.get(parts[-1], parts[-1])
    elif layer == "norms":
        parts[-1] = {"scale": "weight", "mean": "running_mean", "var": "running_var"}.get(parts[-1], parts[-1])
    return ".".join(parts)


def _check(named: Mapping, shapes: Mapping, side: str, to_side) -> None:
    missing = [k for k in shapes if to_side(k) not in named]
    if missing:
        raise KeyError(f"{side} weights lack {to_side(missing[0])!r}")
    extra = sorted(set(named) - {to_side(k) for k in shapes})
    if extra:
        raise KeyError(f"{side} weights have unexpected key {extra[0]!r}")


def flax_to_torch(flax_arrays: Mapping[str, np.ndarray], config: Mapping) -> dict:
    """Flat Flax arrays -> a torch state dict for `QualityPredictor(**config)`."""
    import torch

    shapes = expected_shapes(config)
    _check(flax_arrays, shapes, "Flax", lambda k: k)
    out = {}
    for key, shape in shapes.items():
        a = np.array(flax_arrays[key], dtype=np.float32)  # a writable copy for torch.from_numpy
        if a.shape != shape:
            raise ValueError(f"Flax key {key!r} has shape {a.shape}, expected {shape}")
        out[_torch_key(key)] = torch.from_numpy(np.ascontiguousarray(a.T if key.endswith("kernel") else a))
        if "/norms/" in key and key.endswith("/mean"):
            out[_torch_key(key).replace("running_mean", "num_batches_tracked")] = torch.tensor(0)
    return out


def torch_to_flax(state_dict: Mapping, config: Mapping) -> dict[str, np.ndarray]:
    """A `QualityPredictor` state dict -> flat Flax arrays (float32)."""
    shapes = expected_shapes(config)
    named = {k: v for k, v in state_dict.items() if not k.endswith("num_batches_tracked")}
    _check(named, shapes, "torch", _torch_key)
    out = {}
    for key, shape in shapes.items():
        tk = _torch_key(key)
        a = named[tk].detach().cpu().float().numpy()
        a = a.T if key.endswith("kernel") else a
        if a.shape != shape:
            raise ValueError(
                f"torch key {tk!r} has shape {tuple(named[tk].shape)}, expected "
                f"{shape[::-1] if key.endswith('kernel') else shape}"
            )
        out[key] = np.ascontiguousarray(a)
    return out


def named_arrays(model) -> dict[str, np.ndarray]:
    """An nnx QualityModel -> flat {path: float32 array} of its weights and constants (no RNG state)."""
    from flax import nnx

    from svgq_jax.model import Constant

    state = nnx.state(model, nnx.Any(nnx.Param, nnx.BatchStat, Constant))
    return {
        "/".join(map(str, path)): np.asarray(v.get_value(), dtype=np.float32) for path, v in nnx.to_flat_state(state)
    }
