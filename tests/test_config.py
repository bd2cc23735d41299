import argparse

import numpy as np
import pytest

from svgq_jax import config as C
from svgq_jax.configs.default import TrainConfig
from svgq_jax.data.splits import kfold_images, split_images
from svgq_jax.errors import InputError


def parse(*argv):
    p = argparse.ArgumentParser()
    C.add_flags(p)
    return C.from_args(p.parse_args(list(argv)))


def test_defaults_match_the_seed_but_for_the_schedule_length():
    c = TrainConfig()
    # the seed ran 50 epochs with patience 8; a full 30-epoch cosine measured better (ACCURACY.md section 11)
    assert (c.epochs, c.early_stopping_patience) == (30, 0)
    assert (c.batch_size, c.learning_rate, c.weight_decay) == (128, 0.002, 1e-5)
    assert (c.checkpoint_freq, c.validation_split) == (3, 0.2)
    assert (c.optimizer, c.scheduler, c.warmup_epochs, c.gradient_clip_val, c.precision) == ("adamw", "warmup_cosine", 3, 1.0, "auto")
    assert C.validate(c) is c


def test_flags_file_and_precedence(tmp_path):
    f = tmp_path / "c.json"
    f.write_text('{"epochs": 7, "batch_size": 64, "hidden_dims": [64, 32], "dropout": [0.1, 0.1]}')
    c = parse("--config", str(f), "--batch-size", "32", "--lr", "0.01", "--no-scan-epoch")
    assert (c.epochs, c.batch_size, c.learning_rate, c.scan_epoch) == (7, 32, 0.01, False)
    assert c.hidden_dims == (64, 32)
    assert C.make_config(C.to_dict(c)) == c  # what a run saves, it can read back


@pytest.mark.parametrize(
    "values, words",
    [
        ({"epochs": 0}, "epochs"), ({"batch_size": 2.5}, "batch_size"), ({"learning_rate": -1}, "learning_rate"),
        ({"precision": "fp16"}, "precision"), ({"hidden_dims": [0, 4]}, "hidden_dims"),
        ({"dropout": [0.1]}, "dropout"), ({"dropout": [1.0, 0.1, 0.1]}, "dropout"),
        ({"test_split": 0.9}, "validation_split"), ({"learning_rat": 1}, "unknown config field"),
        ({"batch_norm": "maybe"}, "batch_norm"), ({"resnet_weight": 0}, "resnet_weight"),
        ({"ensemble": 0}, "ensemble"), ({"ensemble": 2.5}, "ensemble"),
    ],
)
def test_bad_values_are_named(values, words):
    with pytest.raises(InputError, match=words):
        C.make_config(values)


def test_split_by_image_is_stratified_and_seeded():
    types = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    s = split_images(types, 0.2, 0.1, seed=3)
    assert len(s.train) + len(s.val) + len(s.test) == 100
    assert not set(s.train) & set(s.val) and not set(s.test) & (set(s.train) | set(s.val))
    for part in (s.train, s.val, s.test):
        assert set(types[part]) == {"a", "b", "c"}
    again = split_images(types, 0.2, 0.1, seed=3)
    assert np.array_equal(s.test, again.test) and not np.array_equal(s.test, split_images(types, 0.2, 0.1, seed=4).test)
    rows = s.rows(np.repeat(np.arange(100), 3), "test")
    assert len(rows) == 3 * len(s.test)


def test_kfold_partitions_the_pool():
    types = np.array(["a", "b"] * 20)
    pool = np.arange(40)
    folds = kfold_images(types, pool, 5, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(40))
    assert all(len(f) == 8 and set(types[f]) == {"a", "b"} for f in folds)
    with pytest.raises(InputError):
        kfold_images(types, pool[:1], 5, 0)
