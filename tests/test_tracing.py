import pytest
from conftest import draw_test_logo

from svgq_jax import params as param_space
from svgq_jax.data import images
from svgq_jax.data.ssim import Reference
from svgq_jax.data.tracing import Target, TraceFailure, label, render, trace


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
