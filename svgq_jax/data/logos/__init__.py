"""Deterministic procedural logo generator.

Draws 256x256 RGB logos on white that resemble real brand marks (flat single-colour
silhouettes), flat multi-colour icons and emoji (shading, outlines, many colours).

How it works: every logo is drawn with ImageDraw on a supersampled white design canvas
(`paint.DESIGN_SIZE` px, shapes defined in unit coordinates and mapped through a frame), then
its ink bounding box is cropped and box-filtered down into the 256 canvas with a random
margin (`fit`). The box filter averages pixel coverage, which is how SVG rasterisers
anti-alias (no Lanczos ringing: real logos have no over/undershoot colours at edges).
All randomness comes from one `np.random.default_rng(seed)`; no global state, no time.

Modules: `colours`, `geometry`, `paint` and `text` hold the shared drawing helpers; one
module per logo type (`simple_geometric`, `text_based`, `gradient`, `complex`, `abstract`)
exposes `draw(img, rng)`; `fit` is the final crop and downscale.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from . import abstract, complex, gradient, simple_geometric, text_based
from .colours import WHITE
from .fit import CANVAS, fit
from .paint import DESIGN_SIZE

__all__ = ["CANVAS", "GENERATOR_VERSION", "LOGO_TYPES", "draw_logo", "procedural_logo"]

# Bumped whenever a seed draws a different picture; datasets record it.
GENERATOR_VERSION = 2
LOGO_TYPES: tuple[str, ...] = ("simple_geometric", "text_based", "gradient", "complex", "abstract")

DRAWERS = {"simple_geometric": simple_geometric.draw, "text_based": text_based.draw, "gradient": gradient.draw,
           "complex": complex.draw, "abstract": abstract.draw}

# Share of full-bleed marks per type. Every simple-icons mark touches the canvas edges,
# and ink on the border changes how VTracer fits paths a great deal; flat icon sets and
# emoji sit in a small margin instead.
BLEED = {"simple_geometric": .85, "text_based": .85, "gradient": .25, "complex": .15, "abstract": .5}


def draw_logo(logo_type: str, seed) -> Image.Image:
    """256x256 RGB image on white of the given type, a pure function of (logo_type, seed).

    `seed` is anything np.random.default_rng accepts (int or sequence of ints)."""
    if logo_type not in DRAWERS:
        raise ValueError(f"unknown logo_type {logo_type!r}; valid types: {', '.join(LOGO_TYPES)}")
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (DESIGN_SIZE, DESIGN_SIZE), WHITE)
    DRAWERS[logo_type](img, rng)
    return fit(img, rng, BLEED[logo_type])


def procedural_logo(index: int, seed: int) -> tuple[str, Image.Image]:
    """Logo number `index` of the procedural set with global `seed`: type LOGO_TYPES[index % 5],
    drawn with seed [seed, index]."""
    kind = LOGO_TYPES[index % len(LOGO_TYPES)]
    return kind, draw_logo(kind, [seed, index])
