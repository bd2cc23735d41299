"""Deterministic procedural logo generator.

Draws 256x256 RGB logos on white that resemble real brand marks (flat single-colour
silhouettes), flat multi-colour icons and emoji (shading, outlines, many colours), and the
same pictures at a native size with a transparent background (`draw_source`).

How it works: every logo is drawn with ImageDraw on a supersampled design canvas
(`paint.Canvas`, 768 px by default, shapes defined in unit coordinates and mapped through
a frame), then its ink bounding box is cropped and box-filtered down into the 256 canvas
with a random margin (`fit`). The box filter averages pixel coverage, which is how SVG
rasterisers anti-alias (no Lanczos ringing: real logos have no over/undershoot colours at
edges). All randomness comes from one `np.random.default_rng(seed)`; no global state, no
time.

Modules: `colours`, `geometry`, `paint` and `text` hold the shared drawing helpers; one
module per logo type (`simple_geometric`, `text_based`, `gradient`, `complex`, `abstract`)
exposes `draw(canvas, rng)`; `fit` is the final crop and downscale, and the transparency
derived from a pass on white and a pass on black.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from . import abstract, complex, gradient, simple_geometric, text_based
from .colours import WHITE
from .fit import BLACK, CANVAS, fit, fit_native, ink_box, margin, straight_alpha, union_box
from .paint import DESIGN_SIZE, Canvas

__all__ = [
    "CANVAS",
    "GENERATOR_VERSION",
    "LOGO_TYPES",
    "draw_logo",
    "draw_source",
    "knocks_out",
    "procedural_logo",
    "source_passes",
]

# Bumped whenever a seed draws a different picture; datasets record it.
GENERATOR_VERSION = 2
LOGO_TYPES: tuple[str, ...] = ("simple_geometric", "text_based", "gradient", "complex", "abstract")

DRAWERS = {
    "simple_geometric": simple_geometric.draw,
    "text_based": text_based.draw,
    "gradient": gradient.draw,
    "complex": complex.draw,
    "abstract": abstract.draw,
}

# Share of full-bleed marks per type. Every simple-icons mark touches the canvas edges,
# and ink on the border changes how VTracer fits paths a great deal; flat icon sets and
# emoji sit in a small margin instead.
BLEED = {"simple_geometric": 0.85, "text_based": 0.85, "gradient": 0.25, "complex": 0.15, "abstract": 0.5}

# draw_source's output sizes: the design canvas is 3x the long side (as 768 -> 256), so
# 2048 px already draws on a 6144 px canvas (113 MB per pass).
MIN_LONG_SIDE, MAX_LONG_SIDE = 32, 2048

# Appended to the seed for the stream that decides knock-outs, so that the picture's own
# stream (and therefore the picture) stays the one draw_logo draws.
_KNOCKOUT_STREAM = 0x4B4F


def _check_type(logo_type: str) -> None:
    if logo_type not in DRAWERS:
        raise ValueError(f"unknown logo_type {logo_type!r}; valid types: {', '.join(LOGO_TYPES)}")


def draw_logo(logo_type: str, seed) -> Image.Image:
    """256x256 RGB image on white of the given type, a pure function of (logo_type, seed).

    `seed` is anything np.random.default_rng accepts (int or sequence of ints)."""
    _check_type(logo_type)
    rng = np.random.default_rng(seed)
    canvas = Canvas.new()
    DRAWERS[logo_type](canvas, rng)
    return fit(canvas.image, rng, BLEED[logo_type])


def knocks_out(seed) -> bool:
    """Whether `draw_source` makes the logo's cut-outs transparent holes (about half of the
    seeds) rather than opaque white shapes. Drawn from its own stream of the seed."""
    stream = [*np.atleast_1d(seed).tolist(), _KNOCKOUT_STREAM]
    return bool(np.random.default_rng(stream).random() < 0.5)


def _draw_on_white(logo_type: str, seed, long_side: int):
    """The design canvas of draw_source's size drawn on white, and the margin of its fit."""
    _check_type(logo_type)
    if not (isinstance(long_side, (int, np.integer)) and MIN_LONG_SIDE <= long_side <= MAX_LONG_SIDE):
        raise ValueError(f"long_side must be an integer in {MIN_LONG_SIDE}..{MAX_LONG_SIDE}, got {long_side!r}")
    rng = np.random.default_rng(seed)
    on_white = Canvas.new(int(round(DESIGN_SIZE * long_side / CANVAS)))
    DRAWERS[logo_type](on_white, rng)
    return on_white, margin(rng, BLEED[logo_type])  # the margin draw_logo's fit draws next from the stream


def source_passes(logo_type: str, seed, long_side: int, knockout: bool | None = None):
    """The two pictures `draw_source` derives a transparent logo from: drawn on white and on
    black with the same rng stream (the same geometry), box-filtered to the output size as
    float32 (H, W, 3) arrays. Cut-outs knock out to the background on the black pass when
    `knockout` (default: `knocks_out(seed)`), else they stay white over the ink."""
    on_white, m = _draw_on_white(logo_type, seed, long_side)
    knockout = knocks_out(seed) if knockout is None else knockout
    on_black = Canvas.new(on_white.size, background=BLACK, knockout=knockout, track_coverage=True)
    DRAWERS[logo_type](on_black, np.random.default_rng(seed))
    # The box of all ink: black ink shows on white only, white ink (cut-outs over the mark) on black only.
    box = union_box(ink_box(on_white.image), ink_box(on_black.image, BLACK))
    return tuple(fit_native([(on_white.image, WHITE), (on_black.image, BLACK)], box, m, int(long_side), True))


def draw_source(
    logo_type: str, seed, long_side: int, transparent: bool = True, *, knockout: bool | None = None
) -> Image.Image:
    """The picture `draw_logo(logo_type, seed)` composes, at a native size: a user's logo file.

    The design canvas is scaled so the supersampling matches draw_logo's (768 -> 256), and
    the output is the ink box plus draw_logo's margin (scaled), not a square: its long side
    is `long_side` (MIN_LONG_SIDE..MAX_LONG_SIDE), so a wordmark comes out wide. There is no
    off-centre placement.

    transparent=False gives RGB on white. transparent=True gives RGBA with straight alpha
    (anti-aliased edges, translucent fills) from a pass on white and one on black
    (`source_passes`, `fit.straight_alpha`); composited on white it is the RGB picture.
    Cut-outs (holes, knock-out letters and symbols, slashes) are then transparent holes when
    `knockout` is true, opaque white when false, and by default half and half by seed
    (`knocks_out`)."""
    if not transparent:
        on_white, m = _draw_on_white(logo_type, seed, long_side)
        return fit_native([(on_white.image, WHITE)], ink_box(on_white.image), m, int(long_side))[0]
    return straight_alpha(*source_passes(logo_type, seed, long_side, knockout))


def procedural_logo(index: int, seed: int) -> tuple[str, Image.Image]:
    """Logo number `index` of the procedural set with global `seed`: type LOGO_TYPES[index % 5],
    drawn with seed [seed, index]."""
    kind = LOGO_TYPES[index % len(LOGO_TYPES)]
    return kind, draw_logo(kind, [seed, index])
