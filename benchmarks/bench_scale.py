"""How the model learns the scale: a transfer rule from 256 px, or a model conditioned on the trace size.

Each variant trains the default config (seed 0, the default split) and is scored on real logos
labelled at their own size (`--real-native`, ../shared/real-logos-native) and on the 256-px real
logos (`--real`). The variants:

  canonical           trained on 256-px canonical images only, blind to the source (its columns
                      held constant): today's model before native sizes
  canonical + rule    the same model, each native example's pixel-measured parameters mapped to
                      256 px first: filter_speckle and length_threshold divided by long side / 256
  canonical + rule + calibration   and its output mapped by a line fit on the native training data
  native              trained on logos drawn at several sizes, every statistic on (the default)
  native, no native anchor         ... without the defaults' trace at the source's size
  native, no source statistics     ... without any of the source's columns
  native, <= S px     trained on the native dataset's images up to S px only (mixes of sizes)

    python benchmarks/bench_scale.py --canonical /tmp/canonds --native data/default \
        --real /tmp/realds --real-native /tmp/realnatds
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from svgq_jax import config
from svgq_jax.core import imagestats
from svgq_jax.core import params as param_space
from svgq_jax.data.dataset import Dataset, load_dataset
from svgq_jax.data.splits import split_images
from svgq_jax.metrics import compute_metrics
from svgq_jax.train import fit
from svgq_jax.train.inputs import prepare_arrays

SOURCE_COLUMNS = imagestats.NAMES[-imagestats.N_SOURCE_STATS :]
ANCHORS = ("native_trace_ssim", "native_alpha_mad", "native_log_bytes")
SCALED = ("filter_speckle", "length_threshold")  # measured in pixels


def masked(ds: Dataset, names, like: Dataset | None = None) -> Dataset:
    """The dataset with the named statistics held at a constant: the 256-px canonical value (the
    source is its own view: no scale, no transparency, the anchor at the canonical trace)."""
    stats = ds.image_stats.copy()
    for name in names:
        j = imagestats.NAMES.index(name)
        stats[:, j] = {
            "native_trace_ssim": stats[:, imagestats.NAMES.index("trace_ssim_p6")],
            "native_log_bytes": 0.5,
        }.get(name, 0.0)
    return dataclasses.replace(ds, image_stats=stats)


def subset(ds: Dataset, images: np.ndarray) -> Dataset:
    """The dataset restricted to some images (indices renumbered)."""
    keep = np.isin(ds.image_index, images)
    renumber = np.full(ds.n_images, -1)
    renumber[images] = np.arange(len(images))
    per_example = {
        f: getattr(ds, f)[keep] for f in ("params", "ssim", "trace_seconds", "svg_bytes", "alpha_mad", "trace_size")
    }
    return dataclasses.replace(
        ds,
        image_ids=[ds.image_ids[i] for i in images],
        image_types=ds.image_types[images],
        features=ds.features[images],
        image_stats=ds.image_stats[images],
        image_index=renumber[ds.image_index[keep]].astype(np.int32),
        **per_example,
    )


def union(a: Dataset, b: Dataset) -> Dataset:
    """Two datasets as one (b's images after a's)."""
    per_example = {
        f: np.concatenate([getattr(a, f), getattr(b, f)])
        for f in ("params", "ssim", "trace_seconds", "svg_bytes", "alpha_mad", "trace_size")
    }
    return dataclasses.replace(
        a,
        image_ids=a.image_ids + b.image_ids,
        image_types=np.concatenate([a.image_types, b.image_types]),
        features=np.concatenate([a.features, b.features]),
        image_stats=np.concatenate([a.image_stats, b.image_stats]),
        image_index=np.concatenate([a.image_index, b.image_index + a.n_images]).astype(np.int32),
        **per_example,
    )


def rule(ds: Dataset) -> Dataset:
    """Native examples' pixel-measured parameters mapped to what they are at 256 px (clipped to the table)."""
    scale = ds.trace_size.max(axis=1) / 256.0
    params = ds.params.copy()
    for name in SCALED:
        j = param_space.PARAM_NAMES.index(name)
        params[:, j] = np.clip(params[:, j] / scale, param_space.LOW[j], param_space.HIGH[j])
    return dataclasses.replace(ds, params=params)


