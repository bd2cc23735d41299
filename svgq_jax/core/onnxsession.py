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
    options.log_severity_level = 4  # its own log lines: a model that fails says so in the one line raised for it
    try:
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise InputError(f"{path}: not a loadable ONNX model ({type(e).__name__})") from None


# What a tensor of a bundle's model must be: its element type and shape, None where any size goes (a batch).
Spec = tuple[str, tuple]
TYPES = {"float32": "tensor(float)", "uint8": "tensor(uint8)"}
NAMES = {**{v: k for k, v in TYPES.items()}, "tensor(double)": "float64"}


class CheckedSession:
    """An ONNX Runtime session whose inputs and outputs were checked against what its bundle's metadata states
    (names, element types, shapes), before anything ran; `run` refuses an answer of another shape, and a model that
    fails while it runs, in one line each. `inputs`/`outputs` map a name to its Spec; the name None stands for a
    model's only input or output, whatever it is called."""

    def __init__(self, session, path: str, inputs: dict, outputs: dict):
        self.session, self.path = session, path
        _check(path, "input", session.get_inputs(), inputs)
        self.outputs = _check(path, "output", session.get_outputs(), outputs)

    def get_inputs(self):
        return self.session.get_inputs()

    def get_outputs(self):
        return self.session.get_outputs()

    def run(self, names, feeds: dict) -> list:
        try:
            results = self.session.run(names, feeds)
        except Exception as e:
            reason = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            raise InputError(f"{self.path}: the model failed to run ({reason})") from None
        for result, (name, (_, shape)) in zip(results, self.outputs):
            if not _fits(tuple(result.shape), shape):
                raise InputError(f"{self.path}: output {name!r} came out {list(result.shape)}, not {_shown(shape)}")
        return results


def checked_session(path: str, inputs: dict, outputs: dict) -> CheckedSession:
    """`onnx_session(path)`, checked (`CheckedSession`)."""
    return CheckedSession(onnx_session(path), path, inputs, outputs)


def _check(path: str, kind: str, got, want: dict) -> list:
    """InputError unless the session's `got` inputs (or outputs) are `want`'s; their (name, Spec) in session order."""
    if len(got) != len(want) or (None not in want and {a.name for a in got} != set(want)):
        names = ", ".join(repr(a.name) for a in got)
        expected = ", ".join(repr(n) for n in want) if None not in want else "one"
        raise InputError(f"{path}: the model's {kind}s are {names or 'none'}, expected {expected} (its metadata's)")
    checked = []
    for arg in got:
        name = arg.name if None not in want else None
        dtype, shape = want[name]
        declared = tuple(d if isinstance(d, int) else None for d in arg.shape)
        if arg.type != TYPES[dtype] or not _declares(declared, shape):
            raise InputError(
                f"{path}: {kind} {arg.name!r} is {NAMES.get(arg.type, arg.type)} "
                f"{_shown(declared)}, expected {dtype} {_shown(shape)} (as its bundle's metadata states)"
            )
        checked.append((arg.name, (dtype, shape)))
    return checked


def _declares(declared: tuple, shape: tuple) -> bool:
    """Whether a declared shape (None: a symbolic size) is `shape`: every fixed size as stated, a free one (a batch)
    symbolic or any number."""
    return len(declared) == len(shape) and all(w is None or d == w for d, w in zip(declared, shape))


def _fits(actual: tuple, shape: tuple) -> bool:
    return len(actual) == len(shape) and all(w is None or a == w for a, w in zip(actual, shape))


def _shown(shape: tuple) -> str:
    return "[" + ", ".join("N" if d is None else str(d) for d in shape) + "]"
