"""Shared fixtures: small data that the tests generate themselves."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from svgq_jax import config
from svgq_jax.configs.default import TrainConfig
from svgq_jax.core.commands import COMMANDS

REPO = Path(__file__).resolve().parents[1]

# The tests compile the same small models many times, here and in the CLI subprocesses (which inherit
# the environment): with JAX's persistent compilation cache every compile after the first is a read.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", tempfile.mkdtemp(prefix="svgq-jax-cache-"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")
REAL_LOGOS = REPO.parent / "shared" / "real-logos"


def run_cli(*args, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    """Run `python -m <args>` as a real subprocess and capture its output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", *map(str, args)],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# `python -m MODULE` -> the function its __main__ block hands to svgq_jax.core.cli.main
ENTRY_POINTS = {c.module: c.target for c in COMMANDS.values()}


def call_main(module: str, *args) -> subprocess.CompletedProcess:
    """`python -m <module> <args>` run in this process, through the same command-line layer
    (exit code, one-line errors), for the cases beside each command's one subprocess test."""
    import contextlib
    import importlib
    import io

    from svgq_jax.core import cli

    name, _, attr = ENTRY_POINTS[module].partition(":")
    fn = getattr(importlib.import_module(name), attr)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main(fn, [str(a) for a in args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return subprocess.CompletedProcess([module, *map(str, args)], code, out.getvalue(), err.getvalue())


def draw_test_logo(seed: int, size=(256, 256), mode="RGB") -> Image.Image:
    """A small flat-colour logo: a few anti-aliased shapes on white."""
    rng = np.random.default_rng(seed)
    big = Image.new("RGB", (size[0] * 2, size[1] * 2), "white")
    d = ImageDraw.Draw(big)
    for _ in range(3):
        x0, y0 = rng.integers(0, big.width // 2), rng.integers(0, big.height // 2)
        x1, y1 = x0 + rng.integers(20, big.width // 2), y0 + rng.integers(20, big.height // 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (d.ellipse if rng.random() < 0.5 else d.rectangle)([x0, y0, x1, y1], fill=colour)
    return big.resize(size, Image.LANCZOS).convert(mode)


def wordmark(size=(600, 180), seed=0) -> Image.Image:
    """A wide, transparent mark: anti-aliased shapes on nothing, drawn at 2x and box-filtered."""
    rng = np.random.default_rng(seed)
    big = Image.new("RGBA", (size[0] * 2, size[1] * 2), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    for k in range(5):
        x0 = 40 + k * big.width // 5
        colour = (*(int(c) for c in rng.integers(0, 200, 3)), 255)
        d.ellipse([x0, 40, x0 + big.width // 6, big.height - 40], fill=colour)
    d.rectangle([60, big.height // 2 - 10, big.width - 60, big.height // 2 + 10], fill=(20, 20, 20, 255))
    return big.resize(size, Image.BOX)


@pytest.fixture(scope="session")
def logo_folder(tmp_path_factory) -> Path:
    """A folder of user images: two typed subfolders, plus broken files that must be skipped."""
    root = tmp_path_factory.mktemp("logos")
    (root / "simple_geometric").mkdir()
    (root / "text_based").mkdir()
    for i in range(4):
        draw_test_logo(i).save(root / "simple_geometric" / f"logo{i}.png")
    draw_test_logo(10, size=(300, 120)).save(root / "text_based" / "wide.jpg", quality=95)
    draw_test_logo(11, size=(64, 64), mode="P").save(root / "text_based" / "palette.png")
    draw_test_logo(12).save(root / "top.webp")
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    (root / "empty.jpg").write_bytes(b"")
    (root / "readme.txt").write_text("not an image")
    return root


@pytest.fixture(scope="module")
def mark_file(tmp_path_factory):
    """wordmark() as a PNG file, written once per module (the native-size tests)."""
    path = tmp_path_factory.mktemp("native") / "wordmark.png"
    wordmark().save(path)
    return path


# What the tests train: svgq_jax/configs/tiny.py (`--config tiny`).
TINY = config.named("tiny")


def tiny(**over) -> TrainConfig:
    """The tiny config with some fields changed (validated like any config)."""
    return config.make_config(over, base=TINY)


def tiny_json(**over) -> dict:
    """tiny(**over) as the JSON a run saves (for subprocesses and notebooks)."""
    return config.to_dict(tiny(**over))


def tiny_flags(**over) -> list[str]:
    """`--config tiny` plus overrides as command-line flags."""
    out = ["--config", "tiny"]
    for k, v in over.items():
        flag = "--" + k.replace("_", "-")
        if isinstance(v, bool):
            out.append(flag if v else "--no-" + flag[2:])
        else:
            out += [flag, ",".join(map(str, v)) if isinstance(v, tuple) else str(v)]
    return out


# The dataset-build tests' small procedural build (tests/unit/data/test_build.py and
# tests/integration/test_dataset_build.py).
SMALL = dict(logos="procedural:10", params_per_logo=4, workers=2, quiet=True)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """30 procedural logos x 8 parameter sets, built once per test session."""
    from svgq_jax.data.build import BuildConfig, build_dataset

    out = tmp_path_factory.mktemp("tiny") / "data"
    build_dataset(BuildConfig(out=str(out), logos="procedural:30", params_per_logo=8, workers=2, quiet=True))
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_dataset, tmp_path_factory) -> Path:
    """A finished tiny-config training run on tiny_dataset (validation and export are left to the tests)."""
    from svgq_jax.train import train_and_evaluate

    run = tmp_path_factory.mktemp("runs") / "run"
    train_and_evaluate(TINY, tiny_dataset, run, quiet=True)
    return run


@pytest.fixture(scope="session")
def tiny_bundle(tiny_run, tmp_path_factory) -> Path:
    """RUN/export of a copy of tiny_run, validated (without cross-validation) and exported once per session."""
    import shutil

    from svgq_jax.validate import validate_run
    from torch_bridge.export import export_run

    run = tmp_path_factory.mktemp("bundle") / "run"
    shutil.copytree(tiny_run, run)
    validate_run(run, cv_folds=0, quiet=True)
    export_run(run, quiet=True)
    return run / "export"
