"""Build a dataset directory: logos -> sources and canonical views -> SSIM labels -> features.

Every image is kept as its source (its own size, aspect ratio and transparency:
procedural logos are drawn at a size from `--sizes`, a folder's files keep theirs)
and as its canonical 256-px view. Labels are traced and scored at the source's
size; features and statistics are read off the view.

Each stage is resumable. Images are written first; each image's labels are
committed in one atomic file once all its parameter sets are traced; features
are cached per image. A rerun after an interruption skips finished work and gives
the same dataset (trace times aside, which are measurements).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm

from svgq_jax.core import params as param_space
from svgq_jax.core.environment import package_versions
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import (
    load_npy,
    locked_directory,
    read_json,
    read_jsonl,
    save_npy,
    save_npz,
    write_atomic,
    write_json,
    write_jsonl,
)
from svgq_jax.core.images import IMAGE_SUFFIXES, MAX_SIDE
from svgq_jax.core.imagestats import NAMES as STATS_NAMES
from svgq_jax.core.imagestats import STATS_VERSION
from svgq_jax.core.written import grid_of
from svgq_jax.data import dataset
from svgq_jax.data.buildargs import TRANSPARENT_SHARE, check_config, native_spec, parse_logos
from svgq_jax.data.cluster import open_engine
from svgq_jax.data.logos import GENERATOR_VERSION
from svgq_jax.data.reach import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from svgq_jax.data.resnet import FeatureExtractor

GRID_COLUMN = STATS_NAMES.index("log2_grid")
# Chosen by measurement (benchmarks/ACCURACY.md): builds in about 3 minutes on 2 cores.
DEFAULT_LOGOS = "procedural:500"
DEFAULT_PARAMS_PER_LOGO = 16
# The procedural logos' sizes with their relative weights (SIZE:WEIGHT,...): "canonical" is the
# 256x256 opaque square logo of the canonical form, a number the long side of a logo drawn at its own
# size and aspect ratio, on a transparent background for TRANSPARENT_SHARE of them (the rest opaque on
# white). Chosen by measurement (ACCURACY.md section 12): 40 % canonical and 60 % native up to 512 px
# predicted real logos of 384-1024 px as well as larger sizes did, at a third of the tracing cost.
DEFAULT_SIZES = "canonical:2,256:1,384:1,512:1"
PACKAGES = ("svgq_jax", "numpy", "scipy", "pillow", "vtracer", "resvg-py", "torch", "torchvision")


@dataclass(frozen=True)
class BuildConfig:
    out: str
    logos: str = DEFAULT_LOGOS
    params_per_logo: int = DEFAULT_PARAMS_PER_LOGO
    workers: int = 0  # 0 = all cores
    seed: int = 0
    backbone_weights: str | None = None
    timeout: float = 30.0  # seconds per trace before the worker is killed
    sizes: str = DEFAULT_SIZES  # procedural logos' native long sides and weights
    max_side: int = MAX_SIDE  # a folder's images are downscaled to this long side
    feature_batch: int = 16
    quiet: bool = False
    cluster: str | None = None  # None: the local pool; "ray[:ADDRESS]" or "ray://ADDRESS" (not part of the spec)
    cluster_timeout: float = DEFAULT_TIMEOUT  # seconds to reach the cluster


@dataclass(frozen=True)
class ImageRecord:
    index: int
    id: str
    type: str
    source: str
    width: int  # the source's size as traced
    height: int
    has_alpha: bool


def _folder_files(root: Path) -> list[tuple[Path, str]]:
    """(file, logo type) for every non-hidden entry but folders; the type is the first subfolder name.
    Entries that are not regular files (a FIFO, a device) are kept, to be skipped with their reason."""
    if not root.is_dir():
        return [(root, "unknown")]
    files = sorted(
        p for p in root.rglob("*") if not p.is_dir() and not any(s.startswith(".") for s in p.relative_to(root).parts)
    )
    return [(p, p.relative_to(root).parts[0] if len(p.relative_to(root).parts) > 1 else "unknown") for p in files]


def _say(cfg: BuildConfig, msg: str) -> None:
    if not cfg.quiet:
        print(msg, file=sys.stderr)


def _bar(cfg: BuildConfig, **kw):
    return tqdm(disable=cfg.quiet, dynamic_ncols=True, file=sys.stderr, **kw)


# ---------------------------------------------------------------- stage 1: images


def _stage_images(cfg: BuildConfig, root: Path, engine) -> list[ImageRecord]:
    if (root / "images.jsonl").is_file():
        return [ImageRecord(**r) for r in read_jsonl(root / "images.jsonl")]
    kind, arg = parse_logos(cfg.logos)
    skipped = []
    if kind == "procedural":
        tasks = [(i, (i, cfg.seed, *native_spec(cfg, i))) for i in range(arg)]
        target, sources = "svgq_jax.data.tasks:procedural_task", {i: f"procedural:{cfg.seed}:{i}" for i in range(arg)}
    else:
        files = _folder_files(arg)
        supported = [(p, t) for p, t in files if p.suffix.lower() in IMAGE_SUFFIXES]
        tasks = [(i, (str(p), cfg.max_side)) for i, (p, _) in enumerate(supported)]
        target, sources = "svgq_jax.data.tasks:import_task", {i: str(p) for i, (p, _) in enumerate(supported)}
        skipped = [
            {"source": str(p), "reason": f"unsupported file type {p.suffix or '(none)'}"}
            for p, _ in files
            if p.suffix.lower() not in IMAGE_SUFFIXES
        ]
    results = {}
    with _bar(cfg, total=len(tasks), desc="images", unit="img") as bar:
        for o in engine.run_tasks(target, tasks, cfg.workers, cfg.timeout):
            bar.update()
            if o.ok:
                results[o.key] = o.value
            else:
                skipped.append({"source": sources[o.key], "reason": o.error})
    records, seen, stats = [], {}, []
    (root / "images").mkdir(exist_ok=True)
    (root / "sources").mkdir(exist_ok=True)
    for key in sorted(results):
        if kind == "procedural":
            logo_type, image_file = results[key]
        else:
            image_file, logo_type = results[key], supported[key][1]
        image_id, source_png, canonical_png, image_stats, (width, height), has_alpha = image_file
        if image_id in seen:  # the same picture twice would leak across splits
            skipped.append({"source": sources[key], "reason": f"duplicate of {seen[image_id]}"})
            continue
        seen[image_id] = sources[key]
        rec = ImageRecord(len(records), image_id, logo_type, sources[key], width, height, has_alpha)
        name = dataset.image_filename(rec.index, rec.id)
        write_atomic(root / "sources" / name, source_png)
        write_atomic(root / "images" / name, canonical_png)
        records.append(rec)
        stats.append(image_stats)
    if not records:
        raise InputError(f"--logos {cfg.logos}: no readable images ({len(skipped)} skipped)")
    save_npy(root / "image_stats.npy", np.stack(stats).astype(np.float32))
    write_jsonl(root / "skipped.jsonl", sorted(skipped, key=lambda s: s["source"]))
    write_jsonl(root / "images.jsonl", [asdict(r) for r in records])
    return records


# ---------------------------------------------------------------- stage 2: labels


def image_param_sets(cfg: BuildConfig, image_id: str) -> np.ndarray:
    """The K raw parameter sets of one image, seeded by the build seed and the image's content."""
    return param_space.param_sets_for_image(cfg.params_per_logo, [cfg.seed, int(image_id[:16], 16)])


