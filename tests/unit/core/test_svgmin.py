"""The minifier (`svgq_jax.core.svgmin`): exact rounding onto the grid, lossy rewrites that keep every segment end,
merging that only regroups, and refusals of anything that is not VTracer's grammar. Logos are drawn here and
traced with the real VTracer; `svg_reference` is an independent, slow, exact (Fraction) reader and path parser."""

from __future__ import annotations

import random
import re
import time
from fractions import Fraction

import numpy as np
import pytest
from svg_reference import minified_paths, rounded, rounded_grid, vtracer_paths

from svgq_jax.core import params as param_space
from svgq_jax.core import svgmin
from svgq_jax.core.images import Source
from svgq_jax.core.ssim import ssim
from svgq_jax.core.svgmin.numbers import decimal
from svgq_jax.core.svgmin.reading import grid_step
from svgq_jax.core.tracing import render, sized, trace
from svgq_jax.data.logos import draw_logo, draw_source

# simplifications off: the output is the input rounded to the grid, nothing else
OFF = dict(input_lines_tol=None, merge=False, drop_z=False, rotate=False, degenerate=False, straight=False)
HEAD = '<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'


@pytest.fixture(scope="module")
def logos():
    """Three procedural logos traced with VTracer's defaults, as `written` reads them: an opaque 256-px one and two
    transparent ones at 384 px (a traced source's sized() text)."""
    images = [draw_logo("complex", [0, 1]), draw_source("text_based", [0, 2], 384, True)]
    images.append(draw_source("gradient", [0, 3], 384, True))
    out = []
    for img in images:
        source = Source.of(img)
        svg = trace(source.trace_png(), param_space.VTRACER_DEFAULTS)
        out.append((sized(svg, source.size, source.size), source.size))
    return out


def _units(svg_out, digits=0):
    """Our output -> (viewBox as Fractions, [(fill, subpaths)] with coordinates in grid units)."""
    attrs, got = minified_paths(svg_out)
    vb = [Fraction(v) for v in attrs["viewBox"].split()] if "viewBox" in attrs else None
    k = Fraction(10) ** digits
    return vb, [(f, [(tuple(c * k for c in s), [(g[0], *(c * k for c in g[1:])) for g in segs]) for s, segs in subs])
                for f, subs in got]  # fmt: skip


def test_the_ladder_is_coarse_to_fine_and_every_rung_a_legal_grid():
    g = svgmin.GRIDS
    assert list(g) == sorted(g, reverse=True) and svgmin.START in g
    assert all(grid_step(q) == Fraction(repr(q)) for q in g)


@pytest.mark.parametrize("grid", [0, -1, 3, 0.3, 1 / 3, float("nan"), float("inf"), True, None, 2e6, 1e-10])
def test_bad_grids_are_refused(grid):
    with pytest.raises(ValueError):
        svgmin.minify(HEAD + "</svg>", grid)


@pytest.mark.parametrize("kw", [dict(digits=-1), dict(digits=True), dict(lossy=1), dict(lossy_q="4"), dict(x=1)])
def test_bad_options_are_refused(kw):
    with pytest.raises(ValueError):
        svgmin.minify(HEAD + "</svg>", 1, **kw)


def test_decimal_writes_exact_decimals_shortest():
    xs = [
        Fraction(0),
        Fraction(-3),
        Fraction("12.5"),
        Fraction("0.25"),
        Fraction("-0.5"),
        Fraction(338) / Fraction("0.625"),
    ]
    assert [decimal(x) for x in xs] == ["0", "-3", "12.5", ".25", "-.5", "540.8"]


@pytest.mark.parametrize("grid", ["1/1000", "1/10", "1/4", "5/8", "1", "5/2", "4"])
def test_the_output_is_the_input_rounded_half_up_to_the_grid(logos, grid):
    """Simplifications and lossy rewrites off: the output parses back (exactly, in Fractions) to the input's absolute
    coordinates rounded half up to multiples of the grid, as integers under a viewBox scaled by 1/grid, and the same
    with decimals (digits=k, viewBox scaled by 1/(grid*10**k))."""
    q = Fraction(grid)
    for svg, _ in logos:
        attrs, paths = vtracer_paths(svg)
        want = [subs for _, subs in rounded_grid(paths, q) if subs]
        vb = [Fraction(v) for v in attrs["viewBox"].split()]
        for digits in (0, 2):
            got_vb, got = _units(svgmin.minify(svg, grid, lossy=False, digits=digits, **OFF), digits)
            assert got_vb == [v / (q * 10**digits) for v in vb]
            assert [subs for _, subs in got] == want


def test_a_decimal_grid_with_its_digits_is_decimal_precision(logos):
    for svg, _ in logos:
        attrs, paths = vtracer_paths(svg)
        for p in (2, 1, 0):
            a, got = minified_paths(svgmin.minify(svg, 10.0**-p, lossy=False, digits=p, **OFF))
            assert a["viewBox"] == attrs["viewBox"] and [s for _, s in got] == [s for _, s in rounded(paths, p) if s]


