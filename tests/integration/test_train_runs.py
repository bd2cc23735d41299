"""Training runs on the session's tiny dataset (svgq_jax.train): what a run writes, resumes, restores."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, tiny, tiny_json

from svgq_jax.core.errors import InputError
from svgq_jax.data.dataset import load_dataset
from svgq_jax.train import train_and_evaluate
from svgq_jax.train.checkpoints import restore_kept_model


def cfg(**over):
    return tiny(**over)


@pytest.fixture(scope="module")
def trained(tiny_run):
    from svgq_jax.train.results import TrainingResults

    return tiny_run, TrainingResults.load(tiny_run / "results.json")


def test_a_run_writes_everything(trained):
    run, results = trained
    for name in (
        "config.json",
        "data.json",
        "model.json",
        "split.json",
        "history.json",
        "results.json",
        "predictions.npz",
        "plots/training.png",
    ):
        assert (run / name).is_file(), name
    history = json.loads((run / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert all(np.isfinite(h["train_loss"]) and -1 <= h["val_pearson"] <= 1 for h in history)
    assert results.epochs_trained == 3 and not results.early_stopped and results.precision == "fp32"
    assert set(results.analysis) >= {"convergence", "overfitting", "stability", "memory", "speed", "compactness"}
    assert results.test_rmse is not None and 0 < results.test_rmse < 0.5
    assert json.loads((run / "config.json").read_text())["hidden_dims"] == [32, 16, 8]
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["2", "3"]  # last two kept


def test_splits_are_disjoint_by_image(trained, tiny_dataset):
    run, _ = trained
    split = json.loads((run / "split.json").read_text())
    sets = [set(split[k]) for k in ("train", "val", "test")]
    assert all(sets) and not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert len(set().union(*sets)) == load_dataset(tiny_dataset, 1).n_images


def test_restored_checkpoint_predicts_identically(trained, tiny_dataset):
    run, _ = trained
    ds = load_dataset(tiny_dataset, 1)
    saved = np.load(run / "predictions.npz")
    model = restore_kept_model(run)
    x = ds.inputs(saved["test_rows"], with_stats=True)
    np.testing.assert_allclose(np.asarray(model(x)), saved["test_pred"], rtol=0, atol=1e-5)  # both outputs


def test_early_stopping(tiny_dataset, tmp_path):
    # a vanishing learning rate cannot improve validation Pearson by the required margin
    res = train_and_evaluate(
        cfg(epochs=10, learning_rate=1e-9, early_stopping_patience=2), tiny_dataset, tmp_path / "r", quiet=True
    )
    assert res.early_stopped and res.epochs_trained == 3 and res.kept_epoch == 1


def test_without_early_stopping_the_last_epoch_is_kept(tiny_dataset, tmp_path):
    # the run above, with patience 0: it trains every epoch and keeps the last, not epoch 1
    res = train_and_evaluate(
        cfg(epochs=4, learning_rate=1e-9, early_stopping_patience=0), tiny_dataset, tmp_path / "r", quiet=True
    )
    assert not res.early_stopped and res.epochs_trained == 4 and res.kept_epoch == 4


def test_finished_run_is_not_overwritten(trained, tiny_dataset):
    run, _ = trained
    with pytest.raises(InputError, match="finished run"):
        train_and_evaluate(cfg(), tiny_dataset, run, quiet=True)
    with pytest.raises(InputError, match="already finished"):
        train_and_evaluate(cfg(), tiny_dataset, run, resume=True, quiet=True)


FOUR_DEVICES = """
import json, sys
import jax
from svgq_jax import config
from svgq_jax.train import train_and_evaluate
cfg = config.make_config(json.loads(sys.argv[2]))
out = {}
for n in (1, 4):
    train_and_evaluate(cfg, sys.argv[1], f"{sys.argv[3]}/d{n}", devices=jax.devices()[:n], quiet=True)
    out[n] = json.load(open(f"{sys.argv[3]}/d{n}/history.json"))