def _labels_path(root: Path, rec: ImageRecord) -> Path:
    return root / "labels" / f"{rec.id[:16]}.json"


def _read_labels(root: Path, rec: ImageRecord, sets: np.ndarray) -> dict | None:
    """The committed labels of an image, or None if absent or made with other parameter sets."""
    path = _labels_path(root, rec)
    if not path.is_file():
        return None
    try:
        lab = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return lab if np.array_equal(np.asarray(lab["params"], dtype=np.float32), sets) else None


def _stage_labels(cfg: BuildConfig, root: Path, records: list[ImageRecord], engine) -> None:
    (root / "labels").mkdir(exist_ok=True)
    sets = {r.index: image_param_sets(cfg, r.id) for r in records}
    todo = [r for r in records if _read_labels(root, r, sets[r.index]) is None]
    k = cfg.params_per_logo
    grids = {r.index: grid_of(g) for r, g in zip(records, load_npy(root / "image_stats.npy")[:, GRID_COLUMN])}
    tasks = (
        ((r.index, j), (r.id, _source_file(root, r), sets[r.index][j], grids[r.index])) for r in todo for j in range(k)
    )
    pending = {r.index: [None] * k for r in todo}
    by_index = {r.index: r for r in todo}
    done_before = (len(records) - len(todo)) * k
    with _bar(cfg, total=len(records) * k, initial=done_before, desc="labels", unit="ex") as bar:
        for o in engine.run_tasks("svgq_jax.data.tasks:label_task", tasks, cfg.workers, cfg.timeout):
            i, j = o.key
            pending[i][j] = o
            bar.update()
            if all(x is not None for x in pending[i]):
                _commit_labels(root, by_index[i], sets[i], pending.pop(i))


