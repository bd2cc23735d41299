"""Hostile input against every command: the corpus in tests/hostile/corpus.py, generated here.

Each case must end in one line (exit 2, or that line's `error` in a JSONL output) naming
what is wrong, or in a result where the input is odd but fine: no traceback, no hang, no
file written outside the output, nothing run or read from a file that should not be. The
fast tests check every case in this process; the slow one runs the command-line tools
over all of them at once, as real processes, and measures their memory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, call_main
from hostile import corpus

from svgq_jax.core import images
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import locked_file

RENDER_SECONDS = "1"  # SVGQ_SVG_SECONDS for the corpus: its slow SVG must not cost the default 10 s
MEMORY_LIMIT_MB = 2048  # no case may take more (README)
# The tools' --max-side here: the corpus is about reading files, and native-size statistics of a
# 2048-px image take seconds (README gives the default's memory, measured by hand).
MAX_SIDE = "1024"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, tiny_bundle, tiny_dataset):
    """The whole corpus, written once: {category: [Case]}, the folders, a good image and pairs file."""
    root = tmp_path_factory.mktemp("hostile")
    canary = root / "canary"  # payloads aim here: it must stay as it is
    canary.mkdir()
    good = root / "good.png"
    corpus.logo(7, (96, 64)).save(good)
    pairs = root / "good.jsonl"
    pairs.write_text(json.dumps({"image": str(good), "params": corpus.GOOD_PARAMS}) + "\n")
    files = root / "files"  # images and SVGs, one subfolder each (a data build types them by it)
    cases = {
        "image": corpus.raster_cases(files / "images"),
        "svg": corpus.svg_cases(files / "svgs", canary),
        "jsonl": corpus.jsonl_cases(good, files),
        "config": corpus.config_cases(root / "configs"),
        "bundle": corpus.bundle_cases(root / "bundles", tiny_bundle),
        "dataset": corpus.dataset_cases(root / "datasets", tiny_dataset, canary),
        "model": corpus.model_cases(root / "models", tiny_bundle, canary),
        "flag": corpus.flag_cases(root / "flags", good, pairs, tiny_bundle, tiny_dataset),
    }
    return {
        "root": root,
        "canary": canary,
        "good": good,
        "pairs": pairs,
        "files": files,
        "bundle": tiny_bundle,
        "cases": cases,
    }


@pytest.fixture(autouse=True)
def _render_limit(monkeypatch):
    monkeypatch.setenv("SVGQ_SVG_SECONDS", RENDER_SECONDS)


def snapshot(root: Path) -> dict:
    """Every path under `root` with its size, modification time and mode (links not followed)."""
    return {str(p): (s.st_size, s.st_mtime_ns, s.st_mode) for p in root.rglob("*") for s in [p.lstat()]}


def assert_one_line(r: subprocess.CompletedProcess, expect: str, name: str) -> None:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (name, r.returncode, r.stderr[-600:])
    assert "Traceback" not in r.stderr and lines and expect in lines[-1], (name, expect, r.stderr[-600:])


def test_corpus_size(hostile):
    counts = {k: len(v) for k, v in hostile["cases"].items()}
    assert sum(counts.values()) >= 150, counts
    assert all(n >= 10 for n in counts.values()), counts


# ---------------------------------------------------------------- each case in this process


def test_images_and_svgs_decode_or_refuse_in_one_line(hostile):
    before = snapshot(hostile["root"])
    for case in hostile["cases"]["image"] + hostile["cases"]["svg"]:
        try:
            images.load_source(case.path)
            error = None
        except InputError as e:
            error = str(e)
        assert (error is None) == (case.expect is None), (case.name, error)
        assert error is None or (case.expect in error and "\n" not in error), (case.name, error)
    assert snapshot(hostile["root"]) == before and os.listdir(hostile["canary"]) == ["secret.png"]


def test_sixteen_bit_and_float_greys_keep_their_values(hostile):
    folder = hostile["files"] / "images"
    ramp = np.linspace(0, 255, 48 * 64).reshape(48, 64)  # what the 16-bit and float files hold, in 8 bits
    for name in ("png-16bit-grey.png", "tiff-16bit-grey.tif", "tiff-16bit-grey-big-endian.tif", "tiff-float-0-1.tif"):
        grey = images.load_source(folder / name).rgba[..., 0].astype(float)
        assert np.abs(grey - ramp).max() <= 1, name  # not clipped to white, not black


def test_pairs_lines_each_get_their_own_error(hostile, tmp_path):
    from svgq_jax.core.pairs import read_pairs

    cases = hostile["cases"]["jsonl"]
    good = hostile["pairs"].read_bytes()
    (tmp_path / "p.jsonl").write_bytes(good + b"\n".join(c.line for c in cases) + b"\n" + good)
    pairs = read_pairs(tmp_path / "p.jsonl")
    assert len(pairs) == len(cases) + 2 and pairs[0].error is pairs[-1].error is None
    for case, pair in zip(cases, pairs[1:]):
        if pair.error is None and case.expect is not None:  # found when its image is read
            with pytest.raises(InputError, match=case.expect):
                images.load_source(pair.image)
        else:
            assert (pair.error is None) == (case.expect is None), (case.name, pair.error)
            assert pair.error is None or case.expect in pair.error, (case.name, pair.error)


def test_configs_are_refused_in_one_line(hostile, tiny_dataset):
    run = hostile["root"] / "config-run"
    for case in hostile["cases"]["config"]:
        r = call_main("svgq_jax.train", "--data", tiny_dataset, "--out", run, "--config", case.path, "--quiet")
        assert_one_line(r, case.expect, case.name)
        assert not run.exists(), case.name  # refused before anything was written


def test_bundles_are_refused_in_one_line(hostile):
    out = hostile["root"] / "bundle-out.jsonl"
    for case in hostile["cases"]["bundle"]:
        args = ("--model", case.path, "--pairs", hostile["pairs"], "--out", out, "--quiet")
        assert_one_line(call_main("svgq_jax.predict", *args), case.expect, case.name)
        assert not out.exists()


def test_datasets_are_refused_in_one_line(hostile):
    run = hostile["root"] / "dataset-run"
    for case in hostile["cases"]["dataset"]:
        r = call_main("svgq_jax.train", "--data", case.path, "--out", run, "--config", "tiny", "--quiet")
        assert_one_line(r, case.expect, case.name)
        assert not run.exists(), case.name
    for case in hostile["cases"]["dataset"]:
        if "metadata" in case.name:  # what `data info` reads
            assert_one_line(call_main("svgq_jax.data", "info", case.path), "metadata", case.name)
    assert os.listdir(hostile["canary"]) == ["secret.png"]


def test_model_files_never_run_code(hostile):
    from torch_bridge.runner import load

    for case in hostile["cases"]["model"]:
        with pytest.raises(InputError, match=case.expect):
            load(case.fmt, str(case.path))
    assert os.listdir(hostile["canary"]) == ["secret.png"], "a model file ran code"


def test_flags_are_named_in_one_line(hostile):
    before = snapshot(hostile["files"])
    for case in hostile["cases"]["flag"]:
        assert_one_line(call_main(*case.args), case.expect, case.name)
    assert snapshot(hostile["files"]) == before
    assert sorted(p.name for p in (hostile["root"] / "flags").iterdir()) == [
        "a-file",
        "a-folder",
        "logo.svg",
        "o.jsonl.partial",
    ], "a refused command wrote something"


# ---------------------------------------------------------------- every command-line tool, as real processes


MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def start_measured(tmp: Path, name: str, *args) -> tuple[subprocess.Popen, Path]:
    """`python -m ARGS` as a real process, through a parent that records the peak resident memory of it
    and of every process it started (workers, the SVG renderer) in the returned file, in KiB."""
    rss = tmp / f"{name}.maxrss"
    env = {**os.environ, "SVGQ_SVG_SECONDS": RENDER_SECONDS}
    cmd = [sys.executable, "-c", MEASURE, str(rss), sys.executable, "-m", *map(str, args)]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), rss


def finish(proc: subprocess.Popen, rss: Path, timeout: float = 300) -> tuple[subprocess.CompletedProcess, float]:
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), int(rss.read_text()) / 1024


def write_corpus_pairs(hostile, path: Path) -> list[tuple[str, str | None]]:
    """The pairs file of every image, SVG and JSONL case, between two good lines; returns (case name,
    expected error words) per line. Cases that must decode come first: a predictor batches their features."""
    good = hostile["pairs"].read_bytes().strip()
    files = sorted(hostile["cases"]["image"] + hostile["cases"]["svg"], key=lambda c: c.expect is not None)
    lines = [json.dumps({"image": str(c.path), "params": corpus.GOOD_PARAMS}).encode() for c in files]
    path.write_bytes(b"\n".join([good, *lines, *(c.line for c in hostile["cases"]["jsonl"]), good]) + b"\n")
    return [("good", None), *((c.name, c.expect) for c in files + hostile["cases"]["jsonl"]), ("good", None)]


def check_rows(out: Path, expected, result_key: str) -> list[dict]:
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(expected)
    for row, (name, expect) in zip(rows, expected):
        if expect is None:
            assert result_key in row and "error" not in row, (name, row.get("error"))
        else:
            assert expect in row.get("error", ""), (name, expect, row.get("error"))
            assert not {"ssim", "predicted_ssim"} & set(row), (name, "a failed line kept a result field")
    return rows


@pytest.mark.slow
def test_every_command_over_the_corpus(hostile, tmp_path):
    root, before, bundle = hostile["root"], snapshot(hostile["root"]), hostile["bundle"]
    expected = write_corpus_pairs(hostile, tmp_path / "corpus.jsonl")
    pairs = ("--pairs", tmp_path / "corpus.jsonl", "--max-side", MAX_SIDE, "--quiet")
    # predict and measure side by side, each over every image, SVG and JSONL case at once
    runs = {
        "predict": start_measured(
            tmp_path, "predict", "svgq_jax.predict", "--model", bundle, *pairs, "--out", tmp_path / "p.jsonl"
        ),
        "measure": start_measured(
            tmp_path, "measure", "svgq_jax.data", "measure", *pairs, "--out", tmp_path / "m.jsonl", "--workers", "2"
        ),
    }
    second_writers_are_refused(tmp_path / "p.jsonl", hostile, runs["predict"][0])
    peaks = {}
    for name, (proc, rss) in runs.items():
        r, peaks[name] = finish(proc, rss)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (name, r.stderr[-1000:])
    predicted = check_rows(tmp_path / "p.jsonl", expected, "predicted_ssim")
    measured = check_rows(tmp_path / "m.jsonl", expected, "ssim")

    # the good lines' results are what they are without the corpus around them
    good = ("--pairs", hostile["pairs"], "--max-side", MAX_SIDE, "--quiet")
    alone = start_measured(tmp_path, "alone", "svgq_jax.predict", "--model", bundle, *good, "--out", tmp_path / "pa")
    build_skips_every_bad_file(hostile, tmp_path)  # meanwhile
    assert call_main("svgq_jax.data", "measure", *good, "--out", tmp_path / "ma", "--workers", "1").returncode == 0
    assert finish(*alone)[0].returncode == 0
    for rows, key, alone_out in ((predicted, "predicted_ssim", "pa"), (measured, "ssim", "ma")):
        want = json.loads((tmp_path / alone_out).read_text())[key]
        assert rows[0][key] == rows[-1][key] and abs(rows[0][key] - want) < 1e-6, (key, rows[0][key], want)

    optimize_reports_every_bad_file(hostile, tmp_path)
    assert snapshot(root) == before, "a file outside --out changed"
    assert os.listdir(hostile["canary"]) == ["secret.png"]
    print(f"\npeak resident memory, MB: {peaks}")
    assert max(peaks.values()) < MEMORY_LIMIT_MB, peaks


def second_writers_are_refused(out: Path, hostile, first: subprocess.Popen) -> None:
    """While a predict process writes `out`, a second predict run on it (other input, or the same) is
    refused in one line, and the first one's output holds its own rows only (checked by the caller)."""
    partial = out.with_name(out.name + ".partial")
    deadline = time.monotonic() + 120
    while not (partial.exists() and _held(partial)) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    for pairs in (hostile["pairs"], first.args[first.args.index("--pairs") + 1]):
        r = call_main("svgq_jax.predict", "--model", hostile["bundle"], "--pairs", pairs, "--out", out, "--quiet")
        assert_one_line(r, "being written by another process", f"second writer {pairs}")


