"""`python -m svgq_jax.predict`: a pairs file in, one line out per pair; broken bundles refused in one line."""

import json
import shutil

from conftest import call_main, draw_test_logo, run_cli

from svgq_jax.core import params as param_space


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
