"""The third hostile round against every command: model archives that tell zipfile and torch two stories, bundles
out of range or of other shapes than their metadata, outputs that would lose or replace a file, partial outputs of
other pictures, clusters that do not answer, flags past their bounds, decodes that would not end, and datasets
that reach outside themselves (tests/hostile/archives.py, bundles.py, outputs.py, commands.py).

Each case ends in one line (exit 2) naming what is wrong, or in a result where the input is odd but fine: no
traceback, no hang, nothing run, nothing read outside, no file lost or replaced. Commands run in this process
(`call_main`) unless a case leaves a thread waiting on a cluster; the slow test runs the heaviest as real processes
and measures their memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import REPO, call_main, run_cli
from hostile import archives, bundles, commands, corpus, outputs

from integration.test_hostile_inputs import MEASURE, assert_one_line, snapshot
from svgq_jax.core import decode
from svgq_jax.core.errors import InputError

MEMORY_LIMIT_MB = 2048


@pytest.fixture(scope="module")
def round3(tmp_path_factory, tiny_bundle, tiny_dataset):
    root = tmp_path_factory.mktemp("hostile3")
    canary = root / "canary"  # payloads aim here: it must stay empty
    canary.mkdir()
    good = root / "good.png"
    corpus.logo(7, (96, 64)).save(good)
    pairs = commands.good_pairs(root / "good.jsonl", good)
    head = commands.silent_head()
    cases = {
        "archive": archives.archive_cases(root / "archives", tiny_bundle, canary),
        "bundle3": bundles.bundle_shape_cases(root / "bundles", tiny_bundle, canary),
        "output": outputs.output_runs(root / "outputs", tiny_bundle),
        "partial": outputs.partial_runs(root / "partial", tiny_bundle),
        "cluster": commands.cluster_runs(root / "cluster", pairs, head.getsockname()[1]),
        "flag3": commands.flag_runs(root / "flags", good, pairs, tiny_bundle, tiny_dataset),
        "decode": commands.decode_cases(root / "decode"),
        "dataset3": commands.dataset_outside_cases(root / "datasets", tiny_dataset, canary),
    }
    yield {"root": root, "canary": canary, "good": good, "pairs": pairs, "bundle": tiny_bundle, "cases": cases}
    head.close()


def execute(run: commands.Run) -> subprocess.CompletedProcess:
    """Run a case's command and hold it to what it must come to."""
    start = time.monotonic()
    r = run_cli(*run.args, timeout=run.seconds, env=run.env) if run.subprocess else call_main(*run.args)
    assert time.monotonic() - start < run.seconds, (run.name, "took", time.monotonic() - start)
    if run.expect is None:
        assert r.returncode == 0 and "Traceback" not in r.stderr, (run.name, r.returncode, r.stderr[-800:])
    else:
        assert_one_line(r, run.expect, run.name)
    if run.check:
        run.check(r)
    return r


def test_round3_corpus_size(round3):
    counts = {k: len(v) for k, v in round3["cases"].items()}
    assert sum(counts.values()) >= 150, counts
    assert all(n >= 3 for n in counts.values()), counts


def test_archives_never_run_code(round3):
    from torch_bridge.runner import load

    for case in round3["cases"]["archive"]:
        with pytest.raises(InputError, match=case.expect.replace("(", r"\(")):
            load(case.fmt, str(case.path))
    assert os.listdir(round3["canary"]) == [], "a model archive ran code"


def test_bundles_out_of_range_or_of_other_shapes(round3):
    out = round3["root"] / "bundle3-out.jsonl"
    for case in round3["cases"]["bundle3"]:
        r = call_main("svgq_jax.predict", "--model", case.path, "--pairs", round3["pairs"], "--out", out, "--quiet")
        assert_one_line(r, case.expect, case.name)
        assert len(r.stderr.strip().splitlines()) == 1, (case.name, r.stderr)
    assert not out.exists() and os.listdir(round3["canary"]) == []


def test_outputs_lose_and_replace_nothing(round3):
    for run in round3["cases"]["output"]:
        execute(run)


def test_a_partial_output_resumes_only_the_same_files(round3):
    for run in round3["cases"]["partial"]:
        execute(run)


def test_clusters_are_reached_or_refused_in_bounded_time(round3):
    imported = "ray" in sys.modules
    for run in round3["cases"]["cluster"]:
        execute(run)
    # refused before Ray is imported: Ray reads its token settings once, and the cluster tests' driver sets them
    assert ("ray" in sys.modules) == imported


def test_flags_past_their_bounds(round3):
    for run in round3["cases"]["flag3"]:
        execute(run)


def test_decoding_is_bounded_and_keeps_the_true_size(round3, monkeypatch):
    monkeypatch.setenv("SVGQ_DECODE_SECONDS", "1")
    for case in round3["cases"]["decode"]:
        start = time.monotonic()
        try:
            source, error = decode.load_source(case.path, case.max_side), None
        except InputError as e:
            source, error = None, str(e)
        assert time.monotonic() - start < 10, case.name
        assert (error is None) == (case.expect is None) and (error is None or case.expect in error), (case.name, error)
        if source is not None:
            assert (source.size, source.original_size) == (case.size, case.original), case.name


