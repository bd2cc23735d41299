"""The model bundle (`RUN/export/`): its version, file names, input layout and metadata reader.

`export` writes a bundle and `predict` reads one; both take these from here so
the two sides cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.core.features import FEATURE_DIM, check_preprocessing
from svgq_jax.core.files import parse_json, read_text
from svgq_jax.core.imagestats import NAMES as STATS_NAMES
from svgq_jax.core.imagestats import STATS_VERSION

# 2: the output "prediction" [B, outputs] (SSIM, ln bytes); 3: the backbone travels in the bundle (backbone.onnx)
BUNDLE_VERSION = 3
METADATA = "metadata.json"
REPORT = "report.md"  # the same, for people
FILES = {
    "onnx": "quality_predictor.onnx",
    "traced": "quality_predictor_traced.pt",
    "scripted": "quality_predictor_scripted.pt",
    "export": "quality_predictor.pt2",
    "full": "quality_predictor_full.pth",
    # the ONNX model split at its first layer: an image's share once, then its candidates (`predict`)
    "image_part": "quality_predictor_image_part.onnx",
    "candidate_part": "quality_predictor_candidate_part.onnx",
    # the feature extractor the model was trained on (`torch_bridge/backbone.py`)
    "backbone": "backbone.onnx",
}
COREML_FILE = "quality_predictor.mlpackage"


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
    """metadata.json of a bundle, checked for what prediction needs (InputError otherwise). The models'
    own checks (`check_width`, the backbone file) come with their sessions."""
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
        layout, backbone = meta["input"], meta["backbone"]
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{meta_path}: corrupt bundle metadata ({type(e).__name__}: {e})") from None
    if meta.get("bundle_version") != BUNDLE_VERSION:
        raise InputError(
            f"{root}: bundle version {meta.get('bundle_version')} (this package reads {BUNDLE_VERSION}); export it "
            "again with `python -m svgq_jax.export --run RUN`"
        )
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
    check_preprocessing(backbone, str(root))
    try:
        bundle_file(root, meta["files"]["backbone"])
    except ValueError as e:
        raise InputError(f"{meta_path}: corrupt bundle metadata ({e})") from None
    return meta


def bundle_file(root: Path, name) -> Path:
    """A file a bundle's metadata names: a plain file name, which must stay inside the bundle."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name inside the bundle")
    path = root / name
    if path.resolve().parent != root.resolve():
        raise ValueError(f"{name!r} leads outside the bundle")
    return path


def check_width(session, path: Path, n_inputs) -> None:
    """InputError unless an ONNX Runtime session of a bundle's model takes the width its metadata states
    (read from the session: no `onnx` package in a predictor-only install)."""
    dims = session.get_inputs()[0].shape
    width = dims[1] if len(dims) == 2 and isinstance(dims[1], int) else None
    if width != n_inputs:
        raise InputError(f"{path}: the model takes {width} inputs, its {METADATA} says {n_inputs}")
