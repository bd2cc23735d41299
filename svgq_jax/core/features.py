"""ResNet-50 image features: what a feature vector was computed with, and how without torch.

Every backbone is identified by a name and the sha256 of its weights (`BackboneSpec`);
datasets and model bundles record both, and mismatches are refused downstream.

Preprocessing (version `PREPROCESSING`) is one torch-free function, `backbone_input`:
each uint8 image resized with Pillow (bilinear, antialiased; short side to the
weights' resize size) and centre-cropped, still uint8. The backbone graph takes
those crops and normalises them itself, so the torch extractor that builds
datasets (`svgq_jax.data.resnet`) and the ONNX Runtime one that predicts
(`OnnxFeatureExtractor`, from the bundle's `backbone.onnx`) compute the same
features from the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from svgq_jax.core.errors import InputError

FEATURE_DIM = 2048
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# 1: torchvision's tensor resize, normalised in torch (features no torch-free predictor can reproduce);
# 2: Pillow bilinear resize and centre crop (`backbone_input`), normalised inside the backbone graph.
PREPROCESSING = 2
# torchvision's published checkpoints: file name, the sha256 prefix in that name, and
# the resize size of the weights' own transforms (both crop to 224).
KNOWN_WEIGHTS = {
    "11ad3fa6": ("resnet50-imagenet1k-v2", "resnet50-11ad3fa6.pth", 232),
    "0676ba61": ("resnet50-imagenet1k-v1", "resnet50-0676ba61.pth", 256),
}


@dataclass(frozen=True)
class BackboneSpec:
    """What a feature vector was computed with. Equal specs give equal features."""

    name: str
    sha256: str
    pretrained: bool
    resize: int = 232
    crop: int = 224
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD
    preprocessing: int = PREPROCESSING

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict) -> BackboneSpec:
        """A recorded spec; one recorded before preprocessing was versioned is version 1."""
        missing = [k for k in ("name", "sha256", "pretrained") if k not in record]
        if missing:
            raise InputError(f"backbone record without {', '.join(missing)}: {str(record)[:200]}")
        fields = {k: record[k] for k in ("name", "sha256", "pretrained")}
        fields.update({k: tuple(record[k]) for k in ("mean", "std") if k in record})
        fields.update({k: record[k] for k in ("resize", "crop") if k in record})
        return cls(**fields, preprocessing=record.get("preprocessing", 1))

    @property
    def short(self) -> str:
        return f"{self.name}-{self.sha256[:12]}-p{self.preprocessing}"


def check_preprocessing(backbone: dict, what: str) -> None:
    """InputError unless `backbone` (a recorded spec) was preprocessed as this package preprocesses."""
    version = backbone.get("preprocessing", 1)
    if version != PREPROCESSING:
        raise InputError(
            f"{what}: its backbone features were computed with image preprocessing v{version}, this package "
            f"computes v{PREPROCESSING}; rebuild the dataset (python -m svgq_jax.data build) and retrain"
        )


def backbone_input(images: np.ndarray, spec: BackboneSpec) -> np.ndarray:
    """uint8 images [N, H, W, 3] -> uint8 crops [N, crop, crop, 3]: short side resized to `spec.resize`
    (Pillow, bilinear, antialiased), then centre-cropped as torchvision crops. Integer arithmetic
    throughout, so every machine gets the same bytes."""
    from PIL import Image

    out = np.empty((len(images), spec.crop, spec.crop, 3), np.uint8)
    for i, image in enumerate(images):
        h, w = image.shape[:2]
        scale = spec.resize / min(h, w)
        size = (spec.resize, int(spec.resize * w / h)) if h <= w else (int(spec.resize * h / w), spec.resize)
        if scale != 1:
            image = np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.BILINEAR))
        top, left = (int(round((side - spec.crop) / 2.0)) for side in size)
        out[i] = image[top : top + spec.crop, left : left + spec.crop]
    return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class OnnxFeatureExtractor:
    """The same features with ONNX Runtime, from a bundle's backbone graph (no torch)."""

    def __init__(self, session, spec: BackboneSpec, batch_size: int = 16):
        self.session = session
        self.spec = spec
        self.batch_size = batch_size
        self._input = session.get_inputs()[0].name

    def __call__(self, images) -> np.ndarray:
        """uint8 images [N, H, W, 3] (or a list of them) -> float32 features [N, 2048]."""
        images = np.asarray(images, dtype=np.uint8)
        out = np.empty((len(images), FEATURE_DIM), dtype=np.float32)
        for i in range(0, len(images), self.batch_size):
            crops = backbone_input(images[i : i + self.batch_size], self.spec)
            out[i : i + len(crops)] = self.session.run(None, {self._input: crops})[0]
        return out