def test_rounding_is_half_up_with_the_translate_folded_in():
    cases = [  # (translate, coordinate, grid, expected multiple of the grid)
        ("0,0", "0.5", "1", 1), ("0,0", "-0.5", "1", 0), ("0.25,0", "0.25", "1", 1), ("0,0", "15", "10", 2),
        ("0,0", "0.3125", "5/8", 1), ("0,0", "-0.3125", "5/8", 0), ("0.12500000000000000001,0", "0", "1/4", 1),
        ("0.12499999999999999999,0", "0", "1/4", 0), ("299.810546875,35.956298828125", "0", "1/100", 29981),
    ]  # fmt: skip
    for tr, x, grid, want in cases:
        svg = f'{HEAD}<path d="M{x} 0 L3 3 L0 3 Z " fill="#123456" transform="translate({tr})"/></svg>'
        _, got = _units(svgmin.minify(svg, grid, lossy=False, **OFF))
        assert got[0][1][0][0][0] == want, (tr, x, grid)


def test_short_forms():
    svg = HEAD.replace(' viewBox="0 0 100 100"', "") + (
        '<path d="M0 0 L0.5 0 L0.5 -0.5 C1 1 2 2 3 3 C4 4 5 6 7 8 L0 0 Z " fill="#FF0000" transform="translate(0,0)"/>'
        "</svg>"
    )
    out = svgmin.minify(svg, 0.1, lossy=False, digits=1)
    assert out == (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        '<path fill="red" d="M0 0h.5v-.5C1 1 2 2 3 3s2 3 4 5"/></svg>'
    )
    assert "fill=" not in svgmin.minify(svg.replace("#FF0000", "#000000"), 1)  # black is the default fill


def test_lossy_rewrites_keep_every_segment_end_and_the_picture(logos):
    """lossy_lines / lossy_q move control points only and lossy_join drops vertices: every subpath start and segment
    end is still a rounded input point, and the render stays close to the lossless one."""
    for svg, size in logos:
        for grid in ("1/2", "1"):
            _, paths = vtracer_paths(svg)
            ends = set()
            for _, subs in rounded_grid(paths, Fraction(grid)):
                for start, segs in subs:
                    ends |= {start, *((g[-2], g[-1]) for g in segs)}
            out = svgmin.minify(svg, grid)
            for _, subs in _units(out)[1]:
                for start, segs in subs:
                    assert start in ends and all((g[-2], g[-1]) in ends for g in segs)
            # close, not equal: a rewrite that costs too much sends the render-checked search to a finer grid
            assert ssim(render(svgmin.minify(svg, grid, lossy=False), size), render(out, size)) >= 0.95


@pytest.mark.parametrize("tol", [0.5, 2])
def test_a_joined_line_stays_within_its_tolerance(tol):
    rnd = random.Random(tol)
    pts = [(i * 3 + rnd.choice((0, 1, 2)), rnd.choice((0, 0, 1, -1, 2))) for i in range(60)] + [(180, 40), (0, 40)]
    svg = f'{HEAD}<path d="M0 0 {"".join(f"L{x} {y} " for x, y in pts)}Z " fill="#123456"/></svg>'
    (start, segs), = _units(svgmin.minify(svg, 1, lossy=False, lossy_join=tol))[1][0][1]  # fmt: skip
    poly = [start] + [(s[-2], s[-1]) for s in segs] + [start]
    assert len(poly) < len(pts) + 2
    for v in [(0, 0)] + pts:
        assert min(_dist2(v, poly[i], poly[i + 1]) for i in range(len(poly) - 1)) <= tol * tol + 1e-9, v


