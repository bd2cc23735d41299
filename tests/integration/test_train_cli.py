"""`python -m svgq_jax.train`: configs from flags and files, bad ones refused in one line (exit 2)."""

import json

import pytest
from conftest import call_main, run_cli, tiny_flags


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--epochs", "0"], "epochs=0"),
        (["--precision", "fp8"], "precision"),
        (["--dropout", "0.1,0.2"], "dropout"),
        (["--learning-rate", "abc"], "learning_rate"),
        (["--validation-split", "0.95"], "validation_split"),
        (["--batch-size", "100000"], "exceeds"),
    ],
)
def test_bad_config_is_one_line_exit_2(tiny_dataset, tmp_path, flags, words):
    r = call_main("svgq_jax.train", "--data", tiny_dataset, "--out", tmp_path / "r", *tiny_flags(), *flags)
    assert r.returncode == 2, r.stderr[-500:]
    assert words in r.stderr.strip().splitlines()[-1] and "Traceback" not in r.stderr


def test_config_file_and_bad_files(tiny_dataset, tmp_path):
    good = tmp_path / "c.yaml"
    good.write_text("epochs: 1\nbatch_size: 16\nhidden_dims: [16, 8]\ndropout: [0.0, 0.0]\nmin_examples: 50\n")
    r = call_main(
        "svgq_jax.train",
        "--data",
        tiny_dataset,
        "--out",
        tmp_path / "r",
        "--config",
        good,
        "--quiet",
        "--no-validate",
        "--no-export",
    )
    assert r.returncode == 0, r.stderr[-800:]
    assert json.loads((tmp_path / "r" / "config.json").read_text())["hidden_dims"] == [16, 8]
    for text, words in (("{not json", "not valid JSON"), ('{"epoch": 3}', "unknown config field 'epoch'")):
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        r = call_main("svgq_jax.train", "--data", tiny_dataset, "--out", tmp_path / "r2", "--config", bad)
        assert r.returncode == 2 and words in r.stderr


def test_too_small_or_missing_dataset(tiny_dataset, tmp_path):
    # the train command's subprocess test: exit code 2 and one line, no traceback
    r = run_cli("svgq_jax.train", "--data", tiny_dataset, "--out", tmp_path / "r", *tiny_flags(min_examples=100000))
    assert (
        r.returncode == 2
        and "training needs at least 100000" in r.stderr.strip().splitlines()[-1]
        and "Traceback" not in r.stderr
    )
    r = call_main("svgq_jax.train", "--data", tmp_path / "none", "--out", tmp_path / "r")
    assert r.returncode == 2 and "no such directory" in r.stderr