def train(ds: Dataset, cfg):
    split = split_images(ds.image_types, cfg.validation_split, cfg.test_split, cfg.seed)
    arrays = prepare_arrays(ds, split, cfg)
    f = fit(cfg, arrays, arrays.rows["train"], arrays.rows["val"], quiet=True)
    predict = lambda d: f.steps.predict(f.kept_state, d.inputs(with_stats=True).astype(np.float32))[:, 0]
    test = arrays.rows["test"]
    held = compute_metrics(arrays.y[test, 0], f.steps.predict_rows(f.kept_state, arrays, test)[:, 0])
    return predict, held, arrays


def row(name: str, held, scores) -> str:
    cells = "".join(f" {m.pearson_r:.3f} | {m.rmse:.4f} |" for m in scores)
    return f"| {name} | {held.pearson_r:.3f} | {held.rmse:.4f} |{cells}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--canonical", required=True, help="a dataset of 256-px canonical images")
    ap.add_argument("--native", required=True, help="a dataset of procedural logos at several sizes")
    ap.add_argument("--real", required=True, help="real 256-px logos, labelled")
    ap.add_argument("--real-native", required=True, help="real logos at their own sizes, labelled")
    ap.add_argument("--sides", default="256,512", help="also train on the native images up to each long side")
    a = ap.parse_args()
    cfg = config.make_config({})
    canonical, native = load_dataset(a.canonical), load_dataset(a.native)
    real, real_native = load_dataset(a.real, 1), load_dataset(a.real_native, 1)
    print("| variant | held-out r | held-out RMSE | real-native r | real-native RMSE | real 256 r | real 256 RMSE |")
    print("|---|---|---|---|---|---|---|")

    predict, held, _ = train(masked(canonical, SOURCE_COLUMNS), cfg)
    blind = lambda d: masked(d, SOURCE_COLUMNS)
    score = lambda p, d: compute_metrics(d.ssim, p(d))
    print(
        row("canonical (today's model)", held, [score(predict, blind(real_native)), score(predict, blind(real))]),
        flush=True,
    )
    print(
        row("canonical + rule", held, [score(predict, rule(blind(real_native))), score(predict, blind(real))]),
        flush=True,
    )
    # the rule's calibration: a line from the canonical model's output to the native label, fit on native training data
    pn = predict(rule(blind(native)))
    b, c = np.polyfit(pn, native.ssim, 1)
    calibrated = lambda d: np.clip(b * predict(d) + c, 0, 1)
    print(
        row(
            "canonical + rule + calibration",
            held,
            [score(calibrated, rule(blind(real_native))), score(predict, blind(real))],
        ),
        flush=True,
    )

    for name, ds in (
        ("native (default: every statistic)", native),
        ("native, no native anchor", masked(native, ANCHORS)),
        ("native, no source statistics", masked(native, SOURCE_COLUMNS)),
    ):
        cols = ANCHORS if "anchor" in name else SOURCE_COLUMNS if "no source" in name else ()
        predict, held, _ = train(ds, cfg)
        print(
            row(name, held, [score(predict, masked(real_native, cols)), score(predict, masked(real, cols))]), flush=True
        )
    sides = native.trace_size.max(axis=1)
    long_side = np.zeros(native.n_images)
    long_side[native.image_index] = sides
    for s in (int(x) for x in a.sides.split(",") if x):
        images = np.flatnonzero(long_side <= s)
        predict, held, _ = train(subset(native, images), dataclasses.replace(cfg, min_examples=1))
        print(
            row(
                f"native, images <= {s} px only ({len(images)} images)",
                held,
                [score(predict, real_native), score(predict, real)],
            ),
            flush=True,
        )
        predict, held, _ = train(union(canonical, subset(native, images)), cfg)
        name = f"canonical + native <= {s} px ({canonical.n_images} + {len(images)} images)"
        print(row(name, held, [score(predict, real_native), score(predict, real)]), flush=True)


if __name__ == "__main__":
    main()
