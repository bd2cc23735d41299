"""Export a trained run: `python -m svgq_jax.export --run RUN` writes RUN/export/.

    quality_predictor.onnx            ONNX (dynamo exporter, opset 18), dynamic batch,
                                      input "input" [B, n_inputs] -> "prediction" [B, n_outputs]
                                      (columns: SSIM, then ln SVG bytes)
    quality_predictor_traced.pt       TorchScript, traced
    quality_predictor_scripted.pt     TorchScript, scripted
    quality_predictor.pt2             torch.export program, dynamic batch
    quality_predictor_full.pth        state dict + model_config + training metrics + export time + environment
    quality_predictor.mlpackage       CoreML, only when coremltools is installed
    backbone.onnx                     the feature extractor: ResNet-50 without fc, its normalisation inside,
                                      input "image" uint8 [B, 224, 224, 3] crops -> "features" [B, 2048]
                                      (exported once per backbone into a cache, `torch_bridge/backbone.py`)
    metadata.json                     backbone, parameter space, input layout, metrics, readiness, parity, sizes
    report.md                         the same, for people

Every format takes the raw input (features, then the 8 raw parameters) and
returns predicted SSIM; normalisation is baked in. Parity against the JAX fp32
model is checked for every format in a fresh process without JAX; the backbone's
features against torchvision's, and the predictions they lead to.
"""

from __future__ import annotations

import platform
import shutil
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import torch
from flax import nnx

from svgq_jax import config
from svgq_jax.configs.default import TrainConfig
from svgq_jax.core import cli
from svgq_jax.core import params as param_space
from svgq_jax.core.bundle import BUNDLE_VERSION, COREML_FILE, FILES, METADATA, REPORT, input_layout
from svgq_jax.core.environment import package_versions
from svgq_jax.core.errors import InputError
from svgq_jax.core.features import BackboneSpec, check_preprocessing
from svgq_jax.core.files import write_atomic, write_json
from svgq_jax.core.onnxsession import onnx_session
from svgq_jax.data.dataset import Dataset, load_dataset
from svgq_jax.model import predict_fn, raw_feature_distribution
from svgq_jax.train.checkpoints import restore_kept_model
from svgq_jax.train.run import Run
from torch_bridge import bundle_report, parity
from torch_bridge.backbone import bundle_backbone, check_record, prediction_parity
from torch_bridge.convert import flax_to_torch, named_arrays
from torch_bridge.module import CandidatePart, ImagePart, from_config
from torch_bridge.onnx_export import export_onnx

# bf16 keeps 8 significand bits (relative rounding error 2^-9 per value); through the hidden
# layers, whose sums run over up to 2,100 inputs, the predicted SSIM moves by ~1e-2, with tails
# past 0.02 on random inputs. This bound is a sanity check of the cast, which would move
# predictions far more if a weight were lost. Validation scores the float32 cast, which is
# what every format exports, so the exported model is the validated one either way.
BF16_TOLERANCE = 0.05


def _versions() -> dict:
    names = ("jax", "flax", "torch", "onnx", "onnxruntime", "onnxscript", "numpy")
    return {"python": platform.python_version(), "platform": platform.platform(), **package_versions(names)}


def torch_module(model, model_config: dict):
    """The trained nnx model as an eval-mode `torch_bridge.module.QualityPredictor`."""
    module = from_config(model_config)
    module.load_state_dict(flax_to_torch(named_arrays(model), model_config), strict=True)
    return module.eval()


