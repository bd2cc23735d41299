"""ResNet-50 image features: one 2048-vector per canonical image.

The backbone is torchvision's ResNet-50 with `fc` removed. Pretrained ImageNet
weights are used when found (an explicit file, `$SVGQ_BACKBONE_WEIGHTS`, or the
torch hub cache); preprocessing then follows those weights' own transforms.
Otherwise the documented fallback is used and a warning is printed:

    resnet50-random-seed0: torchvision.models.resnet50(weights=None) created
    right after torch.manual_seed(0), in eval mode, with ImageNet normalisation.

Every backbone is identified by a name and the sha256 of its weights; datasets
and model bundles record both, and mismatches are refused downstream.
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

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def short(self) -> str:
        return f"{self.name}-{self.sha256[:12]}"


def _sha256_file(path: Path) -> str:
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
        sha = _sha256_file(path)
        name, _, resize = KNOWN_WEIGHTS.get(sha[:8], ("resnet50-custom", None, 232))
        spec = BackboneSpec(name, sha, True, resize=resize)
    return model.eval(), spec


class FeatureExtractor:
    """Batched ResNet-50 features for canonical uint8 images, on the GPU when present."""

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

        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        model, self.spec = build_backbone(weights, quiet=quiet, pretrained=pretrained)
        # channels_last runs batched ResNet convolutions about 1.5x faster on CPU (oneDNN),
        # but a single image 4x slower: callers with one image at a time pass False.
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.model = model.to(self.device, memory_format=self.memory_format)
        self.batch_size = batch_size

    def _preprocess(self, batch: np.ndarray):
        """uint8 [B, H, W, 3] -> normalised float [B, 3, crop, crop] in the model's memory format.

        Resizing the uint8 image (as torchvision's transforms do for PIL input) is
        6x faster than resizing floats and differs by at most one grey level.
        """
        import torch
        from torchvision.transforms.v2 import functional as F

        x = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device).permute(0, 3, 1, 2)
        x = F.resize(x, [self.spec.resize], antialias=True)
        x = F.to_dtype(F.center_crop(x, [self.spec.crop]), torch.float32, scale=True)
        x = F.normalize(x, list(self.spec.mean), list(self.spec.std))
        return x.contiguous(memory_format=self.memory_format)

    def __call__(self, images) -> np.ndarray:
        """uint8 images [N, H, W, 3] (or a list of them) -> float32 features [N, 2048]."""
        import torch

        images = np.asarray(images, dtype=np.uint8)
        out = np.empty((len(images), FEATURE_DIM), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(images), self.batch_size):
                x = self._preprocess(images[i : i + self.batch_size])
                out[i : i + len(x)] = self.model(x).float().cpu().numpy()
        return out
