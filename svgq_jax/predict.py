"""The deployable quality predictor: an exported bundle, backbone included, on ONNX Runtime alone.

    p = QualityPredictor.load("runs/default/export")
    p.predict("logo.png", {"color_precision": 6, ...})          -> Prediction(ssim=0.97, svg_bytes=10432.0)
    p.predict_batch(["a.png", "b.png"], [params_a, params_b])   -> Prediction of two arrays

Features are computed exactly as the data pipeline computes them (the image's
canonical view for the backbone and most statistics, the image itself at its own
size for the rest, the same backbone and preprocessing) and cached per image.
The backbone is the bundle's own `backbone.onnx`, exported from the weights the
model was trained on, so this module imports neither torch nor JAX (a predictor-only
install has neither). The predicted SSIM is the native label's: of VTracer's SVG of
the image at its own size (long side capped at `max_side`), with its transparency.
A bundle whose image statistics or preprocessing this version computes differently
is refused.

    python -m svgq_jax.predict --model BUNDLE --pairs IN.jsonl --out OUT.jsonl
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from svgq_jax.core import decode, images
from svgq_jax.core import params as param_space
from svgq_jax.core.bundle import bundle_file, model_specs, read_bundle
from svgq_jax.core.errors import InputError
from svgq_jax.core.features import BackboneSpec, OnnxFeatureExtractor
from svgq_jax.core.imagestats import defaults_trace, image_stats
from svgq_jax.core.tracing import Target

CACHE_IMAGES = 256


class Prediction(NamedTuple):
    """What the model predicts for a trace: its SSIM and its SVG's bytes (None for a model without
    the bytes output). Floats for one pair, arrays for a batch."""

    ssim: float | np.ndarray
    svg_bytes: float | np.ndarray | None


def _session(root: Path, name: str, spec: tuple):
    """An ONNX Runtime session of a file the bundle names (read safely), its inputs and outputs checked against
    `spec` (`bundle.model_specs`): InputError when it is not loadable or not what the metadata states."""
    from svgq_jax.core.onnxsession import checked_session

    try:
        path = bundle_file(root, name)
    except ValueError as e:
        raise InputError(f"{root}: corrupt bundle metadata ({e})") from None
    if not path.is_file():
        raise InputError(f"{root}: {path.name} is missing; export the bundle again")
    return checked_session(str(path), *spec)


def _split_sessions(root: Path, files: dict, specs: dict):
    """(image part, candidate part) sessions: the model split at its first layer, when the bundle has it. The
    candidate part takes the image part's output."""
    if not (files.get("image_part") and files.get("candidate_part")):
        return None
    image_part = _session(root, files["image_part"], specs["image_part"])
    width = image_part.get_outputs()[0].shape[1]
    if not isinstance(width, int) or width < 1:
        raise InputError(f"{root / files['image_part']}: its output's width is {width!r}, not a number")
    inputs, outputs = specs["candidate_part"]
    inputs = {**inputs, "image": ("float32", (None, width))}
    return image_part, _session(root, files["candidate_part"], (inputs, outputs))


