"""ResNet-50 image features: one 2048-vector per canonical image.

The backbone is torchvision's ResNet-50 with `fc` removed. Pretrained ImageNet
weights are used when found (an explicit file, `$SVGQ_BACKBONE_WEIGHTS`, or the
torch hub cache); preprocessing then follows those weights' own transforms.
Otherwise the documented fallback is used and a warning is printed:

    resnet50-random-seed0: torchvision.models.resnet50(weights=None) created
    right after torch.manual_seed(0), in eval mode, with ImageNet normalisation.

Every backbone is identified by a name and the sha256 of its weights; datasets
and model bundles record both, and mismatches are refused downstream.

Preprocessing (version `PREPROCESSING`) is one torch-free function, `backbone_input`:
each uint8 image resized with Pillow (bilinear, antialiased; short side to the
weights' resize size) and centre-cropped, still uint8. The backbone graph takes
those crops and normalises them itself, so the torch extractor that builds
datasets and the ONNX Runtime one that predicts (`OnnxFeatureExtractor`, from the
bundle's `backbone.onnx`) compute the same features from the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from svgq_jax.errors import InputError

FEATURE_DIM = 2048
WEIGHTS_ENV = "SVGQ_BACKBONE_WEIGHTS"
RANDOM_SEED = 0
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


def _sha256_state(state: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(state):
        h.update(k.encode())
        h.update(state[k].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def find_weights(explicit: str | os.PathLike | None = None) -> Path | None:
    """Pretrained weights to use: explicit path, then $SVGQ_BACKBONE_WEIGHTS, then the hub cache."""
    for source, value in (("--backbone-weights", explicit), (WEIGHTS_ENV, os.environ.get(WEIGHTS_ENV))):
        if value:
            path = Path(value).expanduser()
            if not path.is_file():
                raise InputError(f"{source}: weights file {path} does not exist")
            return path
    import torch

    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    for _, filename, _ in KNOWN_WEIGHTS.values():
        if (checkpoints / filename).is_file():
            return checkpoints / filename
    return None


def _load_state(path: Path) -> dict:
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise InputError(f"{path}: not a loadable torch weights file ({type(e).__name__})") from None
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise InputError(f"{path}: expected a ResNet-50 state dict")
    return {k.removeprefix("module."): v for k, v in state.items() if not k.startswith(("fc.", "module.fc."))}


def build_backbone(weights: str | os.PathLike | None = None, quiet: bool = False, pretrained: bool = True):
    """Return (torch module in eval mode with fc = Identity, BackboneSpec).

    pretrained=False builds the seeded random backbone even where weights exist
    (to reproduce features of a dataset or bundle that used it)."""
    import torch
    from torchvision.models import resnet50

    path = find_weights(weights) if pretrained else None
    if path is None:
        torch.manual_seed(RANDOM_SEED)
        model = resnet50(weights=None)
        model.fc = torch.nn.Identity()
        spec = BackboneSpec(f"resnet50-random-seed{RANDOM_SEED}", _sha256_state(model.state_dict()), False)
        if not quiet and pretrained:
            print(
                "WARNING: no pretrained ResNet-50 weights found (pass --backbone-weights FILE, set "
                f"{WEIGHTS_ENV}, or put {KNOWN_WEIGHTS['11ad3fa6'][1]} in the torch hub cache); "
                f"using the seeded random backbone {spec.name}.",
                file=sys.stderr,
            )
    else:
        model = resnet50(weights=None)
        model.fc = torch.nn.Identity()
        missing, unexpected = model.load_state_dict(_load_state(path), strict=False)
        if missing or unexpected:
            key = (missing or unexpected)[0]
            raise InputError(f"{path}: not ResNet-50 weights ({'missing' if missing else 'unexpected'} key {key!r})")
        sha = sha256_file(path)
        name, _, resize = KNOWN_WEIGHTS.get(sha[:8], ("resnet50-custom", None, 232))
        spec = BackboneSpec(name, sha, True, resize=resize)
    return model.eval(), spec


class FeatureExtractor:
    """Batched ResNet-50 features for canonical uint8 images with torch, on the GPU when present
    (what builds datasets; `OnnxFeatureExtractor` computes the same from the bundle without torch)."""

    def __init__(
        self,
        weights=None,
        device: str | None = None,
        batch_size: int = 32,
        quiet: bool = False,
        pretrained: bool = True,
        channels_last: bool = True,
    ):
        import torch

        from torch_bridge.backbone import Backbone

        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        resnet, self.spec = build_backbone(weights, quiet=quiet, pretrained=pretrained)
        # channels_last runs batched ResNet convolutions about 1.5x faster on CPU (oneDNN),
        # but a single image 4x slower: callers with one image at a time pass False.
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.model = Backbone(resnet, self.spec).eval().to(self.device, memory_format=self.memory_format)
        self.batch_size = batch_size

    def __call__(self, images) -> np.ndarray:
        """uint8 images [N, H, W, 3] (or a list of them) -> float32 features [N, 2048]."""
        import torch

        images = np.asarray(images, dtype=np.uint8)
        out = np.empty((len(images), FEATURE_DIM), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(images), self.batch_size):
                crops = torch.from_numpy(backbone_input(images[i : i + self.batch_size], self.spec))
                out[i : i + len(crops)] = self.model(crops.to(self.device), self.memory_format).float().cpu().numpy()
        return out


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
