"""`QualityPredictor`: the torch twin of `svgq_jax.model.QualityMLP`.

Same architecture and the same baked-in normalisation (as buffers), so it takes
the raw input [B, n_features + 8] (features, then the 8 raw VTracer parameters)
and returns [B, 1] predicted SSIM in [0, 1]. Layers without BatchNorm hold an
`nn.Identity` so TorchScript can zip the layer lists in every configuration.
With `selections`, the image statistics read off at each example's parameters
are appended before standardising, op for op as `svgq_jax.selection.select`;
with `log_params`, log2 of those parameters follows them, as
`svgq_jax.params.log2_params`.
"""

from __future__ import annotations

import torch
from torch import nn

from svgq_jax.params import N_PARAMS  # numpy only: no JAX


class QualityPredictor(nn.Module):
    def __init__(
        self,
        n_features: int,
        hidden_dims=(1024, 512, 256),
        dropout=(0.3, 0.2, 0.1),
        batch_norm: bool = False,
        batch_norm_momentum: float = 0.9,
        batch_norm_epsilon: float = 1e-5,
        input_clip: float = 0.0,
        selections=(),
        log_params=(),
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
            "selections": [[int(s[0]), int(s[1]), int(s[2]), bool(s[3])] for s in selections],
            "log_params": [[int(i), float(o)] for i, o in log_params],
        }
        self.n_features = int(n_features)
        self.input_clip = float(input_clip)
        self.n_selected = len(selections)
        self.n_log = len(log_params)
        n_std = self.n_features + self.n_selected + self.n_log
        self.register_buffer("feature_mean", torch.zeros(n_std))
        self.register_buffer("feature_scale", torch.ones(n_std))
        self.register_buffer("param_low", torch.zeros(N_PARAMS))
        self.register_buffer("param_scale", torch.ones(N_PARAMS))
        # selection index tables: constants of the architecture, not weights (kept out of state_dict)
        for name, value in _selection_tables(self._config["selections"]).items():
            self.register_buffer(f"sel_{name}", value, persistent=False)
        # which parameters are read on a log2 axis, and their offsets: constants, like the tables
        pairs = self._config["log_params"] or [[0, 0.0]]  # one inert entry when there are none
        self.register_buffer("log_param", torch.tensor([i for i, _ in pairs]), persistent=False)
        self.register_buffer("log_offset", torch.tensor([o for _, o in pairs]), persistent=False)
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
        self.head = nn.Linear(dims[-1], 1)

    def get_config(self) -> dict:
        return dict(self._config)

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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.n_features
        feats, params = x[:, :n], x[:, n:]
        if self.n_selected > 0:
            feats = torch.cat([feats, self.select(feats, params)], dim=1)
        if self.n_log > 0:
            feats = torch.cat([feats, torch.log2(params.index_select(1, self.log_param) + self.log_offset)], dim=1)
        feats = (feats - self.feature_mean) * self.feature_scale
        if self.input_clip > 0:
            feats = feats.clamp(-self.input_clip, self.input_clip)
        params = (params - self.param_low) * self.param_scale
        h = torch.cat([feats, params], dim=1)
        for linear, norm, drop in zip(self.hidden, self.norms, self.drops):
            h = drop(torch.relu(norm(linear(h))))
        return torch.sigmoid(self.head(h))


def _selection_tables(selections) -> dict:
    """`svgq_jax.selection.tables` as tensors (numpy only, no JAX); one inert row when there are none."""
    from svgq_jax.selection import tables

    t = tables(selections or [[0, 0, 1, False]])
    return {k: torch.from_numpy(v).long() if k in ("param", "cols") else torch.from_numpy(v) for k, v in t.items()}


class QualityEnsemble(nn.Module):
    """`members` QualityPredictors averaged at the output (the twin of the JAX QualityEnsemble)."""

    def __init__(self, members: int, **config):
        super().__init__()
        self.members = nn.ModuleList(QualityPredictor(**config) for _ in range(int(members)))
        self._config = {**self.members[0].get_config(), "members": int(members)}

    def get_config(self) -> dict:
        return dict(self._config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = []
        for m in self.members:  # a loop TorchScript can script
            outs.append(m(x))
        return torch.stack(outs, dim=0).mean(dim=0)


def from_config(config: dict) -> nn.Module:
    """A module from `get_config()` output (or the JAX side's ModelConfig JSON)."""
    config = dict(config)
    members = int(config.pop("members", 1))
    return QualityEnsemble(members, **config) if members > 1 else QualityPredictor(**config)
