"""A run directory: the names of its files, what they hold, and the checks that guard them.

    RUN/config.json       the resolved training config         RUN/results.json      TrainingResults (finished)
    RUN/data.json         the dataset's fingerprint            RUN/predictions.npz   the kept model on held-out rows
    RUN/model.json        the model's architecture             RUN/history.json      one record per epoch
    RUN/split.json        image indices of train / val / test  RUN/plots/            training and validation plots
    RUN/checkpoints/      periodic orbax checkpoints           RUN/kept/             the kept model
    RUN/validation.json   validation (and .md)                 RUN/export/           the model bundle

Training writes it (`svgq_jax.train.loop`); validation and export read it through
`Run`, never by file name. Every read is bounded (`svgq_jax.core.files`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from svgq_jax import config
from svgq_jax.configs.default import TrainConfig
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import read_json, write_json
from svgq_jax.data.dataset import Dataset, load_dataset
from svgq_jax.data.splits import Split

PARTS = ("train", "val", "test")


def data_fingerprint(ds: Dataset) -> dict:
    """What a run records of its dataset, and what --resume and validation compare."""
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


@dataclass(frozen=True)
class Run:
    """One run directory."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    # ------------------------------------------------------------ names

    config_file = property(lambda self: self.root / "config.json")
    data_file = property(lambda self: self.root / "data.json")
    model_file = property(lambda self: self.root / "model.json")
    split_file = property(lambda self: self.root / "split.json")
    results_file = property(lambda self: self.root / "results.json")
    predictions_file = property(lambda self: self.root / "predictions.npz")
    history_file = property(lambda self: self.root / "history.json")
    validation_file = property(lambda self: self.root / "validation.json")
    validation_report = property(lambda self: self.root / "validation.md")
    plots = property(lambda self: self.root / "plots")
    checkpoints = property(lambda self: self.root / "checkpoints")
    kept = property(lambda self: self.root / "kept")
    export = property(lambda self: self.root / "export")
    export_partial = property(lambda self: self.root / ".export.partial")

    @property
    def finished(self) -> bool:
        return self.results_file.is_file()

    # ------------------------------------------------------------ before training

    def check_start(self, resume: bool, overwrite: bool) -> None:
        """Refuse to train over a finished or unfinished run unless asked; with `overwrite`, empty it (its
        contents, not the directory: its lock must outlast the old run)."""
        if overwrite:
            for child in self.root.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
            return
        if self.finished and not resume:
            raise InputError(
                f"{self.root} holds a finished run; pass --overwrite to replace it or choose another --out"
            )
        if self.checkpoints.is_dir() and not resume and not self.finished:
            raise InputError(
                f"{self.root} holds an unfinished run; pass --resume to continue it or --overwrite to start over"
            )
        if resume and not self.config_file.is_file():
            raise InputError(f"--resume: {self.root} has no run to resume")
        if resume and self.finished:
            raise InputError(f"--resume: {self.root} is already finished; pass --overwrite to train it again")

    def check_resumable(self, cfg: TrainConfig, fingerprint: dict) -> None:
        """--resume: the config and the dataset must be the saved run's."""
        _check_same(read_json(self.config_file), config.to_dict(cfg), "config")
        _check_same(read_json(self.data_file), fingerprint, "dataset")

    def write_start(self, cfg: TrainConfig, fingerprint: dict, model_json: dict, split: Split) -> None:
        write_json(self.config_file, config.to_dict(cfg))
        write_json(self.data_file, fingerprint)
        write_json(self.model_file, model_json)
        write_json(self.split_file, {k: getattr(split, k).tolist() for k in PARTS})

    # ------------------------------------------------------------ after training

    def require_finished(self) -> None:
        if not self.finished:
            raise InputError(f"{self.root}: no finished training run (results.json missing)")

    def config(self) -> TrainConfig:
        return config.make_config(read_json(self.config_file))

    def model_json(self) -> dict:
        return read_json(self.model_file)

    def data(self) -> dict:
        """The dataset's fingerprint, as recorded."""
        return read_json(self.data_file)

    def split(self) -> Split:
        return Split(**{k: np.asarray(v, dtype=np.int64) for k, v in read_json(self.split_file).items()})

    def results(self) -> dict:
        return read_json(self.results_file)

    def validation(self) -> dict | None:
        return read_json(self.validation_file) if self.validation_file.is_file() else None

    def dataset(self) -> Dataset:
        """The dataset the run was trained on, refused if its backbone is not the one recorded."""
        data = self.data()
        ds = load_dataset(data["path"], min_examples=1)
        if ds.metadata["backbone"]["sha256"] != data["backbone"]["sha256"]:
            raise InputError(f"{data['path']}: backbone differs from the one {self.root} was trained with")
        return ds


def _check_same(saved: dict, now: dict, what: str) -> None:
    if saved != now:
        diff = next(k for k in sorted(set(saved) | set(now)) if saved.get(k) != now.get(k))
        raise InputError(
            f"--resume: the {what} differs from the saved run ({diff}: {saved.get(diff)!r} -> {now.get(diff)!r})"
        )
