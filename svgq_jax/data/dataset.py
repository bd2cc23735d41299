"""The dataset directory: its documented layout, atomic writes, and the loader.

Layout (format version 3; everything is numpy or JSON, loadable without JAX):

    metadata.json   written last; its presence marks a finished build. Holds the
                    format and parameter-space versions, the SSIM definition, the
                    backbone name and weights sha256, seed, counts and packages.
    build.json      the build settings, written first; a resumed build must match.
    images.jsonl    one line per image, in index order: index, id (sha256 of the
                    source's size and pixels), type, source, width and height (as
                    traced), has_alpha.
    sources/        the sources as traced (own size; RGBA when transparent),
                    "<index:05d>-<id[:16]>.png".
    images/         their canonical 256x256 views (features and statistics), same names.
    image_stats.npy float32 [n_images, n_stats]: cheap image statistics
                    (svgq_jax.core.imagestats; names and version in metadata).
    features.npy    float32 [n_images, 2048]; row i belongs to image i.
    examples.npz    per labelled example, sorted by (image, parameter set):
                    image_index int32 [N], params float32 [N, 8] (raw values in
                    parameter-table order), ssim float32 [N] (at the source's
                    size), trace_seconds float32 [N], svg_bytes int32 [N],
                    alpha_mad float32 [N] (NaN for an opaque source), trace_size
                    int32 [N, 2] (width, height), gzip_bytes int32 [N], raw_bytes
                    int32 [N]. The SSIM and the bytes are those of the file as
                    written (minified on the image's grid, `svgq_jax.core.written`);
                    raw_bytes are VTracer's own text's.
    failures.jsonl  parameter sets whose trace or render failed, with the reason.
    skipped.jsonl   input files that could not be imported, with the reason.
    report.json     the build summary (counts by type, SSIM distribution, times).
    labels/, cache/ per-image intermediate results that make the build resumable.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.core.features import FEATURE_DIM
from svgq_jax.core.files import inside, load_npy, load_npz, read_json, read_jsonl, save_npy, write_json
from svgq_jax.core.imagestats import N_STATS, STATS_VERSION
from svgq_jax.core.imagestats import NAMES as STATS_NAMES

# 3: the labels are of the written (minified) file, with gzip_bytes and raw_bytes beside them; 2: VTracer's text
FORMAT_VERSION = 3
MIN_TRAIN_EXAMPLES = 1000
SSIM_DEFINITION = (
    "Wang et al. 2004 SSIM; 11-tap Gaussian window sigma=1.5 (truncate 3.5), K1=0.01, K2=0.03, "
    "data_range=255, population covariance, per RGB channel over the valid region, averaged; "
    "reference = the source at its own size composited over white (a canonical 256x256 RGB image is its own source), "
    "candidate = resvg render of VTracer's SVG of the source at that size, minified on the image's grid "
    "(svgq_jax.core.written), composited over white"
)
EXAMPLE_FIELDS = (
    "image_index",
    "params",
    "ssim",
    "trace_seconds",
    "svg_bytes",
    "alpha_mad",
    "trace_size",
    "gzip_bytes",
    "raw_bytes",
)
IMAGE_ID = re.compile(r"[0-9a-f]{64}")  # the sha256 of the source's size and pixels


@dataclass
class Dataset:
    """A finished dataset in memory. Inputs are assembled per example on demand."""

    root: Path
    metadata: dict
    image_ids: list[str]
    image_types: np.ndarray  # str [n_images]
    features: np.ndarray  # float32 [n_images, 2048]
    image_stats: np.ndarray  # float32 [n_images, n_stats]
    image_index: np.ndarray  # int32 [N]
    params: np.ndarray  # float32 [N, 8] raw
    ssim: np.ndarray  # float32 [N]
    trace_seconds: np.ndarray = field(repr=False, default=None)
    svg_bytes: np.ndarray = field(repr=False, default=None)
    alpha_mad: np.ndarray = field(repr=False, default=None)  # NaN for opaque sources
    trace_size: np.ndarray = field(repr=False, default=None)  # int32 [N, 2] (width, height)
    gzip_bytes: np.ndarray = field(repr=False, default=None)  # int32 [N]: of the written file
    raw_bytes: np.ndarray = field(repr=False, default=None)  # int32 [N]: of VTracer's own text

    @property
    def n_images(self) -> int:
        return len(self.image_ids)

    @property
    def n_examples(self) -> int:
        return len(self.ssim)

    @property
    def backbone(self) -> dict:
        return self.metadata["backbone"]

    def image_path(self, i: int) -> Path:
        """Image i's canonical 256-px view."""
        return self.root / "images" / image_filename(i, self.image_ids[i])

    def source_path(self, i: int) -> Path:
        """Image i's source, as traced."""
        return self.root / "sources" / image_filename(i, self.image_ids[i])

    def image_features(self, with_stats: bool) -> np.ndarray:
        """Per-image model features: the 2048 backbone features, then the statistics if asked."""
        return np.concatenate([self.features, self.image_stats], axis=1) if with_stats else self.features

    def inputs(self, rows: np.ndarray | None = None, with_stats: bool = False) -> np.ndarray:
        """Raw model inputs: the image's features (2048 [+ stats]), then the 8 raw parameters."""
        rows = np.arange(self.n_examples) if rows is None else np.asarray(rows)
        return np.concatenate([self.image_features(with_stats)[self.image_index[rows]], self.params[rows]], axis=1)


