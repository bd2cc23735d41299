"""The deployable predictor: ONNX-only predictions against the torch backbone's, candidate scoring, batch path.

In one run, with one exported bundle:
  - parity: each logo's predictions for 16 Latin-hypercube parameter sets, from the bundle's
    `backbone.onnx` on ONNX Runtime and from the torch backbone that built the training data (the
    statistics and parameters identical); max |difference| per output;
  - scoring one image's 4,096 candidates warm: the split graphs (image part once, then the candidate
    part) beside the whole model on 4,096 repeated rows; median of 30 after a warm-up;
  - the batch path over the folder: backbone features in batches of 16 images beside one image at a
    time (images/s), and the per-image features with their statistics (the eight traces), as
    `optimize FOLDER` computes them.

    python benchmarks/bench_deploy.py [--model runs/default/export] [--images ../shared/real-logos] [--limit 100]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.predict import QualityPredictor

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-logos"


def logo_files(folder: Path | None, limit: int) -> list[Path]:
    if folder and folder.is_dir():
        return sorted(p for p in folder.rglob("*") if p.suffix.lower() in images.IMAGE_SUFFIXES)[:limit]
    import tempfile

    from svgq_jax.data.logos import procedural_logo

    out = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    for i in range(limit):
        procedural_logo(i, 0)[1].save(out / f"{i:03d}.png")
    return sorted(out.glob("*.png"))


def parity(predictor: QualityPredictor, sources: list) -> dict:
    from svgq_jax.core.features import FEATURE_DIM
    from svgq_jax.data.resnet import FeatureExtractor

    rows = predictor.image_features(sources)
    canon = np.stack([images.to_array(s.canonical()) for s in sources])
    spec = predictor.extractor.spec
    torch_rows = rows.copy()
    torch_rows[:, :FEATURE_DIM] = FeatureExtractor(quiet=True, pretrained=spec.pretrained, channels_last=False)(canon)
    params = param_space.sample(16, 0)
    diffs = []
    for onnx_row, torch_row in zip(rows, torch_rows):
        a = predictor.score_candidates(onnx_row, params)
        b = predictor.score_candidates(torch_row, params)
        diffs.append(np.abs(a - b).max(axis=0))
    worst = np.max(diffs, axis=0)
    return {name: float(v) for name, v in zip(predictor.outputs, worst)}


def scoring(predictor: QualityPredictor, row: np.ndarray, n: int = 4096, repeats: int = 30) -> dict:
    params = param_space.sample(n, 1)
    rows = np.repeat(row[None], n, axis=0)
    ways = {
        "split": lambda: predictor.score_candidates(row, params),
        "whole": lambda: predictor.predict_rows(rows, params),
    }
    times = {k: [] for k in ways}
    for _ in range(3):
        for f in ways.values():
            f()
    for _ in range(repeats):  # interleaved, so both see the same machine
        for k, f in ways.items():
            t = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t)
    return {k: float(np.median(v)) * 1e3 for k, v in times.items()}


def batch_path(model: str, sources: list) -> dict:
    canon = np.stack([images.to_array(s.canonical()) for s in sources])
    out = {}
    for name, batch in (("batched_16", 16), ("one_at_a_time", 1)):
        extractor = QualityPredictor.load(model).extractor
        extractor.batch_size = batch
        extractor(canon[:2])  # warm-up
        t = time.perf_counter()
        for i in range(0, len(canon), batch):
            extractor(canon[i : i + batch])
        out[f"backbone_{name}"] = len(canon) / (time.perf_counter() - t)
    predictor = QualityPredictor.load(model)
    t = time.perf_counter()
    for i in range(0, len(sources), 16):
        predictor.image_features(sources[i : i + 16])
    out["features_with_statistics_batched_16"] = len(sources) / (time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="runs/default/export")
    ap.add_argument("--images", type=Path, default=REAL)
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--parity-limit", type=int, default=40, help="logos in the parity check")
    a = ap.parse_args()
    files = logo_files(a.images, a.limit)
    predictor = QualityPredictor.load(a.model)
    sources = [predictor.source(f) for f in files]
    print(f"{len(files)} logos from {files[0].parent}; bundle {a.model}")
    worst = parity(predictor, sources[: a.parity_limit])
    shown = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
    print(f"ONNX-only vs torch backbone, {min(len(sources), a.parity_limit)} logos x 16 sets: max |diff| {shown}")
    ms = scoring(predictor, predictor.image_features(sources[:1])[0])
    print(f"4096 candidates, warm (median of 30): split {ms['split']:.1f} ms, whole model {ms['whole']:.1f} ms")
    rates = batch_path(a.model, sources)
    print("images/s over the folder: " + ", ".join(f"{k} {v:.1f}" for k, v in rates.items()))


if __name__ == "__main__":
    main()
