"""The backbone a bundle carries (`backbone.onnx`), exported once per weights and preprocessing.

Exporting ResNet-50 to ONNX and checking it against torchvision takes tens of seconds
and writes ~100 MB, the same for every bundle trained on the same backbone. So the
graph is exported into a cache (`cache_dir()`: `$SVGQ_CACHE_DIR`, else
`$XDG_CACHE_HOME/svgq_jax`, else `~/.cache/svgq_jax`), keyed by the backbone's spec
(name, weights sha256, preprocessing, sizes, normalisation) and the opset, with its
sha256 and its parity against the torch module; each bundle hard-links (or copies)
it from there. The file's sha256 is checked whenever it is linked into a bundle,
so a damaged cache entry is exported again, never shipped.

`Backbone` (`svgq_jax.data.resnet`) is the torch module datasets are built with; `export_onnx` writes
the same module as ONNX, which the predictor runs with ONNX Runtime.

Parity is measured on fixed procedural logos: their features from ONNX Runtime against
torchvision's, and (per bundle, `prediction_parity`) the bundle's predictions from either.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

from svgq_jax.core.environment import package_versions
from svgq_jax.core.errors import InputError
from svgq_jax.core.features import BackboneSpec, backbone_input, check_preprocessing, sha256_file
from svgq_jax.core.files import load_npz, read_json, save_npz, write_json
from svgq_jax.core.onnxsession import onnx_session
from svgq_jax.data.resnet import Backbone, build_backbone
from torch_bridge import onnx_export

CACHE_ENV = "SVGQ_CACHE_DIR"
ONNX_NAME = "backbone.onnx"
RECORD_NAME = "backbone.json"
FEATURES_NAME = "parity_features.npz"
PARITY_IMAGES = 8
# ONNX Runtime's convolutions sum in another order than oneDNN's: features of magnitude ~100 differ
# by ~1e-4 (relative ~1e-6). Relative to the largest feature, this bound is 10x that.
FEATURE_TOLERANCE = 1e-5


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "svgq_jax"


def cache_key(spec: BackboneSpec) -> str:
    """The cache entry's folder name: readable name, then a digest of everything the graph depends on."""
    digest = hashlib.sha256(
        json.dumps({**spec.to_json(), "opset": onnx_export.OPSET}, sort_keys=True).encode()
    ).hexdigest()
    return f"{spec.name}-{digest[:16]}"


def bundle_backbone(backbone: dict, dest: Path, weights=None, quiet: bool = False) -> dict:
    """Put the backbone a dataset was built with at `dest` in a bundle (from the cache, exported there
    first if needed) and return its metadata record: the spec, the file, its sha256, its parity."""
    check_preprocessing(backbone, "the run's dataset")
    spec = BackboneSpec.from_json(backbone)
    entry, record = cached_backbone(spec, weights, quiet)
    _link(entry / ONNX_NAME, dest)
    return {**spec.to_json(), "file": dest.name, **record}