class QualityPredictor:
    """Predicted SSIM and size of VTracer's SVG for (image, parameters)."""

    def __init__(self, meta: dict, session, extractor, max_side: int = images.MAX_SIDE, split=None):
        self.meta = meta
        self.max_side = max_side
        self.session = session
        self.extractor = extractor
        self.with_stats = any(b["name"] == "image_stats" for b in meta["input"]["blocks"])
        self.n_inputs = int(meta["input"]["n_inputs"])
        self.outputs = tuple(meta["outputs"])
        self.predicts_bytes = "log_bytes" in self.outputs
        self._input = session.get_inputs()[0].name
        # (image part, candidate part) sessions: the model split at its first layer, for optimize
        self.split = split
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        # VTracer's defaults traced at each source's size: a statistic of the model, and what
        # `optimize` compares its picks with (traced once for both)
        self._defaults: OrderedDict[str, tuple] = OrderedDict()
        # the last source as a trace target (its SSIM reference costs ~30 ms on a native logo; the defaults' trace
        # and optimize's verified traces share it); one only, since a 2048-px reference holds ~190 MB
        self._target: tuple[str, Target] | None = None

    @classmethod
    def load(cls, bundle_dir: str | Path, max_side: int = images.MAX_SIDE) -> QualityPredictor:
        images.check_max_side(max_side)
        root = Path(bundle_dir)
        meta = read_bundle(root)
        files, specs = meta["files"], model_specs(meta)
        session = _session(root, files["onnx"], specs["onnx"])
        split = _split_sessions(root, files, specs)
        backbone_session = _session(root, files["backbone"], specs["backbone"])
        backbone = OnnxFeatureExtractor(backbone_session, BackboneSpec.from_json(meta["backbone"]))
        return cls(meta, session, backbone, max_side, split)

    # ------------------------------------------------------------ features

    def source(self, image) -> images.Source:
        """Path, PIL image or uint8 [H, W, 3|4] array -> the Source that is traced (long side capped)."""
        from PIL import Image

        if isinstance(image, images.Source):
            return image
        if isinstance(image, (str, Path)):
            return decode.load_source(image, self.max_side)  # in a child, bounded in time
        if isinstance(image, Image.Image):
            return images.Source.of(image, self.max_side)
        a = np.asarray(image)
        if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] not in (3, 4):
            raise InputError(f"expected a uint8 [H, W, 3|4] image array, got {a.dtype} {a.shape}")
        return images.Source.of(Image.fromarray(a), self.max_side)

    def image_features(self, sources: Sequence[images.Source]) -> np.ndarray:
        """Per-image model features (backbone [+ statistics]) for sources, cached by content hash."""
        keys = [images.source_hash(s) for s in sources]
        todo = [i for i, k in enumerate(keys) if k not in self._cache]
        if todo:
            canon = {i: images.to_array(sources[i].canonical()) for i in todo}
            feats = self.extractor(np.stack([canon[i] for i in todo]))
            for i, f in zip(todo, feats):
                if self.with_stats:
                    f = np.concatenate([f, image_stats(sources[i], self.defaults_trace(sources[i]))])
                self._cache[keys[i]] = f.astype(np.float32)
                if len(self._cache) > CACHE_IMAGES:
                    self._cache.popitem(last=False)
        return np.stack([self._cache[k] for k in keys])

    def forget(self) -> None:
        """Drop every per-image cache (features, defaults' traces, target): the next image starts cold."""
        self._cache.clear()
        self._defaults.clear()
        self._target = None

    def target(self, source: images.Source) -> Target:
        """The source as VTracer's input and the SSIM's reference, kept for the last source."""
        key = images.source_hash(source)
        if self._target is None or self._target[0] != key:
            self._target = (key, Target.of(source))
        return self._target[1]

    def defaults_trace(self, source: images.Source):
        """VTracer's defaults traced at the source's size, kept per image: (the label of VTracer's own text, the
        file written on the image's grid) or the TraceFailure."""
        key = images.source_hash(source)
        if key not in self._defaults:
            self._defaults[key] = defaults_trace(source, self.target(source))
            if len(self._defaults) > CACHE_IMAGES:
                self._defaults.popitem(last=False)
        return self._defaults[key]

    # ------------------------------------------------------------ prediction

    def predict_rows(self, feature_rows: np.ndarray, param_matrix: np.ndarray) -> np.ndarray:
        """Model on [N, n_features] x [N, 8] raw inputs -> [N, outputs]: SSIM, ln(SVG bytes) (batches of 4096)."""
        x = np.concatenate([feature_rows, param_space.validate_matrix(param_matrix)], axis=1).astype(np.float32)
        if x.shape[1] != self.n_inputs:
            raise InputError(f"model takes {self.n_inputs} inputs, got {x.shape[1]}")
        out = [self.session.run(None, {self._input: x[i : i + 4096]})[0] for i in range(0, len(x), 4096)]
        return np.concatenate(out) if out else np.zeros((0, len(self.outputs)), np.float32)

    def score_candidates(self, feature_row: np.ndarray, param_matrix: np.ndarray) -> np.ndarray:
        """One image's features [n_features] x parameter sets [N, 8] -> [N, outputs], as predict_rows:
        the image's share of the first layer is computed once (the split graphs), then only what
        depends on the parameters, per candidate."""
        if self.split is None:
            return self.predict_rows(np.repeat(feature_row[None], len(param_matrix), axis=0), param_matrix)
        params = param_space.validate_matrix(param_matrix)
        feats = feature_row[None].astype(np.float32)
        image_part, candidate_part = self.split
        image = image_part.run(None, {"features": feats})[0]
        return candidate_part.run(None, {"image": image, "features": feats, "params": params})[0]

    def prediction(self, rows: np.ndarray) -> Prediction:
        """predict_rows' output as SSIM and bytes."""
        return Prediction(rows[:, 0], np.exp(rows[:, 1].astype(np.float64)) if self.predicts_bytes else None)

    def predict(self, image, params: Mapping) -> Prediction:
        """Predicted SSIM and SVG bytes for one image and one parameter dict (validated; raw values)."""
        ssim, size = self.predict_batch([image], [params])
        return Prediction(float(ssim[0]), None if size is None else float(size[0]))

    def predict_batch(self, images_: Sequence, params_list: Sequence[Mapping]) -> np.ndarray:
        if len(images_) != len(params_list):
            raise InputError(f"{len(images_)} images but {len(params_list)} parameter sets")
        rows = self.image_features([self.source(im) for im in images_])
        params = (
            np.stack([param_space.to_vector(p) for p in params_list])
            if params_list
            else np.zeros((0, param_space.N_PARAMS))
        )
        return self.prediction(self.predict_rows(rows, params))


