"""`QualityPredictor`: the torch twin of `svgq_jax.model.QualityModel`.

Same architecture and the same baked-in normalisation (as buffers), so it takes
the raw input [B, n_features + 8] (features, then the 8 raw VTracer parameters)
and returns [B, n_outputs]: the predicted SSIM in [0, 1], then (when the model
predicts bytes) the natural log of the SVG's bytes. It holds one `MLP` per
(member, output group), as the JAX model does; each output column is the mean of
the MLPs that predict it. Layers without BatchNorm hold an `nn.Identity` so
TorchScript can zip the layer lists in every configuration. With `selections`,
the image statistics read off at each example's parameters are appended before
standardising, op for op as `svgq_jax.selection.select`; with `log_params`, log2
of those parameters follows them, as `svgq_jax.core.params.log2_params`.
"""

from __future__ import annotations

import torch
from torch import nn

from svgq_jax.core.params import N_PARAMS  # numpy only: no JAX
from torch_bridge.convert import OUTPUTS, output_groups


class MLP(nn.Module):
    """One MLP: normalisation, hidden layers, a head with a column per output in `outputs`."""

    def __init__(
        self,
        outputs,
        n_features: int,
        hidden_dims,
        dropout,
        batch_norm: bool,
        batch_norm_momentum: float,
        batch_norm_epsilon: float,
        input_clip: float,
        selections,
        log_params,
    ):
        super().__init__()
        self.n_features = int(n_features)
        self.input_clip = float(input_clip)
        self.n_selected = len(selections)
        self.n_log = len(log_params)
        # per head column: 1.0 where it is an SSIM (sigmoid), 0.0 where it is standardised log bytes
        self.register_buffer("is_ssim", torch.tensor([float(o == "ssim") for o in outputs]), persistent=False)
        n_std = self.n_features + self.n_selected + self.n_log
        self.register_buffer("feature_mean", torch.zeros(n_std))
        self.register_buffer("feature_scale", torch.ones(n_std))
        self.register_buffer("param_low", torch.zeros(N_PARAMS))
        self.register_buffer("param_scale", torch.ones(N_PARAMS))
        predicts_bytes = "log_bytes" in outputs
        # the bytes head's de-standardisation; inert (0, 1) and not saved for an SSIM-only MLP
        self.register_buffer("bytes_mean", torch.zeros(1), persistent=predicts_bytes)
        self.register_buffer("bytes_std", torch.ones(1), persistent=predicts_bytes)
        # selection index tables: constants of the architecture, not weights (kept out of state_dict)
        for name, value in _selection_tables(selections).items():
            self.register_buffer(f"sel_{name}", value, persistent=False)
        # which parameters are read on a log2 axis, and their offsets: constants, like the tables
        pairs = list(log_params) or [[0, 0.0]]  # one inert entry when there are none
        self.register_buffer("log_param", torch.tensor([int(i) for i, _ in pairs]), persistent=False)
        self.register_buffer("log_offset", torch.tensor([float(o) for _, o in pairs]), persistent=False)
        dims = [n_std + N_PARAMS, *hidden_dims]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        # Flax's momentum weighs the old running value; torch's weighs the new batch.
        self.norms = nn.ModuleList(
            nn.BatchNorm1d(b, eps=batch_norm_epsilon, momentum=1.0 - batch_norm_momentum)
            if batch_norm
            else nn.Identity()
            for b in hidden_dims
        )
        self.drops = nn.ModuleList(nn.Dropout(p) for p in dropout)
        self.head = nn.Linear(dims[-1], len(outputs))
        self.n_outputs = len(outputs)

    def select(self, feats: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """[B, S] statistics at each row's parameters (hat-weighted between the family's knots)."""
        p = params.index_select(1, self.sel_param)
        q = torch.minimum(torch.where(self.sel_log, torch.log2(p.clamp(min=1.0)), p), self.sel_top)
        knots = torch.arange(1, self.sel_cols.shape[1] + 1, dtype=feats.dtype, device=feats.device)
        w = torch.relu(1.0 - (q.unsqueeze(2) - knots).abs()) * self.sel_mask
        v = feats.index_select(1, self.sel_cols.flatten()).reshape(
            feats.shape[0], self.sel_cols.shape[0], self.sel_cols.shape[1]
        )
        return (w * v).sum(dim=2)

    def standardise(self, x: torch.Tensor, first: int, last: int) -> torch.Tensor:
        """Columns first..last of the standardised block: (x - mean) * scale, clipped."""
        x = (x - self.feature_mean[first:last]) * self.feature_scale[first:last]
        return x.clamp(-self.input_clip, self.input_clip) if self.input_clip > 0 else x

    def candidate_columns(self, feats: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """The first layer's inputs that depend on the parameters: the selected statistics and log2
        parameters (standardised), then the parameters scaled to [0, 1]."""
        n = self.n_features
        extra = []
        if self.n_selected > 0:
            extra.append(self.select(feats, params))
        if self.n_log > 0:
            extra.append(torch.log2(params.index_select(1, self.log_param) + self.log_offset))
        scaled = (params - self.param_low) * self.param_scale
        if not extra:
            return scaled
        return torch.cat([self.standardise(torch.cat(extra, dim=1), n, self.feature_mean.shape[0]), scaled], dim=1)

    def image_part(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, F] raw image features -> their share of the first layer [B, H1] (no bias): the same for
        every parameter set of an image, so computed once per image."""
        n = self.n_features
        return self.standardise(feats, 0, n) @ self.hidden[0].weight[:, :n].t()

    def candidate_part(self, image: torch.Tensor, feats: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """The rest of the network from an image's first-layer share, for its parameter sets."""
        n = self.n_features
        h = image + self.candidate_columns(feats, params) @ self.hidden[0].weight[:, n:].t() + self.hidden[0].bias
        return self.finish(h)

    def finish(self, first: torch.Tensor) -> torch.Tensor:
        """From the first layer's pre-activation to the outputs."""
        h = first
        for i, (linear, norm, drop) in enumerate(zip(self.hidden, self.norms, self.drops)):
            if i > 0:
                h = linear(h)
            h = drop(torch.relu(norm(h)))
        z = self.head(h)
        return self.is_ssim * torch.sigmoid(z) + (1.0 - self.is_ssim) * (self.bytes_mean + self.bytes_std * z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.n_features
        feats, params = x[:, :n], x[:, n:]
        h = torch.cat([self.standardise(feats, 0, n), self.candidate_columns(feats, params)], dim=1)
        return self.finish(self.hidden[0](h))


class QualityPredictor(nn.Module):
    """Every member's MLPs; output column k is the mean of the MLPs that predict output k."""

    def __init__(
        self,
        n_features: int,
        hidden_dims=(1024, 512, 256),
        dropout=(0.3, 0.2, 0.1),
        batch_norm: bool = False,
        batch_norm_momentum: float = 0.9,
        batch_norm_epsilon: float = 1e-5,
        input_clip: float = 0.0,
        members: int = 1,
        selections=(),
        log_params=(),
        bytes_output: str = "none",
    ):
        super().__init__()
        self._config = {
            "n_features": int(n_features),
            "hidden_dims": [int(h) for h in hidden_dims],
            "dropout": [float(d) for d in dropout],
            "batch_norm": bool(batch_norm),
            "batch_norm_momentum": float(batch_norm_momentum),
            "batch_norm_epsilon": float(batch_norm_epsilon),
            "input_clip": float(input_clip),
            "members": int(members),
            "selections": [[int(s[0]), int(s[1]), int(s[2]), bool(s[3])] for s in selections],
            "log_params": [[int(i), float(o)] for i, o in log_params],
            "bytes_output": str(bytes_output),
        }
        groups = [g for _ in range(int(members)) for g in output_groups(bytes_output)]
        self.outputs = list(OUTPUTS[: 1 if bytes_output == "none" else 2])
        mlp_config = {k: v for k, v in self._config.items() if k not in ("members", "bytes_output")}
        self.mlps = nn.ModuleList(MLP(group, **mlp_config) for group in groups)
        # [n_mlps * width, n_outputs]: averages each output over the MLPs that predict it
        self.width = max(len(g) for g in groups)
        average = torch.zeros(len(groups) * self.width, len(self.outputs))
        for m, group in enumerate(groups):
            for j, output in enumerate(group):
                average[m * self.width + j, self.outputs.index(output)] = 1.0
        self.register_buffer("average", average / average.sum(0, keepdim=True), persistent=False)

    def get_config(self) -> dict:
        return dict(self._config)

    def combine(self, outs: list[torch.Tensor]) -> torch.Tensor:
        """Each MLP's outputs -> the model's output columns (each averaged over the MLPs predicting it)."""
        padded = []
        for i, mlp in enumerate(self.mlps):  # enumerate: TorchScript cannot zip a module list
            y = outs[i]
            if mlp.n_outputs < self.width:  # pad a one-column MLP to the widest (its extra weights are 0)
                y = torch.cat([y, y.new_zeros(y.shape[0], self.width - mlp.n_outputs)], dim=1)
            padded.append(y)
        return torch.cat(padded, dim=1) @ self.average

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = []
        for mlp in self.mlps:  # a loop TorchScript can script
            outs.append(mlp(x))
        return self.combine(outs)

    def image_part(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, F] image features -> [B, n_mlps * H1], every MLP's first-layer share (see `MLP.image_part`)."""
        return torch.cat([mlp.image_part(feats) for mlp in self.mlps], dim=1)

    def candidate_part(self, image: torch.Tensor, feats: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """One image's `image_part` [1, n_mlps * H1] and features [1, F], and its parameter sets [N, 8] ->
        [N, outputs]; equal to forward() on the rows [features, params]."""
        width = self.mlps[0].hidden[0].weight.shape[0]
        # feats stays one row: the selected statistics broadcast it over the candidates, no [N, F] copy
        return self.combine(
            [
                mlp.candidate_part(image[:, k * width : (k + 1) * width], feats, params)
                for k, mlp in enumerate(self.mlps)
            ]
        )


class ImagePart(nn.Module):
    """`QualityPredictor.image_part` as a module of its own, for export."""

    def __init__(self, model: QualityPredictor):
        super().__init__()
        self.model = model

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.model.image_part(features)


class CandidatePart(nn.Module):
    """`QualityPredictor.candidate_part` as a module of its own, for export."""

    def __init__(self, model: QualityPredictor):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor, features: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        return self.model.candidate_part(image, features, params)


def _selection_tables(selections) -> dict:
    """`svgq_jax.selection.tables` as tensors (numpy only, no JAX); one inert row when there are none."""
    from svgq_jax.selection import tables

    t = tables(selections or [[0, 0, 1, False]])
    return {k: torch.from_numpy(v).long() if k in ("param", "cols") else torch.from_numpy(v) for k, v in t.items()}


def from_config(config: dict) -> nn.Module:
    """A module from `get_config()` output (or the JAX side's ModelConfig JSON)."""
    return QualityPredictor(**dict(config))
