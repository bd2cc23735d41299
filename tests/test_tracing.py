import numpy as np
import pytest
from conftest import draw_test_logo

from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.core.ssim import Reference
from svgq_jax.core.tracing import Target, TraceFailure, label, render, trace


def test_label_records_ssim_time_and_size():
    img = draw_test_logo(0)
    png = images.png_bytes(img)
    result, svg = label(Target(png, Reference.of(images.to_array(img))), param_space.VTRACER_DEFAULTS)
    assert 0.5 < result.ssim <= 1.0
    assert result.trace_seconds > 0 and result.svg_bytes == len(svg.encode()) > 100
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:200]


def test_coarser_settings_lose_quality():
    img = draw_test_logo(1)
    target = Target.of_rgb(images.to_array(img))
    fine, _ = label(target, param_space.VTRACER_DEFAULTS)
    coarse, _ = label(
        target, {**param_space.VTRACER_DEFAULTS, "color_precision": 1, "filter_speckle": 16, "layer_difference": 64}
    )
    assert coarse.ssim < fine.ssim


def test_failures_raise_with_a_reason():
    with pytest.raises(TraceFailure, match="resvg could not render"):
        render("<svg", (256, 256))
    with pytest.raises(TraceFailure, match="vtracer"):
        trace(b"not a png", param_space.VTRACER_DEFAULTS)


def _all_key_colours_on_transparency() -> images.Source:
    """A transparent logo holding all six of VTracer's key colours, beside noise: VTracer keys it at random."""
    rng = np.random.default_rng(0)
    rgba = np.zeros((64, 96, 4), np.uint8)
    for i, key in enumerate(images.VTRACER_KEY_COLOURS):
        rgba[8:24, 4 + 15 * i : 16 + 15 * i] = (key >> 16, (key >> 8) & 0xFF, key & 0xFF, 255)
    rgba[30:60, 10:86, :3] = rng.integers(0, 256, (30, 76, 3))
    rgba[30:60, 10:86, 3] = 255
    return images.Source(rgba, True, (96, 64))


def test_a_logo_holding_every_key_colour_traces_the_same_every_time():
    source = _all_key_colours_on_transparency()
    coarse = {**param_space.VTRACER_DEFAULTS, "color_precision": 2}
    # The file as it is: VTracer draws its key colour at random, so the SVG varies between calls.
    assert len({trace(source.png(images.TRACE_PNG_LEVEL), coarse) for _ in range(8)}) > 1
    assert len({trace(source.trace_png(), coarse) for _ in range(8)}) == 1
    fixed = images.fixed_key(source.rgba)
    moved = np.any(fixed != source.rgba, axis=-1)
    # One key colour's pixels moved by one level in one channel; nothing else changed.
    assert moved.sum() == 16 * 12 and np.abs(fixed.astype(int) - source.rgba).max() == 1
    # An image that lacks one of the six (here all but the noise) is traced as it is.
    assert images.fixed_key(fixed) is fixed
    noise = source.rgba[30:]
    assert images.fixed_key(noise) is noise
