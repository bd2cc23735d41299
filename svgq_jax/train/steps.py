"""The optimizer and the compiled steps: `train_step` and `eval_step`, pure functions over the nnx state.

`Steps` binds them to one run's graph and device mesh: data-parallel over all
local devices, the batch sharded over a 1-D `jax.sharding.Mesh` ("data") and the
state replicated; one device is the same code with a mesh of one. Each compiled
training call scans a chunk of batches (`lax.scan`), with the state's buffers
donated.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as PS

from svgq_jax.configs.default import TrainConfig
from svgq_jax.model import QualityModel
from svgq_jax.train.inputs import Arrays

EVAL_CHUNK = 8192  # rows per compiled evaluation call


def make_schedule(cfg: TrainConfig, steps_per_epoch: int) -> optax.Schedule:
    total = max(cfg.epochs * steps_per_epoch, 1)
    warmup = min(cfg.warmup_epochs * steps_per_epoch, total - 1)
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0 if warmup else cfg.learning_rate,
        peak_value=cfg.learning_rate,
        warmup_steps=warmup,
        decay_steps=total,
        end_value=cfg.learning_rate * cfg.min_lr_ratio,
    )


def make_optimizer(cfg: TrainConfig, schedule: optax.Schedule) -> optax.GradientTransformation:
    opt = optax.adamw(schedule, weight_decay=cfg.weight_decay)
    return optax.chain(optax.clip_by_global_norm(cfg.gradient_clip_val), opt) if cfg.gradient_clip_val > 0 else opt


def loss_fn(model: QualityModel, x: jax.Array, y: jax.Array, bytes_weight: float) -> jax.Array:
    """Mean over the MLPs of each one's own loss: the squared SSIM error, plus `bytes_weight` times
    the squared log-bytes error in units of the training labels' std. Each ensemble member learns on
    its own loss, not on the average."""
    total = 0.0
    for mlp, pred in zip(model.mlps, model.mlp_outputs(x, train=True)):
        for j, output in enumerate(mlp.outputs):
            if output == "ssim":
                err = pred[:, j].astype(jnp.float32) - y[:, 0]
                total = total + jnp.mean(err * err)
            else:
                err = (pred[:, j] - y[:, 1]) / mlp.bytes_std[...][0]
                total = total + bytes_weight * jnp.mean(err * err)
    return total / len(model.mlps)


def train_step(graphdef, state, x, y, bytes_weight: float):
    """One optimizer step on a batch; returns the new (model, optimizer) state and the batch loss."""
    model, opt = nnx.merge(graphdef, state)
    value, grads = nnx.value_and_grad(lambda m: loss_fn(m, x, y, bytes_weight))(model)
    opt.update(model, grads)
    return nnx.state((model, opt)), value


def eval_step(model_graphdef, model_state, x):
    """Predictions [B, outputs] in eval mode (no dropout, BatchNorm running statistics)."""
    return nnx.merge(model_graphdef, model_state)(x, train=False)


def model_part(state):
    """The model's share of a (model, optimizer) state: what is evaluated and kept."""
    return state[0]


@dataclasses.dataclass
class Steps:
    """The compiled steps of one run, bound to its graph and device mesh."""

    graphdef: object  # of (model, optimizer)
    model_graphdef: object
    mesh: Mesh
    bytes_weight: float = 0.0

    def __post_init__(self):
        self.batch_sharding = NamedSharding(self.mesh, PS("data"))
        self.replicated = NamedSharding(self.mesh, PS())
        # Replicated outputs: every process can read them, also when the mesh spans several processes.
        self._chunk = jax.jit(self._train_chunk, donate_argnums=(0,), out_shardings=self.replicated)
        self._eval = jax.jit(partial(eval_step, self.model_graphdef), out_shardings=self.replicated)

    def _train_chunk(self, state, data, Y, idx):
        """lax.scan of train_step over the batches idx [S, B] of device-resident examples: `data` is
        (table [n_images, F], image_index [N], params [N, 8]) and a batch's rows are gathered from it."""
        table, image_index, params = data

        def body(state, rows):
            x = jnp.concatenate([table[image_index[rows]], params[rows]], axis=1)
            x = jax.lax.with_sharding_constraint(x, self.batch_sharding)
            y = jax.lax.with_sharding_constraint(Y[rows], self.batch_sharding)
            return train_step(self.graphdef, state, x, y, self.bytes_weight)

        return jax.lax.scan(body, state, idx)

    def train(self, state, data, Y, idx):
        return self._chunk(state, data, Y, np.asarray(idx))  # host indices: the same in every process

    def predict_rows(self, model_state, arrays: Arrays, rows: np.ndarray) -> np.ndarray:
        """`predict` of the examples `rows` of `arrays`, their inputs gathered one chunk at a time."""
        rows = np.asarray(rows)
        out = [
            self.predict(model_state, arrays.inputs(rows[s : s + EVAL_CHUNK])) for s in range(0, len(rows), EVAL_CHUNK)
        ]
        return np.concatenate(out) if out else np.zeros((0, 1), np.float32)

    def predict(self, model_state, X: np.ndarray) -> np.ndarray:
        """Eval-mode predictions [N, outputs] of a model state for any number of rows, in fixed-size padded
        chunks: column 0 the SSIM, column 1 (with bytes) the log bytes."""
        n, out = len(X), []
        d = self.mesh.size
        for s in range(0, n, EVAL_CHUNK):
            chunk = X[s : s + EVAL_CHUNK]
            size = min(EVAL_CHUNK, -(-n // d) * d)  # one compiled shape, divisible by the devices
            pad = np.zeros((size, X.shape[1]), np.float32)
            pad[: len(chunk)] = chunk
            out.append(np.asarray(self._eval(model_state, jax.device_put(pad, self.batch_sharding)))[: len(chunk)])
        return np.concatenate(out) if out else np.zeros((0, 1), np.float32)


def resolve_precision(precision: str) -> str:
    if precision == "auto":
        return "bf16" if jax.default_backend() in ("gpu", "tpu", "cuda", "rocm") else "fp32"
    return precision


def to_mesh(tree, sharding):
    """jax.device_put of a pytree onto a sharding of the run's mesh. A mesh that spans several processes takes
    host values only (the same in every process), so there the leaves go through numpy, keys as their data."""
    if jax.process_count() == 1:
        return jax.device_put(tree, sharding)

    def put(leaf):
        if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            data = jax.device_put(np.asarray(jax.random.key_data(leaf)), sharding)
            return jax.random.wrap_key_data(data, impl=jax.random.key_impl(leaf))
        return jax.device_put(np.asarray(leaf), sharding)

    return jax.tree.map(put, tree)
