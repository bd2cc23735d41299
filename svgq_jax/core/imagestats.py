"""Image statistics that describe how hard a logo is to trace.

ResNet-50 features (especially from the random fallback backbone) say little
about what VTracer's parameters act on. These statistics measure it directly,
each scaled to roughly [0, 1]; all but the last family take a few milliseconds per image:

- colours, quantisation error and the SSIM of the quantised image at every
  `color_precision` (VTracer keeps that many bits per channel);
- the spectrum of neighbouring-pixel colour steps, which `layer_difference`
  thresholds when it splits colour layers (gradients are many small steps);
- the pixel area in small same-colour regions, which `filter_speckle` drops;
- edge density, gradient energy and fine detail, which the spline fitting
  (`corner_threshold`, `length_threshold`, `splice_threshold`) smooths;
- ink coverage, contrast, saturation and the share of anti-aliased pixels;
- the SSIM of VTracer's own trace at its defaults, at every `color_precision`:
  eight real traces (about 0.2 s per image), which see what no cheaper statistic
  does, VTracer collapsing on full-bleed marks at some precisions (ACCURACY.md
  section 10: +0.03 r on real logos).

All of those are read off the image's thumbnail: the source fit in 256 px, its
aspect ratio and transparency kept, not padded (a square opaque 256-px logo is its
own thumbnail, its canonical view). On real logos at their own size the trace SSIM
of the thumbnail followed the label better than that of the white-padded
canonical view (ACCURACY.md section 12). The last few describe the source as it is
traced: its size, and VTracer's own trace of it at its defaults, at its size (one
more trace: the native label at the defaults, its alpha agreement and its bytes).
"""

from __future__ import annotations

import cv2
import numpy as np

try:  # skimage.measure.label imports scipy.ndimage first (0.2 s of every cold start); its integer kernel does not
    from skimage.measure._ccomp import label_cython as _label_regions
except ImportError:  # a scikit-image that moved it
    from skimage.measure import label as _label_regions

# v9: the native statistics are of the written (minified) file, and its grid is one of them; v8: traced with
# VTracer's transparency key fixed (images.fixed_key); v7 drew it at random on some thumbnails.
STATS_VERSION = 9
STEP_THRESHOLDS = (2, 4, 8, 16, 32, 64)
REGION_AREAS = (4, 16, 64, 256)
NAMES: tuple[str, ...] = (
    *(f"log_colours_p{p}" for p in range(1, 9)),
    *(f"quant_rmse_p{p}" for p in range(1, 9)),
    *(f"quant_ssim_p{p}" for p in range(1, 9)),  # SSIM of that bin-mean image against the original
    "step_share",  # neighbouring pairs that differ at all
    *(f"steps_le{t}" for t in STEP_THRESHOLDS),
    *(f"small_region_area_lt{a}" for a in REGION_AREAS),
    "log_regions",
    "ink_coverage",
    "border_ink",  # share of the 1-pixel frame that is ink: marks touching the edge
    "border_ink_4",  # the same for a 4-pixel frame
    "edge_density",
    "gradient_energy",
    "luma_std",
    "minor_colour_share",
    "mean_saturation",
    "detail_blur1",
    "detail_blur2",
    *(f"trace_ssim_p{p}" for p in range(1, 9)),  # VTracer's defaults at color_precision p, rendered, SSIM
    *(f"trace_log_bytes_p{p}" for p in range(1, 9)),  # the same traces' ln(SVG bytes) / 16
    # the source as traced
    "log2_long_side",  # log2(long side / 256): speckle areas and path lengths are in pixels
    "log2_aspect",  # log2(width / height)
    "transparent_share",  # pixels under half opacity
    "native_trace_ssim",  # the native label at VTracer's defaults: of the file written on the image's grid
    "native_alpha_mad",  # its alpha agreement with the source (0 for an opaque source)
    "native_log_bytes",  # ln(its bytes) / 16
    "native_raw_log_bytes",  # ln(the bytes of VTracer's own text) / 16
    "log2_grid",  # the image's grid (core/written.py), log2 of its step in pixels
)
N_STATS = len(NAMES)
N_SOURCE_STATS = 8  # the last ones, read off the source; the rest off the canonical view


