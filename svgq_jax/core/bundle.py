"""The model bundle (`RUN/export/`): its version, file names, input layout and metadata reader.

`export` writes a bundle and `predict` reads one; both take these from here so
the two sides cannot drift apart.
"""

from __future__ import annotations

import math
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
    """metadata.json of a bundle, checked for what prediction needs, every field in its range (InputError
    otherwise). The models' own checks (`model_specs`) come with their sessions."""
    root = Path(bundle_dir)
    try:
        return _checked_metadata(root)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as e:  # a field of the wrong shape, anywhere
        if isinstance(e, InputError):
            raise
        raise InputError(f"{root / METADATA}: corrupt bundle metadata ({type(e).__name__}: {e})") from None


def _checked_metadata(root: Path) -> dict:
    meta_path = root / METADATA
    if not meta_path.is_file():
        raise InputError(
            f"{root}: not a model bundle (no {METADATA}); export one with `python -m svgq_jax.export --run RUN`"
        )
    try:
        bundle_file(root, METADATA)  # a link out of the bundle is not followed, as for its models
    except ValueError as e:
        raise InputError(f"{meta_path}: refused ({e})") from None
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
        for name in meta["files"].values():
            bundle_file(root, name)
        check_fields(meta)
    except ValueError as e:
        raise InputError(f"{meta_path}: corrupt bundle metadata ({e})") from None
    return meta


# A backbone's preprocessing: the resize and crop sizes it may state (torchvision's weights: 232 or 256, then 224).
MIN_CROP, MAX_RESIZE = 16, 1024
OUTPUTS = ("ssim", "log_bytes")
BLOCK_SIZES = {"backbone_features": FEATURE_DIM, "image_stats": len(STATS_NAMES), "params": param_space.N_PARAMS}


def check_fields(meta: dict) -> None:
    """ValueError naming the first field of a bundle's metadata that is out of its range: the input layout (blocks
    of their known sizes, backbone features first and parameters last, summing to n_inputs), the outputs and the
    backbone's preprocessing (resize, crop, mean and std)."""
    layout, backbone, outputs = meta["input"], meta["backbone"], meta["outputs"]
    names = [b["name"] for b in layout["blocks"]]
    if names not in (["backbone_features", "params"], ["backbone_features", "image_stats", "params"]):
        raise ValueError(f"input blocks {names}")
    for block in layout["blocks"]:
        if not _integer(block["size"]) or block["size"] != BLOCK_SIZES[block["name"]]:
            raise ValueError(f"input block {block['name']} of size {block['size']!r}, not {BLOCK_SIZES[block['name']]}")
    n = layout["n_inputs"]
    if not _integer(n) or n != sum(BLOCK_SIZES[b] for b in names):
        raise ValueError(f"n_inputs {n!r}, not the blocks' {sum(BLOCK_SIZES[b] for b in names)}")
    if not 1 <= len(outputs) <= len(OUTPUTS) or outputs != list(OUTPUTS[: len(outputs)]):
        raise ValueError(f"outputs {outputs!r}, expected {list(OUTPUTS)} or ['ssim']")
    resize, crop = backbone.get("resize", 232), backbone.get("crop", 224)
    if not (_integer(resize) and _integer(crop) and MIN_CROP <= crop <= resize <= MAX_RESIZE):
        raise ValueError(
            f"backbone resize {resize!r} and crop {crop!r}: integers, {MIN_CROP} <= crop <= resize <= {MAX_RESIZE}"
        )
    for field, low in (("mean", 0.0), ("std", 1e-6)):
        value = backbone.get(field, [0.5] * 3)
        if not (isinstance(value, list) and len(value) == 3 and all(_number(v) and low <= v <= 1 for v in value)):
            raise ValueError(f"backbone {field} {value!r}: three numbers in [{low:g}, 1]")
    if not isinstance(backbone["name"], str) or not isinstance(backbone["pretrained"], bool):
        raise ValueError("backbone name or pretrained of the wrong type")


def _integer(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def model_specs(meta: dict) -> dict:
    """What each ONNX model of a bundle must take and give, as its metadata states (`onnxsession.CheckedSession`):
    {file key: (inputs, outputs)}. The candidate part's "image" width is the image part's, checked where both load."""
    n = meta["input"]["n_inputs"]
    features, outputs = n - param_space.N_PARAMS, len(meta["outputs"])
    crop = meta["backbone"].get("crop", 224)
    return {
        "onnx": ({None: ("float32", (None, n))}, {None: ("float32", (None, outputs))}),
        "backbone": ({None: ("uint8", (None, crop, crop, 3))}, {None: ("float32", (None, FEATURE_DIM))}),
        "image_part": ({"features": ("float32", (None, features))}, {None: ("float32", (None, None))}),
        "candidate_part": (
            {
                "image": ("float32", (None, None)),
                "features": ("float32", (None, features)),
                "params": ("float32", (None, param_space.N_PARAMS)),
            },
            {None: ("float32", (None, outputs))},
        ),
    }


def bundle_file(root: Path, name) -> Path:
    """A file a bundle's metadata names: a plain file name, which must stay inside the bundle."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name inside the bundle")
    path = root / name
    if path.resolve().parent != root.resolve():
        raise ValueError(f"{name!r} leads outside the bundle")
    return path
