"""Weight copy between the Flax model and the torch module, as pure functions over named arrays.

Flax side: a flat {"hidden/0/kernel": array, ...} dict (`named_arrays` makes one
from an nnx model). Torch side: the module's state dict. The mapping:

    hidden/i/kernel [in, out]   <-> hidden.i.weight [out, in]   (transposed)
    hidden/i/bias, head/*       <-> hidden.i.bias, head.*
    norms/i/scale, bias         <-> norms.i.weight, bias
    norms/i/mean, var           <-> norms.i.running_mean, running_var   (num_batches_tracked: 0)
    feature_mean, feature_scale, param_low, param_scale <-> buffers of the same name
    (selection index tables are rebuilt from the config on both sides, never copied)
    members/k/<any of the above> <-> members.k.<the same>   (ensembles, config "members" > 1)

BatchNorm momentum is converted by the modules themselves (torch = 1 - flax).
bf16 arrays are cast to float32. A missing, extra or mis-shaped key raises,
naming the key. Flax -> torch -> Flax is exact.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from svgq_jax.params import N_PARAMS  # numpy only: no JAX

CONSTANTS = ("feature_mean", "feature_scale", "param_low", "param_scale")


def expected_shapes(config: Mapping) -> dict[str, tuple]:
    """Flax-side key -> shape for a model config (n_features, hidden_dims, batch_norm, members)."""
    members = int(config.get("members", 1))
    one = _member_shapes(config)
    if members == 1:
        return one
    return {f"members/{k}/{key}": shape for k in range(members) for key, shape in one.items()}


def _member_shapes(config: Mapping) -> dict[str, tuple]:
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
    shapes["head/kernel"] = (dims[-1], 1)
    shapes["head/bias"] = (1,)
    return shapes


def _torch_key(key: str) -> str:
    parts = key.split("/")
    layer = parts[2] if parts[0] == "members" else parts[0]
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
        if key.startswith("norms/") and key.endswith("/mean"):
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
    """An nnx QualityMLP -> flat {path: float32 array} of its weights and constants (no RNG state)."""
    from flax import nnx

    from svgq_jax.model import Constant

    state = nnx.state(model, nnx.Any(nnx.Param, nnx.BatchStat, Constant))
    return {
        "/".join(map(str, path)): np.asarray(v.get_value(), dtype=np.float32) for path, v in nnx.to_flat_state(state)
    }
