"""Installing `[train]` where torch is already there (Colab) keeps that torch: lower bounds, not pins, and the
notebook's install command pins what is installed so pip can only add what is missing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO
from packaging.requirements import Requirement

from svgq_jax import colab
from svgq_jax.core.environment import package_versions

KEPT = ("torch", "torchvision")
tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def dry_run(tmp_path, *args) -> list[str]:
    """The distributions `pip install --dry-run ARGS` would install into this environment."""
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-build-isolation", "--report"]
    r = subprocess.run([*cmd, str(report), *args], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return [item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]]


def test_the_train_extra_keeps_the_installed_torch_and_torchvision(tmp_path):
    installed = package_versions(KEPT)
    assert all(installed.values()), installed  # this environment holds both, as Colab does
    would_install = dry_run(tmp_path, ".[train]")
    assert would_install == ["svgq_jax"], would_install  # the package itself, nothing of torch's


def test_the_notebook_install_pins_what_is_installed(tmp_path):
    cmd = colab.install_command("train", tmp_path / "keep.txt", python=sys.executable)
    pins = dict(line.split("==") for line in (tmp_path / "keep.txt").read_text().split())
    assert {k: pins[k] for k in KEPT} == package_versions(KEPT)
    assert cmd[cmd.index("-c") + 1] == str(tmp_path / "keep.txt") and cmd[-1] == ".[train]"
    would_install = dry_run(tmp_path, *cmd[cmd.index("-c") :])
    assert not set(would_install) & set(colab.KEEP), would_install


def test_train_asks_for_torch_by_lower_bound():
    """Colab's preinstalled releases (older and newer than the one tested here) satisfy [train] as they are."""
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["train"]
    reqs = {r.name: r for r in map(Requirement, extra)}
    for name, versions in {
        "torch": ("2.6.0", "2.9.0+cu126", "3.1.0"),
        "torchvision": ("0.21.0", "0.24.0+cu126"),
    }.items():
        assert all(reqs[name].specifier.contains(v, prereleases=True) for v in versions), reqs[name]
    assert not reqs["torch"].specifier.contains("2.5.1")  # below the export APIs the project calls
