"""The deployable quality predictor: an exported bundle + the backbone, on ONNX Runtime, without JAX.

    p = QualityPredictor.load("runs/default/export")
    p.predict("logo.png", {"color_precision": 6, ...})          -> float
    p.predict_batch(["a.png", "b.png"], [params_a, params_b])   -> np.ndarray

Features are computed exactly as the data pipeline computes them (canonical
image, the same backbone and preprocessing, the same image statistics) and
cached per image. The bundle names its backbone by sha256; a different
backbone is refused, as is a bundle whose image statistics this version
computes differently.

    python -m svgq_jax.predict --model BUNDLE --pairs IN.jsonl --out OUT.jsonl
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from svgq_jax import params as param_space
from svgq_jax.bundle import read_bundle
from svgq_jax.data import images
from svgq_jax.data.imagestats import image_stats
from svgq_jax.errors import InputError

CACHE_IMAGES = 256


def _session(path: Path):
    import onnxruntime as ort

    try:
        return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises several exception types for a bad file
        raise InputError(f"{path}: not a loadable ONNX model ({type(e).__name__})") from None


def _backbone(meta: dict, weights=None, device=None):
    """The feature extractor the bundle was trained with, or InputError naming both backbones."""
    from svgq_jax.data.features import FeatureExtractor

    want = meta["backbone"]
    # a bundle trained on the random fallback gets it even where pretrained weights exist
    fx = FeatureExtractor(
        weights, device=device, quiet=True, pretrained=bool(want.get("pretrained", True)), channels_last=False
    )
    if fx.spec.sha256 != want["sha256"]:
        raise InputError(
            f"bundle was trained on backbone {want['name']} (sha256 {want['sha256'][:12]}…) but this machine provides "
            f"{fx.spec.name} (sha256 {fx.spec.sha256[:12]}…); pass the same weights with --backbone-weights or "
            f"$SVGQ_BACKBONE_WEIGHTS"
        )
    return fx


ImageLike = "str | Path | np.ndarray | PIL.Image.Image"


class QualityPredictor:
    """Predicted SSIM of VTracer's SVG for (image, parameters); compatible with a BasePredictor's predict()."""

    def __init__(self, meta: dict, session, extractor):
        self.meta = meta
        self.session = session
        self.extractor = extractor
        self.with_stats = any(b["name"] == "image_stats" for b in meta["input"]["blocks"])
        self.n_inputs = int(meta["input"]["n_inputs"])
        self._input = session.get_inputs()[0].name
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    def load(cls, bundle_dir: str | Path, backbone_weights=None, device: str | None = None) -> QualityPredictor:
        meta = read_bundle(bundle_dir)
        session = _session(Path(bundle_dir) / meta["files"]["onnx"])
        return cls(meta, session, _backbone(meta, backbone_weights, device))

    # ------------------------------------------------------------ features

    @staticmethod
    def canonical(image) -> np.ndarray:
        """Path, PIL image or uint8 array -> canonical uint8 [256, 256, 3]."""
        from PIL import Image

        if isinstance(image, (str, Path)):
            return images.to_array(images.load_image(image))
        if isinstance(image, Image.Image):
            return images.to_array(images.canonicalize(image))
        a = np.asarray(image)
        if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] not in (3, 4):
            raise InputError(f"expected a uint8 [H, W, 3|4] image array, got {a.dtype} {a.shape}")
        return images.to_array(images.canonicalize(Image.fromarray(a)))

    def image_features(self, canon: Sequence[np.ndarray]) -> np.ndarray:
        """Per-image model features (backbone [+ statistics]) for canonical images, cached by content hash."""
        keys = [images.image_hash_array(c) for c in canon]
        todo = [i for i, k in enumerate(keys) if k not in self._cache]
        if todo:
            feats = self.extractor(np.stack([canon[i] for i in todo]))
            for i, f in zip(todo, feats):
                row = np.concatenate([f, image_stats(canon[i])]) if self.with_stats else f
                self._cache[keys[i]] = row.astype(np.float32)
                if len(self._cache) > CACHE_IMAGES:
                    self._cache.popitem(last=False)
        return np.stack([self._cache[k] for k in keys])

    # ------------------------------------------------------------ prediction

    def predict_rows(self, feature_rows: np.ndarray, param_matrix: np.ndarray) -> np.ndarray:
        """Model on [N, n_features] x [N, 8] raw inputs -> [N] predicted SSIM (batches of 4096)."""
        x = np.concatenate([feature_rows, param_space.validate_matrix(param_matrix)], axis=1).astype(np.float32)
        if x.shape[1] != self.n_inputs:
            raise InputError(f"model takes {self.n_inputs} inputs, got {x.shape[1]}")
        out = [self.session.run(None, {self._input: x[i : i + 4096]})[0][:, 0] for i in range(0, len(x), 4096)]
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def predict(self, image, params: Mapping) -> float:
        """Predicted SSIM for one image and one parameter dict (validated; raw values)."""
        return float(self.predict_batch([image], [params])[0])

    def predict_batch(self, images_: Sequence, params_list: Sequence[Mapping]) -> np.ndarray:
        if len(images_) != len(params_list):
            raise InputError(f"{len(images_)} images but {len(params_list)} parameter sets")
        canon = [self.canonical(im) for im in images_]
        rows = self.image_features(canon)
        return self.predict_rows(
            rows,
            np.stack([param_space.to_vector(p) for p in params_list])
            if params_list
            else np.zeros((0, param_space.N_PARAMS)),
        )


# ---------------------------------------------------------------- command line


def predict_pairs(
    model: str, pairs_path: str, out_path: str, backbone_weights=None, batch_images: int = 16, quiet: bool = False
) -> dict:
    """Add predicted_ssim to every pair; bad lines get error and the rest go on."""
    from tqdm.auto import tqdm

    from svgq_jax.pairs import OrderedWriter, read_pairs, result_row

    pairs = read_pairs(pairs_path)
    predictor = QualityPredictor.load(model, backbone_weights)
    writer = OrderedWriter(out_path, pairs)
    counts = {"predicted": 0, "errors": 0, "resumed": writer.done}
    todo = list(writer.todo())
    by_image: dict[Path, list[int]] = {}
    for i, pair in todo:
        if pair.error:
            writer.put(i, result_row(pair, error=pair.error))
            counts["errors"] += 1
        else:
            by_image.setdefault(pair.image, []).append(i)
    paths = list(by_image)
    try:
        with tqdm(total=len(paths), desc="predict", unit="img", disable=quiet, file=sys.stderr) as bar:
            for s in range(0, len(paths), batch_images):
                chunk, canon = [], []
                for path in paths[s : s + batch_images]:
                    try:
                        canon.append(predictor.canonical(path))
                        chunk.append(path)
                    except InputError as e:
                        for i in by_image[path]:
                            writer.put(i, result_row(pairs[i], error=f"line {pairs[i].line}: {e}"))
                            counts["errors"] += 1
                if chunk:
                    feats = predictor.image_features(canon)
                    idx = [(k, i) for k, path in enumerate(chunk) for i in by_image[path]]
                    pred = predictor.predict_rows(
                        feats[[k for k, _ in idx]], np.stack([param_space.to_vector(pairs[i].params) for _, i in idx])
                    )
                    for (_, i), v in zip(idx, pred):
                        writer.put(i, result_row(pairs[i], predicted_ssim=float(v)))
                    counts["predicted"] += len(idx)
                bar.update(len(paths[s : s + batch_images]))
    finally:
        writer.close()
    return counts


def main(argv=None) -> int:
    from svgq_jax import cli
    from svgq_jax.pairs import check_out

    p = cli.Parser(
        prog="python -m svgq_jax.predict",
        description="Predict the SSIM of VTracer's SVG for each (image, parameters) pair in a JSONL "
        "file with an exported bundle (ONNX Runtime; no JAX). Output lines keep every input field and add "
        "predicted_ssim, or error.",
    )
    p.add_argument("--model", required=True, metavar="BUNDLE", help="an export directory (RUN/export)")
    p.add_argument(
        "--pairs",
        required=True,
        metavar="IN.jsonl",
        help='lines of {"image": PATH, "params": {8 named values}}; relative paths resolve against the file\'s folder',
    )
    p.add_argument("--out", required=True, metavar="OUT.jsonl")
    p.add_argument(
        "--backbone-weights", metavar="FILE", help="the pretrained ResNet-50 weights the bundle names, if any"
    )
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    check_out(a.out, a.pairs)
    c = predict_pairs(a.model, a.pairs, a.out, a.backbone_weights, quiet=a.quiet)
    if not a.quiet:
        print(f"predicted {c['predicted']}, errors {c['errors']}, resumed {c['resumed']} -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    from svgq_jax import cli

    cli.main(main)
