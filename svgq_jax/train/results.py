"""What a training run produced: `TrainingResults`, with the seed's analysis flags.

Fields mirror the seed project's GPUTrainingResults. The analysis thresholds are
written down in `THRESHOLDS` and every flag records the figure it judged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from svgq_jax.train.monitor import EpochRecord

THRESHOLDS = {
    # converged: the validation loss of the last `window` epochs moved less than this (relative), or early stop
    "convergence_rel_change": 0.05,
    "convergence_window": 3,
    # overfitting: final validation loss over final training loss above this
    "overfitting_ratio": 1.5,
    # stable: std of validation Pearson over the last 5 epochs below this
    "stability_std": 0.02,
    # memory-efficient: peak memory below this (MB) — fits a 16 GB Colab T4 with room to spare
    "memory_mb": 8192,
    # fast: mean epoch time below this (s)
    "epoch_seconds": 30.0,
    # compact: parameters below this size (MB, float32)
    "model_mb": 50.0,
}


@dataclass
class TrainingResults:
    final_train_loss: float
    final_val_loss: float
    kept_val_loss: float  # of the kept model (see kept_by)
    final_val_correlation: float
    kept_val_correlation: float
    epochs_trained: int
    early_stopped: bool
    kept_epoch: int
    kept_by: str  # the rule that kept the model: "last epoch" or the best validation r under early stopping
    total_training_time_minutes: float
    converged: bool
    peak_memory_mb: float
    avg_epoch_time_seconds: float
    precision: str  # "fp32" or "bf16" (bf16 compute, float32 master weights)
    model_size_mb: float
    n_parameters: int
    device: str
    n_devices: int
    test_loss: float | None = None
    test_correlation: float | None = None
    test_rmse: float | None = None
    test_bytes_log_error_median: float | None = None  # |ln(predicted / actual SVG bytes)|, with the bytes output
    test_bytes_log_error_p90: float | None = None
    split_images: dict = field(default_factory=dict)
    split_examples: dict = field(default_factory=dict)
    analysis: dict = field(default_factory=dict)

    def save(self, path: Path) -> None:
        from svgq_jax.core.files import write_json

        write_json(Path(path), asdict(self))

    @classmethod
    def load(cls, path: Path) -> TrainingResults:
        return cls(**json.loads(Path(path).read_text()))


def analyse(history: list[EpochRecord], early_stopped: bool, peak_mb: float, model_mb: float) -> dict:
    """The seed's six flags, each with its figure and threshold."""
    t = THRESHOLDS
    val = np.array([r.val_loss for r in history])
    w = t["convergence_window"]
    recent = val[-w:]
    change = float((recent.max() - recent.min()) / max(recent.mean(), 1e-12)) if len(val) >= w else float("inf")
    ratio = history[-1].val_loss / max(history[-1].train_loss, 1e-12)
    corr_std = float(np.std([r.val_pearson for r in history[-5:]]))
    epoch_s = float(np.mean([r.epoch_seconds for r in history]))
    return {
        "convergence": {
            "ok": bool(early_stopped or change < t["convergence_rel_change"]),
            "val_loss_rel_change": change,
        },
        "overfitting": {"ok": bool(ratio <= t["overfitting_ratio"]), "val_over_train_loss": float(ratio)},
        "stability": {"ok": bool(corr_std < t["stability_std"]), "val_corr_std_last5": corr_std},
        "memory": {"ok": bool(peak_mb < t["memory_mb"]), "peak_mb": float(peak_mb)},
        "speed": {"ok": bool(epoch_s < t["epoch_seconds"]), "mean_epoch_seconds": epoch_s},
        "compactness": {"ok": bool(model_mb < t["model_mb"]), "model_mb": float(model_mb)},
        "thresholds": THRESHOLDS,
    }
