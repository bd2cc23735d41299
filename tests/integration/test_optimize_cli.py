"""`python -m svgq_jax.optimize` with the session's tiny bundle: images and folders, objectives, bad input, and a
logo at its own size and transparency."""

import json
import re
from pathlib import Path

import numpy as np
from conftest import call_main, draw_test_logo, run_cli

from svgq_jax import search
from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.core.tracing import render


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
    written = (tmp_path / "o.svg").read_text()
    # minified: no prolog, comment or transform; relative path data on the image's grid
    assert written.startswith("<svg") and "<?xml" not in written and "<!--" not in written
    assert "transform" not in written and 'viewBox="' in written and "written:" in r.stdout
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
        svg = Path(res["svg_path"]).read_text()
        w = res["written"]  # the structure of the file written: what the user gets
        assert w["bytes"] == len(svg.encode()) == res["best"]["svg_bytes"] and 0 < w["gzip_bytes"]
        assert w["paths"] == svg.count("<path") and w["path_commands"] >= w["paths"] and w["grid"] > 0
        raw = res["vtracer_defaults"]  # VTracer's own text: larger than the same trace minified
        assert raw["svg_bytes"] > res["defaults"]["svg_bytes"] and raw["grid"] is None
    assert (tmp_path / "svgs" / "one.png.svg").is_file() and (tmp_path / "svgs" / "sub" / "two.jpg.svg").is_file()


def test_no_minify_writes_vtracers_text(tiny_bundle, tmp_path):
    draw_test_logo(2).save(tmp_path / "logo.png")
    args = ("svgq_jax.optimize", "--model", tiny_bundle, tmp_path / "logo.png", "--budget", "256", "--verify", "1")
    r = call_main(*args, "--no-minify", "--json", "--out", tmp_path / "raw.svg")
    assert r.returncode == 0, r.stderr[-800:]
    raw = json.loads(r.stdout)["results"][0]
    text = (tmp_path / "raw.svg").read_text()
    assert text.lstrip().startswith("<?xml") and raw["written"]["bytes"] == len(text.encode())
    assert raw["best"]["grid"] is None and raw["written"]["grid"] is None


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
        "--overwrite",  # each run replaces the last one's SVG
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


# --------------------------------------------------------------------------- native size
# The user's logo as it is: its own size, aspect ratio and transparency, traced and scored there.


def test_optimize_writes_the_logo_at_its_own_size_and_transparent(tiny_bundle, mark_file, tmp_path):
    r = run_cli(
        "svgq_jax.optimize",
        "--model",
        tiny_bundle,
        mark_file,
        "--budget",
        "256",
        "--verify",
        "2",
        "--out",
        tmp_path / "o.svg",
        "--json",
    )
    assert r.returncode == 0, r.stderr[-800:]
    svg = (tmp_path / "o.svg").read_text()
    head = re.search(r"<svg\b[^>]*>", svg).group(0)
    assert 'width="600"' in head and 'height="180"' in head
    x0, y0, vw, vh = map(float, re.search(r'viewBox="([^"]*)"', head).group(1).split())
    grid = json.loads(r.stdout)["results"][0]["written"]["grid"]  # the viewBox counts grid steps
    assert (x0, y0, vw * grid, vh * grid) == (0, 0, 600, 180)
    rgba = render(svg, (600, 180), transparent=True)
    source = images.load_source(mark_file)
    clear = source.alpha == 0
    assert np.mean(rgba[..., 3][clear] < 128) > 0.9  # no opaque box where the logo is transparent
    res = json.loads(r.stdout)["results"][0]
    assert res["size"] == [600, 180] and res["traced"] == [600, 180]
    best, defaults = res["best"], res["defaults"]
    assert best["alpha_mad"] <= defaults["alpha_mad"] + 0.005
    # the compact contract: within SAME_QUALITY of the best verified trace (the polygon alternative included),
    # and no larger than the defaults unless clearly better (so the smaller defaults may be kept below that)
    kept = [
        c["actual"]
        for c in [*res["candidates"], defaults]
        if c["actual"] is not None and search.keeps_transparency(search.Candidate(**c), search.Candidate(**defaults))
    ]
    top = max(kept)
    smaller_defaults = best["params"] == defaults["params"] and best["svg_bytes"] <= defaults["svg_bytes"]
    assert best["actual"] >= top - search.SAME_QUALITY or smaller_defaults
    assert best["svg_bytes"] <= defaults["svg_bytes"] or best["actual"] >= defaults["actual"] + search.CLEARLY_BETTER
