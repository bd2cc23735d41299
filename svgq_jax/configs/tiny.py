"""What the tests train: a small model for a few epochs on a few hundred examples, keeping the
last epoch as the default does. Two ensemble members so the tests cover the ensemble path too.
`--config tiny`.
"""

from __future__ import annotations

import dataclasses

from svgq_jax.configs import default
from svgq_jax.configs.default import TrainConfig


def get_config() -> TrainConfig:
    return dataclasses.replace(
        default.get_config(),
        epochs=3,
        batch_size=16,
        hidden_dims=(32, 16, 8),
        dropout=(0.1, 0.1, 0.1),
        warmup_epochs=1,
        checkpoint_freq=1,
        plot_every=1,
        min_examples=50,
        ensemble=2,
    )