def _held(path: Path) -> bool:
    """Whether another process holds the lock on `path`."""
    try:
        locked_file(path, "probe").close()
    except InputError:
        return True
    return False


def build_skips_every_bad_file(hostile, tmp_path: Path) -> None:
    """`data build --logos FOLDER` over every bad image and SVG file (linked in, so that FIFOs, devices and
    loops stay what they are) and one good image: skipped.jsonl names each bad file with its reason."""
    folder = tmp_path / "to-build"
    folder.mkdir()
    shutil.copy(hostile["good"], folder / "good.png")
    bad = [c for c in hostile["cases"]["image"] + hostile["cases"]["svg"] if c.expect and not c.path.is_dir()]
    for i, case in enumerate(bad):
        (folder / f"{i:03d}-{case.path.name[:40]}").symlink_to(case.path)
    out = tmp_path / "dataset"
    args = ("--out", out, "--logos", folder, "--params-per-logo", "1", "--max-side", MAX_SIDE, "--quiet")
    r = call_main("svgq_jax.data", "build", *args)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-1000:]
    skipped = {Path(s["source"]).name: s["reason"] for s in map(json.loads, (out / "skipped.jsonl").open())}
    assert len(skipped) == len(bad) and (out / "images.jsonl").read_text().count("\n") == 1
    for i, case in enumerate(bad):
        reason = skipped.get(f"{i:03d}-{case.path.name[:40]}", "")
        assert case.expect in reason, (case.name, case.expect, reason)


def optimize_reports_every_bad_file(hostile, tmp_path: Path) -> None:
    """`optimize FOLDER --out DIR` over the refused raster files and a good one: each refused one in
    `failures` with its reason, the good one with an SVG."""
    folder = tmp_path / "to-optimize"
    folder.mkdir()
    chosen = [c for c in hostile["cases"]["image"] if c.expect is not None and c.path.is_file()]
    chosen += [c for c in hostile["cases"]["image"] if c.name.startswith("image:png-16bit")]
    for case in chosen:
        shutil.copy(case.path, folder / case.path.name)
    args = ("--model", hostile["bundle"], folder, "--out", tmp_path / "svgs", "--budget", "16", "--verify", "0")
    r = call_main("svgq_jax.optimize", *args, "--json")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-1000:]
    doc = json.loads(r.stdout)
    failures = {Path(f["image"]).name: f["error"] for f in doc["failures"]}
    for case in chosen:
        if case.expect is None:
            assert (tmp_path / "svgs" / (case.path.name + ".svg")).is_file(), case.name
        else:
            assert case.expect in failures.get(case.path.name, ""), (case.name, failures.get(case.path.name))
