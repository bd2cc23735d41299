"""One way to write an ONNX file from a torch module: the dynamo exporter, opset 18, weights inside the file,
then `onnx.checker` in full. Every graph a bundle carries is written through `export_onnx`."""

from __future__ import annotations

import warnings
from pathlib import Path

OPSET = 18


def export_onnx(module, args: tuple, path: Path, inputs: list[str], outputs: list[str], dynamic_shapes) -> None:
    import onnx
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on decompositions
        torch.onnx.export(
            module.eval(),
            args,
            str(path),
            dynamo=True,
            opset_version=OPSET,
            external_data=False,
            verbose=False,
            input_names=inputs,
            output_names=outputs,
            dynamic_shapes=dynamic_shapes,
        )
    onnx.checker.check_model(str(path), full_check=True)
