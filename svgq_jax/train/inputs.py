"""A run's inputs and targets, split by image: `prepare_arrays`, and the normalisation statistics
over the training images (`extra_moments` for the columns the model appends per example).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from svgq_jax import selection
from svgq_jax.configs.default import TrainConfig
from svgq_jax.core import params as param_space
from svgq_jax.core.features import FEATURE_DIM
from svgq_jax.data.dataset import Dataset
from svgq_jax.data.splits import Split
from svgq_jax.model import ModelConfig, extra_blocks

STATS_ROWS = 1 << 18  # training examples whose appended columns are measured at once (extra_moments)


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


def model_config(cfg: TrainConfig, arrays: Arrays) -> ModelConfig:
    """The architecture a config trains on these inputs."""
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