def _source_file(root: Path, rec: ImageRecord) -> str:
    return str(root / "sources" / dataset.image_filename(rec.index, rec.id))


def _commit_labels(root: Path, rec: ImageRecord, sets: np.ndarray, outcomes: list) -> None:
    write_json(
        _labels_path(root, rec),
        {
            "id": rec.id,
            "params": sets.tolist(),
            "ssim": [o.value[0] if o.ok else None for o in outcomes],
            "trace_seconds": [o.value[1] if o.ok else None for o in outcomes],
            "svg_bytes": [o.value[2] if o.ok else None for o in outcomes],
            "alpha_mad": [o.value[3] if o.ok else None for o in outcomes],
            "gzip_bytes": [o.value[5] if o.ok else None for o in outcomes],
            "raw_bytes": [o.value[6] if o.ok else None for o in outcomes],
            "error": [None if o.ok else o.error for o in outcomes],
        },
    )


# ---------------------------------------------------------------- stage 3: features


def _stage_features(
    cfg: BuildConfig, root: Path, records: list[ImageRecord], fx: FeatureExtractor, engine
) -> np.ndarray:
    cache = root / "cache" / "features" / fx.spec.short
    cache.mkdir(parents=True, exist_ok=True)
    paths = [cache / f"{r.id}.npy" for r in records]
    b = cfg.feature_batch
    # Batches are aligned to image indices so a resumed build computes each image
    # in the same batch as an uninterrupted one: bit-identical features.
    batches = [range(s, min(s + b, len(records))) for s in range(0, len(records), b)]
    todo = [bt for bt in batches if not all(paths[i].is_file() for i in bt)]
    pngs = [[root / "images" / dataset.image_filename(i, records[i].id) for i in bt] for bt in todo]
    with _bar(cfg, total=len(records), initial=len(records) - sum(map(len, todo)), desc="features", unit="img") as bar:
        from svgq_jax.data.resnet import find_weights

        weights = find_weights(cfg.backbone_weights) if fx.spec.pretrained else None
        on_cluster = engine.features(fx.spec, weights, pngs)
        results = on_cluster or ((n, fx(_decode(batch))) for n, batch in enumerate(pngs))
        for n, feats in results:
            for i, f in zip(todo[n], feats):
                save_npy(paths[i], f)
            bar.update(len(todo[n]))
    return np.stack([load_npy(p) for p in paths]).astype(np.float32)


def _decode(pngs: list[Path]) -> np.ndarray:
    from PIL import Image

    return np.stack([np.asarray(Image.open(p).convert("RGB")) for p in pngs])


# ---------------------------------------------------------------- finish


def _ssim_summary(ssim: np.ndarray) -> dict:
    if len(ssim) == 0:
        return {}
    q = np.percentile(ssim, [0, 10, 25, 50, 75, 90, 100])
    return {
        "mean": float(ssim.mean()),
        "std": float(ssim.std()),
        **{k: float(v) for k, v in zip(("min", "p10", "p25", "median", "p75", "p90", "max"), q)},
    }


def _versions() -> dict:
    return {"python": platform.python_version(), **package_versions(PACKAGES)}


