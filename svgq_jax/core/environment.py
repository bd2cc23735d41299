"""What this process runs on: devices, accelerator memory and package versions (the notebook's first check)."""

from __future__ import annotations

import importlib.metadata
import os
import platform

PACKAGES = (
    "svgq_jax",
    "jax",
    "jaxlib",
    "flax",
    "optax",
    "orbax-checkpoint",
    "torch",
    "torchvision",
    "onnx",
    "onnxruntime",
    "vtracer",
    "resvg-py",
)


def describe() -> dict:
    import jax
    import torch

    devices = jax.devices()
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_cores": os.cpu_count(),
        "jax_backend": jax.default_backend(),
        "jax_devices": [str(d) for d in devices],
        "torch_cuda": torch.cuda.is_available(),
        "in_colab": in_colab(),
        "versions": {},
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info["gpu"] = {"name": props.name, "memory_gb": round(props.total_memory / 2**30, 1)}
    stats = devices[0].memory_stats() or {}
    if "bytes_limit" in stats:
        info["jax_device_memory_gb"] = round(stats["bytes_limit"] / 2**30, 1)
    info["versions"] = package_versions(PACKAGES)
    return info


def package_versions(names) -> dict[str, str | None]:
    """The installed version of each distribution (None where it is not installed)."""
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def summary(info: dict | None = None) -> str:
    info = info or describe()
    lines = [
        f"Python {info['python']} on {info['platform']} ({info['cpu_cores']} CPU cores)",
        f"JAX backend: {info['jax_backend']} — devices: {', '.join(info['jax_devices'])}",
        f"GPU: {info['gpu']['name']} ({info['gpu']['memory_gb']} GB)"
        if "gpu" in info
        else "GPU: none (training runs on the CPU in fp32)",
        "Colab: yes" if info["in_colab"] else "Colab: no",
        "versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v),
    ]
    return "\n".join(lines)


def in_colab() -> bool:
    try:
        import google.colab  # noqa: F401
    except ImportError:
        return False
    return True