def test_a_source_traced_smaller_is_written_at_its_size_with_a_note(round3):
    jpeg = next(c.path for c in round3["cases"]["decode"] if "1000 px at 500" in c.name)
    out = round3["root"] / "note.svg"
    r = call_main(
        "svgq_jax.optimize", "--model", round3["bundle"], jpeg, "--out", out, "--max-side", "500", "--verify", "0"
    )
    assert r.returncode == 0, r.stderr[-500:]
    assert "is 1000x1000, over --max-side 500: traced at 500x500" in r.stderr
    assert commands.size_of(out) == (1000, 1000)


def test_datasets_read_nothing_outside(round3):
    run = round3["root"] / "dataset3-run"
    for name, path, expect in round3["cases"]["dataset3"]:
        r = call_main("svgq_jax.train", "--data", path, "--out", run, "--config", "tiny", "--quiet")
        assert_one_line(r, expect, name)
        assert not run.exists(), name
        if "metadata" in name:
            assert_one_line(call_main("svgq_jax.data", "info", path), expect, f"{name} (data info)")
    assert os.listdir(round3["canary"]) == []


def test_a_file_size_limit_is_one_line(round3, tmp_path):
    """A file-size limit (RLIMIT_FSIZE) reached while writing: one line, exit 2, nothing half-written left."""
    limit = "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64)); "
    for module, args, out in (
        ("svgq_jax.optimize", ["--model", round3["bundle"], round3["good"], "--verify", "0"], tmp_path / "o.svg"),
        (
            "svgq_jax.predict",
            ["--model", round3["bundle"], "--pairs", round3["pairs"], "--quiet"],
            tmp_path / "p.jsonl",
        ),
    ):
        code = limit + f"sys.argv = ['x', *sys.argv[1:]]; runpy.run_module('{module}', run_name='__main__')"
        r = subprocess.run(
            [sys.executable, "-c", code, *map(str, args), "--out", str(out)], cwd=REPO, capture_output=True, text=True
        )
        assert_one_line(r, "File too large", module)
        assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], module


def test_nothing_outside_the_cases_changed(round3):
    """Run last in this module: the good image, pairs and canary are as they were."""
    assert os.listdir(round3["canary"]) == []
    assert round3["pairs"].read_text().count("\n") == 1 and round3["good"].stat().st_size > 0


@pytest.mark.slow
def test_the_heaviest_cases_stay_under_2_gb(round3, tmp_path):
    """The cases that decode and trace the most, as real processes, their peak resident memory measured (with
    every process they start): a 6300x6300 JPEG through predict and optimize at the largest --max-side, a
    100-scan 6000-px progressive JPEG that runs out of decoding time, a measure capped from --workers 1000."""
    decode_dir = round3["root"] / "decode"
    big, slow = decode_dir / "6300 px.jpg", decode_dir / "100 scans of 6000 px.jpg"
    pairs = tmp_path / "big.jsonl"
    pairs.write_text("".join(json.dumps({"image": str(p), "params": corpus.GOOD_PARAMS}) + "\n" for p in (big, slow)))
    bundle = round3["bundle"]
    runs = {
        "predict 6300 px at 2048": ("svgq_jax.predict", "--model", bundle, "--pairs", pairs, "--out", tmp_path / "p"),
        "optimize 6300 px at 2048": ("svgq_jax.optimize", "--model", bundle, big, "--out", tmp_path / "o.svg"),
        "measure --workers 1000": (
            "svgq_jax.data",
            "measure",
            "--pairs",
            pairs,
            "--out",
            tmp_path / "m",
            "--workers",
            "1000",
        ),
    }
    peaks = {}
    for name, args in runs.items():
        rss = tmp_path / "maxrss"
        cmd = [sys.executable, "-c", MEASURE, str(rss), sys.executable, "-m", *map(str, args), "--max-side", "2048"]
        r = subprocess.run(
            cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env={**os.environ, "SVGQ_DECODE_SECONDS": "1"}
        )
        assert r.returncode == 0 and "Traceback" not in r.stderr, (name, r.stderr[-800:])
        peaks[name] = int(rss.read_text()) / 1024
    rows = [json.loads(line) for line in (tmp_path / "p").read_text().splitlines()]
    assert "predicted_ssim" in rows[0] and "error" not in rows[0], rows[0]
    assert "took more than 1 s to decode" in rows[1]["error"]
    print(f"\npeak resident memory, MB: {peaks}")
    assert max(peaks.values()) < MEMORY_LIMIT_MB, peaks


def test_the_canary_was_never_touched(round3):
    assert snapshot(round3["canary"]) == {}


def test_a_run_that_diverges_is_one_line(tiny_dataset, tmp_path, monkeypatch):
    """A learning rate in range that still diverges (the loss no longer finite): one line, exit 2."""
    from svgq_jax.train import loop

    real = loop._train_epoch
    monkeypatch.setattr(loop, "_train_epoch", lambda *a, **k: (real(*a, **k)[0], float("nan")))
    r = call_main("svgq_jax.train", "--data", tiny_dataset, "--out", tmp_path / "run", "--config", "tiny", "--quiet")
    assert_one_line(r, "training diverged at epoch 1 (loss nan) with learning_rate", "diverged")