print(json.dumps({"devices": len(jax.devices()), "runs": out}))
"""


@pytest.mark.slow
def test_four_cpu_devices_match_one(tiny_dataset, tmp_path):
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    tiny = tiny_json(epochs=2)
    r = subprocess.run(
        [sys.executable, "-c", FOUR_DEVICES, str(tiny_dataset), json.dumps(tiny), str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["devices"] == 4
    one, four = out["runs"]["1"], out["runs"]["4"]
    for x, y in zip(one, four):
        assert abs(x["train_loss"] - y["train_loss"]) <= 1e-5 and abs(x["val_loss"] - y["val_loss"]) <= 1e-5


def test_resume_refuses_a_different_config(trained, tiny_dataset, tmp_path):
    import shutil

    run, _ = trained
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    (copy / "results.json").unlink()
    with pytest.raises(InputError, match="config differs"):
        train_and_evaluate(cfg(learning_rate=0.01), tiny_dataset, copy, resume=True, quiet=True)


def test_model_records_its_extra_inputs_and_the_seed_input_has_none(trained, tiny_dataset):
    from svgq_jax.core import params as param_space
    from svgq_jax.data.splits import split_images
    from svgq_jax.selection import default_selections
    from svgq_jax.train.inputs import model_config, prepare_arrays

    run, _ = trained
    model = json.loads((run / "model.json").read_text())
    assert [tuple(s) for s in model["selections"]] == list(default_selections())
    assert [tuple(p) for p in model["log_params"]] == list(param_space.log_pairs())
    ds = load_dataset(tiny_dataset, 1)
    split = split_images(ds.image_types, 0.2, 0.1, 0)
    arrays = prepare_arrays(ds, split, cfg())
    # the log2 parameters are standardised by the training examples' own mean and std
    logs = param_space.log2_params(arrays.params[arrays.rows["train"]], param_space.log_pairs())
    np.testing.assert_allclose(arrays.feature_mean[-len(param_space.LOG_SCALED) :], logs.mean(0), rtol=1e-5)
    np.testing.assert_allclose(arrays.feature_std[-len(param_space.LOG_SCALED) :], logs.std(0), rtol=1e-4)
    seed_cfg = cfg(input_features="resnet")
    arrays = prepare_arrays(ds, split, seed_cfg)
    mcfg = model_config(seed_cfg, arrays)
    assert mcfg.selections == mcfg.log_params == () and mcfg.n_inputs == 2056 and len(arrays.feature_mean) == 2048


def test_inputs_are_gathered_per_image_never_expanded(tiny_dataset, monkeypatch):
    """Datasets larger than memory: the arrays hold one row per image and 10 values per example; the
    statistics of the appended columns come out the same when measured in chunks."""
    from svgq_jax.data.splits import split_images
    from svgq_jax.train import inputs as train_inputs

    ds = load_dataset(tiny_dataset, 1)
    split = split_images(ds.image_types, 0.2, 0.1, 0)
    arrays = train_inputs.prepare_arrays(ds, split, cfg())
    assert arrays.table.shape[0] == ds.n_images and arrays.params.shape == (ds.n_examples, 8)
    assert all(a.ndim < 2 or a.shape[1] <= 8 for a in (arrays.image_index, arrays.params, arrays.y))
    rows = arrays.rows["val"]
    np.testing.assert_array_equal(arrays.inputs(rows), ds.inputs(rows, with_stats=True).astype(np.float32))
    monkeypatch.setattr(train_inputs, "STATS_ROWS", 7)  # many chunks: float64 sums instead of one pass
    chunked = train_inputs.prepare_arrays(ds, split, cfg())
    np.testing.assert_allclose(chunked.feature_mean, arrays.feature_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(chunked.feature_std, arrays.feature_std, rtol=1e-4, atol=1e-6)