def image_filename(index: int, image_id: str) -> str:
    return f"{index:05d}-{image_id[:16]}.png"


def _fail(root: Path, what: str):
    raise InputError(f"dataset {root}: {what}")


def _check_structure(root: Path, meta, images, features: np.ndarray, ex: dict) -> None:
    """The files' shapes and types, before any value in them is used: a tampered file fails here."""
    if not isinstance(meta, dict):
        _fail(root, "metadata.json is not a JSON object")
    if not all(isinstance(r, dict) and isinstance(r.get("id"), str) and isinstance(r.get("type"), str) for r in images):
        _fail(root, "images.jsonl: every line must be an object with a string id and type")
    bad = next((n for n, r in enumerate(images, 1) if not IMAGE_ID.fullmatch(r["id"])), None)
    if bad is not None:  # an id names the image's files: "../" in one would lead out of the dataset
        _fail(root, f"images.jsonl line {bad}: the id {images[bad - 1]['id'][:70]!r} is not a sha256 (64 hex digits)")
    for name, a in [("features.npy", features), *ex.items()]:
        if a.ndim < 1 or a.dtype.kind not in "biuf":
            _fail(root, f"{name}: expected a numeric array, got {a.dtype} of shape {a.shape}")
    if ex["image_index"].dtype.kind not in "iu":
        _fail(root, f"examples.npz: image_index must be integers, got {ex['image_index'].dtype}")


