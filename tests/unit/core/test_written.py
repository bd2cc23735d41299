"""The file a user gets (`svgq_jax.core.written`): minified on the coarsest grid its render allows, scored as
written. Real VTracer and resvg on a logo drawn here."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from svgq_jax.core import params as param_space
from svgq_jax.core import written
from svgq_jax.core.images import Source
from svgq_jax.core.tracing import Target, label
from svgq_jax.data.logos import draw_source


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.of(Source.of(draw_source("simple_geometric", [0, 4], 384, True)))


def test_the_defaults_grid_keeps_the_ssim_within_the_tolerance(target):
    raw, out = written.defaults_written(target, param_space.VTRACER_DEFAULTS)
    assert out.grid in written.GRIDS and out.label.grid == out.grid
    assert out.label.ssim >= raw.ssim - written.TOLERANCE
    assert out.label.svg_bytes == len(out.svg.encode()) < raw.svg_bytes == out.raw_bytes
    assert out.label.gzip_bytes == len(gzip.compress(out.svg.encode(), 9, mtime=0)) < out.label.svg_bytes
    assert out.svg.startswith("<svg") and f'width="{target.size[0]}"' in out.svg


def test_a_tighter_tolerance_never_picks_a_coarser_grid(target):
    raw, svg = label(target, param_space.VTRACER_DEFAULTS)
    loose = written.choose_grid(target, svg, raw, tolerance=0.05)
    tight = written.choose_grid(target, svg, raw, tolerance=0.0)
    assert loose.label.ssim >= raw.ssim - 0.05
    assert tight.label.ssim >= raw.ssim or tight.grid == written.GRIDS[-1]  # the finest when none passes
    assert loose.grid >= tight.grid


def test_a_parameter_set_is_labelled_as_written_on_the_grid(target):
    w = written.label_written(target, param_space.VTRACER_DEFAULTS, 1.0)
    again = written.written(target, w.raw, 1.0, 0.0)
    assert w.svg == again.svg and w.label.ssim == again.label.ssim and w.grid == 1.0


def test_a_resized_file_only_changes_its_width_and_height(target):
    w = written.label_written(target, param_space.VTRACER_DEFAULTS, 1.0)
    big = w.resized(target, (target.size[0] * 2, target.size[1] * 2))
    assert big.svg.replace(f'width="{target.size[0] * 2}"', "").replace(f'height="{target.size[1] * 2}"', "") == (
        w.svg.replace(f'width="{target.size[0]}"', "").replace(f'height="{target.size[1]}"', "")
    )
    assert big.label.ssim == w.label.ssim and big.label.svg_bytes == len(big.svg.encode())


@pytest.mark.parametrize("grid", written.GRIDS)
def test_a_statistic_names_its_grid(grid):
    assert written.grid_of(np.float32(np.log2(grid))) == grid


def test_structure_counts_paths_and_commands():
    head = '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
    svg = head + '<path d="M0 0h5v5"/><path d="M1 1l2 2 3 3z"/></svg>'
    s = written.structure(svg)
    assert s == {"paths": 2, "path_commands": 6, "bytes": len(svg), "gzip_bytes": written.gzip_bytes(svg)}


def test_text_that_is_not_vtracers_is_a_trace_failure(target):
    from svgq_jax.core.tracing import TraceFailure

    with pytest.raises(TraceFailure, match="minify"):
        written.written(target, "<svg><script/></svg>", 1.0, 0.0)
