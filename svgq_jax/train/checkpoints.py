"""Orbax checkpoints of a run: periodic ones to resume from, the kept model, and a backup.

    RUN/checkpoints/<epoch>/   periodic (every checkpoint_freq epochs), last 2 kept: model and
                               optimizer state, for --resume
    RUN/kept/<epoch>/          the kept model (model state only): the last epoch, or with early
                               stopping the epoch of best validation Pearson r; what validate and
                               export read (`restore_kept_model`)
    BACKUP/kept/<epoch>/       a copy of kept/ (e.g. on Google Drive), when --backup-dir is set

Each checkpoint also holds a JSON `meta` with the epoch, history and stopping
counters. Orbax writes to a temporary directory and renames it when complete, so a
kill -9 mid-save never leaves a half checkpoint that a resume would trust.

Test hook: with SVGQ_KILL_AT=EVENT:EPOCH in the environment, the process SIGKILLs
itself at that point of training, so a test can kill it exactly there
(tests/integration/test_faults.py). Events, in the order they happen in an epoch: epoch-trained
(trained and evaluated, nothing saved yet), kept-writing and kept-saved (the kept
model's save has started / is complete), periodic-writing and periodic-saved (the
same for the periodic checkpoint).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
from pathlib import Path

import jax
import numpy as np
import orbax.checkpoint as ocp
from flax import nnx

from svgq_jax.core.errors import InputError
from svgq_jax.model import ModelConfig, QualityModel, create_model
from svgq_jax.train.run import Run

KILL_AT_ENV = "SVGQ_KILL_AT"

# The state is replicated on every device. Orbax would split each array's write among the processes that hold
# a copy (replica-parallel saving); a run's checkpoints are written once, by process 0, which holds replica 0
# of every array (the other processes of a jax.distributed run only wait for it).
_absl = logging.getLogger("absl")
_level = _absl.level
_absl.setLevel(logging.ERROR)  # orbax warns that a handler is overridden: this one, on purpose, on every import
try:
    ocp.type_handlers.register_type_handler(
        jax.Array,
        ocp.type_handlers.ArrayHandler(primary_host=0, replica_id=0, use_replica_parallel=False),
        override=True,
    )
finally:
    _absl.setLevel(_level)


def fault_point(event: str, epoch: int) -> None:
    """The test hook (see the module docstring): SIGKILL this process if SVGQ_KILL_AT names this point."""
    if os.environ.get(KILL_AT_ENV) == f"{event}:{epoch}":
        os.kill(os.getpid(), signal.SIGKILL)


def _manager(path: Path, keep: int) -> ocp.CheckpointManager:
    return ocp.CheckpointManager(path.absolute(), options=ocp.CheckpointManagerOptions(max_to_keep=keep, create=True))


def _save(mngr: ocp.CheckpointManager, epoch: int, state, meta: dict, name: str) -> None:
    # A resumed run repeats the epochs after its last periodic checkpoint, and a kill can fall
    # between the kept and the periodic save of one epoch: the repeated epoch replaces its
    # earlier save, which orbax would otherwise refuse (StepAlreadyExistsError).
    if epoch in mngr.all_steps():
        mngr.delete(epoch)
    mngr.save(
        epoch, args=ocp.args.Composite(state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)), force=True
    )
    fault_point(f"{name}-writing", epoch)
    mngr.wait_until_finished()
    fault_point(f"{name}-saved", epoch)


def _restore(mngr: ocp.CheckpointManager, step: int, like):
    abstract = jax.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, like)
    out = mngr.restore(
        step, args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract), meta=ocp.args.JsonRestore())
    )
    return out.state, out.meta


class Checkpoints:
    """The periodic checkpoints (model + optimizer) and the kept model of one run."""

    def __init__(self, run: Run, backup_dir: Path | None = None):
        self.periodic = _manager(run.checkpoints, keep=2)
        self.kept = _manager(run.kept, keep=1)
        self.backup_dir = Path(backup_dir) if backup_dir else None

    def save(self, epoch: int, state, meta: dict) -> None:
        _save(self.periodic, epoch, state, meta, "periodic")

    def save_kept(self, epoch: int, model_state, meta: dict) -> None:
        _save(self.kept, epoch, model_state, meta, "kept")
        if self.backup_dir:
            dest = self.backup_dir / self.kept.directory.name
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(self.kept.directory, dest)

    def latest_epoch(self) -> int | None:
        return self.periodic.latest_step()

    def restore_latest(self, like):
        return _restore(self.periodic, self.periodic.latest_step(), like)

    def restore_kept(self, like):
        return _restore(self.kept, self.kept.latest_step(), like)

    def close(self) -> None:
        self.periodic.close()
        self.kept.close()


class InMemoryCheckpoints:
    """Checkpoints for short fits (cross-validation folds): only the kept model, in memory."""

    def __init__(self):
        self.kept_state = None

    def save(self, epoch, state, meta) -> None:
        pass

    def save_kept(self, epoch, model_state, meta) -> None:
        self.kept_state = jax.tree_util.tree_map(jax.numpy.copy, model_state)  # the live buffers are donated

    def latest_epoch(self):
        return None

    def restore_kept(self, like):
        return self.kept_state, None

    def close(self) -> None:
        pass


def restore_kept_model(run: Run | str | Path) -> QualityModel:
    """The kept model of a finished or running run, eval-ready (float32 compute)."""
    run = run if isinstance(run, Run) else Run(run)
    mcfg = ModelConfig.from_json(run.model_json())
    n = mcfg.n_standardised  # placeholders: the checkpoint holds the real statistics and weights
    graphdef, state = nnx.split(create_model(mcfg, np.zeros(n), np.ones(n), seed=0))
    if not run.kept.is_dir():
        raise InputError(f"{run.root}: no kept model (was the run trained with this version?)")
    mngr = _manager(run.kept, keep=1)
    try:
        if mngr.latest_step() is None:
            raise InputError(f"{run.root}: no kept model (was the run trained?)")
        state, _ = _restore(mngr, mngr.latest_step(), state)
    finally:
        mngr.close()
    return nnx.merge(graphdef, state)
