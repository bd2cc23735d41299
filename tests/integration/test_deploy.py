"""The deployable predictor: the bundle's backbone on ONNX Runtime, no training stack imported, the `svgq`
console script, and one-line refusals where the [train] extra is missing."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import REPO, draw_test_logo

from svgq_jax.core import params as param_space
from svgq_jax.core.features import BackboneSpec, OnnxFeatureExtractor
from svgq_jax.core.files import read_json
from svgq_jax.core.onnxsession import onnx_session
from svgq_jax.data.resnet import FeatureExtractor
from torch_bridge.backbone import parity_images

# what only the [train] extra installs: made unimportable in the child, as in a predictor-only install
TRAINING_STACK = ("torch", "torchvision", "jax", "jaxlib", "flax", "optax", "orbax")
# installed with the predictor too, but slow to import and not needed to predict
SLOW_IMPORTS = ("onnx", "scipy.stats")

# Run argv[1:] through the console script's main with the training stack unimportable, then print the exit code
# and the slow modules it imported: `optimize` and `predict` must run on ONNX Runtime alone.
IMPORTS_CHILD = f"""
import json, sys
sys.modules.update(dict.fromkeys({TRAINING_STACK!r}))
from svgq_jax.console import main
code = None
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
print(json.dumps({{"code": code, "loaded": sorted(m for m in {SLOW_IMPORTS!r} if m in sys.modules)}}))
"""


def _imports(*argv) -> dict:
    r = subprocess.run([sys.executable, "-c", IMPORTS_CHILD, *map(str, argv)], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-1500:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_optimize_and_predict_never_import_the_training_stack(tiny_bundle, tmp_path):
    draw_test_logo(2).save(tmp_path / "a.png")
    out = _imports("optimize", "--model", tiny_bundle, tmp_path / "a.png", "--out", tmp_path / "a.svg", "--budget", 64)
    assert out == {"code": 0, "loaded": []}
    assert "<svg" in (tmp_path / "a.svg").read_text()
    pairs = tmp_path / "p.jsonl"
    pairs.write_text(json.dumps({"image": "a.png", "params": param_space.VTRACER_DEFAULTS}) + "\n")
    out = _imports("predict", "--model", tiny_bundle, "--pairs", pairs, "--out", tmp_path / "o.jsonl", "--quiet")
    assert out == {"code": 0, "loaded": []}


def test_bundle_backbone_computes_the_torch_features(tiny_bundle, tiny_dataset):
    """backbone.onnx on ONNX Runtime against the torch module that built the dataset, on the same images."""
    meta = read_json(tiny_bundle / "metadata.json")
    assert meta["backbone"]["file"] == "backbone.onnx" and meta["backbone"]["parity"]["ok"]
    assert meta["backbone"]["parity"]["predictions"]["ok"]
    spec = BackboneSpec.from_json(meta["backbone"])
    assert spec == BackboneSpec.from_json(read_json(tiny_dataset / "metadata.json")["backbone"])
    images = parity_images()[:3]
    onnx_features = OnnxFeatureExtractor(onnx_session(str(tiny_bundle / "backbone.onnx")), spec)(images)
    torch_features = FeatureExtractor(quiet=True, pretrained=spec.pretrained, channels_last=False)(images)
    assert np.abs(onnx_features - torch_features).max() <= 1e-5 * max(1.0, np.abs(torch_features).max())


def test_console_script_runs_the_commands(tiny_bundle, tmp_path):
    svgq = Path(sys.executable).with_name("svgq")
    assert svgq.is_file(), "the svgq console script is installed with the package (pip install -e .)"
    r = subprocess.run([svgq, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and all(c in r.stdout for c in ("optimize", "predict", "train", "data"))
    r = subprocess.run([svgq, "optimize", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("usage: svgq optimize")
    r = subprocess.run([svgq, "trian"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown command 'trian'" in r.stderr
    r = subprocess.run(
        [svgq, "optimize", "--model", tiny_bundle, tmp_path / "none.png"], capture_output=True, text=True
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1


def test_a_command_without_its_extra_names_it(tiny_run, tmp_path):
    """A predictor-only install has no JAX: the commands that need it stop with one line, exit 2."""
    code = "import sys; sys.modules['jax'] = None; from svgq_jax.console import main; main(sys.argv[1:])"
    for argv in (["export", "--run", str(tiny_run)], ["train", "--out", str(tmp_path / "r")]):
        r = subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO, capture_output=True, text=True)
        assert r.returncode == 2, r.stderr[-800:]
        assert r.stderr.count("\n") == 1 and "[train] extra" in r.stderr and "svgq_jax[train]" in r.stderr