# ---------------------------------------------------------------- command line


def predict_pairs(
    model: str,
    pairs_path: str,
    out_path: str,
    batch_images: int = 16,
    max_side: int = images.MAX_SIDE,
    quiet: bool = False,
) -> dict:
    """Add predicted_ssim to every pair; bad lines get error and the rest go on."""
    from tqdm.auto import tqdm

    from svgq_jax.core.pairs import OrderedWriter, read_pairs, result_row

    pairs = read_pairs(pairs_path)
    predictor = QualityPredictor.load(model, max_side=max_side)
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
                chunk, sources = [], []
                for path in paths[s : s + batch_images]:
                    try:
                        sources.append(predictor.source(path))
                        chunk.append(path)
                    except InputError as e:
                        for i in by_image[path]:
                            writer.put(i, result_row(pairs[i], error=f"line {pairs[i].line}: {e}"))
                            counts["errors"] += 1
                if chunk:
                    feats = predictor.image_features(sources)
                    counts["downscaled"] = counts.get("downscaled", 0) + sum(src.downscaled for src in sources)
                    idx = [(k, i) for k, path in enumerate(chunk) for i in by_image[path]]
                    ssim, size = predictor.prediction(
                        predictor.predict_rows(
                            feats[[k for k, _ in idx]],
                            np.stack([param_space.to_vector(pairs[i].params) for _, i in idx]),
                        )
                    )
                    for n, (_, i) in enumerate(idx):
                        fields = {"predicted_ssim": float(ssim[n])}
                        if size is not None:
                            fields["predicted_bytes"] = round(float(size[n]))
                        writer.put(i, result_row(pairs[i], **fields))
                    counts["predicted"] += len(idx)
                bar.update(len(paths[s : s + batch_images]))
    finally:
        writer.close()
    return counts


def main(argv=None) -> int:
    from svgq_jax.core import cli
    from svgq_jax.core.pairs import check_out

    p = cli.Parser(
        prog="python -m svgq_jax.predict",
        description="Predict the SSIM of VTracer's SVG for each (image, parameters) pair in a JSONL "
        "file with an exported bundle (ONNX Runtime; no JAX), for the image traced at its own size with its "
        "transparency. Output lines keep every input field and add predicted_ssim and predicted_bytes, or error.",
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
        "--max-side",
        type=cli.max_side,
        default=images.MAX_SIDE,
        help=f"images with a longer side are predicted for a trace downscaled to it (default {images.MAX_SIDE})",
    )
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    check_out(a.out, a.pairs)
    c = predict_pairs(a.model, a.pairs, a.out, max_side=a.max_side, quiet=a.quiet)
    if not a.quiet:
        if c.get("downscaled"):
            print(
                f"note: {c['downscaled']} images were larger than --max-side {a.max_side}: predicted for their "
                "downscaled trace",
                file=sys.stderr,
            )
        print(f"predicted {c['predicted']}, errors {c['errors']}, resumed {c['resumed']} -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    from svgq_jax.core import cli

    cli.main(main)
