"""A minifier for VTracer's SVG output (and the project's `sized()` rewrite of it), written on a pixel grid.

    minify(svg_text, grid=1.0, *, lossy=True, digits=0, **options) -> str
    GRIDS = (4, 2.5, 1.6, 1, 0.625, 0.4, 0.25, 0.1, 0.01)   # coarse to fine, in traced pixels
    START = 1.0
    search(passes, grids=GRIDS, start=START) -> (grid or None, calls)

It reads exactly VTracer's grammar

    <?xml version="1.0" encoding="UTF-8"?>
    <!-- Generator: visioncortex VTracer 0.6.12 -->
    <svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="W" height="H"[ viewBox="a b c d"]>
    <path d="M0 0 C... L... Z M... Z " fill="#RRGGBB"[ transform="translate(x,y)"]/>
    ...
    </svg>

and rounds every absolute coordinate (path number + translate) half up to a multiple n*q of the grid step q
(user units of the input = pixels of the traced image), exactly: numbers are carried as integers in units of
1e-9 (the grammar bounds them to 6 integer digits and 9 decimals) and the translate's finer digits are kept as
an exact remainder (`_rounded`). The file holds the integers n themselves (`digits=0`) under
viewBox = (input viewBox) / q, so `12.3` at q = 0.1 is written `123` and `-.5` at q = 0.5 is `-1`; width and
height are unchanged, so the picture's size and scale are too. q must be 2**a * 5**b (then every viewBox
number stays an exact decimal); a float grid is read through its repr (0.1 is 1/10). `digits=k` writes n / 10**k
instead (viewBox / (q * 10**k)): q = 10**-p with digits=p, lossy=False and merge=False is the first version's
`minify(svg, p)` (decimal precision p), byte for byte.

Why integers: at grid 1/10 they are 0.858x (native) / 0.887x (256 px thumbs) the bytes of one-decimal writing
(median), since the dot costs more than the separators it saved (`.5.5`). Why a grid, not decimals: q can take
steps between the decimal precisions. The ladder GRIDS has a ratio of about 1.6 between rungs; walking it
(`search`) picks a median 0.727x (native) / 0.699x (thumbs) of SVGO's bytes at the grid it picks, where the
decimal grids alone (1, 0.1, 0.01) give 0.793x / 0.867x.

Before rounding, a cubic whose control points lie within `input_lines_tol` (1e-6) of its chord, between its
ends, is the line it is (VTracer writes straight segments as cubics with controls at 0.33 and 0.66 of the
chord, ~1e-8 off the line). After rounding, the writer is exact for a fill-only, nonzero picture: relative or
absolute per command (the shorter), implicit repeated commands, h/v, s/S and t/T when the first control point
is the reflection of the previous one, exponent forms (1e3), no separator before '-'; a cubic whose rounded
points are collinear (controls inside) is a line; zero-length segments, flat subpaths and empty paths go;
collinear lines in one direction join; 'z' goes (the fill closes every subpath) and a closed subpath starts
after one of its lines, which becomes the implicit close; fill="#000000" goes; colours are #abc or a name.

`lossy=True` (the default) adds rewrites whose tolerances are counted in grid steps, because every file the
product writes is rendered and scored anyway (SSIM at least SSIM(raw) - 0.002), so a rewrite that costs too
much only sends the search to a finer grid. Measured on 120 native logos (384-1024 px) and 259 at 256 px,
each the grid the walk picks, median ours / SVGO 4.1 at its coarsest passing floatPrecision (RESULTS.md):
  - lossy_lines=2: a cubic whose controls lie within 2 q of its chord (between its ends) is a line, like SVGO's
    straightCurves (which uses 1 q). 1 q: 0.763 / 0.727; 2 q: 0.742 / 0.711; 3 q: 0.719 / 0.713 but the
    thumbs' walk takes more checks (2.94 vs 2.61) (all with quads 4 q, join 1 q, merging).
  - lossy_q=6: a cubic whose two quadratic control-point estimates (3 C1 - P0) / 2 and (3 C2 - P3) / 2 agree
    within 6 q on each axis is the quadratic through their mean, like SVGO's convertToQ (4 q). 2 q: 0.780 /
    0.735; 4 q: 0.742 / 0.711; 6 q: 0.727 / 0.699 (the default). Lines 3 q + quads 8 q reach 0.696 / 0.692
    but are at least SVGO's bytes on fewer thumbs (84.9% against 92.3%).
  - lossy_join=1: consecutive lines join while every vertex they drop lies within 1 q of the joined chord and
    projects inside it (all dropped vertices of the run are checked, at most JOIN_RUN, so errors do not add up).
    Off: 0.900 / 0.803; 0.5 q: 0.798 / 0.740; 1 q: 0.742 / 0.711; 1.5 q: 0.719 / 0.721; 2 q: 0.719 / 0.728.
    It is the biggest single rewrite: VTracer leaves pixel staircases as runs of short lines.
  - lossy_s (off): s/S and t/T when the first control point is within lossy_s q of the reflection: 1 q moved
    the medians by under 0.3%.
  - Every rewrite moves control points or drops vertices only: each segment end that remains is a rounded input
    point.

`merge=True` (not lossy; on with lossy=False too): a path joins an earlier element of its fill when it is
strictly apart (control-point boxes apart, else convex hulls separated by an edge of one) from every path of
that element and from every path painted in between, looking back over `merge_back=8` elements; so the union's
nonzero fill is the union of the fills and no paint order that matters changes. SVGO's mergePaths only joins
consecutive paths (merge_back=0: the same bytes at the median, up to 13% more on some logos). Off: 4.9%
(native) / 1.7% (thumbs) more bytes at the median. The geometry is unchanged, yet resvg antialiases a merged
element's edges slightly differently (SSIM at least 0.999 against the unmerged render on the test logos).

The search: pass/fail along GRIDS is not monotone (69 of 379 logos; 153 on an 18-rung ladder), because
rounding to a coarser grid sometimes lands vertices better. `search` walks from START: coarser while rungs
pass, finer while they fail; 2.50 renders per native logo on average (max 4), 2.66 per thumb (max 5), and its
pick differs from the coarsest passing rung on 14 of 379 logos. A perfect predictor of the pick as START
would make it 2.

Work and memory are linear in the input. Inputs over MAX_CHARS characters, MAX_NUMBERS numbers or MAX_PATHS
paths are refused; merging stops after MERGE_BUDGET box and hull-point tests (a million real numbers take
1.3-3.1 s, 100k paths of one fill 2.9 s). Anything that is not this grammar, a bad grid or a bad option raises
ValueError, and nothing else is raised for any string.
"""

