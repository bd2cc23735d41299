"""ONNX Runtime sessions of a bundle's files: read bounded, from bytes, on the CPU.

ONNX Runtime runs only its own operators, and a model loaded from bytes reads no
external data file, so an ONNX file runs no code of its own.
"""

from __future__ import annotations

from svgq_jax.core.errors import InputError
from svgq_jax.core.files import MAX_MODEL_BYTES, read_bytes


def onnx_session(path: str):
    import onnxruntime as ort

    data = read_bytes(path, MAX_MODEL_BYTES)
    options = ort.SessionOptions()
    # A bundle's sessions run one after another (backbone, image part, candidate part) between traces: threads
    # left spinning after one run took the cores from the next (4,096 candidates: 70 ms spinning, 44 ms not).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise InputError(f"{path}: not a loadable ONNX model ({type(e).__name__})") from None