def _finish(cfg: BuildConfig, root: Path, records, features, spec, seconds: dict, engine: dict) -> dict:
    cols = {k: [] for k in dataset.EXAMPLE_FIELDS}
    failures = []
    for r in records:
        lab = json.loads(_labels_path(root, r).read_text())
        for j, vec in enumerate(lab["params"]):
            if lab["error"][j] is not None:
                failures.append(
                    {"image_index": r.index, "params": param_space.from_vector(vec), "reason": lab["error"][j]}
                )
                continue
            cols["image_index"].append(r.index)
            cols["params"].append(vec)
            # SSIM can dip a hair below 0 for anti-correlated images; labels live in [0, 1].
            cols["ssim"].append(min(max(lab["ssim"][j], 0.0), 1.0))
            cols["trace_seconds"].append(lab["trace_seconds"][j])
            cols["svg_bytes"].append(lab["svg_bytes"][j])
            cols["alpha_mad"].append(np.nan if lab["alpha_mad"][j] is None else lab["alpha_mad"][j])
            cols["trace_size"].append((r.width, r.height))
            cols["gzip_bytes"].append(lab["gzip_bytes"][j])
            cols["raw_bytes"].append(lab["raw_bytes"][j])
    ex = {
        "image_index": np.asarray(cols["image_index"], dtype=np.int32),
        "params": np.asarray(cols["params"], dtype=np.float32).reshape(-1, param_space.N_PARAMS),
        "ssim": np.asarray(cols["ssim"], dtype=np.float32),
        "trace_seconds": np.asarray(cols["trace_seconds"], dtype=np.float32),
        "svg_bytes": np.asarray(cols["svg_bytes"], dtype=np.int32),
        "alpha_mad": np.asarray(cols["alpha_mad"], dtype=np.float32),
        "trace_size": np.asarray(cols["trace_size"], dtype=np.int32).reshape(-1, 2),
        "gzip_bytes": np.asarray(cols["gzip_bytes"], dtype=np.int32),
        "raw_bytes": np.asarray(cols["raw_bytes"], dtype=np.int32),
    }
    save_npy(root / "features.npy", features)
    save_npz(root / "examples.npz", **ex)
    write_jsonl(root / "failures.jsonl", failures)
    skipped = read_jsonl(root / "skipped.jsonl")
    types = Counter(r.type for r in records)
    report = {
        "images": len(records),
        "examples": int(len(ex["ssim"])),
        "failures": len(failures),
        "failure_reasons": dict(Counter(f["reason"].split(":")[0] for f in failures)),
        "skipped_files": len(skipped),
        "images_by_type": dict(sorted(types.items())),
        "images_by_long_side": {str(k): v for k, v in sorted(Counter(max(r.width, r.height) for r in records).items())},
        "transparent_images": sum(r.has_alpha for r in records),
        "examples_by_type": dict(sorted(Counter(records[i].type for i in ex["image_index"]).items())),
        "ssim": _ssim_summary(ex["ssim"]),
        "mean_trace_seconds": float(ex["trace_seconds"].mean()) if len(ex["ssim"]) else None,
        "seconds": seconds,
        "engine": engine,  # where the work ran: the local pool or a cluster
    }
    write_json(root / "report.json", report)
    meta = {
        "format_version": dataset.FORMAT_VERSION,
        "param_space_version": param_space.PARAM_SPACE_VERSION,
        "param_space": param_space.table(),
        "fixed_settings": param_space.FIXED_SETTINGS,
        "ssim_definition": dataset.SSIM_DEFINITION,
        "backbone": spec.to_json(),
        "image_stats": {"version": STATS_VERSION, "names": list(STATS_NAMES)},
        "logos": cfg.logos,
        "generator_version": GENERATOR_VERSION if cfg.logos.startswith("procedural:") else None,
        "sizes": cfg.sizes if cfg.logos.startswith("procedural:") else None,
        "transparent_share": TRANSPARENT_SHARE if cfg.logos.startswith("procedural:") else None,
        "max_side": cfg.max_side,
        "seed": cfg.seed,
        "params_per_logo": cfg.params_per_logo,
        "counts": {k: report[k] for k in ("images", "examples", "failures", "skipped_files", "images_by_type")},
        "logo_types": sorted(types),
        "packages": _versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_json(root / "metadata.json", meta)  # last: marks the build finished
    return report


def _build_spec(cfg: BuildConfig, spec) -> dict:
    procedural = cfg.logos.startswith("procedural:")
    logos = cfg.logos if procedural else str(parse_logos(cfg.logos)[1])
    return {
        "format_version": dataset.FORMAT_VERSION,
        "image_stats_version": STATS_VERSION,  # the images' grids, which the labels are written on, are statistics
        "generator_version": GENERATOR_VERSION if procedural else None,
        "sizes": cfg.sizes if procedural else None,
        "transparent_share": TRANSPARENT_SHARE if procedural else None,
        "max_side": cfg.max_side,
        "param_space_version": param_space.PARAM_SPACE_VERSION,
        "logos": logos,
        "params_per_logo": cfg.params_per_logo,
        "seed": cfg.seed,
        "backbone": {"name": spec.name, "sha256": spec.sha256},
    }


def build_dataset(cfg: BuildConfig) -> dict:
    """Build (or finish) the dataset in `cfg.out` and return the build report. The directory is locked
    meanwhile: a second build of it is refused rather than interleaved with this one."""
    check_config(cfg)  # then the engine (a cluster reached, or refused, in bounded time), then the folder
    with open_engine(cfg.cluster, cfg.cluster_timeout) as engine, locked_directory(cfg.out, "a dataset build"):
        return _build(cfg, engine)


def _build(cfg: BuildConfig, engine) -> dict:
    root = Path(cfg.out)
    t0 = time.perf_counter()
    from svgq_jax.data.resnet import FeatureExtractor  # torch: imported where features are computed

    fx = FeatureExtractor(cfg.backbone_weights, quiet=cfg.quiet)
    spec = _build_spec(cfg, fx.spec)
    previous = root / "build.json"
    old = read_json(previous) if previous.is_file() else spec
    if old != spec:
        if not isinstance(old, dict):
            raise InputError(f"{previous}: corrupt build settings; remove {root} or choose another --out")
        key = next(k for k in sorted(set(old) | set(spec)) if old.get(k) != spec.get(k))
        raise InputError(
            f"{root} holds a dataset built with other settings ({key}: {old.get(key)!r} -> {spec.get(key)!r}); "
            "remove it or choose another --out"
        )
    if root.exists() and not previous.is_file() and any(root.iterdir()):
        raise InputError(f"{root} exists and is not a dataset directory; choose another --out")
    if (root / "metadata.json").is_file():
        _say(cfg, f"{root}: dataset already complete")
        return read_json(root / "report.json")
    root.mkdir(parents=True, exist_ok=True)
    write_json(previous, spec)
    seconds = {}
    t = time.perf_counter()
    records = _stage_images(cfg, root, engine)
    seconds["images"] = time.perf_counter() - t
    t = time.perf_counter()
    _stage_labels(cfg, root, records, engine)
    seconds["labels"] = time.perf_counter() - t
    t = time.perf_counter()
    features = _stage_features(cfg, root, records, fx, engine)
    seconds["features"] = time.perf_counter() - t
    engine_summary = engine.summary()
    seconds["total"] = time.perf_counter() - t0
    seconds = {k: round(v, 2) for k, v in seconds.items()}
    report = _finish(cfg, root, records, features, fx.spec, seconds, engine_summary)
    _say(cfg, format_report(report))
    return report


def format_report(report: dict) -> str:
    s = report["ssim"]
    lines = [
        f"images {report['images']}  examples {report['examples']}  failures {report['failures']}  skipped files "
        f"{report['skipped_files']}",
        "by type: " + ", ".join(f"{k} {v}" for k, v in report["images_by_type"].items()),
        "by long side: "
        + ", ".join(f"{k} px {v}" for k, v in report["images_by_long_side"].items())
        + f"; transparent {report['transparent_images']}",
    ]
    if s:
        lines.append(
            f"SSIM mean {s['mean']:.3f} std {s['std']:.3f}  min {s['min']:.3f} p10 {s['p10']:.3f} "
            f"median {s['median']:.3f} p90 {s['p90']:.3f} max {s['max']:.3f}"
        )
    if report["failure_reasons"]:
        lines.append("failure reasons: " + ", ".join(f"{k} {v}" for k, v in report["failure_reasons"].items()))
    lines.append("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in report["seconds"].items()))
    return "\n".join(lines)
