"""Dataset builds (svgq_jax.data.build) of a few procedural logos or a folder, and the loader on what they write."""

import json
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import REPO, SMALL

from svgq_jax.core.errors import InputError
from svgq_jax.core.files import save_npz
from svgq_jax.data.build import BuildConfig, build_dataset
from svgq_jax.data.dataset import load_dataset
from svgq_jax.data.logos import LOGO_TYPES


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("ds") / "small"
    build_dataset(BuildConfig(out=str(out), **SMALL))
    return out


def same_content(a, b):
    """Datasets equal in everything but trace times (a measurement)."""
    da, db = load_dataset(a, min_examples=1), load_dataset(b, min_examples=1)
    assert da.image_ids == db.image_ids
    np.testing.assert_array_equal(da.image_types, db.image_types)
    np.testing.assert_array_equal(da.features, db.features)
    for f in ("image_index", "params", "ssim", "svg_bytes"):
        np.testing.assert_array_equal(getattr(da, f), getattr(db, f))


def test_layout_and_loader(small):
    ds = load_dataset(small, min_examples=10)
    assert ds.n_images == 10 and ds.n_examples + json.loads((small / "report.json").read_text())["failures"] == 40
    assert list(ds.image_types[:5]) == list(LOGO_TYPES)
    assert ds.features.shape == (10, 2048) and ds.inputs().shape == (ds.n_examples, 2056)
    assert ((ds.ssim >= 0) & (ds.ssim <= 1)).all() and ds.ssim.std() > 0.01
    assert all(ds.image_path(i).is_file() for i in range(ds.n_images))
    meta = ds.metadata
    assert meta["backbone"]["name"] == "resnet50-random-seed0" and len(meta["backbone"]["sha256"]) == 64
    assert meta["seed"] == 0 and meta["param_space_version"] == 1 and "11-tap" in meta["ssim_definition"]
    assert meta["packages"]["vtracer"] and meta["counts"]["images"] == 10


def test_same_seed_same_dataset_other_seed_differs(small, tmp_path):
    build_dataset(BuildConfig(out=str(tmp_path / "again"), **SMALL))
    same_content(small, tmp_path / "again")
    build_dataset(BuildConfig(out=str(tmp_path / "other"), **{**SMALL, "seed": 1}))
    assert load_dataset(tmp_path / "other", 1).image_ids != load_dataset(small, 1).image_ids


def test_other_settings_in_the_same_directory_are_refused(small):
    with pytest.raises(InputError, match="other settings"):
        build_dataset(BuildConfig(out=str(small), **{**SMALL, "seed": 3}))


def test_rerun_of_finished_build_does_nothing(small):
    before = (small / "metadata.json").stat().st_mtime_ns
    build_dataset(BuildConfig(out=str(small), **SMALL))
    assert (small / "metadata.json").stat().st_mtime_ns == before


@pytest.mark.slow
def test_resume_after_kill_gives_the_same_dataset(tmp_path):
    args = ["--logos", "procedural:12", "--params-per-logo", "4", "--workers", "2", "--quiet"]
    cmd = [sys.executable, "-m", "svgq_jax.data", "build", "--out", str(tmp_path / "killed"), *args]
    proc = subprocess.Popen(cmd, cwd=REPO, stderr=subprocess.DEVNULL)
    labels = tmp_path / "killed" / "labels"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(labels.glob("*.json"))) < 4:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = {p: p.stat().st_mtime_ns for p in labels.glob("*.json")}
    assert 4 <= len(done) < 12 and not (tmp_path / "killed" / "metadata.json").exists()
    assert subprocess.run(cmd, cwd=REPO).returncode == 0
    assert all(p.stat().st_mtime_ns == t for p, t in done.items())  # finished images not redone
    subprocess.run([*cmd[:5], str(tmp_path / "whole"), *args], cwd=REPO, check=True)
    same_content(tmp_path / "killed", tmp_path / "whole")


