"""The quality model: Flax NNX MLPs from raw inputs to predicted SSIM and SVG size.

Input (raw, as callers have it): [B, n_features + 8] = the image's features
(2048 ResNet-50 values, optionally followed by image statistics), then the 8 raw
VTracer parameters. Normalisation is part of the model: features are
standardised with the training split's mean and std, parameters are scaled to
[0, 1] by the parameter table. Output: [B, n_outputs], the columns of `outputs`:
the predicted SSIM in [0, 1], then (with `bytes_output`) the predicted natural
log of the SVG's bytes (the head's value times the training labels' std, plus
their mean).
With `selections` (svgq_jax.selection) the model first appends the image
statistics read off at each example's parameters, standardised like the rest.
With `log_params` it also appends log2 of the multiplicative parameters
(params.LOG_SCALED), standardised like the rest.

    [features | params] -> [features | selected | log2 params | params] -> standardise / scale
        -> (Linear -> [BatchNorm] -> ReLU -> Dropout) per hidden layer -> Linear -> (sigmoid | mean + std * .)

The log bytes come from a second column of the same MLP's head (`bytes_output`
"shared") or from an MLP of their own beside it ("separate"); "none" predicts
SSIM only (the seed's design). With `members` > 1 the model is an ensemble: that
many such MLPs, each with its own initialisation and dropout, trained side by
side on the same batches (each on its own loss) and averaged at the output. It is
off by default: jointly trained members keep their errors correlated and gained
little for their cost (ACCURACY.md sections 7 and 11).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from svgq_jax import selection
from svgq_jax.configs.default import TrainConfig
from svgq_jax.core import params as param_space


class Constant(nnx.Variable):
    """A non-trainable constant baked into the model (normalisation statistics)."""


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the architecture (saved with every run and export)."""

    n_features: int  # inputs before the 8 parameters
    hidden_dims: tuple = TrainConfig.hidden_dims  # one default for the model's shape: the training config's
    dropout: tuple = TrainConfig.dropout
    batch_norm: bool = False
    batch_norm_momentum: float = 0.9  # Flax convention: running = m * running + (1 - m) * batch
    batch_norm_epsilon: float = 1e-5
    input_clip: float = 0.0  # clip standardised features to +-input_clip (0: off); bounds extrapolation
    members: int = 1  # MLPs averaged at the output (1: a single MLP)
    selections: tuple = ()  # (param, first column, knots, log2) per selected statistic; see selection.py
    log_params: tuple = ()  # (param index, offset) pairs also read as log2(p + offset); see params.LOG_SCALED
    bytes_output: str = "none"  # "none" | "shared" (a second head column) | "separate" (an MLP of its own)

    @property
    def outputs(self) -> tuple[str, ...]:
        """The model's output columns."""
        return ("ssim",) if self.bytes_output == "none" else ("ssim", "log_bytes")

    @property
    def member_outputs(self) -> tuple[tuple[str, ...], ...]:
        """The outputs of each MLP of one member: one MLP for everything, or one per output."""
        return (self.outputs,) if self.bytes_output != "separate" else tuple((o,) for o in self.outputs)

    @property
    def n_inputs(self) -> int:
        """Raw input columns: features, then the 8 parameters."""
        return self.n_features + param_space.N_PARAMS

    @property
    def n_standardised(self) -> int:
        """Columns with a mean and std: the features, the selected statistics, the log2 parameters."""
        return self.n_features + len(self.selections) + len(self.log_params)

    def to_json(self) -> dict:
        d = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        d["selections"] = [list(s) for s in self.selections]
        d["log_params"] = [list(p) for p in self.log_params]
        return d

    @classmethod
    def from_json(cls, d: dict) -> ModelConfig:
        d = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        d["selections"] = tuple(tuple(s) for s in d.get("selections", ()))
        d["log_params"] = tuple((int(i), float(o)) for i, o in d.get("log_params", ()))
        return cls(**d)