def _codes(a: np.ndarray) -> np.ndarray:
    """One integer per RGB colour."""
    a = a.astype(np.int32)
    return (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]


def _trace_stats(thumb, ref) -> list[float]:
    """Per precision p: the thumbnail's label at VTracer's defaults with color_precision p, its SSIM
    then its ln(SVG bytes) / 16 (how the number of shapes grows with the precision).

    The other parameters are then read off by the model around these anchors; a trace
    that fails scores 0 (nothing usable), as its SVG would. An SVG equal to a lower
    precision's has that one's label (a quarter of them on real logos): it is not rendered again."""
    from svgq_jax.core import params as param_space
    from svgq_jax.core.tracing import Target, TraceFailure, scored, trace

    target = Target(thumb.trace_png(), ref, thumb.alpha if thumb.has_alpha else None)
    ssims, sizes, seen = [], [], {}
    for p in range(1, 9):
        try:
            svg = trace(target.png, {**param_space.VTRACER_DEFAULTS, "color_precision": p})
            if svg not in seen:
                seen[svg] = scored(target, svg, 0.0)
            ssims.append(seen[svg].ssim)
            sizes.append(float(np.log(seen[svg].svg_bytes) / 16))
        except TraceFailure:
            ssims.append(0.0)
            sizes.append(0.0)
    return ssims + sizes


def _colour_stats(a: np.ndarray, ref) -> list[float]:
    """Per precision p: log colour count, and the RMS error and SSIM of replacing each
    pixel by the mean colour of its p-bit bin (VTracer's clusters average their members).
    SSIM is the label's own measure: a light mark that merges into the background at
    low precision costs little RMS error but much SSIM."""
    from svgq_jax.core.ssim import ssim_to

    # one sort over the pixels; each precision's bins are then read off the distinct colours
    colours, inverse, weight = np.unique(_codes(a).ravel(), return_inverse=True, return_counts=True)
    rgb = np.stack([(colours >> s) & 255 for s in (16, 8, 0)], axis=1)
    n_px = len(inverse)
    counts, errors, ssims, prev = [], [], [], 0
    for p in range(1, 9):
        _, bin_of = np.unique(_codes(rgb >> (8 - p)), return_inverse=True)
        n = np.bincount(bin_of, weights=weight)
        means = np.stack([np.bincount(bin_of, weights=weight * rgb[:, c]) / n for c in range(3)], axis=1)
        counts.append(np.log1p(len(n)) / np.log1p(n_px))
        rms = np.sqrt(np.sum(weight * np.sum((rgb - means[bin_of]) ** 2, axis=1)) / (3 * n_px))
        errors.append(float(np.log1p(rms) / np.log1p(128)))  # log: the useful range spans 0.01 to 30 levels
        # bins nest as p grows: the same count means the same partition (and the same SSIM)
        same = ssims and len(n) == prev
        ssims.append(
            ssims[-1]
            if same
            else 1.0
            if rms == 0
            else ssim_to(ref, np.rint(means[bin_of][inverse]).reshape(a.shape).astype(np.uint8))
        )
        prev = len(n)
    return counts + errors + ssims


def _step_stats(a: np.ndarray) -> list[float]:
    """Share of neighbouring pixel pairs that differ, then of those the share whose
    largest channel step is at most t (gradients: many small steps)."""
    x = a.astype(np.int16)
    steps = np.concatenate([np.abs(x[:, 1:] - x[:, :-1]).max(-1).ravel(), np.abs(x[1:] - x[:-1]).max(-1).ravel()])
    nonzero = steps[steps > 0]
    if len(nonzero) == 0:
        return [0.0] * (1 + len(STEP_THRESHOLDS))
    return [len(nonzero) / len(steps)] + [float(np.mean(nonzero <= t)) for t in STEP_THRESHOLDS]


