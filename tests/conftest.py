"""Shared fixtures: small data that the tests generate themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
REAL_LOGOS = REPO.parent / "shared" / "real-logos"


def run_cli(*args, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    """Run `python -m <args>` as a real subprocess and capture its output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", *map(str, args)], cwd=cwd or REPO, env=full_env,
        capture_output=True, text=True, timeout=timeout,
    )


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


# A tiny training configuration: small model, few epochs; every field is a real config field.
TINY = dict(
    epochs=3, batch_size=16, hidden_dims=(32, 16, 8), dropout=(0.1, 0.1, 0.1), min_examples=50,
    checkpoint_freq=1, warmup_epochs=1, plot_every=1, early_stopping_patience=20, ensemble=2, selected_stats=True,
)


def tiny_flags(**over) -> list[str]:
    """TINY (plus overrides) as command-line flags."""
    out = []
    for k, v in {**TINY, **over}.items():
        flag = "--" + k.replace("_", "-")
        if isinstance(v, bool):
            out.append(flag if v else "--no-" + flag[2:])
        else:
            out += [flag, ",".join(map(str, v)) if isinstance(v, tuple) else str(v)]
    return out


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """30 procedural logos x 8 parameter sets, built once per test session."""
    from svgq_jax.data.build import BuildConfig, build_dataset

    out = tmp_path_factory.mktemp("tiny") / "data"
    build_dataset(BuildConfig(out=str(out), logos="procedural:30", params_per_logo=8, workers=2, quiet=True))
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_dataset, tmp_path_factory) -> Path:
    """A finished TINY training run on tiny_dataset (validation and export are left to the tests)."""
    from svgq_jax import config as C
    from svgq_jax.train import train_and_evaluate

    run = tmp_path_factory.mktemp("runs") / "run"
    train_and_evaluate(C.make_config(TINY), tiny_dataset, run, quiet=True)
    return run


@pytest.fixture(scope="session")
def tiny_bundle(tiny_run, tmp_path_factory) -> Path:
    """RUN/export of a copy of tiny_run (exported once per session)."""
    import shutil

    from svgq_jax.export import export_run

    run = tmp_path_factory.mktemp("bundle") / "run"
    shutil.copytree(tiny_run, run)
    export_run(run, quiet=True)
    return run / "export"