def extra_blocks(features, params, cfg: ModelConfig, xp=np) -> list:
    """The column blocks the model appends to the raw features before standardising: the
    statistics selected at each row's parameters [B, S], then the log2 parameters [B, L] (each
    only when configured). numpy or jax.numpy as `xp`: training takes their mean and std with
    numpy, the model computes them with jnp."""
    blocks = []
    if cfg.selections:  # index tables are trace-time constants
        blocks.append(selection.select(features, params, selection.tables(cfg.selections), xp=xp))
    if cfg.log_params:
        blocks.append(param_space.log2_params(params, cfg.log_params, xp=xp))
    return blocks


class QualityMLP(nnx.Module):
    """One MLP: normalisation, hidden layers, and a head with one column per output in `outputs`."""

    def __init__(
        self,
        cfg: ModelConfig,
        outputs: tuple[str, ...],
        feature_mean: np.ndarray,
        feature_std: np.ndarray,
        bytes_mean: float = 0.0,
        bytes_std: float = 1.0,
        *,
        rngs: nnx.Rngs,
        dtype=jnp.float32,
    ):
        n = cfg.n_standardised
        if feature_mean.shape != (n,) or feature_std.shape != (n,):
            raise ValueError(f"normalisation statistics must have shape ({n},)")
        self.cfg = cfg
        self.outputs = tuple(outputs)
        self.feature_mean = Constant(jnp.asarray(feature_mean, jnp.float32))
        # constant inputs (std 0) would divide by zero; they carry no information anyway
        self.feature_scale = Constant(jnp.asarray(1.0 / np.maximum(feature_std, 1e-6), jnp.float32))
        self.param_low = Constant(jnp.asarray(param_space.LOW))
        self.param_scale = Constant(jnp.asarray(1.0 / (param_space.HIGH - param_space.LOW)))
        if "log_bytes" in self.outputs:  # the head predicts standardised log bytes
            self.bytes_mean = Constant(jnp.full((1,), bytes_mean, jnp.float32))
            self.bytes_std = Constant(jnp.full((1,), bytes_std, jnp.float32))
        dims = (n + param_space.N_PARAMS, *cfg.hidden_dims)
        lin = lambda a, b: nnx.Linear(a, b, dtype=dtype, param_dtype=jnp.float32, rngs=rngs)
        self.hidden = nnx.List([lin(a, b) for a, b in zip(dims[:-1], dims[1:])])
        self.norms = nnx.List(
            [
                nnx.BatchNorm(
                    b, momentum=cfg.batch_norm_momentum, epsilon=cfg.batch_norm_epsilon, dtype=dtype, rngs=rngs
                )
                for b in cfg.hidden_dims
            ]
            if cfg.batch_norm
            else []
        )
        self.drops = nnx.List([nnx.Dropout(r, rngs=rngs) for r in cfg.dropout])
        # The head runs in float32 under every precision: a bf16 logit has 8 significant bits, a
        # step of about 0.0007 SSIM near 0.95; on an H200 a bf16 head cost up to 0.04 test r, an
        # fp32 head matched or beat fp32 in three seeds (ACCURACY.md section 9). 257 MACs per output.
        self.head = nnx.Linear(dims[-1], len(self.outputs), dtype=jnp.float32, param_dtype=jnp.float32, rngs=rngs)

    def normalise(self, x: jax.Array) -> jax.Array:
        n = self.cfg.n_features
        feats, params = x[:, :n], x[:, n:]
        feats = jnp.concatenate([feats, *extra_blocks(feats, params, self.cfg, xp=jnp)], axis=1)
        feats = (feats - self.feature_mean[...]) * self.feature_scale[...]
        if self.cfg.input_clip > 0:
            feats = jnp.clip(feats, -self.cfg.input_clip, self.cfg.input_clip)
        params = (params - self.param_low[...]) * self.param_scale[...]
        return jnp.concatenate([feats, params], axis=1)

    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        """[B, len(outputs)]: SSIM in [0, 1], log bytes."""
        h = self.normalise(x.astype(jnp.float32))
        for i, layer in enumerate(self.hidden):
            h = layer(h)
            if self.cfg.batch_norm:
                h = self.norms[i](h, use_running_average=not train)
            h = nnx.relu(h)
            h = self.drops[i](h, deterministic=not train)
        z = self.head(h)
        cols = [
            nnx.sigmoid(z[:, j : j + 1])
            if o == "ssim"
            else self.bytes_mean[...] + self.bytes_std[...] * z[:, j : j + 1]
            for j, o in enumerate(self.outputs)
        ]
        return jnp.concatenate(cols, axis=1)


