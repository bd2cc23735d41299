"""Training: `train_and_evaluate` (and `python -m svgq_jax.train`, the main job of
`svgq_jax.pipeline`).

Reads top to bottom: the optimizer, `train_step` and `eval_step` (pure functions
over the nnx state, jit-compiled once per shape with the state's buffers
donated), then `fit` and `train_and_evaluate`, which own the loop. Data-parallel
over all local devices: the batch is sharded over a 1-D `jax.sharding.Mesh`
("data") and the state is replicated; one device is the same code with a mesh of
one. Multi-host: call `jax.distributed.initialize()` before training (see README);
every process then runs the same code on the same dataset, the mesh spans every
process's devices, and process 0 alone writes the run directory (orbax writes
each checkpoint once, from the process that holds each replicated array's first
copy: process 0).

The kept model is the last epoch's (the default, `early_stopping_patience` 0) or,
with early stopping, the epoch of best validation Pearson r; `Fit.kept_by` and
`TrainingResults.kept_by` name the rule.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import sys
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as PS
from scipy import stats

from svgq_jax import config, selection
from svgq_jax import params as param_space
from svgq_jax.checkpoints import Checkpoints, InMemoryCheckpoints, fault_point
from svgq_jax.configs.default import TrainConfig
from svgq_jax.data.dataset import Dataset, load_dataset
from svgq_jax.data.features import FEATURE_DIM
from svgq_jax.data.splits import Split, split_images
from svgq_jax.errors import InputError
from svgq_jax.files import locked_directory, save_npz, write_json
from svgq_jax.model import ModelConfig, QualityModel, count_params, create_model, extra_blocks
from svgq_jax.monitor import EpochRecord, Monitor, device_memory_mb, plot_history
from svgq_jax.results import TrainingResults, analyse

EVAL_CHUNK = 8192  # rows per compiled evaluation call
STATS_ROWS = 1 << 18  # training examples whose appended columns are measured at once (extra_moments)
MIN_IMPROVEMENT = 1e-5  # a validation Pearson gain below this does not count as better


# ---------------------------------------------------------------- optimizer


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


# ---------------------------------------------------------------- steps


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


# ---------------------------------------------------------------- data


@dataclasses.dataclass
class Arrays:
    """One run's inputs and targets, split by image. The inputs are never expanded to one [N, n_inputs]
    matrix: an example's row is its image's row of `table` then its parameters, gathered per batch (on the
    device while training). Memory grows with the images (2,116 values each) and by 10 values per example:
    100,000 logos x 16 parameter sets take about 0.9 GB, not the 13.6 GB of the expanded matrix."""

    table: np.ndarray  # [n_images, n_features] float32: backbone features [+ image statistics]
    image_index: np.ndarray  # [N] int32: each example's image
    params: np.ndarray  # [N, 8] float32: each example's raw parameters
    y: np.ndarray  # [N, 2]: SSIM, ln(SVG bytes)
    rows: dict  # part -> example rows
    feature_mean: np.ndarray  # over the features, the selected statistics, the log2 parameters
    feature_std: np.ndarray
    selections: tuple = ()
    log_params: tuple = ()

    @property
    def n_features(self) -> int:
        return self.table.shape[1]

    def inputs(self, rows) -> np.ndarray:
        """The raw model inputs [len(rows), n_features + 8] of examples `rows`."""
        rows = np.asarray(rows)
        return np.concatenate([self.table[self.image_index[rows]], self.params[rows]], axis=1)


def prepare_arrays(ds: Dataset, split: Split, cfg: TrainConfig) -> Arrays:
    with_stats = cfg.with_stats
    per_image = ds.image_features(with_stats)
    table = per_image.astype(np.float32)
    rows = {part: split.rows(ds.image_index, part) for part in ("train", "val", "test")}
    # normalisation statistics over training images (each image once, not once per example)
    train_feats = per_image[split.train]
    std = np.maximum(train_feats.std(0), 1e-6)
    # resnet_weight < 1 shrinks the 2048 ResNet inputs relative to the others: dividing
    # their std by the weight is the same as multiplying the standardised values.
    std[:FEATURE_DIM] /= cfg.resnet_weight
    mean = train_feats.mean(0)
    # the seed's input (input_features "resnet") keeps the seed's MLP: no selection, no log2 parameters
    sels = selection.default_selections() if with_stats and cfg.selected_stats else ()
    logs = param_space.log_pairs() if with_stats and cfg.log_params else ()
    arrays = Arrays(table, ds.image_index.astype(np.int32), ds.params.astype(np.float32), None, rows, None, None)
    # the columns the model appends vary per example: their statistics are over training examples
    for block_mean, block_std in extra_moments(
        arrays, rows["train"], ModelConfig(arrays.n_features, selections=sels, log_params=logs)
    ):
        mean = np.concatenate([mean, block_mean])
        std = np.concatenate([std, np.maximum(block_std, 1e-6)])
    y = np.stack([ds.ssim, np.log(ds.svg_bytes.astype(np.float64))], axis=1).astype(np.float32)
    return dataclasses.replace(
        arrays,
        y=y,
        feature_mean=mean.astype(np.float32),
        feature_std=std.astype(np.float32),
        selections=sels,
        log_params=logs,
    )


def extra_moments(arrays: Arrays, rows: np.ndarray, mcfg: ModelConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mean, std) over `rows` of each block of columns the model appends (`extra_blocks`), computed on
    STATS_ROWS rows at a time: in one pass where they fit (the default data), else from float64 sums."""
    nf = arrays.n_features
    chunks = [rows[s : s + STATS_ROWS] for s in range(0, len(rows), STATS_ROWS)]
    if len(chunks) == 1:
        x = arrays.inputs(chunks[0])
        return [(cols.mean(0), cols.std(0)) for cols in extra_blocks(x[:, :nf], x[:, nf:], mcfg)]
    sums = None
    for chunk in chunks:
        x = arrays.inputs(chunk)
        blocks = [cols.astype(np.float64) for cols in extra_blocks(x[:, :nf], x[:, nf:], mcfg)]
        moments = [(b.sum(0), (b * b).sum(0)) for b in blocks]
        sums = moments if sums is None else [(a + c, b + d) for (a, b), (c, d) in zip(sums, moments)]
    n = len(rows)
    return [(s1 / n, np.sqrt(np.maximum(s2 / n - (s1 / n) ** 2, 0.0))) for s1, s2 in sums or []]


