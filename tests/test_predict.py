import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, call_main, draw_test_logo, run_cli

from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.data.dataset import load_dataset
from svgq_jax.predict import QualityPredictor


@pytest.fixture(scope="module")
def predictor(tiny_bundle):
    return QualityPredictor.load(tiny_bundle)


def test_predict_matches_the_trained_model(predictor, tiny_dataset, tiny_run):
    from svgq_jax.train.checkpoints import restore_kept_model

    ds = load_dataset(tiny_dataset, 1)
    rows = np.flatnonzero(ds.image_index == 3)
    model = restore_kept_model(tiny_run)
    want = np.asarray(model(ds.inputs(rows, with_stats=True)))
    ssim, size = predictor.predict_batch(
        [ds.source_path(3)] * len(rows), [param_space.from_vector(v) for v in ds.params[rows]]
    )
    np.testing.assert_allclose(ssim, want[:, 0], atol=1e-4)
    np.testing.assert_allclose(np.log(size), want[:, 1], atol=1e-4)  # bytes, from the log-bytes output
    one = predictor.predict(ds.source_path(3), param_space.from_vector(ds.params[rows[0]]))
    assert isinstance(one.ssim, float) and abs(one.ssim - want[0, 0]) < 1e-4
    assert one.svg_bytes == pytest.approx(np.exp(want[0, 1]), rel=1e-3)


def test_inputs_of_every_kind_and_bad_params(predictor, tmp_path):
    img = draw_test_logo(5)
    img.save(tmp_path / "x.png")
    a = predictor.predict(tmp_path / "x.png", param_space.VTRACER_DEFAULTS)
    assert a == pytest.approx(predictor.predict(img, param_space.VTRACER_DEFAULTS), rel=1e-6)
    assert a == pytest.approx(predictor.predict(np.asarray(img), param_space.VTRACER_DEFAULTS), rel=1e-6)
    assert 0 <= a.ssim <= 1 and a.svg_bytes > 100
    with pytest.raises(InputError, match="color_precision"):
        predictor.predict(img, {**param_space.VTRACER_DEFAULTS, "color_precision": 0})
    with pytest.raises(InputError, match="missing parameter"):
        predictor.predict(img, {"color_precision": 3})
    with pytest.raises(InputError, match="not a readable image"):
        (tmp_path / "bad.png").write_bytes(b"nope")
        predictor.predict(tmp_path / "bad.png", param_space.VTRACER_DEFAULTS)


def test_the_defaults_trace_and_optimize_share_one_target(predictor):
    from svgq_jax.core.tracing import label
    from svgq_jax.verify import optimize_image

    predictor.forget()
    a, b = (predictor.source(np.asarray(draw_test_logo(i))) for i in (6, 7))
    kept = predictor.target(a)
    assert predictor.target(a) is kept and predictor.target(b) is not kept  # the last source's only
    res = optimize_image(predictor, a, budget=64, verify=1)
    # the shared target scores like a fresh one: the defaults' label equals a new trace of them
    fresh, _ = label(predictor.target(a), param_space.VTRACER_DEFAULTS)
    assert res.defaults.svg_bytes > 0 and abs(res.defaults.actual - fresh.ssim) < 0.02
    predictor.forget()
    assert predictor._target is None and not predictor._cache and not predictor._defaults