from __future__ import annotations

from fractions import Fraction

from svgq_jax.core.svgmin.merging import merge
from svgq_jax.core.svgmin.numbers import Numbers, decimal, prefill
from svgq_jax.core.svgmin.reading import MAX_CHARS, MAX_NUMBERS, MAX_PATHS, SVG_NS, grid_step, parse, rounded
from svgq_jax.core.svgmin.shapes import quads_at, straight_input, subpaths
from svgq_jax.core.svgmin.writing import emit

MAX_DIGITS = 9


LOSSY = dict(lossy_lines=2, lossy_q=6, lossy_s=None, lossy_join=1)


LOSSLESS = dict(lossy_lines=None, lossy_q=None, lossy_s=None, lossy_join=None)


DEFAULTS = dict(
    input_lines_tol=1e-6,
    **LOSSY,
    merge=True,
    merge_back=8,
    drop_z=True,
    rotate=True,
    degenerate=True,
    straight=True,
    absolute=True,
    hv=True,
    smooth=True,
    names=True,
    drop_black=True,
)


def minify(svg_text: str, grid: float = 1.0, *, lossy: bool = True, digits: int = 0, **options) -> str:
    """VTracer's SVG text -> minified SVG text with every absolute coordinate rounded half up to a multiple
    of `grid` (user units of the input, i.e. traced pixels) and written as the integer multiple n / 10**digits
    under a viewBox scaled by 1 / (grid * 10**digits). `lossy` turns on the grid-tied tolerance rewrites.

    ValueError for anything that is not VTracer's grammar, over the size limits, or a bad grid/option."""
    q = grid_step(grid)
    opt = _options(lossy, digits, options)
    p = parse(svg_text)
    values = rounded(p, q)
    parts = [_head(p.attrs, q * 10**digits)]
    fmt = Numbers(digits)
    prefill(fmt, values, "".join(p.letters).replace("Z", ""))
    geoms = _geometry(p, values.tolist(), float(q), opt)
    if opt["merge"]:
        merge(geoms, fmt, opt, parts)
    else:
        for g in geoms:
            emit([g], fmt, opt, parts)
    parts.append("</svg>")
    return "".join(parts)


