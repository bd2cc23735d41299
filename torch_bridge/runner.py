"""Run exported model files in this process, as a deployment would: no JAX.

    python -m torch_bridge.runner INPUTS.npz OUTPUTS.npz FORMAT=MODEL_FILE [FORMAT=MODEL_FILE ...]

FORMAT is one of: full (state dict .pth), traced, scripted (TorchScript .pt),
export (torch.export .pt2), onnx (ONNX Runtime). Every array in INPUTS.npz is run
through every model and written to OUTPUTS.npz as "FORMAT.NAME". All formats run
in this one process (torch is imported once). Prints a JSON line saying whether
JAX was imported (it must not be). Every file is loaded through
`torch_bridge.safe_load`, which refuses one that would run code while loading.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from svgq_jax.core.onnxsession import onnx_session
from torch_bridge import safe_load

FORMATS = ("full", "traced", "scripted", "export", "onnx", "onnx_split")


def load(fmt: str, path: str):
    """A callable float32 [B, n] -> [B, 1] numpy for one exported file."""
    if fmt == "onnx":
        sess = onnx_session(path)
        name = sess.get_inputs()[0].name
        return lambda x: sess.run(None, {name: x})[0]
    if fmt == "onnx_split":  # "IMAGE_PART,CANDIDATE_PART": each row's image share, then its candidate
        image_part, candidate_part = (onnx_session(p) for p in path.split(","))
        n = image_part.get_inputs()[0].shape[1]

        def split(x: np.ndarray) -> np.ndarray:
            rows = []
            for row in x:
                feats = row[None, :n]
                image = image_part.run(None, {"features": feats})[0]
                rows.append(candidate_part.run(None, {"image": image, "features": feats, "params": row[None, n:]})[0])
            return np.concatenate(rows)

        return split
    import torch

    if fmt == "full":
        from torch_bridge.module import from_config

        bundle = safe_load.load_state(path)
        module = from_config(bundle["model_config"])
        module.load_state_dict(bundle["state_dict"])
    elif fmt in ("traced", "scripted"):
        module = safe_load.load_torchscript(path)
    elif fmt == "export":
        module = safe_load.load_exported(path).module()
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if hasattr(module, "eval") and fmt != "export":
        module.eval()

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()

    return run


def main(argv: list[str]) -> None:
    inputs, outputs, *models = argv
    with np.load(inputs, allow_pickle=False) as z:
        batches = {k: z[k] for k in z.files}
    out = {}
    for spec in models:
        fmt, _, path = spec.partition("=")
        fn = load(fmt, path)
        out.update({f"{fmt}.{name}": fn(x) for name, x in batches.items()})
    np.savez(outputs, **out)
    print(json.dumps({"formats": [m.partition("=")[0] for m in models], "jax_imported": "jax" in sys.modules}))


if __name__ == "__main__":
    main(sys.argv[1:])