def cached_backbone(spec: BackboneSpec, weights=None, quiet: bool = False) -> tuple[Path, dict]:
    """(cache entry, its record) for `spec`, exporting it on the first call."""
    entry = cache_dir() / "backbones" / cache_key(spec)
    if (entry / RECORD_NAME).is_file() and (entry / ONNX_NAME).is_file():
        record = read_json(entry / RECORD_NAME)
        if sha256_file(entry / ONNX_NAME) == record.get("onnx_sha256"):
            return entry, record
    partial = entry.with_name(f"{entry.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        record = _export(spec, weights, partial, quiet)
        shutil.rmtree(entry, ignore_errors=True)
        partial.rename(entry)  # whole or absent; a concurrent export of the same key writes the same graph
    except OSError:
        if not (entry / RECORD_NAME).is_file():
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return entry, read_json(entry / RECORD_NAME)


def _export(spec: BackboneSpec, weights, folder: Path, quiet: bool) -> dict:
    """Build the torch backbone `spec` names, export it to `folder` and measure its parity."""
    resnet, built = build_backbone(weights, quiet=True, pretrained=spec.pretrained)
    if built.sha256 != spec.sha256:
        raise InputError(
            f"the run's dataset was built with backbone {spec.name} (sha256 {spec.sha256[:12]}…) but this machine "
            f"provides {built.name} (sha256 {built.sha256[:12]}…); pass those weights with --backbone-weights or "
            f"$SVGQ_BACKBONE_WEIGHTS"
        )
    if not quiet:
        print(f"exporting backbone {spec.name} to ONNX (once; cached in {folder.parent})", file=sys.stderr)
    module = Backbone(resnet, spec).eval()
    export_onnx(module, spec.crop, folder / ONNX_NAME)
    crops = backbone_input(parity_images(), spec)
    reference = torch_features(module, crops)
    session = onnx_session(str(folder / ONNX_NAME))
    onnx_feats = session.run(None, {"image": crops})[0]
    save_npz(folder / FEATURES_NAME, torchvision=reference, onnx=onnx_feats)
    record = {
        "onnx_sha256": sha256_file(folder / ONNX_NAME),
        "precision": "fp32",
        "parity": feature_parity(reference, onnx_feats),
        "exported_with": package_versions(("torch", "torchvision", "onnx", "onnxruntime")),
    }
    write_json(folder / RECORD_NAME, record)
    return record


def feature_parity(reference: np.ndarray, features: np.ndarray) -> dict:
    diff = float(np.abs(features - reference).max())
    scale = float(np.abs(reference).max())
    return {
        "reference": "torchvision resnet50 (torch, CPU)",
        "images": len(reference),
        "max_abs_diff": diff,
        "max_abs_feature": scale,
        "relative": diff / max(scale, 1e-12),
        "tolerance": FEATURE_TOLERANCE,
        "ok": diff <= FEATURE_TOLERANCE * max(scale, 1.0),
    }


def prediction_parity(spec: BackboneSpec, head, rows: np.ndarray) -> float:
    """Max |difference| of a bundle's predictions (every output) between the features of the parity images
    from torchvision and from the bundle's graph, with the rest of each row (statistics, parameters) from
    `rows`. `head(x) -> [N, outputs]` is the bundle's model."""
    entry = cache_dir() / "backbones" / cache_key(spec)
    feats = load_npz(entry / FEATURES_NAME)
    take = np.resize(np.arange(len(feats["onnx"])), len(rows))
    rest = rows[:, feats["onnx"].shape[1] :]
    with_torch = np.concatenate([feats["torchvision"][take], rest], axis=1).astype(np.float32)
    with_onnx = np.concatenate([feats["onnx"][take], rest], axis=1).astype(np.float32)
    return float(np.abs(head(with_torch) - head(with_onnx)).max())


def parity_images() -> np.ndarray:
    """uint8 [8, 256, 256, 3]: the canonical views of procedural logos 0-7 (seed 0), one of each type and more."""
    from svgq_jax.core import images
    from svgq_jax.data.logos import procedural_logo

    return np.stack([images.to_array(images.canonicalize(procedural_logo(i, 0)[1])) for i in range(PARITY_IMAGES)])


def _link(source: Path, dest: Path) -> None:
    """Hard-link the cached file into the bundle (no second copy of ~100 MB); copy across file systems."""
    dest.unlink(missing_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def check_record(record: dict) -> None:
    """RuntimeError when the cached graph's features are off torchvision's (export stops, like model parity)."""
    parity = record["parity"]
    if not parity["ok"]:
        raise RuntimeError(
            f"backbone parity failed: ONNX features differ from torchvision's by {parity['max_abs_diff']:.2e} "
            f"(largest feature {parity['max_abs_feature']:.1f}; tolerance {parity['tolerance']:.0e} of it)"
        )


def export_onnx(backbone: Backbone, crop: int, path: Path) -> None:
    """`backbone` as ONNX: input "image" uint8 [B, crop, crop, 3], dynamic batch -> output "features" [B, 2048]."""
    example = torch.zeros(2, crop, crop, 3, dtype=torch.uint8)
    images = torch.export.Dim("images", min=1, max=1 << 16)
    onnx_export.export_onnx(backbone, (example,), path, ["image"], ["features"], ({0: images},))


def torch_features(backbone: Backbone, crops: np.ndarray) -> np.ndarray:
    """The torch module's features of uint8 crops [N, crop, crop, 3], on the CPU."""
    with torch.inference_mode():
        return backbone.eval()(torch.from_numpy(np.ascontiguousarray(crops))).numpy()