def load_dataset(path: str | os.PathLike, min_examples: int = MIN_TRAIN_EXAMPLES) -> Dataset:
    """Load a finished dataset and check its invariants; InputError names the first broken one."""
    root = Path(path)
    meta_path = root / "metadata.json"
    if not root.is_dir():
        _fail(root, "no such directory")
    if not meta_path.is_file():
        _fail(root, "not a finished dataset (no metadata.json); rerun `python -m svgq_jax.data build` to finish it")
    for name in ("metadata.json", "images.jsonl", "features.npy", "examples.npz", "image_stats.npy", "sources"):
        inside(root, root / name, f"dataset {root}: {name}")  # nothing is read through a link out of the dataset
    try:
        meta = read_json(meta_path)
    except (OSError, ValueError) as e:
        _fail(root, f"unreadable ({type(e).__name__}: {e})")
    if not isinstance(meta, dict):
        _fail(root, "metadata.json is not a JSON object")
    if meta.get("format_version") != FORMAT_VERSION:
        _fail(
            root,
            f"format version {meta.get('format_version')}, this package reads {FORMAT_VERSION} (labels of the "
            "minified SVG); rebuild it: `python -m svgq_jax.data build` with a new --out",
        )
    try:
        images = read_jsonl(root / "images.jsonl")
        features = load_npy(root / "features.npy")
        examples = load_npz(root / "examples.npz")
        ex = {k: examples[k] for k in EXAMPLE_FIELDS}
    except (OSError, ValueError, KeyError) as e:
        _fail(root, f"unreadable ({type(e).__name__}: {e})")
    _check_structure(root, meta, images, features, ex)
    if meta.get("param_space_version") != param_space.PARAM_SPACE_VERSION:
        _fail(
            root,
            f"parameter-space version {meta.get('param_space_version')}, expected {param_space.PARAM_SPACE_VERSION}",
        )
    n_img, n = len(images), len(ex["ssim"])
    short = next((k for k in EXAMPLE_FIELDS if len(ex[k]) != n), None)
    if short:
        _fail(root, f"examples.npz: {short} has {len(ex[short])} rows, ssim has {n}")
    if features.shape != (n_img, FEATURE_DIM) or not np.isfinite(features).all():
        _fail(root, f"features must be finite [{n_img}, {FEATURE_DIM}], got {features.shape}")
    if ex["params"].shape != (n, param_space.N_PARAMS):
        _fail(root, f"params must be [{n}, {param_space.N_PARAMS}], got {ex['params'].shape}")
    if not (np.isfinite(ex["ssim"]).all() and (ex["ssim"] >= 0).all() and (ex["ssim"] <= 1).all()):
        _fail(root, "SSIM labels must be finite and in [0, 1]")
    if n and (ex["image_index"].min() < 0 or ex["image_index"].max() >= n_img):
        _fail(root, "an example points at an image that does not exist")
    try:
        param_space.validate_matrix(ex["params"])
    except InputError as e:
        _fail(root, f"parameters out of range: {e}")
    if n < min_examples:
        _fail(root, f"{n} labelled examples; training needs at least {min_examples}")
    ds = Dataset(
        root=root,
        metadata=meta,
        image_ids=[r["id"] for r in images],
        image_types=np.array([r["type"] for r in images]),
        features=features.astype(np.float32),
        image_stats=np.zeros((n_img, N_STATS), np.float32),
        **ex,
    )
    ds.image_stats = _load_stats(ds)
    return ds


def _load_stats(ds: Dataset) -> np.ndarray:
    """The dataset's image statistics; recomputed from its images if they are missing or outdated."""
    path = ds.root / "image_stats.npy"
    if ds.metadata.get("image_stats", {}).get("version") == STATS_VERSION and path.is_file():
        stats = load_npy(path)
        if stats.shape == (ds.n_images, N_STATS) and stats.dtype.kind == "f" and np.isfinite(stats).all():
            return stats.astype(np.float32)
    from tqdm.auto import tqdm

    from svgq_jax.data.pool import run_tasks

    print(f"note: recomputing image statistics v{STATS_VERSION} for {ds.root}", file=sys.stderr)
    tasks = [
        (i, (str(inside(ds.root, ds.source_path(i), f"dataset {ds.root}: image {i}")),)) for i in range(ds.n_images)
    ]
    stats = np.zeros((ds.n_images, N_STATS), np.float32)
    with tqdm(total=ds.n_images, desc="image statistics", unit="img", file=sys.stderr) as bar:
        for o in run_tasks("svgq_jax.data.tasks:stats_task", tasks, os.cpu_count() or 1, timeout=600.0):
            if not o.ok:
                _fail(ds.root, f"image {o.key}: cannot compute its statistics ({o.error})")
            stats[o.key] = o.value
            bar.update()
    try:  # a derived cache: keep it for the next load (the dataset's labels are untouched)
        save_npy(path, stats)
        meta = {**ds.metadata, "image_stats": {"version": STATS_VERSION, "names": list(STATS_NAMES)}}
        write_json(ds.root / "metadata.json", meta)
        ds.metadata = meta
    except OSError as e:
        print(f"note: could not keep the statistics in {ds.root} ({e})", file=sys.stderr)
    return stats
