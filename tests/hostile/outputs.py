"""Where the tools write: outputs that would lose a result, replace an input or a file the user did not hand over,
replace a device or a link, or resume rows of other pictures. Each is a `commands.Run` of category "output" or
"partial" in a folder of its own, with a check that nothing was lost or replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hostile.commands import Run
from hostile.corpus import GOOD_PARAMS, _svg, logo

USER_SVG = _svg('<rect width="9" height="9" fill="#00f"/>')  # a file of the user's, which must survive


def _images(folder: Path, *names: str, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, name in enumerate(names):
        path = folder / name
        if name.endswith(".svg"):
            path.write_bytes(USER_SVG)
        else:
            logo(seed + k).save(path)
        paths.append(path)
    return paths


def unchanged(*paths: Path) -> dict:
    return {p: p.read_bytes() for p in paths}


def kept(before: dict, *also):
    """A check: every file of `before` holds what it held, and every path of `also` exists."""

    def check(_):
        for p, data in before.items():
            assert p.read_bytes() == data, f"{p} changed"
        missing = [str(p) for p in also if not p.exists()]
        assert not missing, missing

    return check


def output_runs(root: Path, bundle: Path) -> list[Run]:
    """optimize's outputs: (name, arguments after the model's, expected words, check) from each group below."""
    optimize = ("svgq_jax.optimize", "--model", bundle, "--budget", "16", "--verify", "0")
    groups = (_names(root), _existing(root), _specials(root), _stale(root))
    runs = [
        Run(f"output:{name}", "output", (*optimize, *args), expect, check)
        for g in groups
        for name, args, expect, check in g
    ]
    return runs + _tool_outputs(root, bundle)


def _names(root: Path) -> list[tuple]:
    """One folder, one stem: every source keeps its own SVG, and no input is written over."""
    out = []
    f = root / "stems"
    srcs = _images(f, "a.png", "a.jpg", "a.webp")
    out.append(
        ("a.png, a.jpg, a.webp: three SVGs", [f], None, kept(unchanged(*srcs), *(f / (s.name + ".svg") for s in srcs)))
    )
    f = root / "beside-svg"
    srcs = _images(f, "a.png", "a.svg")
    out.append(("a.png beside an input a.svg", [f], None, kept(unchanged(*srcs), f / "a.png.svg", f / "a.svg.svg")))
    f = root / "beside-svg-out"
    srcs = _images(f, "a.png", "a.svg")
    out.append(
        ("a.png beside a.svg, --out the same folder", [f, "--out", f], None, kept(unchanged(*srcs), f / "a.png.svg"))
    )
    f = root / "rerun"
    _images(f, "a.png")
    (f / "svgs").mkdir()
    (f / "svgs" / "a.png.svg").write_bytes(USER_SVG)
    (f / "svgs" / "old.png.svg").write_bytes(USER_SVG)  # an earlier run's SVG of an image since removed
    out.append(
        (
            "--out inside the folder, rerun",
            [f, "--out", f / "svgs", "--overwrite", "--json"],
            None,
            one_result_named("a.png"),
        )
    )
    f = root / "svg-rerun"
    _images(f, "logo.svg", "logo.svg.svg")
    out.append(("an SVG and its earlier SVG, rerun", [f, "--overwrite", "--json"], None, one_result_named("logo.svg")))
    return out


def _existing(root: Path) -> list[tuple]:
    """Files that exist where an SVG goes: refused in one line, listed, unless --overwrite."""
    out = []
    f = root / "exists"
    (logo_png,) = _images(f, "logo.png")
    (f / "logo.png.svg").write_bytes(USER_SVG)
    out.append(
        ("logo.png with its SVG there", [logo_png], "exists already", kept(unchanged(logo_png, f / "logo.png.svg")))
    )
    f = root / "exists-overwrite"
    (logo_png,) = _images(f, "logo.png")
    (f / "logo.png.svg").write_bytes(USER_SVG)

    def replaced(_, f=f):
        assert (f / "logo.png.svg").read_bytes() != USER_SVG

    out.append(("logo.png with its SVG there, --overwrite", [logo_png, "--overwrite"], None, replaced))
    f, theirs = root / "many-exist", [root / "many-exist-out" / f"{i}.png.svg" for i in range(7)]
    srcs = _images(f, *(f"{i}.png" for i in range(7)))
    theirs[0].parent.mkdir()
    for t in theirs:
        t.write_bytes(USER_SVG)
    out.append(
        ("a folder whose 7 SVGs exist", [f, "--out", theirs[0].parent], "7 SVGs exist", kept(unchanged(*srcs, *theirs)))
    )
    return out


def _specials(root: Path) -> list[tuple]:
    """Places that are not regular files, or are the input: refused even with --overwrite, nothing replaced."""
    f = root / "specials"
    (image,) = _images(f, "a.png")
    os.mkfifo(f / "fifo.svg")
    (f / "link.svg").symlink_to(f / "target.svg")
    (f / "target.svg").write_bytes(USER_SVG)
    (f / "dangling.svg").symlink_to(f / "nowhere.svg")
    (f / "folder").mkdir()
    (f / "a-file").write_bytes(b"not a folder")
    os.link(image, f / "hard.svg")
    before = unchanged(image, f / "target.svg", f / "a-file")
    out = [
        (name, [image, "--out", place, "--overwrite"], expect, kept(before))
        for name, place, expect in (
            ("--out a FIFO", f / "fifo.svg", "a FIFO, not a regular file"),
            ("--out /dev/null", "/dev/null", "a device, not a regular file"),
            ("--out a link to a file", f / "link.svg", "a symbolic link"),
            ("--out a dangling link", f / "dangling.svg", "a symbolic link"),
            ("--out below a file", f / "a-file" / "o.svg", "is a file, not a folder"),
            ("--out two below a file", f / "a-file" / "x" / "o.svg", "is a file, not a folder"),
            ("--out a folder for one image", f / "folder", "is a directory"),
            ("--out the image, --overwrite", image, "replace the input"),
            ("--out a hard link to the image, --overwrite", f / "hard.svg", "is the input"),
        )
    ]
    out.append(("a folder --out a FIFO", [f / "folder", "--out", f / "fifo.svg"], "not a folder", kept(before)))
    out.append(
        (
            "a folder --out below a file",
            [f / "folder", "--out", f / "a-file" / "svgs"],
            "is a file, not a folder",
            kept(before),
        )
    )
    g = root / "outputs-special"
    _images(g, "a.png", "b.png")
    (g / "a.png.svg").symlink_to(f / "target.svg")
    os.mkfifo(g / "b.png.svg")
    out.append(
        (
            "a folder whose SVG is a link, --overwrite",
            [g, "--overwrite"],
            "a symbolic link",
            kept(before, g / "b.png.svg"),
        )
    )
    return out


def _stale(root: Path) -> list[tuple]:
    """A killed run's temporary file beside the SVG (removed), and another output's (kept)."""
    f = root / "stale"
    (src,) = _images(f, "a.png")
    (f / ".a.png.svg.k1ll3d00.tmp").write_bytes(b"<svg half")
    (f / ".b.png.svg.k1ll3d00.tmp").write_bytes(b"not this output's")

    def cleaned(_):
        assert not (f / ".a.png.svg.k1ll3d00.tmp").exists() and (f / ".b.png.svg.k1ll3d00.tmp").exists()
        assert (f / "a.png.svg").is_file()

    return [("a killed run's temporary file beside the SVG", [src], None, cleaned)]


def one_result_named(name: str):
    def check(r):
        doc = json.loads(r.stdout)
        assert [Path(x["image"]).name for x in doc["results"]] == [name], doc

    return check


def _tool_outputs(root: Path, bundle: Path) -> list[Run]:
    """predict's and measure's --out: neither a device, a FIFO, a link nor a path below a file."""
    f = root / "jsonl"
    (image,) = _images(f, "a.png")
    pairs = f / "p.jsonl"
    pairs.write_text(json.dumps({"image": str(image), "params": GOOD_PARAMS}) + "\n")
    os.mkfifo(f / "fifo.jsonl")
    (f / "link.jsonl").symlink_to(f / "target.jsonl")
    (f / "target.jsonl").write_text("mine\n")
    (f / "a-file").write_text("x")
    os.mkfifo(f / "partial-fifo.jsonl.partial")
    before = unchanged(pairs, f / "target.jsonl", f / "a-file")
    runs = []
    for tool in (("svgq_jax.predict", "--model", bundle), ("svgq_jax.data", "measure")):
        for name, out, expect in (
            ("--out a FIFO", f / "fifo.jsonl", "a FIFO"),
            ("--out a link", f / "link.jsonl", "a symbolic link"),
            ("--out /dev/null", "/dev/null", "a device"),
            ("--out below a file", f / "a-file" / "o.jsonl", "is a file, not a folder"),
            ("--out whose .partial is a FIFO", f / "partial-fifo.jsonl", "a FIFO"),
        ):
            args = (*tool, "--pairs", pairs, "--out", out, "--quiet")
            what = "predict" if tool[0] == "svgq_jax.predict" else "measure"
            runs.append(Run(f"output:{what} {name}", "output", args, expect, kept(before)))
    return runs


def partial_runs(root: Path, bundle: Path) -> list[Run]:
    """predict interrupted (its OUT.partial left), then run again with the same --out: rows resume only for images
    that resolve to the same, unchanged files."""
    runs = []
    text = "".join(json.dumps({"image": f"{i}.png", "params": GOOD_PARAMS, "n": i}) + "\n" for i in range(3))
    for name, tamper, resumed in (
        ("another folder, same names", "other-folder", 0),
        ("same folder, an image changed", "changed", 2),
        ("same folder, nothing changed", None, 3),
    ):
        f = root / name.replace(" ", "-").replace(",", "")
        a, b = f / "a", f / "b"
        for folder, seed in ((a, 0), (b, 50)):
            _images(folder, *(f"{i}.png" for i in range(3)), seed=seed)
            (folder / "p.jsonl").write_text(text)
        out = f / "o.jsonl"
        runs.append(
            Run(
                f"partial:{name}",
                "partial",
                ("svgq_jax.predict", "--model", bundle, "--pairs", a / "p.jsonl", "--out", out),
                None,
                _resume_check(out, a, b, tamper, resumed),
            )
        )
    return runs


def _resume_check(out: Path, a: Path, b: Path, tamper: str | None, resumed: int):
    """After the first run: leave its rows as an interrupted run's OUT.partial (and its sources), tamper, run again
    (the pairs of b when the folder changes) and compare with a fresh run's rows."""

    def check(first):
        from conftest import call_main

        rows = out.read_text()
        partial = out.with_name(out.name + ".partial")
        out.rename(partial)
        sources = partial.with_name(partial.name + ".sources")
        sources.write_text("".join(json.dumps(_identity(a / f"{i}.png")) + "\n" for i in range(3)))
        pairs = b / "p.jsonl" if tamper == "other-folder" else a / "p.jsonl"
        if tamper == "changed":
            logo(99).save(a / "2.png")
        bundle = first.args[first.args.index("--model") + 1]
        again = call_main("svgq_jax.predict", "--model", bundle, "--pairs", pairs, "--out", out)
        assert again.returncode == 0 and f"resumed {resumed} ->" in again.stderr, again.stderr[-400:]
        fresh = out.with_name("fresh.jsonl")
        assert call_main("svgq_jax.predict", "--model", bundle, "--pairs", pairs, "--out", fresh).returncode == 0
        assert out.read_text() == fresh.read_text()
        if tamper is None:
            assert out.read_text() == rows

    return check


def _identity(path: Path) -> list:
    st = os.stat(path)
    return [str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