def test_predictor_does_not_import_jax(tiny_bundle, tmp_path):
    draw_test_logo(1).save(tmp_path / "x.png")
    code = (
        f"import sys; from svgq_jax.predict import QualityPredictor; p = QualityPredictor.load({str(tiny_bundle)!r}); "
        f"from svgq_jax.core import params as param_space; v = p.predict({str(tmp_path / 'x.png')!r}, "
        f"param_space.VTRACER_DEFAULTS); "
        "print(v.ssim, v.svg_bytes, 'jax' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-800:]
    value, size, jax_loaded = r.stdout.split()
    assert 0 <= float(value) <= 1 and float(size) > 0 and jax_loaded == "False"


def test_predict_cli_marks_bad_lines(tiny_bundle, tmp_path):
    draw_test_logo(0).save(tmp_path / "a.png")
    draw_test_logo(1).save(tmp_path / "b.png")
    (tmp_path / "junk.png").write_bytes(b"junk")
    good = param_space.VTRACER_DEFAULTS
    lines = [
        {"image": "a.png", "params": good, "id": 1},
        {"image": "b.png", "params": {**good, "filter_speckle": 0}, "id": 2},
        {"image": "a.png", "params": {**good, "path_precision": 0}, "id": 3},
        {"image": "missing.png", "params": good, "id": 4},
        {"image": "junk.png", "params": good, "id": 5},
        {"image": "a.png", "params": {"color_precision": 4}, "id": 6},
        {"image": "a.png", "params": {**good, "color_precision": 2}, "id": 7},
    ]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    r = run_cli(
        "svgq_jax.predict", "--model", tiny_bundle, "--pairs", tmp_path / "p.jsonl", "--out", tmp_path / "o.jsonl"
    )
    assert r.returncode == 0, r.stderr[-800:]
    out = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [o["id"] for o in out] == [1, 2, 3, 4, 5, 6, 7]
    ok = {o["id"]: o for o in out if "predicted_ssim" in o}
    assert set(ok) == {1, 2, 7} and all(0 <= o["predicted_ssim"] <= 1 for o in ok.values())
    assert all(isinstance(o["predicted_bytes"], int) and o["predicted_bytes"] > 0 for o in ok.values())
    errors = {o["id"]: o["error"] for o in out if "error" in o}
    assert (
        "path_precision" in errors[3]
        and "cannot read" in errors[4]
        and "not a readable image" in errors[5]
        and "missing parameter" in errors[6]
    )


def _broken_bundles(tiny_bundle, tmp_path):
    def copy(name):
        d = tmp_path / name
        shutil.copytree(tiny_bundle, d)
        return d

    no_backbone = copy("no_backbone")  # the bundle carries its backbone; nothing else stands in for it
    (no_backbone / "backbone.onnx").unlink()
    old_preprocessing = copy("old_preprocessing")  # features of torchvision's tensor resize (version 1)
    meta = json.loads((old_preprocessing / "metadata.json").read_text())
    meta["backbone"] = {k: v for k, v in meta["backbone"].items() if k != "preprocessing"}
    (old_preprocessing / "metadata.json").write_text(json.dumps(meta))
    corrupt = copy("corrupt_meta")
    (corrupt / "metadata.json").write_text("{ not json")
    bad_onnx = copy("bad_onnx")
    (bad_onnx / "quality_predictor.onnx").write_bytes(b"not onnx")
    old_stats = copy("old_stats")  # trained before the image statistics changed
    meta = json.loads((old_stats / "metadata.json").read_text())
    for block in meta["input"]["blocks"]:
        if block["name"] == "image_stats":
            block["version"] -= 1
    (old_stats / "metadata.json").write_text(json.dumps(meta))
    return {
        "missing": (tmp_path / "nowhere", "not a model bundle"),
        "no_backbone": (no_backbone, "backbone.onnx is missing"),
        "old_preprocessing": (old_preprocessing, "preprocessing v1"),
        "corrupt": (corrupt, "corrupt bundle metadata"),
        "onnx": (bad_onnx, "not a loadable ONNX model"),
        "old_stats": (old_stats, "image statistics v"),
    }


def test_bad_bundles_are_one_line_exit_2(tiny_bundle, tmp_path):
    draw_test_logo(0).save(tmp_path / "a.png")
    (tmp_path / "p.jsonl").write_text(json.dumps({"image": "a.png", "params": param_space.VTRACER_DEFAULTS}) + "\n")
    for name, (bundle, words) in _broken_bundles(tiny_bundle, tmp_path).items():
        for args in (
            ["svgq_jax.predict", "--model", bundle, "--pairs", tmp_path / "p.jsonl", "--out", tmp_path / "o.jsonl"],
            ["svgq_jax.optimize", "--model", bundle, tmp_path / "a.png", "--verify", "0"],
        ):
            r = (run_cli if name == "no_backbone" else call_main)(*args)  # one real subprocess per command
            assert r.returncode == 2, (name, r.stderr[-500:])
            last = r.stderr.strip().splitlines()[-1]
            assert words in last and "Traceback" not in r.stderr, (name, last)


def test_optimize_an_image_and_a_folder(tiny_bundle, tmp_path):
    draw_test_logo(2).save(tmp_path / "logo.png")
    r = run_cli(
        "svgq_jax.optimize",
        "--model",
        tiny_bundle,
        tmp_path / "logo.png",
        "--budget",
        "512",
        "--verify",
        "2",
        "--out",
        tmp_path / "o.svg",
    )
    assert r.returncode == 0, r.stderr[-800:]
    assert (tmp_path / "o.svg").read_text().lstrip().startswith("<?xml")
    assert (
        "defaults" in r.stdout
        and "pred bytes" in r.stdout
        and "#1" in r.stdout
        and "objective: the smallest" in r.stdout
    )
    folder = tmp_path / "many"
    (folder / "sub").mkdir(parents=True)
    draw_test_logo(3).save(folder / "one.png")
    draw_test_logo(4, size=(120, 60)).save(folder / "sub" / "two.jpg")
    (folder / "broken.png").write_bytes(b"junk")
    r = call_main(
        "svgq_jax.optimize",
        "--model",
        tiny_bundle,
        folder,
        "--budget",
        "256",
        "--verify",
        "1",
        "--json",
        "--out",
        tmp_path / "svgs",
    )
    assert r.returncode == 0, r.stderr[-800:]
    doc = json.loads(r.stdout)
    assert len(doc["results"]) == 2 and len(doc["failures"]) == 1 and "broken.png" in doc["failures"][0]["image"]
    for res in doc["results"]:
        assert res["best"]["actual"] is not None and res["defaults"]["actual"] is not None
        assert param_space.validate(res["best"]["params"])
    assert (tmp_path / "svgs" / "one.svg").is_file() and (tmp_path / "svgs" / "sub" / "two.svg").is_file()


def test_optimize_bad_input(tiny_bundle, tmp_path):
    draw_test_logo(2).save(tmp_path / "logo.png")
    (tmp_path / "bad.png").write_bytes(b"junk")
    for args, words in (
        ([tmp_path / "bad.png"], "not a readable image"),
        ([tmp_path / "none.png"], "no such file"),
        ([tmp_path / "logo.png", "--fix", "color_precision=12"], "color_precision"),
        ([tmp_path / "logo.png", "--fix", "colour=3"], "NAME=VALUE"),
    ):
        r = call_main("svgq_jax.optimize", "--model", tiny_bundle, *args, "--budget", "64")
        assert r.returncode == 2 and words in r.stderr.strip().splitlines()[-1], r.stderr[-500:]


def test_optimize_objectives_on_the_command_line(tiny_bundle, tmp_path):
    draw_test_logo(6).save(tmp_path / "logo.png")
    run = lambda *a: call_main(
        "svgq_jax.optimize",
        "--model",
        tiny_bundle,
        tmp_path / "logo.png",
        "--budget",
        "256",
        "--out",
        tmp_path / "o.svg",
        "--json",
        *a,
    )
    r = run("--min-ssim", "0.5", "--pareto")
    assert r.returncode == 0, r.stderr[-800:]
    res = json.loads(r.stdout)["results"][0]
    assert res["objective"] == "min_ssim" and res["reached"] and res["best"]["actual"] >= 0.5
    verified = [c for c in [*res["candidates"], res["defaults"]] if c["actual"] is not None and c["actual"] >= 0.5]
    assert res["best"]["svg_bytes"] == min(c["svg_bytes"] for c in verified)  # the smallest that reaches it
    assert 1 <= len(res["candidates"]) <= 3  # the walk's default on a small image: three traces at most
    front = res["front"]
    assert len(front) >= 2 and all(a["predicted"] > b["predicted"] for a, b in zip(front, front[1:]))
    assert all(a["predicted_bytes"] > b["predicted_bytes"] for a, b in zip(front, front[1:]))
    r = run("--objective", "quality", "--verify", "1")  # its top pick alone is traced, beside the defaults
    res = json.loads(r.stdout)["results"][0]
    assert r.returncode == 0 and len(res["candidates"]) == 1 and res["best"]["actual"] >= res["defaults"]["actual"]
    r = run("--max-bytes", "100")  # nothing fits in 100 bytes: the smallest verified, marked
    res = json.loads(r.stdout)["results"][0]
    assert r.returncode == 0 and res["objective"] == "max_bytes" and not res["reached"]
    for args, words in (
        (["--min-ssim", "1.5"], "--min-ssim"),
        (["--max-bytes", "-3"], "--max-bytes"),
        (["--min-ssim", "0.9", "--objective", "quality"], "not allowed with"),
    ):
        r = run(*args)
        assert r.returncode == 2 and words in r.stderr.strip().splitlines()[-1], r.stderr


def test_search_respects_fixed_parameters_and_finds_the_maximum():
    from svgq_jax.search import Objective, search

    target = param_space.to_vector({**param_space.VTRACER_DEFAULTS, "color_precision": 7, "corner_threshold": 120})
    score = lambda v: -np.abs(param_space.scale(v) - param_space.scale(target)).sum(axis=1)[:, None]  # peak at target
    vectors, preds, n = search(score, 512, seed=0, fixed={7: 3.0}, objective=Objective("quality"))
    assert (vectors[:, 7] == 3).all() and n > 512 and preds.shape == (len(vectors), 1)
    best = vectors[np.argmax(preds[:, 0])]
    assert abs(best[0] - 7) <= 1 and abs(best[2] - 120) <= 20


def synthetic_front(n: int = 2000, seed: int = 0) -> np.ndarray:
    """Predictions [n, 2] where quality costs bytes: SSIM rises with ln bytes, with noise."""
    rng = np.random.default_rng(seed)
    log_bytes = rng.uniform(8, 12, n)
    return np.stack([0.8 + 0.04 * (log_bytes - 8) - rng.uniform(0, 0.05, n), log_bytes], axis=1)


def test_pareto_front_and_targets_spread_along_it():
    from svgq_jax.search import Objective, pareto_front, targets

    preds = synthetic_front()
    front = pareto_front(preds)
    assert np.all(np.diff(preds[front, 0]) < 0) and np.all(np.diff(preds[front, 1]) < 0)
    for i in range(len(preds)):  # nothing beats a front point on both
        assert not np.any((preds[front, 0] < preds[i, 0]) & (preds[front, 1] > preds[i, 1]))
    compact = targets(preds, Objective(), 4)
    assert set(compact) <= set(front) and len(compact) == 4
    top = preds[:, 0].max()
    assert preds[compact, 0].max() == top and preds[compact, 0].min() >= top - 0.013  # near the best, cheaper
    assert len(set(np.round(preds[compact, 1], 6))) == 4  # four different sizes, not four near-copies
    start = targets(preds, Objective("min_ssim", 0.9), 1)[0]  # where the walk along the front starts
    assert preds[start, 0] >= 0.9 and preds[start, 1] == preds[front][preds[front, 0] >= 0.9, 1].min()
    fit = targets(preds, Objective("max_bytes", float(np.exp(10))), 4)
    assert np.all(preds[fit, 1] <= 10 + 1e-9)
    quality = targets(preds, Objective("quality"), 4)
    assert set(quality) == set(np.argsort(-preds[:, 0])[:4])


def test_min_ssim_walk_aims_each_trace_by_the_error_it_measured():
    from svgq_jax.search import WALK_MIN_STEP, WALK_SAFETY, pareto_front, walk

    preds = synthetic_front()
    front = set(pareto_front(preds).tolist())
    for bias in (0.01, -0.01, 0.0):  # the model over- / underrates every candidate by this much
        for told in (0.0, bias):  # the error measured at the defaults: unknown, or the true one
            for k in (1, 2, 4):
                calls = []
                real = lambda i, b=bias, seen=calls: seen.append(i) or float(preds[i, 0] - b)
                tried = walk(preds, 0.9, k, told, real)
                assert tried == calls and 1 <= len(tried) <= k and set(tried) <= front and len(set(tried)) == len(tried)
                if told == bias:  # told the true error, the first is the smallest that reaches it with the safety
                    reaching = [i for i in front if preds[i, 0] - bias >= 0.9 + WALK_SAFETY]
                    assert preds[tried[0], 1] == min(preds[reaching, 1])
                elif k >= 2:  # after one trace the walk knows the error: the next one reaches, just
                    assert preds[tried[1], 0] - bias >= 0.9 and preds[tried[1], 0] - bias < 0.9 + 0.01
                    if bias > 0:  # the first missed: it stepped up; else down, by at least a minimal step
                        assert preds[tried[1], 0] > preds[tried[0], 0]
                    elif bias < 0:
                        assert preds[tried[1], 0] <= preds[tried[0], 0] - WALK_MIN_STEP + 1e-12


def test_default_verification_follows_the_objective_and_the_cost_of_a_trace():
    from svgq_jax.search import Objective, default_verify

    assert default_verify(Objective("quality"), (1024, 300)) == 1 and default_verify(Objective(), (1024, 300)) == 4
    assert default_verify(Objective("min_ssim", 0.9), (1024, 300)) == 2  # a native trace costs 0.08 s
    assert default_verify(Objective("min_ssim", 0.9), (256, 256)) == 3  # a 256-px one 0.02 s
    assert default_verify(Objective("quality"), (256, 256)) == 4 and default_verify(Objective(), (64, 64)) == 4


def test_choose_follows_the_objective():
    from svgq_jax.search import Candidate, Objective, choose

    c = lambda ssim, size: Candidate({}, 0.0, None, ssim, size)
    defaults = c(0.950, 10_000)
    small_same, big_best, tiny_worse = c(0.9545, 4_000), c(0.956, 30_000), c(0.930, 1_000)
    verified = [small_same, big_best, tiny_worse, defaults]
    assert choose(verified, defaults, Objective())[0] is small_same  # within 0.002 of the best, smallest
    assert choose(verified, defaults, Objective("quality"))[0] is big_best
    assert choose([big_best, defaults], defaults, Objective())[0] is defaults  # 3x the bytes for +0.006: no
    assert choose([c(0.965, 30_000), defaults], defaults, Objective())[0] is defaults  # +0.015: not clearly
    assert choose([c(0.975, 30_000), defaults], defaults, Objective())[0].actual == 0.975  # clearly better
    assert choose(verified, defaults, Objective("min_ssim", 0.94))[0] is small_same
    assert choose(verified, defaults, Objective("min_ssim", 0.99)) == (big_best, False)
    assert choose(verified, defaults, Objective("max_bytes", 5_000))[0] is small_same
    assert choose(verified, defaults, Objective("max_bytes", 500)) == (tiny_worse, False)
