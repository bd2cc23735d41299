"""Model bundles whose metadata is out of range, or whose ONNX models are not what the metadata states.

Each case is a copy of a good bundle (its files hard-linked, the backbone replaced by a small stand-in of the right
shape so that sessions load fast) with one thing changed: a metadata field (a crop of -1, a mean that is an int),
a model's input or output (a 1000-wide backbone, an NCHW float backbone, a renamed candidate input), or a model that
fails, or answers another shape, only when it runs. `predict` must refuse each in one line, exit 2.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from hostile.corpus import Case

FLOAT, UINT8, DOUBLE = 1, 2, 11  # onnx.TensorProto element types


def tensor_model(path: Path, inputs, outputs, fail: str | None = None) -> Path:
    """A small valid ONNX model: each output [N, width] is the mean of the first input's values times a weight
    row. `inputs`/`outputs`: (name, element type, shape). `fail`: "run" gathers a row that is not there, which fails
    only when it runs; "shape" answers one column more than it declares, through a slice whose end only the data
    tells (shape inference cannot see it)."""
    import onnx
    from onnx import helper, numpy_helper

    first, elem, shape = inputs[0]
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    x = first
    if elem != FLOAT:
        nodes.append(helper.make_node("Cast", [x], ["as_float"], to=FLOAT))
        x = "as_float"
    nodes.append(helper.make_node("ReduceMean", [x], ["mean"], axes=list(range(1, len(shape))), keepdims=0))
    nodes.append(helper.make_node("Unsqueeze", ["mean", const("axis1", np.array([1], np.int64))], ["column"]))
    nodes.append(helper.make_node("ReduceMean", ["mean"], ["scalar"], keepdims=0))
    nodes.append(helper.make_node("Mul", ["scalar", const("zero", np.float32(0))], ["nothing"]))
    for k, (name, _, out_shape) in enumerate(outputs):
        width = out_shape[-1] if isinstance(out_shape[-1], int) else 4
        product = f"p{k}" if fail else name
        w = const(f"w{k}", np.full((1, width + (fail == "shape")), 0.5, np.float32))
        nodes.append(helper.make_node("MatMul", ["column", w], [product]))
        if fail == "run":  # row 10^6 of N rows
            nodes.append(helper.make_node("Add", ["nothing", const(f"far{k}", np.float32(1e6))], [f"f{k}"]))
            nodes.append(helper.make_node("Cast", [f"f{k}"], [f"i{k}"], to=7))
            nodes.append(helper.make_node("Gather", [product, f"i{k}"], [f"g{k}"], axis=0))
            nodes.append(helper.make_node("Unsqueeze", [f"g{k}", const(f"a{k}", np.array([0], np.int64))], [name]))
        elif fail == "shape":  # the end of the slice, width + 1, comes out of the data
            nodes.append(helper.make_node("Add", ["nothing", const(f"end{k}", np.float32(width + 1))], [f"e{k}"]))
            nodes.append(helper.make_node("Cast", [f"e{k}"], [f"c{k}"], to=7))
            nodes.append(helper.make_node("Unsqueeze", [f"c{k}", const(f"a{k}", np.array([0], np.int64))], [f"u{k}"]))
            starts, axes = const(f"s{k}", np.array([0], np.int64)), const(f"x{k}", np.array([1], np.int64))
            nodes.append(helper.make_node("Slice", [product, starts, f"u{k}", axes], [name]))
    graph = helper.make_graph(
        nodes,
        "stand-in",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, FLOAT, s) for n, _, s in outputs],
        inits,
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))  # ReduceMean axes
    return path


def bundle_shape_cases(root: Path, good: Path, canary: Path) -> list[Case]:
    meta = json.loads((good / "metadata.json").read_text())
    files = meta["files"]
    root.mkdir(parents=True, exist_ok=True)
    backbone = tensor_model(
        root / "backbone-stand-in.onnx",
        [("image", UINT8, ["N", meta["backbone"]["crop"], meta["backbone"]["crop"], 3])],
        [("features", FLOAT, ["N", 2048])],
    )

    def bundle(name: str, change=None, models: dict | None = None, write=None) -> Path:
        d = root / name
        d.mkdir()
        for key, file in files.items():
            if (good / file).is_file():
                os.link(backbone if key == "backbone" else good / file, d / file)
        m = json.loads(json.dumps(meta))
        if change:
            change(m)
        (d / "metadata.json").write_text(json.dumps(m))
        for key, (ins, outputs, *fail) in (models or {}).items():
            (d / files[key]).unlink()
            tensor_model(d / files[key], ins, outputs, *fail)
        if write:
            write(d)
        return d

    cases = [
        Case(f"bundle3:{name}", "bundle3", bundle(f"m{i:02d}", change=change), expect)
        for i, (name, change, expect) in enumerate(metadata_changes(meta))
    ]
    width = _image_part_width(good / files["image_part"])
    cases += [
        Case(f"bundle3:{name}", "bundle3", bundle(f"s{i:02d}", models=models), expect)
        for i, (name, models, expect) in enumerate(model_changes(meta, width))
    ]
    outside = canary.parent / "outside-metadata.json"
    outside.write_text(json.dumps(meta))
    links = {"metadata a link out": ("metadata.json", outside), "backbone a link out": (files["backbone"], backbone)}
    for name, (file, target) in links.items():
        link = bundle(
            name.replace(" ", "-"), write=lambda d, f=file, t=target: ((d / f).unlink(), (d / f).symlink_to(t))
        )
        cases.append(Case(f"bundle3:{name}", "bundle3", link, "leads outside the bundle"))
    return cases


def metadata_changes(meta: dict) -> list[tuple]:
    """(name, change of the metadata, expected words): fields out of their range."""
    n = meta["input"]["n_inputs"]

    def backbone_field(**fields):
        return lambda m: m["backbone"].update(fields)

    def field(key, value):
        return lambda m: m.update({key: value})

    def layout(change):
        return lambda m: change(m["input"])

    return [
        ("crop -1", backbone_field(crop=-1), "crop"),
        ("crop 0", backbone_field(crop=0), "crop"),
        ("crop a string", backbone_field(crop="224"), "crop"),
        ("crop 100000", backbone_field(crop=100_000, resize=100_000), "crop"),
        ("crop 2.5", backbone_field(crop=2.5), "crop"),
        ("crop true", backbone_field(crop=True), "crop"),
        ("crop over resize", backbone_field(crop=300, resize=232), "crop"),
        ("resize -5", backbone_field(resize=-5), "resize"),
        ("resize 0", backbone_field(resize=0), "resize"),
        ("resize a string", backbone_field(resize="x"), "resize"),
        ("resize 100000", backbone_field(resize=100_000), "resize"),
        ("mean an int", backbone_field(mean=0), "mean"),
        ("mean of two", backbone_field(mean=[0.5, 0.5]), "mean"),
        ("mean strings", backbone_field(mean=["a", "b", "c"]), "mean"),
        ("mean 300", backbone_field(mean=[300, 0.5, 0.5]), "mean"),
        ("std zero", backbone_field(std=[0, 0, 0]), "std"),
        ("std negative", backbone_field(std=[-1, 0.2, 0.2]), "std"),
        ("std an int", backbone_field(std=5), "std"),
        ("pretrained a string", backbone_field(pretrained="yes"), "pretrained"),
        ("backbone name a number", backbone_field(name=5), "backbone name"),
        ("outputs twice ssim", field("outputs", ["ssim", "ssim"]), "outputs"),
        ("outputs empty", field("outputs", []), "outputs"),
        ("outputs three", field("outputs", ["ssim", "log_bytes", "x"]), "outputs"),
        ("n_inputs off by one", layout(lambda i: i.update(n_inputs=n + 1)), "n_inputs"),
        ("n_inputs 10^9", layout(lambda i: i.update(n_inputs=10**9)), "n_inputs"),
        ("block 1000 wide", layout(lambda i: i["blocks"][0].update(size=1000)), "input block"),
        ("blocks reordered", layout(lambda i: i["blocks"].reverse()), "input blocks"),
        ("block unknown", layout(lambda i: i["blocks"][0].update(name="pixels")), "input blocks"),
        ("files ../ image part", lambda m: m["files"].update(image_part="../x.onnx"), "inside the bundle"),
        ("files /etc/passwd export", lambda m: m["files"].update(export="/etc/passwd"), "inside the bundle"),
    ]


def model_changes(meta: dict, width: int) -> list[tuple]:
    """(name, {file key: (inputs, outputs[, fail])}, expected words): models unlike what the metadata states, seen
    when each session loads, or only when it runs. `width`: the image part's output."""
    n, outs, crop = meta["input"]["n_inputs"], len(meta["outputs"]), meta["backbone"]["crop"]
    features = n - 8
    image = [("image", UINT8, ["N", crop, crop, 3])]
    main_in, main_out = [("input", FLOAT, ["N", n])], [("prediction", FLOAT, ["N", outs])]
    candidate_in = [("image", FLOAT, [1, width]), ("features", FLOAT, [1, features]), ("params", FLOAT, ["N", 8])]
    two_outputs = [("f", FLOAT, ["N", 2048]), ("g", FLOAT, ["N", 2048])]
    return [
        ("backbone 1000 wide", {"backbone": (image, [("f", FLOAT, ["N", 1000])])}, "[N, 2048]"),
        ("backbone NCHW float", {"backbone": ([("image", FLOAT, ["N", 3, crop, crop])], two_outputs[:1])}, "uint8 [N,"),
        (
            "backbone crop 256",
            {"backbone": ([("image", UINT8, ["N", 256, 256, 3])], two_outputs[:1])},
            "expected uint8",
        ),
        (
            "backbone rank 3",
            {"backbone": ([("image", UINT8, ["N", crop, crop * 3])], two_outputs[:1])},
            "expected uint8",
        ),
        ("backbone two outputs", {"backbone": (image, two_outputs)}, "outputs are"),
        ("model input float64", {"onnx": ([("input", DOUBLE, ["N", n])], main_out)}, "expected float32"),
        ("model two inputs", {"onnx": (main_in + [("extra", FLOAT, ["N", 1])], main_out)}, "inputs are"),
        ("model output 3 wide", {"onnx": (main_in, [("prediction", FLOAT, ["N", outs + 1])])}, f"[N, {outs}]"),
        ("model output rank 1", {"onnx": (main_in, [("prediction", FLOAT, ["N"])])}, f"[N, {outs}]"),
        ("model input rank 3", {"onnx": ([("input", FLOAT, ["N", n, 1])], main_out)}, f"[N, {n}]"),
        ("image part renamed", {"image_part": ([("feats", FLOAT, ["N", features])], main_out)}, "'feats'"),
        (
            "candidate renamed",
            {"candidate_part": ([*candidate_in[:2], ("param", FLOAT, ["N", 8])], main_out)},
            "'param'",
        ),
        (
            "candidate 7 params",
            {"candidate_part": ([*candidate_in[:2], ("params", FLOAT, ["N", 7])], main_out)},
            "[N, 8]",
        ),
        (
            "candidate image width",
            {"candidate_part": ([("image", FLOAT, [1, width + 1]), *candidate_in[1:]], main_out)},
            f"[N, {width}]",
        ),
        (
            "candidate output 3 wide",
            {"candidate_part": (candidate_in, [("p", FLOAT, ["N", outs + 1])])},
            f"[N, {outs}]",
        ),
        ("model fails running", {"onnx": (main_in, main_out, "run")}, "failed to run"),
        ("model answers 3 wide", {"onnx": (main_in, main_out, "shape")}, "came out"),
        ("backbone answers 2049", {"backbone": (image, two_outputs[:1], "shape")}, "came out"),
    ]


def _image_part_width(path: Path) -> int:
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_outputs()[0].shape[1]
