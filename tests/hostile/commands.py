"""Command lines of the third hostile round: clusters that do not answer, flags past their bounds, decodes that
would not end, and datasets that reach outside themselves. Outputs and resumed rows: hostile/outputs.py.

Each is a `Run`: a command (module and arguments) and what must come of it, `expect` words of its one-line error
(exit 2) or None for a result, and `check`, a function of the finished process that looks further (nothing
created, the note printed, the sizes recorded). `subprocess`: run as a real process (a cluster that does not
answer leaves a thread waiting, which must not outlive the test's own process).
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from hostile.corpus import GOOD_PARAMS, logo


@dataclass(frozen=True)
class Run:
    name: str
    category: str
    args: tuple
    expect: str | None = None
    check: Callable | None = None  # check(completed process) -> None, asserting
    subprocess: bool = False
    env: dict = field(default_factory=dict)
    seconds: float = 120  # the wall-clock time it may take


def nothing_at(*paths: Path) -> Callable:
    def check(_):
        assert not any(p.exists() for p in paths), [str(p) for p in paths if p.exists()]

    return check


# ---------------------------------------------------------------- clusters


def cluster_runs(root: Path, pairs: Path, silent_port: int) -> list[Run]:
    """--cluster addresses that no cluster answers at: each refused in one line within its --cluster-timeout,
    before the dataset folder or OUT.partial exists."""
    root.mkdir(parents=True, exist_ok=True)
    runs = []
    addresses = {
        "a closed port": ("127.0.0.1:1", "Connection refused", False),
        "an unknown host": ("notahost.invalid:6379", "cannot reach", False),
        "a closed IPv6 port": ("[::1]:1", "cannot reach", False),
        "a head that says nothing": (f"127.0.0.1:{silent_port}", "did not answer within 3 s", True),
    }
    for n, (what, (address, expect, slow)) in enumerate(addresses.items()):
        build, out = root / f"ds{n}", root / f"m{n}.jsonl"
        flags = ("--cluster", f"ray:{address}", "--cluster-timeout", "3", "--quiet")
        runs += [
            Run(
                f"cluster:build, {what}",
                "cluster",
                ("svgq_jax.data", "build", "--out", build, "--logos", "procedural:2", *flags),
                expect,
                nothing_at(build),
                subprocess=slow,
                seconds=20,
            ),
            Run(
                f"cluster:measure, {what}",
                "cluster",
                ("svgq_jax.data", "measure", "--pairs", pairs, "--out", out, *flags),
                expect,
                nothing_at(out, out.with_name(out.name + ".partial")),
                subprocess=slow,
                seconds=20,
            ),
        ]
    build = ("svgq_jax.data", "build", "--out", root / "bad", "--logos", "procedural:2", "--quiet")
    for spec, expect in {
        "ray:127.0.0.1:99999": "PORT from 1 to 65535",
        "ray:127.0.0.1:0": "PORT from 1 to 65535",
        "ray:host:abc": "PORT from 1 to 65535",
        "ray:host:６３７９": "PORT from 1 to 65535",
    }.items():
        runs.append(Run(f"cluster:--cluster {spec}", "cluster", (*build, "--cluster", spec), expect))
    for value in ("0", "-1", "nan", "inf"):
        runs.append(
            Run(
                f"cluster:--cluster-timeout {value}",
                "cluster",
                (*build, "--cluster", "ray:127.0.0.1:1", "--cluster-timeout", value),
                "--cluster-timeout",
            )
        )
    return runs


# ---------------------------------------------------------------- flags past their bounds


def flag_runs(root: Path, image: Path, pairs: Path, bundle: Path, dataset: Path) -> list[Run]:
    root.mkdir(parents=True, exist_ok=True)
    build = ("svgq_jax.data", "build", "--out", root / "ds", "--quiet")
    train = ("svgq_jax.train", "--data", dataset, "--out", root / "run", "--config", "tiny", "--quiet")
    optimize = ("svgq_jax.optimize", "--model", bundle, image, "--out", root / "o.svg", "--budget", "16")
    predict = ("svgq_jax.predict", "--model", bundle, "--pairs", pairs, "--out", root / "p.jsonl", "--quiet")
    measure = ("svgq_jax.data", "measure", "--pairs", pairs, "--out", root / "m.jsonl")
    configs = {
        "hidden-2e9.yaml": "hidden_dims: [2000000000]\n",
        "lr-1e30.json": '{"learning_rate": 1e30}',
        "hidden-17-layers.json": json.dumps({"hidden_dims": [8] * 17, "dropout": [0.0] * 17}),
        "ensemble-16-wide.json": '{"ensemble": 16, "hidden_dims": [4096, 4096], "dropout": [0, 0]}',
    }
    for name, text in configs.items():
        (root / name).write_text(text)
    commands = {
        "optimize --max-side 100000": ((*optimize, "--max-side", "100000"), "--max-side"),
        "optimize --max-side 2049": ((*optimize, "--max-side", "2049"), "--max-side"),
        "predict --max-side 100000": ((*predict, "--max-side", "100000"), "--max-side"),
        "measure --max-side 4096": ((*measure, "--max-side", "4096"), "--max-side"),
        "build --max-side 100000": ((*build, "--max-side", "100000"), "--max-side"),
        "build --sizes 1e308:2": ((*build, "--sizes", "1e308:2"), "--sizes"),
        "build --sizes 256:1e308,512:1e308": ((*build, "--sizes", "256:1e308,512:1e308"), "--sizes"),
        "build --sizes 256:nan": ((*build, "--sizes", "256:nan"), "--sizes"),
        "build --sizes ²56:1": ((*build, "--sizes", "²56:1"), "--sizes"),
        "build --sizes 256:-1": ((*build, "--sizes", "256:-1"), "--sizes"),
        "build --sizes 100000:1": ((*build, "--sizes", "100000:1"), "--sizes"),
        "build --logos procedural:²": ((*build, "--logos", "procedural:²"), "--logos"),
        "build --logos procedural:٣": ((*build, "--logos", "procedural:٣"), "--logos"),
        "build --logos procedural:1_0": ((*build, "--logos", "procedural:1_0"), "--logos"),
        "build --logos procedural:1000000000": ((*build, "--logos", "procedural:1000000000"), "--logos"),
        "build --logos procedural:10001": ((*build, "--logos", "procedural:10001"), "--logos"),
        "train --lr 1e30": ((*train, "--lr", "1e30"), "learning_rate"),
        "train --lr 2": ((*train, "--lr", "2"), "learning_rate"),
        "train --hidden-dims 2000000000": ((*train, "--hidden-dims", "2000000000", "--dropout", "0"), "hidden_dims"),
        "train --hidden-dims 8192,8192": ((*train, "--hidden-dims", "8192,8192", "--dropout", "0,0"), "hidden_dims"),
        "train --batch-size 100000": ((*train, "--batch-size", "100000"), "batch_size"),
        **{f"train --config {n}": ((*train[:-3], "--config", root / n, "--quiet"), "config") for n in configs},
    }
    runs = [
        Run(f"flag3:{name}", "flag3", args, expect, nothing_at(root / "ds", root / "run"))
        for name, (args, expect) in commands.items()
    ]

    def capped(r):
        assert "note: --workers 1000: this machine runs" in r.stderr, r.stderr[-500:]
        assert json.loads((root / "w.jsonl").read_text())["ssim"] > 0

    runs.append(
        Run(
            "flag3:measure --workers 1000",
            "flag3",
            ("svgq_jax.data", "measure", "--pairs", pairs, "--out", root / "w.jsonl", "--workers", "1000"),
            None,
            capped,
        )
    )
    return runs


# ---------------------------------------------------------------- decoding


def _jpeg(size, **kw) -> bytes:
    buf = io.BytesIO()
    logo(5, size).save(buf, "JPEG", **kw)
    return buf.getvalue()


def progressive(scans: int, side: int = 64) -> bytes:
    """A progressive JPEG whose last scan repeats until it has `scans` scans, each a pass over every pixel."""
    buf = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 40)).save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    last = data.rindex(b"\xff\xda")
    return data[:last] + data[last:-2] * (scans - data.count(b"\xff\xda") + 1) + b"\xff\xd9"


@dataclass(frozen=True)
class Decode:
    """A file `core.decode.load_source` must refuse (`expect`) or decode to `size` traced, `original` recorded."""

    name: str
    category: str
    path: Path
    expect: str | None = None
    max_side: int = 2048
    size: tuple | None = None
    original: tuple | None = None


def decode_cases(root: Path) -> list[Decode]:
    root.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter: 900 wide, 1600 high once upright
    files = {
        "101 scans.jpg": (progressive(101), "101 scans", 2048, None, None),
        "1000 scans.jpg": (progressive(1000), "1000 scans", 2048, None, None),
        "300000 scans.jpg": (progressive(300_000), "300000 scans", 2048, None, None),
        "1000 scans named .png": (progressive(1000), "1000 scans", 2048, None, None),
        "100 scans of 6000 px.jpg": (progressive(100, 6000), "took more than 1 s to decode", 2048, None, None),
        "100 scans of 64 px.jpg": (progressive(100), None, 2048, (64, 64), (64, 64)),
        "progressive.jpg": (_jpeg((300, 200), progressive=True), None, 2048, (300, 200), (300, 200)),
        "6300 px.jpg": (_jpeg((6300, 6300), quality=50), None, 2048, (2048, 2048), (6300, 6300)),
        "1000 px at 500.jpg": (_jpeg((1000, 1000)), None, 500, (500, 500), (1000, 1000)),
        "6300x1000 at 2048.jpg": (_jpeg((6300, 1000)), None, 2048, (2048, 325), (6300, 1000)),
        "turned 1600x900 at 400.jpg": (_jpeg((1600, 900), exif=exif.tobytes()), None, 400, (225, 400), (900, 1600)),
        "cmyk progressive.jpg": (_cmyk_progressive(), None, 2048, (64, 48), (64, 48)),
    }
    cases = []
    for name, (data, expect, max_side, size, original) in files.items():
        path = root / name.replace(" named .png", ".png")
        path.write_bytes(data)
        cases.append(Decode(f"decode:{name}", "decode", path, expect, max_side, size, original))
    return cases


def _cmyk_progressive() -> bytes:
    buf = io.BytesIO()
    logo(6).convert("CMYK").save(buf, "JPEG", progressive=True)
    return buf.getvalue()


# ---------------------------------------------------------------- datasets that reach outside


def dataset_outside_cases(root: Path, good: Path, canary: Path) -> list[tuple[str, Path, str]]:
    """(name, dataset, expected words): copies of the finished dataset `good` with an image id or a file that
    leads outside it. Their statistics cache is deleted, so that train would read every source again."""
    secret = canary.parent / "outside.png"
    logo(9).save(secret)
    records = [json.loads(line) for line in (good / "images.jsonl").read_text().splitlines()]

    def dataset(name: str, change) -> Path:
        d = root / name
        shutil.copytree(good, d, ignore=shutil.ignore_patterns("cache", "labels", "images"), symlinks=True)
        (d / "image_stats.npy").unlink()
        change(d)
        return d

    def ids(make_id):
        def change(d: Path):
            rows = [{**r, "id": make_id(r["id"])} for r in records]
            (d / "images.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

        return change

    def link_out(name: str, target: Path | None):
        """`name` replaced by a link out of the dataset: to `target`, or to the file itself moved out."""

        def change(d: Path):
            if target is None:
                moved = root / f"{d.name}-{Path(name).name}"
                shutil.move(d / name, moved)
                target_ = moved
            else:
                (d / name).unlink()
                target_ = target
            (d / name).symlink_to(target_)

        return change

    first_source = f"sources/00000-{records[0]['id'][:16]}.png"
    made = [
        ("id ../ (stats deleted)", ids(lambda i: "../../../../" + str(secret.with_suffix(""))), "not a sha256"),
        ("id upper-case hex", ids(str.upper), "not a sha256"),
        ("id of 63 digits", ids(lambda i: i[:63]), "not a sha256"),
        ("id with a slash", ids(lambda i: i[:8] + "/" + i[9:]), "not a sha256"),
        ("id with a NUL", ids(lambda i: i[:63] + "\x00"), "not a sha256"),
        ("features a link out", link_out("features.npy", None), "leads outside"),
        ("metadata a link out", link_out("metadata.json", None), "leads outside"),
        ("images.jsonl a link out", link_out("images.jsonl", None), "leads outside"),
        ("examples a link out", link_out("examples.npz", None), "leads outside"),
        ("sources a link out", link_out("sources", None), "leads outside"),
        ("a source a link out (stats deleted)", link_out(first_source, secret), "leads outside"),
    ]
    return [(f"dataset3:{name}", dataset(f"d{i:02d}", change), expect) for i, (name, change, expect) in enumerate(made)]


def good_pairs(path: Path, image: Path) -> Path:
    path.write_text(json.dumps({"image": str(image), "params": GOOD_PARAMS}) + "\n")
    return path


def silent_head():
    """A listening socket that accepts connections and never answers: a Ray head that does not respond."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def size_of(svg: Path) -> tuple[int, int]:
    import re

    text = svg.read_text()
    return tuple(int(float(re.search(f'{k}="([0-9.]+)', text)[1])) for k in ("width", "height"))
