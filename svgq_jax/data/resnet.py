"""The torch ResNet-50 that builds datasets' features (the `[train]` extra).

The backbone is torchvision's ResNet-50 with `fc` removed. Pretrained ImageNet
weights are used when found (an explicit file, `$SVGQ_BACKBONE_WEIGHTS`, or the
torch hub cache); preprocessing then follows those weights' own transforms.
Otherwise the documented fallback is used and a warning is printed:

    resnet50-random-seed0: torchvision.models.resnet50(weights=None) created
    right after torch.manual_seed(0), in eval mode, with ImageNet normalisation.

`Backbone` takes the uint8 crops [B, crop, crop, 3] that
`svgq_jax.core.features.backbone_input` makes (channels last, as numpy holds images)
and returns the 2048 features, its normalisation inside; `torch_bridge.backbone`
exports the same module as a bundle's `backbone.onnx`.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from svgq_jax.core.errors import InputError
from svgq_jax.core.features import FEATURE_DIM, KNOWN_WEIGHTS, BackboneSpec, backbone_input, sha256_file

WEIGHTS_ENV = "SVGQ_BACKBONE_WEIGHTS"
RANDOM_SEED = 0


class Backbone(nn.Module):
    """uint8 [B, H, W, 3] crops -> float32 [B, 2048]: (x / 255 - mean) / std, then the ResNet."""

    def __init__(self, resnet: nn.Module, spec):
        super().__init__()
        self.resnet = resnet
        self.register_buffer("mean", torch.tensor(spec.mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(spec.std, dtype=torch.float32).view(1, 3, 1, 1))

    def forward(self, images: torch.Tensor, memory_format: torch.memory_format = torch.channels_last) -> torch.Tensor:
        # the permuted view of NHWC bytes is channels_last already; export traces that layout
        x = images.permute(0, 3, 1, 2).to(torch.float32).contiguous(memory_format=memory_format) / 255.0
        return self.resnet((x - self.mean) / self.std)


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
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    for _, filename, _ in KNOWN_WEIGHTS.values():
        if (checkpoints / filename).is_file():
            return checkpoints / filename
    return None


def _load_state(path: Path) -> dict:
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
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        resnet, self.spec = build_backbone(weights, quiet=quiet, pretrained=pretrained)
        # channels_last runs batched ResNet convolutions about 1.5x faster on CPU (oneDNN),
        # but a single image 4x slower: callers with one image at a time pass False.
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.model = Backbone(resnet, self.spec).eval().to(self.device, memory_format=self.memory_format)
        self.batch_size = batch_size

    def __call__(self, images) -> np.ndarray:
        """uint8 images [N, H, W, 3] (or a list of them) -> float32 features [N, 2048]."""
        images = np.asarray(images, dtype=np.uint8)
        out = np.empty((len(images), FEATURE_DIM), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(images), self.batch_size):
                crops = torch.from_numpy(backbone_input(images[i : i + self.batch_size], self.spec))
                out[i : i + len(crops)] = self.model(crops.to(self.device), self.memory_format).float().cpu().numpy()
        return out
