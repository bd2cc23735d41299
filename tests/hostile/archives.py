"""Model archives whose zip directory tells two stories: what a check reads and what torch loads.

torch's zip reader (PyTorchFileReader, behind torch.jit.load, torch.export.load and torch.load) finds an entry by
its name in any case and, of two entries with one name, reads the first; Python's zipfile reads the last. So an
archive can hold a clean entry for a checker that uses zipfile and, under the same name, the one torch loads. Each
case is a `corpus.Case` of category "archive", loaded through torch_bridge.runner.load: it must be refused, and
nothing may run (the payloads aim at the canary folder).
"""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

from hostile.corpus import Case, _Boom


def _entries(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def _write(path: Path, entries) -> Path:
    """A zip of `entries` in this order, duplicates and all (zipfile warns of a duplicate name; it writes it)."""
    import warnings

    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as z:
        warnings.simplefilter("ignore")
        for name, data in entries:
            z.writestr(name, data)
    return path


def _root(entries) -> str:
    return entries[0][0].partition("/")[0]


def _evil_config(config: bytes) -> bytes:
    """A weights config whose first payload is marked pickled: torch.export would unpickle weight_0."""
    doc = json.loads(config)
    next(iter(doc["config"].values()))["use_pickle"] = True
    return json.dumps(doc).encode()


def archive_cases(root: Path, bundle: Path, canary: Path) -> list[Case]:
    root.mkdir(parents=True, exist_ok=True)
    boom = pickle.dumps(_Boom(canary / "pwned-archive"))
    made = {**_torchscript(root, bundle, canary, boom), **_export(bundle, boom)}
    cases = []
    for i, (name, (fmt, entries, expect)) in enumerate(made.items()):
        path = _write(root / f"{i:02d}.{'pt2' if fmt == 'export' else 'pth' if fmt == 'full' else 'pt'}", entries)
        cases.append(Case(f"archive:{name}", "archive", path, expect, fmt=fmt))
    return cases + [_unpacks_too_far(root, _entries(bundle / "quality_predictor.pt2"))]


def _torchscript(root: Path, bundle: Path, canary: Path, boom: bytes) -> dict:
    """TorchScript archives: the code torch compiles defines __setstate__, and a clean copy of it follows (or
    precedes it, or differs in case); entries torch.jit.save never writes."""
    from hostile import evil_torch

    evil_torch.save_scripted(evil_torch.WritesWhenLoaded, root / "setstate.pt", str(canary / "pwned-setstate-dup"))
    evil = _entries(root / "setstate.pt")
    clean = {n: d.replace(b"__setstate__", b"__getstate2__") for n, d in evil}
    code = next(n for n, _ in evil if n.endswith(".py"))
    scripted = _entries(bundle / "quality_predictor_scripted.pt")
    traced = _entries(bundle / "quality_predictor_traced.pt")
    sr = _root(scripted)
    return {
        "scripted: evil code first, clean copy last": ("scripted", evil + [(code, clean[code])], "twice"),
        "scripted: clean code first, evil copy last": (
            "scripted",
            [(n, clean[n]) for n, _ in evil] + [(code, dict(evil)[code])],
            "twice",
        ),
        "scripted: evil code under another case": (
            "scripted",
            evil[:1] + [(n.replace(".py", ".PY") if n == code else n, d) for n, d in evil[1:]] + [(code, clean[code])],
            "twice",
        ),
        "scripted: code file named .PY": (
            "scripted",
            [(n.replace(".py", ".PY") if n == code else n, d) for n, d in evil],
            ".PY",
        ),
        "scripted: data.pkl twice": (
            "scripted",
            scripted + [(f"{sr}/data.pkl", dict(scripted)[f"{sr}/data.pkl"])],
            "twice",
        ),
        "scripted: DATA.PKL beside data.pkl": ("scripted", scripted + [(f"{sr}/DATA.PKL", b"x")], "twice"),
        "scripted: an extra/ file": ("scripted", scripted + [(f"{sr}/extra/notes.txt", b"hello")], "extra/notes.txt"),
        "scripted: a bytecode.pkl": ("scripted", scripted + [(f"{sr}/bytecode.pkl", boom)], "bytecode.pkl"),
        "scripted: a pickle named .debug": ("scripted", scripted + [(f"{sr}/code/__torch__/x.pkl", boom)], "x.pkl"),
        "scripted: an entry outside the root": (
            "scripted",
            scripted + [("elsewhere/data.pkl", boom)],
            "no root folder",
        ),
        "scripted: an entry with ../": ("scripted", scripted + [(f"{sr}/../data.pkl", boom)], "../data.pkl"),
        "traced: code twice": ("traced", traced + [next((n, d) for n, d in traced if n.endswith(".py"))], "twice"),
    }


def _export(bundle: Path, boom: bytes) -> dict:
    """torch.export archives: a config that marks a pickled payload beside a clean one of the same name, pickled
    sample inputs beside plain ones, entries torch.export.save never writes; and a state dict's pickle twice."""
    pt2 = _entries(bundle / "quality_predictor.pt2")
    pth = _entries(bundle / "quality_predictor_full.pth")
    pr = _root(pt2)
    config = next(n for n, _ in pt2 if n.endswith("weights_config.json"))
    sample = next(n for n, _ in pt2 if "sample_inputs" in n)
    weight0 = next(n for n, _ in pt2 if n.endswith("/weight_0"))
    pt2_doc = dict(pt2)

    def swap(entries, name, data):
        return [(n, data if n == name else d) for n, d in entries]

    return {
        "pt2: pickled config first, clean last": (
            "export",
            [(n, _evil_config(d) if n == config else boom if n == weight0 else d) for n, d in pt2]
            + [(config, pt2_doc[config])],
            "twice",
        ),
        "pt2: clean config first, pickled last": (
            "export",
            swap(pt2, weight0, boom) + [(config, _evil_config(pt2_doc[config]))],
            "twice",
        ),
        "pt2: pickled config under another case": (
            "export",
            [
                (
                    n.replace("weights_config", "Weights_Config") if n == config else n,
                    _evil_config(d) if n == config else boom if n == weight0 else d,
                )
                for n, d in pt2
            ]
            + [(config, pt2_doc[config])],
            "twice",
        ),
        "pt2: pickled sample inputs first": ("export", swap(pt2, sample, boom) + [(sample, pt2_doc[sample])], "twice"),
        "pt2: model.json twice": (
            "export",
            pt2 + [(f"{pr}/models/model.json", pt2_doc[f"{pr}/models/model.json"])],
            "twice",
        ),
        "pt2: an unexpected pickle": ("export", pt2 + [(f"{pr}/data/payload.pkl", boom)], "data/payload.pkl"),
        "pt2: a config outside data/": ("export", pt2 + [(f"{pr}/extra/weights_config.json", b"{}")], "extra/"),
        "pth: data.pkl twice, a pickle first": (
            "full",
            [(n, boom if n.endswith("/data.pkl") else d) for n, d in pth]
            + [next((n, d) for n, d in pth if n.endswith("/data.pkl"))],
            "twice",
        ),
    }


def _unpacks_too_far(root: Path, pt2) -> Case:
    """A deflated entry of 1.1 GiB of zeros (1 MiB on disk): the archive unpacks past the model-file bound."""
    path = root / "zip-bomb.pt2"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in pt2:
            z.writestr(name, data)
        with z.open(f"{_root(pt2)}/data/weights/weight_999", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(1100):
                member.write(zeros)
    return Case("archive:pt2 unpacks to 1.1 GiB", "archive", path, "unpack to over", fmt="export")