class QualityModel(nnx.Module):
    """The MLPs of every member, each predicting some of `cfg.outputs`; each output column is the mean
    of the MLPs that predict it. One MLP by default (one member, bytes in the same head)."""

    def __init__(
        self, cfg: ModelConfig, feature_mean, feature_std, bytes_mean=0.0, bytes_std=1.0, *, rngs, dtype=jnp.float32
    ):
        self.cfg = cfg
        self.mlps = nnx.List(
            [
                QualityMLP(cfg, outs, feature_mean, feature_std, bytes_mean, bytes_std, rngs=rngs, dtype=dtype)
                for _ in range(cfg.members)
                for outs in cfg.member_outputs
            ]
        )

    def mlp_outputs(self, x: jax.Array, train: bool = False) -> list[jax.Array]:
        """Each MLP's own predictions (each is trained on its own loss)."""
        return [m(x, train) for m in self.mlps]

    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        preds = self.mlp_outputs(x, train)
        cols = []
        for o in self.cfg.outputs:
            own = [p[:, m.outputs.index(o)] for m, p in zip(self.mlps, preds) if o in m.outputs]
            cols.append(jnp.mean(jnp.stack(own, axis=1), axis=1, keepdims=True))
        return jnp.concatenate(cols, axis=1)

    def heads(self, output: str = "ssim") -> list:
        """(head, column) of every MLP that predicts `output`."""
        return [(m.head, m.outputs.index(output)) for m in self.mlps if output in m.outputs]

    # every MLP holds the same normalisation constants; callers read them here
    @property
    def feature_mean(self) -> Constant:
        return self.mlps[0].feature_mean

    @property
    def feature_scale(self) -> Constant:
        return self.mlps[0].feature_scale


def create_model(
    cfg: ModelConfig,
    feature_mean,
    feature_std,
    seed: int,
    dtype=jnp.float32,
    output_mean: float | None = None,
    bytes_mean: float = 0.0,
    bytes_std: float = 1.0,
) -> QualityModel:
    """A fresh model; with `output_mean` (the training labels' mean) its first predictions sit there.

    Starting the sigmoid head at the labels' mean (SSIM is mostly near 0.9) instead of
    0.5 removes the first epochs' slide towards it, which a short run may not finish. The
    bytes column starts at the labels' mean log bytes (its head's bias 0).
    """
    model = QualityModel(
        cfg,
        np.asarray(feature_mean),
        np.asarray(feature_std),
        bytes_mean,
        bytes_std,
        rngs=nnx.Rngs(params=seed, dropout=seed + 1),
        dtype=dtype,
    )
    if output_mean is not None:
        p = float(np.clip(output_mean, 0.01, 0.99))
        for head, j in model.heads("ssim"):
            head.bias[...] = head.bias[...].at[j].set(np.log(p / (1 - p)))
    return model


def raw_feature_distribution(model: QualityModel) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) the model standardises its raw feature columns by (selected statistics excluded)."""
    n = model.cfg.n_features
    return np.asarray(model.feature_mean[...])[:n], 1.0 / np.asarray(model.feature_scale[...])[:n]


def count_params(model: QualityModel) -> int:
    return sum(int(np.prod(x.shape)) for x in jax.tree_util.tree_leaves(nnx.state(model, nnx.Param)))


def predict_fn(model: QualityModel, chunk: int = 8192):
    """The model as a numpy function: raw inputs [N, n_inputs] -> predictions [N, outputs] (SSIM, ln bytes),
    eval mode, jit-compiled once per chunk shape."""
    graphdef, state = nnx.split(model)
    forward = jax.jit(lambda s, x: nnx.merge(graphdef, s)(x))
    n_out = len(model.cfg.outputs)
    return lambda X: (
        np.concatenate([np.asarray(forward(state, X[i : i + chunk])) for i in range(0, len(X), chunk)])
        if len(X)
        else np.zeros((0, n_out))
    )
