import re

import numpy as np
import pytest
from conftest import draw_test_logo, wordmark
from PIL import Image

from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.core.ssim import Reference, ssim
from svgq_jax.core.tracing import Target, TraceFailure, label, render, sized, trace


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


# --------------------------------------------------------------------------- native size
# The user's logo as it is: its own size, aspect ratio and transparency, traced and scored there.


def test_native_label_is_scored_at_the_source_size_with_its_alpha(mark_file):
    source = images.load_source(mark_file)
    target = Target.of(source)
    lab, svg = label(target, param_space.VTRACER_DEFAULTS)
    rgba = render(svg, source.size, transparent=True)
    assert rgba.shape == (180, 600, 4)
    assert 0.8 < lab.ssim <= 1 and lab.alpha_mad < 0.05 and lab.transparent_kept > 0.9
    assert rgba[0, 0, 3] == 0  # transparent where the source is: no white box
    # the label is the SSIM of the render over white against the source over white
    over = images.over_white(Image.fromarray(rgba))
    assert lab.ssim == pytest.approx(ssim(source.over_white(), images.to_array(over)), abs=1e-7)


def test_canonical_labels_are_unchanged_for_canonical_inputs():
    """An opaque 256-px image is traced as before: rendered on white, no alpha statistics."""
    img = images.to_array(draw_test_logo(4))
    lab, svg = label(Target.of_rgb(img), param_space.VTRACER_DEFAULTS)
    assert lab.ssim == pytest.approx(ssim(img, render(svg, (256, 256))), abs=1e-7)
    assert lab.alpha_mad is None and lab.transparent_kept is None


def test_sized_svg_has_the_image_size_and_a_viewbox():
    s = images.Source.of(wordmark())
    svg = sized(trace(s.png(), param_space.VTRACER_DEFAULTS), s.size, (1200, 360))
    head = re.search(r"<svg\b[^>]*>", svg).group(0)
    assert 'width="1200"' in head and 'height="360"' in head and 'viewBox="0 0 600 180"' in head
    assert head.count("width=") == 1
    assert render(svg, (1200, 360), transparent=True).shape == (360, 1200, 4)