def test_folder_import_skips_bad_files(logo_folder, tmp_path):
    out = tmp_path / "user"
    report = build_dataset(BuildConfig(out=str(out), logos=str(logo_folder), params_per_logo=2, workers=2, quiet=True))
    ds = load_dataset(out, min_examples=1)
    assert ds.n_images == 7
    assert sorted(set(ds.image_types)) == ["simple_geometric", "text_based", "unknown"]
    skipped = {
        s["source"].rsplit("/", 1)[1]: s["reason"]
        for s in map(json.loads, (out / "skipped.jsonl").read_text().splitlines())
    }
    assert set(skipped) == {"broken.png", "empty.jpg", "readme.txt"} and report["skipped_files"] == 3
    assert "empty" in skipped["empty.jpg"] and "not a readable image" in skipped["broken.png"]


@pytest.mark.parametrize(
    "tamper, words",
    [
        (lambda d: (d / "metadata.json").unlink(), "not a finished dataset"),
        (lambda d: np.save(d / "features.npy", np.zeros((10, 7), np.float32)), "features must be"),
        ("ssim", "SSIM labels must be"),
        ("params", "out of range"),
    ],
)
def test_loader_refuses_broken_datasets(small, tmp_path, tamper, words):
    d = tmp_path / "copy"
    shutil.copytree(small, d)
    if isinstance(tamper, str):
        with np.load(d / "examples.npz") as z:
            ex = dict(z)
        ex[tamper][0] = 1.5 if tamper == "ssim" else 99
        save_npz(d / "examples.npz", **ex)
    else:
        tamper(d)
    with pytest.raises(InputError, match=words):
        load_dataset(d, min_examples=1)


def test_loader_demands_enough_examples(small):
    with pytest.raises(InputError, match="training needs at least 1000"):
        load_dataset(small)


def test_outdated_statistics_are_recomputed_once_and_kept(small, tmp_path):
    root = tmp_path / "old"
    shutil.copytree(small, root)
    fresh = np.load(root / "image_stats.npy")
    meta = json.loads((root / "metadata.json").read_text())
    meta["image_stats"]["version"] -= 1  # as written by an older package
    (root / "metadata.json").write_text(json.dumps(meta))
    np.save(root / "image_stats.npy", np.zeros((fresh.shape[0], 3), np.float32))
    ds = load_dataset(root, 1)
    np.testing.assert_allclose(ds.image_stats, fresh, rtol=0, atol=1e-6)
    assert np.array_equal(np.load(root / "image_stats.npy"), ds.image_stats)  # kept for the next load
    assert (
        json.loads((root / "metadata.json").read_text())["image_stats"]
        == load_dataset(small, 1).metadata["image_stats"]
    )


def test_sources_keep_their_size_and_examples_record_it(small):
    from PIL import Image

    from svgq_jax.core import images
    from svgq_jax.core.files import read_jsonl

    ds = load_dataset(small, 1)
    records = read_jsonl(small / "images.jsonl")
    for i, rec in enumerate(records):
        source = images.load_source(ds.source_path(i))
        assert source.size == (rec["width"], rec["height"]) and source.has_alpha == rec["has_alpha"]
        assert Image.open(ds.image_path(i)).size == (256, 256)  # the canonical view the features read
    sides = {max(r["width"], r["height"]) for r in records}
    assert sides <= {256, 384, 512} and len(sides) > 1  # the default mix: canonical, and native up to 512 px
    assert any(r["has_alpha"] for r in records) and any(r["width"] != r["height"] for r in records)
    canonical = [r for r in records if (r["width"], r["height"]) == (256, 256) and not r["has_alpha"]]
    assert canonical  # the canonical logos are their own canonical views
    i = records.index(canonical[0])
    assert np.array_equal(images.load_source(ds.source_path(i)).over_white(), np.asarray(Image.open(ds.image_path(i))))
    assert ds.trace_size.tolist() == [[records[i]["width"], records[i]["height"]] for i in ds.image_index]
    transparent = np.array([records[i]["has_alpha"] for i in ds.image_index])
    assert np.isnan(ds.alpha_mad[~transparent]).all() and (ds.alpha_mad[transparent] >= 0).all()
