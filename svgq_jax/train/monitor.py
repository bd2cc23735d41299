"""Training monitoring: per-epoch records, device memory, history.json and plots.

One writer (`Monitor`) owns everything the loop reports: the epoch line, the
history file (rewritten atomically every epoch) and the plots (every few epochs
and at the end). In a notebook, pass `live=True` to redraw the plots in place.
"""

from __future__ import annotations

import json
import resource
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from svgq_jax.core.files import write_atomic
from svgq_jax.train.run import Run

TRAINING_PLOT = "training.png"


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    val_loss: float
    val_pearson: float
    learning_rate: float
    memory_mb: float
    epoch_seconds: float


def device_memory_mb() -> tuple[float, float]:
    """(current, peak) MB: the accelerator's allocator stats, else this process's RSS."""
    import jax

    stats = jax.local_devices()[0].memory_stats() or {}
    if "bytes_in_use" in stats:
        return stats["bytes_in_use"] / 2**20, stats.get("peak_bytes_in_use", stats["bytes_in_use"]) / 2**20
    try:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        rss = 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return rss, max(peak, rss)


def epoch_line(r: EpochRecord, epochs: int) -> str:
    return (
        f"Epoch {r.epoch:3d}/{epochs} | train loss {r.train_loss:.5f} | val loss {r.val_loss:.5f} | "
        f"corr {r.val_pearson:.4f} | lr {r.learning_rate:.2e} | mem {r.memory_mb:.0f} MB | {r.epoch_seconds:.1f}s"
    )


def plot_history(history: list[EpochRecord], path: Path):
    """Loss, correlation, learning rate, memory and epoch time, one panel each."""
    import matplotlib

    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e = [r.epoch for r in history]
    fig, ax = plt.subplots(1, 5, figsize=(20, 3.4))
    ax[0].plot(e, [r.train_loss for r in history], label="train")
    ax[0].plot(e, [r.val_loss for r in history], label="val")
    ax[0].set_yscale("log")
    ax[0].legend()
    panels = [
        ("loss (MSE)", None),
        ("val Pearson r", "val_pearson"),
        ("learning rate", "learning_rate"),
        ("memory (MB)", "memory_mb"),
        ("epoch time (s)", "epoch_seconds"),
    ]
    for a, (title, key) in zip(ax, panels):
        if key:
            a.plot(e, [getattr(r, key) for r in history], marker=".")
        a.set_title(title)
        a.set_xlabel("epoch")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    return fig


class Monitor:
    """The loop's one writer: epoch lines, the run's history file and its training plot."""

    def __init__(self, run: Run, epochs: int, plot_every: int, quiet: bool = False, live: bool = False):
        self.run, self.epochs, self.plot_every = run, epochs, plot_every
        self.quiet, self.live = quiet, live
        self._display = None

    def epoch(self, history: list[EpochRecord]) -> None:
        if not self.quiet:
            from tqdm.auto import tqdm

            tqdm.write(epoch_line(history[-1], self.epochs), file=sys.stderr)
        self.write_history(history)
        if history[-1].epoch % self.plot_every == 0:
            self.plot(history)

    def write_history(self, history: list[EpochRecord]) -> None:
        write_atomic(self.run.history_file, json.dumps([asdict(r) for r in history], indent=1))

    def plot(self, history: list[EpochRecord]) -> None:
        import matplotlib.pyplot as plt

        fig = plot_history(history, self.run.plots / TRAINING_PLOT)
        if self.live:
            from IPython.display import display

            if self._display is None:
                self._display = display(fig, display_id=True)
            else:
                self._display.update(fig)
        plt.close(fig)
