"""Orbax checkpoints of the training state: periodic, best, and a mirrored backup.

    RUN/checkpoints/<epoch>/   periodic (every checkpoint_freq epochs), last 2 kept: --resume
    RUN/best/<epoch>/          the best validation Pearson so far
    BACKUP/best/<epoch>/       a copy of best/ (e.g. on Google Drive), when --backup-dir is set

Each checkpoint holds the model and optimizer state (`state`) and a JSON `meta`
with the epoch, history and early-stopping counters. Orbax writes to a
temporary directory and renames it when complete, so a kill -9 mid-save never
leaves a half checkpoint that a resume would trust.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jax
import orbax.checkpoint as ocp


def _manager(path: Path, keep: int) -> ocp.CheckpointManager:
    return ocp.CheckpointManager(path.absolute(), options=ocp.CheckpointManagerOptions(max_to_keep=keep, create=True))


class Checkpoints:
    def __init__(self, run_dir: Path, backup_dir: Path | None = None):
        self.periodic = _manager(Path(run_dir) / "checkpoints", keep=2)
        self.best = _manager(Path(run_dir) / "best", keep=1)
        self.backup_dir = Path(backup_dir) if backup_dir else None

    def _save(self, mngr: ocp.CheckpointManager, epoch: int, state, meta: dict) -> None:
        mngr.save(epoch, args=ocp.args.Composite(state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)), force=True)
        mngr.wait_until_finished()

    def save(self, epoch: int, state, meta: dict) -> None:
        self._save(self.periodic, epoch, state, meta)

    def save_best(self, epoch: int, state, meta: dict) -> None:
        self._save(self.best, epoch, state, meta)
        if self.backup_dir:
            dest = self.backup_dir / "best"
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(self.best.directory, dest)

    @staticmethod
    def _restore(mngr: ocp.CheckpointManager, step: int, like):
        abstract = jax.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, like)
        out = mngr.restore(step, args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract), meta=ocp.args.JsonRestore()))
        return out.state, out.meta

    def latest_epoch(self) -> int | None:
        return self.periodic.latest_step()

    def restore_latest(self, like):
        return self._restore(self.periodic, self.periodic.latest_step(), like)

    def restore_best(self, like):
        return self._restore(self.best, self.best.latest_step(), like)

    def close(self) -> None:
        self.periodic.close()
        self.best.close()
