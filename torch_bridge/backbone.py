"""The feature extractor as a bundle carries it: ResNet-50 without `fc`, its normalisation inside.

`Backbone` takes the uint8 crops [B, crop, crop, 3] that `svgq_jax.data.features.backbone_input`
makes (channels last, as numpy holds images) and returns the 2048 features. Datasets are built
with this module in torch; `export_onnx` writes the same module as the bundle's `backbone.onnx`,
which the predictor runs with ONNX Runtime; `feature_parity` compares the two.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from torch_bridge import onnx_export


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


def export_onnx(backbone: Backbone, crop: int, path: Path) -> None:
    """`backbone` as ONNX: input "image" uint8 [B, crop, crop, 3], dynamic batch -> output "features" [B, 2048]."""
    example = torch.zeros(2, crop, crop, 3, dtype=torch.uint8)
    images = torch.export.Dim("images", min=1, max=1 << 16)
    onnx_export.export_onnx(backbone, (example,), path, ["image"], ["features"], ({0: images},))


def torch_features(backbone: Backbone, crops: np.ndarray) -> np.ndarray:
    """The torch module's features of uint8 crops [N, crop, crop, 3], on the CPU."""
    with torch.inference_mode():
        return backbone.eval()(torch.from_numpy(np.ascontiguousarray(crops))).numpy()