def _dist2(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    t = max(Fraction(0), min(Fraction(1), ((px - ax) * dx + (py - ay) * dy) / ll)) if ll else Fraction(0)
    return (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2


def test_merging_joins_apart_paths_of_one_fill_only():
    p = lambda x, y, f: f'<path d="M{x} {y} L{x + 10} {y} L{x + 10} {y + 10} L{x} {y + 10} Z " fill="{f}"/>'
    far = HEAD + p(0, 0, "#FF0000") + p(20, 0, "#FF0000") + "</svg>"
    assert svgmin.minify(far, 1).count("<path") == 1 and svgmin.minify(far, 1, merge=False).count("<path") == 2
    assert svgmin.minify(HEAD + p(0, 0, "#FF0000") + p(10, 0, "#FF0000") + "</svg>", 1).count("<path") == 2  # touching
    # a blue square overlapping the second red one, painted between them: the second red may not move before it
    mid = HEAD + p(0, 0, "#FF0000") + p(25, 0, "#0000FF") + p(30, 0, "#FF0000") + "</svg>"
    assert svgmin.minify(mid, 1).count("<path") == 3


def test_merging_only_regroups_subpaths(logos):
    for svg, size in logos:
        a, b = svgmin.minify(svg, 1, merge=False), svgmin.minify(svg, 1)

        def per_fill(text):
            out = {}
            for fill, subs in _units(text)[1]:
                out.setdefault(fill, []).extend(repr(s) for s in subs)
            return {k: sorted(v) for k, v in out.items()}

        assert per_fill(a) == per_fill(b) and b.count("<path") <= a.count("<path")
        assert ssim(render(a, size), render(b, size)) >= 0.999


BAD = [
    "",
    "<svg/>",
    "hello",
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><path d="M0 0 C1 2" fill="#000000"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><path d="M0 0 L1e5 2 Z " fill="#000000"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><path d="M0 0 L1 1 Z " fill="red"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><path d="M0 0 L1 1 Z " fill="#000000" '
    'transform="rotate(3)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><path d="M0 0 L1 1 Z " fill="#000000"/>'
    "<script>x</script></svg>",
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" onload="x()"></svg>',
    '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">&a;</svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><g><path d="M0 0 L1 1 Z " fill="#000000"/></g></svg>',
    None,
    b"<svg/>",
]


@pytest.mark.parametrize("text", BAD)
def test_what_is_not_vtracers_grammar_is_refused(text):
    with pytest.raises(ValueError):
        svgmin.minify(text, 1)


def test_mutated_files_give_a_file_or_a_value_error(logos):
    rnd = random.Random(0)
    alphabet = 'MCLZmclz0123456789.- "<>/=#,()eE\n\x00é١'
    outcomes = set()
    for _ in range(300):
        t = list(rnd.choice(logos)[0])
        for _ in range(rnd.randint(1, 4)):
            k = rnd.randrange(len(t))
            t[k : k + 1] = [rnd.choice(alphabet)] if rnd.random() < 0.7 else []
        try:
            outcomes.add(type(svgmin.minify("".join(t), rnd.choice(svgmin.GRIDS), lossy=rnd.random() < 0.8)))
        except ValueError:
            outcomes.add(ValueError)
    assert outcomes == {str, ValueError}


def test_files_over_the_bounds_are_refused_before_the_work():
    head = HEAD.replace(' viewBox="0 0 100 100"', "")
    many = head + '<path d="M0 0 L1 1 L0 1 Z " fill="#000000"/>' * (svgmin.MAX_PATHS + 1) + "</svg>"
    with pytest.raises(ValueError, match="paths"):
        svgmin.minify(many, 1)
    numbers = head + '<path d="M0 0 ' + "L1 1 " * (svgmin.MAX_NUMBERS // 2) + 'Z " fill="#000000"/></svg>'
    with pytest.raises(ValueError, match="numbers"):
        svgmin.minify(numbers, 1)
    with pytest.raises(ValueError, match="characters"):
        svgmin.minify(" " * (svgmin.MAX_CHARS + 1), 1)


def test_a_file_of_a_million_numbers_is_minified(logos):
    """The bound holds on real paths: a logo's paths repeated (each copy translated) up to a million numbers are
    minified, not refused, and finish (a hang guard; the speed is measured in benchmarks/ACCURACY.md)."""
    svg = logos[1][0]
    head, rest = svg.split("<path", 1)
    body = "<path" + rest[: rest.rindex("</svg>")]
    per_copy = sum(len(d.split()) - d.count("Z") for d in re.findall(r' d="([^"]*)"', body))
    copies = svgmin.MAX_NUMBERS // per_copy
    text = head + body * copies + "</svg>"
    t0 = time.perf_counter()
    out = svgmin.minify(text, 1.0)
    assert copies * per_copy > 0.95 * svgmin.MAX_NUMBERS
    assert out.startswith("<svg") and time.perf_counter() - t0 < 120


def test_the_walk_finds_a_passing_grid_in_few_checks():
    ladder = svgmin.GRIDS
    for cut in range(len(ladder) + 1):
        got, checks = svgmin.search(lambda g, cut=cut: ladder.index(g) >= cut)
        assert got == (ladder[cut] if cut < len(ladder) else None) and checks <= len(ladder)
    # every grid passes: the walk goes coarser, checking each rung once
    seen = []
    assert svgmin.search(lambda g: seen.append(g) or True)[0] == ladder[0] and len(seen) == len(set(seen))


def test_the_written_file_is_smaller_than_vtracers_and_looks_the_same(logos):
    for svg, size in logos:
        out = svgmin.minify(svg, 0.1)
        assert len(out) < len(svg) / 2
        assert ssim(render(svg, size), render(out, size)) > 0.995
        assert np.isfinite(ssim(render(out, size), render(out, size)))


def test_polygon_mode_is_read_as_the_same_points():
    """VTracer's polygon mode writes "x,y" pairs: read as the same points as the space-separated form."""
    poly = f'{HEAD}<path d="M0,0 L15,0 L15,9 L0,9 Z " fill="#123456" transform="translate(5,7)"/></svg>'
    spaced = poly.replace("0,0", "0 0").replace("15,0", "15 0").replace("15,9", "15 9").replace("0,9", "0 9")
    assert svgmin.minify(poly, 1) == svgmin.minify(spaced, 1)
    with pytest.raises(ValueError):
        svgmin.minify(poly.replace("L15,0", "L15,,0"), 1)  # a comma anywhere else is not the form
