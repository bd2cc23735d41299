"""The model bundle (`RUN/export/`): its version, file names, input layout and metadata reader.

`export` writes a bundle and `predict` reads one; both take these from here so
the two sides cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from svgq_jax import params as param_space
from svgq_jax.data.features import FEATURE_DIM
from svgq_jax.data.imagestats import NAMES as STATS_NAMES
from svgq_jax.data.imagestats import STATS_VERSION
from svgq_jax.errors import InputError
from svgq_jax.files import parse_json, read_bytes, read_text

BUNDLE_VERSION = 2  # 2: the output "prediction" [B, outputs] (SSIM, ln bytes)
METADATA = "metadata.json"
FILES = {
    "onnx": "quality_predictor.onnx",
    "traced": "quality_predictor_traced.pt",
    "scripted": "quality_predictor_scripted.pt",
    "export": "quality_predictor.pt2",
    "full": "quality_predictor_full.pth",
}
COREML_FILE = "quality_predictor.mlpackage"
MAX_ONNX_BYTES = 1 << 30


def input_layout(with_stats: bool, stats_version: int | None) -> dict:
    """What each input column is, so a predictor can assemble rows without the training code."""
    blocks = [{"name": "backbone_features", "size": FEATURE_DIM}]
    if with_stats:
        blocks.append(
            {"name": "image_stats", "size": len(STATS_NAMES), "version": stats_version, "names": list(STATS_NAMES)}
        )
    blocks.append({"name": "params", "size": param_space.N_PARAMS, "names": list(param_space.PARAM_NAMES)})
    return {
        "input_features": "resnet+stats" if with_stats else "resnet",
        "n_inputs": sum(b["size"] for b in blocks),
        "blocks": blocks,
    }


def read_bundle(bundle_dir: str | Path) -> dict:
    """metadata.json of a bundle, checked for what prediction needs (InputError otherwise)."""
    root = Path(bundle_dir)
    try:
        return _checked_metadata(root)
    except (KeyError, TypeError, AttributeError, IndexError) as e:  # a field of the wrong shape, anywhere
        raise InputError(f"{root / METADATA}: corrupt bundle metadata ({type(e).__name__}: {e})") from None


def _checked_metadata(root: Path) -> dict:
    meta_path = root / METADATA
    if not meta_path.is_file():
        raise InputError(
            f"{root}: not a model bundle (no {METADATA}); export one with `python -m svgq_jax.export --run RUN`"
        )
    text = read_text(meta_path)
    try:
        meta = parse_json(text)
        onnx_file = bundle_file(root, meta["files"]["onnx"])
        layout, backbone, n_inputs = meta["input"], meta["backbone"], meta["input"]["n_inputs"]
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{meta_path}: corrupt bundle metadata ({type(e).__name__}: {e})") from None
    if meta.get("bundle_version") != BUNDLE_VERSION:
        raise InputError(f"{root}: bundle version {meta.get('bundle_version')} (this package reads {BUNDLE_VERSION})")
    if not onnx_file.is_file():
        raise InputError(f"{root}: {onnx_file.name} is missing")
    for block in layout["blocks"]:
        if block["name"] == "image_stats" and block.get("version") != STATS_VERSION:
            raise InputError(
                f"{root}: bundle uses image statistics v{block.get('version')}, this package computes "
                f"v{STATS_VERSION}; retrain or use a matching version"
            )
    if not isinstance(meta.get("outputs"), list) or meta["outputs"][:1] != ["ssim"]:
        raise InputError(f"{meta_path}: corrupt bundle metadata (outputs {meta.get('outputs')!r})")
    if not backbone.get("sha256"):
        raise InputError(f"{meta_path}: corrupt bundle metadata (no backbone sha256)")
    width = onnx_input_width(onnx_file)
    if width != n_inputs:
        raise InputError(f"{onnx_file}: the model takes {width} inputs, its {METADATA} says {n_inputs}")
    return meta


def bundle_file(root: Path, name) -> Path:
    """A file a bundle's metadata names: a plain file name, which must stay inside the bundle."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name inside the bundle")
    path = root / name
    if path.resolve().parent != root.resolve():
        raise ValueError(f"{name!r} leads outside the bundle")
    return path


def onnx_input_width(path: Path) -> int | None:
    """The width of an ONNX model's first input, read without running it (None where it is dynamic)."""
    import onnx

    try:
        graph = onnx.load_model_from_string(read_bytes(path, MAX_ONNX_BYTES)).graph
        dims = graph.input[0].type.tensor_type.shape.dim
    except InputError:
        raise
    except Exception:  # protobuf and onnx raise several types for a corrupt file
        raise InputError(f"{path}: not a loadable ONNX model") from None
    return dims[1].dim_value if len(dims) == 2 and dims[1].HasField("dim_value") else None