def _write_formats(module, n_inputs: int, out: Path, metadata: dict) -> dict:
    example = torch.zeros(2, n_inputs)
    batch = torch.export.Dim("batch", min=1, max=1 << 20)
    paths = {k: out / v for k, v in FILES.items() if k != "backbone"}  # the backbone: `bundle_backbone`
    with warnings.catch_warnings():
        # TorchScript is deprecated in favour of torch.export, but the bundle still ships it
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.", category=FutureWarning)
        torch.jit.trace(module, example).save(str(paths["traced"]))
        torch.jit.script(module).save(str(paths["scripted"]))
    torch.export.save(torch.export.export(module, (example,), dynamic_shapes=({0: batch},)), str(paths["export"]))
    export_onnx(module, (example,), paths["onnx"], ["input"], ["prediction"], ({0: batch},))
    _write_split(module, n_inputs, paths)
    torch.save({"state_dict": module.state_dict(), "model_config": module.get_config(), **metadata}, str(paths["full"]))
    coreml = _coreml(module, example, out)
    if coreml:
        paths["coreml"] = coreml
    return paths


def _write_split(module, n_inputs: int, paths: dict) -> None:
    """The ONNX model split at its first layer: image features [B, F] -> "image" [B, H]; then one image's
    "image" [1, H] and "features" [1, F] with "params" [N, 8] -> "prediction" [N, outputs]."""
    n_features = n_inputs - param_space.N_PARAMS
    features = torch.zeros(2, n_features)
    candidates = torch.export.Dim("candidates", min=1, max=1 << 20)
    images = torch.export.Dim("images", min=1, max=1 << 20)
    export_onnx(ImagePart(module), (features,), paths["image_part"], ["features"], ["image"], ({0: images},))
    image = module.image_part(features[:1]).detach()
    export_onnx(
        CandidatePart(module),
        (image, features[:1], torch.ones(2, param_space.N_PARAMS)),
        paths["candidate_part"],
        ["image", "features", "params"],
        ["prediction"],
        (None, None, {0: candidates}),
    )


def _coreml(module, example, out: Path) -> Path | None:
    """CoreML conversion and a spec check, when coremltools is installed (optional extra)."""
    try:
        import coremltools as ct
    except ImportError:
        return None
    traced = torch.jit.trace(module, example)
    mlmodel = ct.convert(
        traced,
        inputs=[ct.TensorType(name="input", shape=(ct.RangeDim(1, 4096), example.shape[1]))],
        convert_to="mlprogram",
        compute_precision=ct.precision.FLOAT32,
    )  # the default would be fp16
    spec = mlmodel.get_spec()
    if spec.description.input[0].name != "input":
        raise RuntimeError("CoreML spec check failed: unexpected input name")
    path = out / COREML_FILE
    shutil.rmtree(path, ignore_errors=True)
    mlmodel.save(str(path))
    return path