def epoch_batches(n: int, batch: int, seed: int, epoch: int) -> np.ndarray:
    """[n // batch, batch] row positions of one epoch; a pure function of (seed, epoch)."""
    perm = np.random.default_rng([seed, epoch]).permutation(n)
    steps = n // batch
    return perm[: steps * batch].reshape(steps, batch).astype(np.int32)


def steps_per_call(steps_per_epoch: int) -> int:
    """Each compiled call scans a tenth of an epoch: one Python dispatch per chunk instead of per
    step (3.4x on an H200, about even on this CPU; README), while the progress bar still moves."""
    return max(1, steps_per_epoch // 10)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(stats.pearsonr(a, b).statistic)


# ---------------------------------------------------------------- run directory


def resolve_precision(precision: str) -> str:
    if precision == "auto":
        return "bf16" if jax.default_backend() in ("gpu", "tpu", "cuda", "rocm") else "fp32"
    return precision


def data_fingerprint(ds: Dataset) -> dict:
    m = ds.metadata
    return {
        "path": str(ds.root.resolve()),
        "format_version": m["format_version"],
        "param_space_version": m["param_space_version"],
        "backbone": {"name": m["backbone"]["name"], "sha256": m["backbone"]["sha256"]},
        "image_stats_version": m.get("image_stats", {}).get("version"),
        "images": ds.n_images,
        "examples": ds.n_examples,
    }


def _check_run_dir(run: Path, resume: bool, overwrite: bool) -> None:
    if overwrite:  # the run's contents, not the directory: its lock must outlast the old run
        for child in run.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        return
    if (run / "results.json").is_file() and not resume:
        raise InputError(f"{run} holds a finished run; pass --overwrite to replace it or choose another --out")
    if (run / "checkpoints").is_dir() and not resume and not (run / "results.json").is_file():
        raise InputError(f"{run} holds an unfinished run; pass --resume to continue it or --overwrite to start over")
    if resume and not (run / "config.json").is_file():
        raise InputError(f"--resume: {run} has no run to resume")
    if resume and (run / "results.json").is_file():
        raise InputError(f"--resume: {run} is already finished; pass --overwrite to train it again")


def _check_same(run: Path, name: str, now: dict, what: str) -> None:
    saved = json.loads((run / name).read_text())
    if saved != now:
        diff = next(k for k in sorted(set(saved) | set(now)) if saved.get(k) != now.get(k))
        raise InputError(
            f"--resume: the {what} differs from the saved run ({diff}: {saved.get(diff)!r} -> {now.get(diff)!r})"
        )


# ---------------------------------------------------------------- the loop


@dataclasses.dataclass
class Fit:
    """What `fit` returns: the kept model's state and how training went."""

    steps: Steps
    kept_state: object  # model state only
    model: QualityModel
    history: list
    kept: dict  # {"pearson", "epoch", "val_loss", "bad_epochs"} of the kept epoch
    kept_by: str
    early_stopped: bool
    peak_mb: float
    precision: str
    seconds: float


def kept_by(cfg: TrainConfig) -> str:
    """The rule that picks the kept model."""
    if cfg.early_stopping_patience == 0:
        return "last epoch"
    return f"best validation r (early stopping, patience {cfg.early_stopping_patience})"


def model_config(cfg: TrainConfig, arrays: Arrays) -> ModelConfig:
    return ModelConfig(
        arrays.n_features,
        cfg.hidden_dims,
        cfg.dropout,
        cfg.batch_norm,
        input_clip=cfg.input_clip,
        members=cfg.ensemble,
        selections=arrays.selections,
        log_params=arrays.log_params,
        bytes_output=cfg.bytes_output,
    )


def check_batch(cfg: TrainConfig, n_train: int, devices: list) -> None:
    if cfg.batch_size % len(devices):
        raise InputError(f"batch_size {cfg.batch_size} must be divisible by the {len(devices)} devices")
    if n_train < cfg.batch_size:
        raise InputError(f"batch_size {cfg.batch_size} exceeds the {n_train} training examples")


def build(cfg: TrainConfig, arrays: Arrays, train_rows: np.ndarray, devices: list):
    """Model, optimizer, compiled steps and the initial (replicated) state."""
    n_train = len(train_rows)
    check_batch(cfg, n_train, devices)
    precision = resolve_precision(cfg.precision)
    mcfg = model_config(cfg, arrays)
    schedule = make_schedule(cfg, n_train // cfg.batch_size)
    dtype = jnp.bfloat16 if precision == "bf16" else jnp.float32
    y = arrays.y[train_rows]
    model = create_model(
        mcfg,
        arrays.feature_mean,
        arrays.feature_std,
        cfg.seed,
        dtype,
        output_mean=float(y[:, 0].mean()),
        bytes_mean=float(y[:, 1].mean()),
        bytes_std=float(max(y[:, 1].std(), 1e-3)),
    )
    opt = nnx.Optimizer(model, make_optimizer(cfg, schedule), wrt=nnx.Param)
    graphdef, state = nnx.split((model, opt))
    steps = Steps(graphdef, nnx.graphdef(model), Mesh(np.array(devices), ("data",)), cfg.bytes_loss_weight)
    return model, mcfg, schedule, steps, to_mesh(state, steps.replicated), precision


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


def fit(
    cfg: TrainConfig,
    arrays: Arrays,
    train_rows: np.ndarray,
    val_rows: np.ndarray,
    *,
    devices: list | None = None,
    ckpt=None,
    monitor: Monitor | None = None,
    resume: bool = False,
    quiet: bool = False,
) -> Fit:
    """Train on `train_rows`; keeps in `ckpt` the last epoch's model or, with early stopping, the one of
    best `val_rows` Pearson r (see `kept_by`)."""
    devices = devices or jax.devices()
    ckpt = ckpt or InMemoryCheckpoints()
    n_train = len(train_rows)
    model, _, schedule, steps, state, precision = build(cfg, arrays, train_rows, devices)
    steps_per_epoch = n_train // cfg.batch_size
    train_data = (arrays.table, arrays.image_index[train_rows], arrays.params[train_rows])
    train_data = jax.device_put(train_data, steps.replicated)
    y_train = jax.device_put(arrays.y[train_rows], steps.replicated)
    y_val = arrays.y[val_rows, 0]

    history: list[EpochRecord] = []
    kept = {"pearson": -np.inf, "epoch": 0, "val_loss": np.inf, "bad_epochs": 0}
    start, stopped = 1, False
    if resume and ckpt.latest_epoch() is not None:
        state, meta = ckpt.restore_latest(state)
        history = [EpochRecord(**r) for r in meta["history"]]
        kept, start, stopped = meta["kept"], meta["epoch"] + 1, meta["early_stopped"]
        if not quiet:
            print(f"resuming after epoch {meta['epoch']}", file=sys.stderr)

    t_start = time.perf_counter()
    peak_mb = 0.0
    chunk = steps_per_call(steps_per_epoch)
    from tqdm.auto import tqdm

    for epoch in range(start, cfg.epochs + 1 if not stopped else start):
        t0 = time.perf_counter()
        idx = epoch_batches(n_train, cfg.batch_size, cfg.seed, epoch)
        losses = []
        with tqdm(
            total=steps_per_epoch,
            desc=f"epoch {epoch}/{cfg.epochs}",
            unit="step",
            leave=False,
            disable=quiet,
            file=sys.stderr,
        ) as bar:
            for s in range(0, steps_per_epoch, chunk):
                state, batch_losses = steps.train(state, train_data, y_train, idx[s : s + chunk])
                losses.append(np.asarray(batch_losses))
                bar.update(len(batch_losses))
        pred = steps.predict_rows(model_part(state), arrays, val_rows)[:, 0]
        mem, peak = device_memory_mb()
        peak_mb = max(peak_mb, peak)
        record = EpochRecord(
            epoch=epoch,
            train_loss=float(np.concatenate(losses).mean()),
            val_loss=float(np.mean((pred - y_val) ** 2)),
            val_pearson=pearson(pred, y_val),
            learning_rate=float(schedule(epoch * steps_per_epoch)),
            memory_mb=mem,
            epoch_seconds=time.perf_counter() - t0,
        )
        if not np.isfinite(record.train_loss):
            raise RuntimeError(f"training diverged at epoch {epoch} (loss {record.train_loss}); lower --lr")
        history.append(record)
        # Without early stopping the schedule decides and the last, lowest-rate epoch is kept: the best
        # validation r among noisy mid-schedule epochs is a poor pick (seed 0: epoch 18's val r spike
        # held test r 0.943, the last epoch 0.955; ACCURACY.md section 11).
        improved = cfg.early_stopping_patience == 0 or record.val_pearson > kept["pearson"] + MIN_IMPROVEMENT
        if improved:
            kept = {"pearson": record.val_pearson, "epoch": epoch, "val_loss": record.val_loss, "bad_epochs": 0}
        else:
            kept["bad_epochs"] += 1
        stopped = kept["bad_epochs"] >= cfg.early_stopping_patience > 0
        meta = {
            "epoch": epoch,
            "history": [dataclasses.asdict(r) for r in history],
            "kept": kept,
            "early_stopped": stopped,
        }
        periodic = epoch % cfg.checkpoint_freq == 0 or epoch == cfg.epochs or stopped
        fault_point("epoch-trained", epoch)
        # Keeping the last epoch, the kept checkpoint need only follow the periodic one (a resume
        # restarts from that anyway), not be written (and backed up) every epoch.
        if improved and (cfg.early_stopping_patience > 0 or periodic):
            ckpt.save_kept(epoch, model_part(state), meta)
        if monitor:
            monitor.epoch(history)
        if periodic:
            ckpt.save(epoch, state, meta)
        if stopped:
            if not quiet:
                print(
                    f"early stop: no better validation Pearson for {cfg.early_stopping_patience} epochs",
                    file=sys.stderr,
                )
            break
    kept_state, _ = ckpt.restore_kept(model_part(state))
    return Fit(
        steps,
        kept_state,
        model,
        history,
        kept,
        kept_by(cfg),
        stopped,
        peak_mb,
        precision,
        time.perf_counter() - t_start,
    )


def train_and_evaluate(
    cfg: TrainConfig,
    data_dir: str | Path,
    run_dir: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    backup_dir: str | Path | None = None,
    devices: list | None = None,
    quiet: bool = False,
    live: bool = False,
) -> TrainingResults:
    """Train on `data_dir` into `run_dir`; returns (and saves) the TrainingResults. The run directory is
    locked meanwhile: a second process training into it is refused, not interleaved with this one."""
    config.validate(cfg)
    run = Path(run_dir)
    primary = is_primary()
    # Several processes train one run together (jax.distributed): process 0 locks and writes the run
    # directory; the others read the same dataset and take part in each step and checkpoint.
    with locked_directory(run, "a training run") if primary else contextlib.nullcontext():
        if primary or not overwrite:  # with --overwrite process 0 empties the run, the others have nothing to check
            _check_run_dir(run, resume, overwrite)
        ds = load_dataset(data_dir, min_examples=cfg.min_examples)
        fingerprint = data_fingerprint(ds)
        if resume:
            _check_same(run, "config.json", config.to_dict(cfg), "config")
            _check_same(run, "data.json", fingerprint, "dataset")
        split = split_images(ds.image_types, cfg.validation_split, cfg.test_split, cfg.seed)
        arrays = prepare_arrays(ds, split, cfg)
        devices = devices or jax.devices()
        check_batch(cfg, len(arrays.rows["train"]), devices)  # refuse bad settings before writing anything
        mcfg = model_config(cfg, arrays)
        sync_processes("run checked")  # no process reads the run directory after process 0 starts writing it
        if primary:
            write_json(run / "config.json", config.to_dict(cfg))
            write_json(run / "data.json", fingerprint)
            write_json(run / "model.json", mcfg.to_json())
            write_json(run / "split.json", {k: getattr(split, k).tolist() for k in ("train", "val", "test")})

        ckpt = Checkpoints(run, backup_dir if primary else None)
        monitor = Monitor(run, cfg.epochs, cfg.plot_every, quiet=quiet, live=live) if primary else None
        try:
            result = fit(
                cfg,
                arrays,
                arrays.rows["train"],
                arrays.rows["val"],
                devices=devices,
                ckpt=ckpt,
                monitor=monitor,
                resume=resume,
                quiet=quiet or not primary,
            )
        finally:
            ckpt.close()
        results = _results(run, result, arrays, split, devices)
        if primary:
            results.save(run / "results.json")
            monitor.write_history(result.history)
            import matplotlib.pyplot as plt

            plt.close(plot_history(result.history, run / "plots" / "training.png"))
            if backup_dir:
                shutil.copy2(run / "results.json", Path(backup_dir) / "results.json")
        sync_processes("run written")  # every process returns once the run is complete on disk
        return results


def is_primary() -> bool:
    """Whether this process writes the run (process 0; the only process without jax.distributed)."""
    return jax.process_index() == 0


def sync_processes(name: str) -> None:
    """Wait for every process of a multi-process run at this point (nothing to wait for in one process)."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def _results(run: Path, f: Fit, arrays: Arrays, split: Split, devices: list) -> TrainingResults:
    # the kept model's predictions on held-out rows, for validation and parity checks
    preds = {part: f.steps.predict_rows(f.kept_state, arrays, arrays.rows[part]) for part in ("val", "test")}
    if is_primary():
        save_npz(
            run / "predictions.npz",
            **{f"{p}_{k}": v for p in preds for k, v in (("rows", arrays.rows[p]), ("pred", preds[p]))},
        )
    test_rows = arrays.rows["test"]
    test = {}
    if len(test_rows):
        p, y = preds["test"][:, 0], arrays.y[test_rows, 0]
        test = {
            "test_loss": float(np.mean((p - y) ** 2)),
            "test_correlation": pearson(p, y),
            "test_rmse": float(np.sqrt(np.mean((p - y) ** 2))),
        }
        if preds["test"].shape[1] > 1:  # |ln(predicted bytes / actual bytes)|
            err = np.abs(preds["test"][:, 1] - arrays.y[test_rows, 1])
            test["test_bytes_log_error_median"] = float(np.median(err))
            test["test_bytes_log_error_p90"] = float(np.percentile(err, 90))
    n_params = count_params(f.model)
    model_mb = n_params * 4 / 2**20
    last = f.history[-1]
    analysis = analyse(f.history, f.early_stopped, f.peak_mb, model_mb)
    return TrainingResults(
        final_train_loss=last.train_loss,
        final_val_loss=last.val_loss,
        kept_val_loss=float(f.kept["val_loss"]),
        final_val_correlation=last.val_pearson,
        kept_val_correlation=float(f.kept["pearson"]),
        epochs_trained=last.epoch,
        early_stopped=f.early_stopped,
        kept_epoch=int(f.kept["epoch"]),
        kept_by=f.kept_by,
        total_training_time_minutes=f.seconds / 60,
        converged=analysis["convergence"]["ok"],
        peak_memory_mb=f.peak_mb,
        avg_epoch_time_seconds=float(np.mean([r.epoch_seconds for r in f.history])),
        precision=f.precision,
        model_size_mb=model_mb,
        n_parameters=n_params,
        device=f"{devices[0].platform}:{getattr(devices[0], 'device_kind', '')}",
        n_devices=len(devices),
        split_images={k: int(len(getattr(split, k))) for k in ("train", "val", "test")},
        split_examples={k: int(len(v)) for k, v in arrays.rows.items()},
        analysis=analysis,
        **test,
    )


if __name__ == "__main__":
    # `python -m svgq_jax.train` is the main job (build, train, validate, export): the command-line
    # contract predates svgq_jax.pipeline, which owns it now.
    from svgq_jax import cli
    from svgq_jax.pipeline import main

    cli.main(main)
