"""Training: `train_and_evaluate(cfg, data_dir, run_dir)` and `fit`.

inputs.py       the run's arrays, split by image, and their normalisation statistics
steps.py        the optimizer, `train_step` and `eval_step`, compiled over a device mesh
loop.py         the loop: `fit` and `train_and_evaluate`
run.py          the run directory: its files, fingerprints and resume checks
checkpoints.py  orbax checkpoints: periodic, kept, backup
monitor.py      epoch lines, history and plots
results.py      `TrainingResults`
__main__.py     `python -m svgq_jax.train`: the main job (`svgq_jax.pipeline`)
"""

from svgq_jax.train.loop import Fit, fit, train_and_evaluate

__all__ = ["Fit", "fit", "train_and_evaluate"]
