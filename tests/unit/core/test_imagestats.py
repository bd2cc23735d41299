import numpy as np

from svgq_jax.core import imagestats
from svgq_jax.core.ssim import ssim


def _stat(stats, name):
    return float(stats[imagestats.NAMES.index(name)])


def _light_mark() -> np.ndarray:
    """A light grey disc on white: one bin with the background at 1-bit precision."""
    yy, xx = np.mgrid[:128, :128]
    a = np.full((128, 128, 3), 255, np.uint8)
    a[(yy - 64) ** 2 + (xx - 64) ** 2 < 40**2] = 200
    return a


def test_quantisation_ssim_sees_a_mark_merge_into_the_background():
    stats = imagestats.image_stats(_light_mark())
    assert stats.shape == (imagestats.N_STATS,) and np.isfinite(stats).all()
    assert _stat(stats, "quant_ssim_p1") < 0.9  # the disc and the white share a 1-bit bin
    assert _stat(stats, "quant_ssim_p2") < 0.9  # and at 2 bits (200 >> 6 == 255 >> 6)
    assert _stat(stats, "quant_ssim_p3") == 1.0 and _stat(stats, "quant_ssim_p8") == 1.0


def test_quantisation_ssim_is_the_ssim_of_the_bin_mean_image():
    a = np.random.default_rng(0).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    stats = imagestats.image_stats(a)
    p = 3
    codes = imagestats._codes(a >> (8 - p))
    q = np.empty(a.shape, np.float64)
    for c in np.unique(codes):
        q[codes == c] = a[codes == c].mean(axis=0)
    assert abs(_stat(stats, f"quant_ssim_p{p}") - ssim(a, np.rint(q).astype(np.uint8))) < 1e-9


def test_trace_ssim_is_the_label_at_vtracer_defaults():
    """Each trace_ssim_p is the real label (VTracer -> resvg -> SSIM) at the defaults with that precision."""
    from PIL import Image

    from svgq_jax.core import params as param_space
    from svgq_jax.core.images import png_bytes
    from svgq_jax.core.ssim import Reference
    from svgq_jax.core.tracing import Target, label

    a = _light_mark().repeat(2, axis=0).repeat(2, axis=1)  # the canvas size labels are rendered at
    a[40:100, 140:220] = (30, 90, 200)  # a second, saturated mark
    stats = imagestats.image_stats(a)
    png, ref = png_bytes(Image.fromarray(a)), Reference.of(a)
    for p in (1, 5, 8):
        want = label(Target(png, ref), {**param_space.VTRACER_DEFAULTS, "color_precision": p})[0].ssim
        assert abs(_stat(stats, f"trace_ssim_p{p}") - want) < 1e-6  # stored as float32
    assert _stat(stats, "trace_ssim_p1") < _stat(stats, "trace_ssim_p8") - 0.05  # the grey disc merges at 1 bit


def test_region_labelling_matches_skimage_label():
    # the statistics call scikit-image's integer kernel directly (it skips a scipy.ndimage import)
    from skimage.measure import label

    codes = np.random.default_rng(0).integers(0, 4, size=(64, 48)).astype(np.int32)
    got = imagestats._label_regions(codes, -1, False, 1)
    assert np.array_equal(got, label(codes, background=-1, connectivity=1)) and got.max() > 100