def _size_mb(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
    return path.stat().st_size / 2**20


def export_run(run_dir: str | Path, quiet: bool = False, backbone_weights=None) -> dict:
    """Write RUN/export/ and return its metadata (parity included). `backbone_weights`: the pretrained
    weights file the run's dataset was built with, when it is not found as `data build` finds it."""
    run = Run(run_dir)
    run.require_finished()
    src = Sources.of(run)
    tmp = run.export_partial
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model = restore_kept_model(run)
    module = torch_module(model, src.model_json)
    layout = input_layout(src.cfg.with_stats, src.data.get("image_stats_version"))
    base_meta = {
        "bundle_version": BUNDLE_VERSION,
        "model_config": src.model_json,
        "training_metrics": src.results,
        "export_timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": _versions(),
    }
    paths = _write_formats(module, layout["n_inputs"], tmp, base_meta)
    paths["backbone"] = tmp / FILES["backbone"]
    backbone = bundle_backbone(src.backbone, paths["backbone"], backbone_weights, quiet)
    check_record(backbone)
    sets = parity.input_sets(parity.random_inputs(*raw_feature_distribution(model), 1024), src.dataset_rows())
    checks, reference = _format_parity(model, module, paths, sets)
    bf16 = bf16_parity(run, sets, reference) if src.results["precision"] == "bf16" else None
    backbone["parity"]["predictions"] = _backbone_prediction_parity(backbone, paths["onnx"], sets)
    meta = _metadata(base_meta, paths, backbone, layout, model, src, checks, bf16)
    write_json(tmp / METADATA, meta)
    write_atomic(tmp / REPORT, bundle_report.report(meta, checks))
    shutil.rmtree(run.export, ignore_errors=True)
    tmp.rename(run.export)  # the bundle appears whole or not at all
    _announce(meta, checks, len(paths), run.export, quiet)
    return meta


@dataclass
class Sources:
    """What a bundle is made from: the run's records and, where it is still there, its dataset."""

    run: Run
    cfg: TrainConfig
    model_json: dict
    data: dict
    results: dict
    validation: dict | None
    ds: Dataset | None

    @classmethod
    def of(cls, run: Run) -> Sources:
        try:
            ds = load_dataset(run.data()["path"], min_examples=1)
        except InputError:
            ds = None  # parity then runs on random inputs only
        src = cls(run, run.config(), run.model_json(), run.data(), run.results(), run.validation(), ds)
        check_preprocessing(src.backbone, f"dataset {src.data['path']}")
        return src

    @property
    def backbone(self) -> dict:
        return self.ds.metadata["backbone"] if self.ds else self.data["backbone"]

    def dataset_rows(self) -> np.ndarray | None:
        """Up to 1024 of the test images' rows, for parity on real inputs."""
        if self.ds is None:
            return None
        rows = np.flatnonzero(np.isin(self.ds.image_index, self.run.split().test))[:1024]
        return self.ds.inputs(rows, with_stats=self.cfg.with_stats).astype(np.float32)


def _format_parity(model, module, paths: dict, sets: dict) -> tuple[list, dict]:
    """The JAX fp32 model against every format, random and real rows, batch 1 / 7 / 1024: (checks, reference)."""
    # On a GPU, JAX's default float32 matmuls use TF32 (about 1e-4 off); the reference must be float32 proper.
    # Compiled once per batch size: op-by-op (eager) JAX compiled every op for every set, 5 s.
    forward = predict_fn(model)
    with jax.default_matmul_precision("float32"):
        reference = {k: forward(v) for k, v in sets.items()}
    with torch.inference_mode():
        eager = {k: module(torch.from_numpy(v)).numpy() for k, v in sets.items()}
    names = model.cfg.outputs
    checks = parity.compare("torch_eager", eager, reference, jax_imported=False, names=names)
    fresh, jax_imported = parity.run_fresh(
        {
            **{fmt: paths[fmt] for fmt in ("full", "traced", "scripted", "export", "onnx")},
            "onnx_split": f"{paths['image_part']},{paths['candidate_part']}",
        },
        sets,
    )
    for fmt, outputs in fresh.items():
        checks += parity.compare(fmt, outputs, reference, jax_imported, names=names)
    return checks, reference


# the training figures a bundle's metadata carries
METRICS = (
    "kept_val_correlation",
    "kept_by",
    "test_correlation",
    "test_rmse",
    "test_loss",
    "test_bytes_log_error_median",
    "test_bytes_log_error_p90",
    "epochs_trained",
    "precision",
)


def _metadata(base_meta: dict, paths: dict, backbone: dict, layout: dict, model, src: Sources, checks, bf16) -> dict:
    validation = src.validation
    return {
        **{k: v for k, v in base_meta.items() if k != "training_metrics"},
        "files": {fmt: p.name for fmt, p in paths.items()},
        "backbone": backbone,
        "param_space": {
            "version": param_space.PARAM_SPACE_VERSION,
            "table": param_space.table(),
            "fixed_settings": param_space.FIXED_SETTINGS,
        },
        "input": layout,
        # the columns of the output "prediction": SSIM, then ln(SVG bytes) when the model predicts them
        "outputs": list(model.cfg.outputs),
        "normalisation": "baked into every format: features standardised by the training split's mean/std "
        "(ResNet block also multiplied by resnet_weight), parameters scaled to [0, 1] by the parameter table",
        "train_config": config.to_dict(src.cfg),
        "dataset": src.data,
        "metrics": {k: src.results.get(k) for k in METRICS},
        "validation": validation.get("summary") if validation else None,
        "readiness": validation.get("readiness") if validation else None,
        "parity": {
            "fp32_tolerance": parity.FP32_TOLERANCE,
            "all_ok": all(c.ok for c in checks) and backbone["parity"]["predictions"]["ok"],
            "checks": parity.to_json(checks),
            "bf16": bf16,
        },
        "sizes_mb": {fmt: round(_size_mb(p), 3) for fmt, p in paths.items()},
    }


def _announce(meta: dict, checks, n_formats: int, out: Path, quiet: bool) -> None:
    """The one line a user reads; RuntimeError when parity failed (the bundle is written for inspection)."""
    if not quiet:
        verdict = meta["readiness"]["verdict"] if meta["readiness"] else "not validated"
        print(
            f"exported {n_formats} formats to {out}: parity {'ok' if meta['parity']['all_ok'] else 'FAILED'} "
            f"({len(checks)} checks, max diff {max(c.max_abs_diff for c in checks):.1e}); readiness: {verdict}",
            file=sys.stderr,
        )
    if not meta["parity"]["all_ok"]:
        bad = next((c for c in checks if not c.ok), None)
        if bad is None:
            raise RuntimeError(f"backbone parity failed: {meta['backbone']['parity']['predictions']}")
        raise RuntimeError(
            f"parity failed: {bad.format} on {bad.source} batch {bad.batch}: {bad.max_abs_diff:.2e} > "
            f"{bad.tolerance:.0e}"
        )


def _backbone_prediction_parity(backbone: dict, onnx_path: Path, sets: dict[str, np.ndarray]) -> dict:
    """The bundle's predictions from the parity images' features by torchvision and by `backbone.onnx`
    (the statistics and parameters of each row as in the parity inputs)."""
    session = onnx_session(str(onnx_path))
    rows = sets.get("dataset_b1024", sets["random_b1024"])
    diff = prediction_parity(BackboneSpec.from_json(backbone), lambda x: session.run(None, {"input": x})[0], rows)
    return {
        "rows": len(rows),
        "max_abs_diff": diff,
        "tolerance": parity.FP32_TOLERANCE,
        "ok": diff <= parity.FP32_TOLERANCE,
    }


def bf16_parity(run: Run, sets: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> dict:
    """A bf16-trained run's model computed in bf16, as it trained, against the float32 reference
    of the same weights (what every format exports)."""
    model = restore_kept_model(run)
    heads = {id(h) for h in model.heads()}  # float32 under every precision, as in training
    for _, m in nnx.iter_graph(model):
        if isinstance(m, nnx.Linear) and id(m) not in heads:
            m.dtype = jnp.bfloat16
    forward = predict_fn(model)
    diffs = np.concatenate([np.abs(forward(v)[:, 0] - reference[k][:, 0]) for k, v in sets.items()])  # the SSIM
    return {
        "max_abs_diff": float(diffs.max()),
        "mean_abs_diff": float(diffs.mean()),
        "tolerance": BF16_TOLERANCE,
        "ok": float(diffs.max()) <= BF16_TOLERANCE,
        "note": "bf16-compute JAX model vs its float32 cast (the exported weights)",
    }


def main(argv=None) -> int:
    p = cli.Parser(
        prog="python -m svgq_jax.export",
        description="Export a trained run to RUN/export/ (ONNX, TorchScript, torch.export, state dict) with parity "
        "checks.",
    )
    p.add_argument("--run", required=True, metavar="RUN", help="a finished training run directory")
    p.add_argument(
        "--backbone-weights",
        metavar="FILE",
        help="the pretrained ResNet-50 weights the run's dataset was built with, if not found as `data build` "
        "finds them; the bundle then carries them as backbone.onnx",
    )
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    export_run(a.run, quiet=a.quiet, backbone_weights=a.backbone_weights)
    return 0