def _region_stats(a: np.ndarray) -> list[float]:
    """Pixel area in small 4-connected regions of equal 5-bit colour (merges anti-aliasing noise)."""
    labels = _label_regions(_codes(a >> 3), -1, False, 1)  # background -1 (none), 4-connected
    areas = np.bincount(labels.ravel())[1:]
    per_pixel = areas[labels.ravel() - 1]
    return [float(np.mean(per_pixel < lim)) for lim in REGION_AREAS] + [
        float(np.log1p(len(areas)) / np.log1p(labels.size))
    ]


def _frame_share(mask: np.ndarray, width: int) -> float:
    """Share of the pixels within `width` of the image edge where `mask` holds."""
    inner = mask[width:-width, width:-width]
    return float((mask.sum() - inner.sum()) / (mask.size - inner.size))


def _detail(grey: np.ndarray, sigma: float) -> float:
    """How much fine detail a blur of `sigma` removes (RMS change, scaled)."""
    blurred = cv2.GaussianBlur(grey, (0, 0), sigma)
    return float(np.sqrt(np.mean((blurred - grey) ** 2)) / 64)


def defaults_trace(source, target=None):
    """VTracer's defaults traced at the source's size: (the label of VTracer's own text, the `Written` file on
    the image's grid), or the TraceFailure. `target`: the source's `Target`, when the caller holds it."""
    from svgq_jax.core import params as param_space
    from svgq_jax.core.tracing import Target, TraceFailure
    from svgq_jax.core.written import defaults_written

    try:
        return defaults_written(target or Target.of(source), param_space.VTRACER_DEFAULTS)
    except TraceFailure as e:
        return e


def _source_stats(source, native_defaults=None) -> list[float]:
    """The source's size and transparency, and VTracer's defaults traced at its size and written on its grid.
    `native_defaults` is that trace when the caller has it already (`defaults_trace`)."""
    w, h = source.size
    size = [float(np.log2(max(w, h) / 256)), float(np.log2(w / h)), float(np.mean(source.alpha < 128))]
    traced = defaults_trace(source) if native_defaults is None else native_defaults
    if isinstance(traced, Exception):  # nothing usable, as its SVG would be
        return [*size, 0.0, 1.0, 0.0, 0.0, 0.0]
    raw, out = traced
    lab = out.label
    return [
        *size,
        lab.ssim,
        lab.alpha_mad or 0.0,
        float(np.log(lab.svg_bytes) / 16),
        float(np.log(raw.svg_bytes) / 16),
        float(np.log2(out.grid)),
    ]


def image_stats(image, native_defaults=None) -> np.ndarray:
    """An `images.Source` (or an opaque uint8 [H, W, 3] image) -> float32 [N_STATS] (order of NAMES).
    `native_defaults`: the source's `defaults_trace`, when the caller traced it already."""
    from svgq_jax.core.images import Source
    from svgq_jax.core.ssim import Reference

    source = image if isinstance(image, Source) else Source.of_rgb(np.ascontiguousarray(image, dtype=np.uint8))
    thumb = source.thumbnail()
    a = thumb.over_white()
    ref = Reference.of(a)  # shared by the quantisation and trace SSIMs
    n_px = a.shape[0] * a.shape[1]
    grey = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx * gx + gy * gy) / (4 * 255)
    _, counts = np.unique(_codes(a), return_counts=True)
    ink = a.min(axis=2) < 235
    out = [
        *_colour_stats(a, ref),
        *_step_stats(a),
        *_region_stats(a),
        float(ink.mean()),
        _frame_share(ink, 1),
        _frame_share(ink, 4),
        float((mag > 0.1).mean()),
        float(mag.mean() * 10),
        float(grey.std() / 128),
        float(1 - np.sort(counts)[-8:].sum() / n_px),
        float(cv2.cvtColor(a, cv2.COLOR_RGB2HSV)[..., 1].mean() / 255),
        _detail(grey, 1.0),
        _detail(grey, 2.0),
        *_trace_stats(thumb, ref),
        *_source_stats(source, native_defaults),
    ]
    return np.asarray(out, dtype=np.float32)