def _options(lossy: bool, digits: int, options: dict) -> dict:
    """The options in force, checked (ValueError names the bad one)."""
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be an int in [0, {MAX_DIGITS}], got {digits!r}")
    if not isinstance(lossy, bool):
        raise ValueError(f"lossy must be a bool, got {type(lossy).__name__}")
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}")
    opt = {**DEFAULTS, **(LOSSY if lossy else LOSSLESS), **options}
    for key in ("lossy_lines", "lossy_q", "lossy_s", "lossy_join"):
        v = opt[key]
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100):
            raise ValueError(f"{key} must be None or a number of grid steps in [0, 100], got {v!r}")
    if not isinstance(opt["merge"], bool):
        raise ValueError(f"merge must be a bool, got {opt['merge']!r}")
    mb = opt["merge_back"]
    if isinstance(mb, bool) or not isinstance(mb, int) or not 0 <= mb <= 1000:
        raise ValueError(f"merge_back must be an int in [0, 1000], got {mb!r}")
    return opt


def _head(a: dict, scale: Fraction) -> str:
    """The <svg> start tag: the input's width and height, its viewBox in written units (`scale` input units each)."""
    w, h = Fraction(a["width"]), Fraction(a["height"])
    vb = [Fraction(v) for v in a["viewBox"].split()] if "viewBox" in a else [Fraction(0), Fraction(0), w, h]
    head = f'<svg xmlns="{SVG_NS}" width="{a["width"]}" height="{a["height"]}"'
    if "viewBox" in a or scale != 1:
        head += ' viewBox="' + " ".join(decimal(v / scale) for v in vb) + '"'
    return head + ">"


def _geometry(p, r: list[int], qf: float, opt: dict) -> list[tuple[str, list]]:
    """Each path's fill and simplified subpaths (paths left empty go)."""
    tol = opt["input_lines_tol"]
    if opt["lossy_lines"]:  # like SVGO's straightCurves: controls within lossy_lines grid steps of the chord
        tol = max(tol or 0.0, float(opt["lossy_lines"]) * qf)
    lines_at = straight_input(p, tol) if tol is not None else frozenset()
    # like SVGO's convertToQ: see shapes.quads_at
    quads = quads_at(p, float(opt["lossy_q"]) * qf, qf, lines_at) if opt["lossy_q"] else None
    geoms, k = [], 0  # (fill, subpaths)
    for lets, fill in zip(p.letters, p.fills):
        subs = subpaths(lets, r, k, opt, lines_at, quads)
        if subs:
            geoms.append((fill, subs))
        k += 2 * (lets.count("M") + lets.count("L")) + 6 * lets.count("C")
    return geoms


# The grid ladder, coarse to fine, in pixels of the traced image (every rung 2**a * 5**b, so the viewBox stays an
# exact decimal), and the rung the walk starts at.
GRIDS: tuple[float, ...] = (4.0, 2.5, 1.6, 1.0, 0.625, 0.4, 0.25, 0.1, 0.01)


START = 1.0


def search(passes, grids=GRIDS, start=START) -> tuple[float | None, int]:
    """The walk over the ladder that finds a passing grid in few checks: test `start`; while it passes, go one
    rung coarser until a rung fails (keep the last that passed); if it fails, go finer until one passes.
    `passes(grid) -> bool` is the caller's render check (e.g. SSIM of the written file >= SSIM(raw) - 0.002).
    Returns (the grid picked, or None when no rung passes, and the number of calls to `passes`)."""
    grids = tuple(grids)
    i = grids.index(start)
    calls = 1
    if passes(grids[i]):
        while i > 0:
            calls += 1
            if not passes(grids[i - 1]):
                break
            i -= 1
        return grids[i], calls
    while i + 1 < len(grids):
        i += 1
        calls += 1
        if passes(grids[i]):
            return grids[i], calls
    return None, calls


__all__ = ["DEFAULTS", "GRIDS", "MAX_CHARS", "MAX_NUMBERS", "MAX_PATHS", "START", "minify", "search"]
