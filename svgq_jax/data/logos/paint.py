"""Painting shapes onto the design canvas: the `Canvas` (image, size, unit length, default
frame, paper colour), mapping unit coordinates to design pixels, flat and translucent
fills, outlines, clipping, and gradient paints.

A paint is either an RGB tuple (flat colour; a `Paper` tuple marks cut-outs) or a
gradient: a function (box, scale) -> RGBA image of the box's size (see `gradient_paint`).

Every length is derived from the canvas size: `DESIGN_SIZE` and `UNIT` are the default
canvas (the one `draw_logo` draws on), and a canvas of another size scales all of its
geometry by `Canvas.scale` = size / DESIGN_SIZE, which is exactly 1.0 at the default so
the default pictures keep their exact pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from .colours import WHITE
from .geometry import TAU, rotate, stroke

DESIGN_SIZE = 768  # default supersampled design canvas (>= 2.4x the output size)
UNIT = 300.0  # its unit length in design pixels; shapes live roughly in [-1, 1]


class Frame(NamedTuple):
    """Where unit coordinates land on the canvas: origin (x, y), unit length in px, rotation."""

    x: float
    y: float
    unit: float
    rotation: float


class Paper(tuple):
    """An RGB colour that marks the paint of a cut-out (hole, knock-out text or symbol, slash)."""


@dataclass
class Canvas:
    """A square design canvas: the RGB image drawn on and the geometry derived from its size.

    Cut-outs (holes, knock-out text and symbols, slashes) are painted with `paper`: white,
    or with `knockout` the background colour, so that on the black pass of a transparent
    logo they become holes (see `draw_source`).

    `coverage`, when given (an L image of the canvas's size, 0 = nothing drawn), tracks how
    much ink covers each pixel: ink adds to it, knock-outs erase it, and white cut-outs and
    glosses (`on_ink_only` paints) are painted only over that ink, in proportion to it. On a
    white canvas the parts of those shapes that overhang the mark (slashes, wedges, gaps
    between cards, highlights) vanish into the paper; on a transparent background they must
    not add ink of their own."""

    image: Image.Image
    paper: tuple = WHITE
    knockout: bool = False  # paper is the background colour: cut-outs erase ink
    coverage: Image.Image | None = None
    size: int = field(init=False)  # side in design pixels
    scale: float = field(init=False)  # size / DESIGN_SIZE: exactly 1.0 on the default canvas
    unit: float = field(init=False)  # unit length in design pixels
    centre: float = field(init=False)
    frame: Frame = field(init=False)  # default frame: unit coordinates centred on the canvas

    def __post_init__(self):
        if self.image.width != self.image.height:
            raise ValueError(f"the design canvas is square, got {self.image.size}")
        self.paper = Paper(self.paper)
        self.size = self.image.width
        self.scale = self.size / DESIGN_SIZE
        self.unit = UNIT * self.scale
        self.centre = self.size / 2
        self.frame = Frame(self.centre, self.centre, self.unit, 0.0)

    @classmethod
    def new(cls, size: int = DESIGN_SIZE, background=WHITE, knockout=False, track_coverage=False) -> Canvas:
        """A blank canvas of `background`; cut-outs knock out to the background or stay white."""
        coverage = Image.new("L", (size, size), 0) if track_coverage else None
        return cls(Image.new("RGB", (size, size), background), background if knockout else WHITE, knockout, coverage)

    def px(self, length: float) -> float:
        """A length given in design pixels of the default canvas, on this canvas."""
        return length * self.scale


def to_pixels(pts, x, y, s, rot, frame):
    """Unit-coordinate points, scaled by s, rotated by rot and moved to (x, y), in canvas pixels."""
    p = rotate(pts, rot) * s + (x, y)
    return rotate(p, frame.rotation) * frame.unit + (frame.x, frame.y)


def render(d, shape, on, off, x, y, s, rot, frame):
    """Draw a shape's elements with ImageDraw `d`: fill value `on`, holes `off`."""
    for kind, sign, pts, w in shape:
        xy = to_pixels(pts, x, y, s, rot, frame)
        fill = on if sign else off
        if kind == "p":
            d.polygon(xy.ravel().tolist(), fill=fill)
            continue
        wpx = max(1, int(round(w * s * frame.unit)))
        if kind == "c":
            xy = np.vstack([xy, xy[:2]])  # overlap the seam so the joint is drawn
        d.line(xy.ravel().tolist(), fill=fill, width=wpx, joint="curve")
        if kind == "l":  # round caps
            for cx, cy in (xy[0], xy[-1]):
                d.ellipse((cx - wpx / 2, cy - wpx / 2, cx + wpx / 2, cy + wpx / 2), fill=fill)


def apply_paint(canvas, draw_geometry, paint, alpha=1.0, direct_ok=True, on_ink_only=False):
    """Paint geometry drawn by draw_geometry(draw, on, off) with a flat colour or a gradient.

    Opaque flat fills are drawn straight onto the canvas (fast); holes, translucency and
    gradients go through an L mask cropped to the ink box. On a canvas that tracks coverage,
    `on_ink_only` paints and white cut-outs go only over the ink already drawn."""
    img, coverage = canvas.image, canvas.coverage
    is_paper = isinstance(paint, Paper)
    on_ink = coverage is not None and (on_ink_only or (is_paper and not canvas.knockout))
    ink_value = 0 if is_paper else 255  # knock-outs erase coverage, ink adds to it
    if isinstance(paint, tuple) and alpha >= 1 and direct_ok and not on_ink:
        draw_geometry(ImageDraw.Draw(img), paint, None)
        if coverage is not None:
            draw_geometry(ImageDraw.Draw(coverage), ink_value, None)
        return
    m = Image.new("L", img.size, 0)
    draw_geometry(ImageDraw.Draw(m), int(round(255 * alpha)), 0)
    box = m.getbbox()
    if box is None:
        return
    m = m.crop(box)
    if on_ink:
        m = ImageChops.multiply(m, coverage.crop(box))
    if callable(paint):
        src = paint(box, canvas.scale)
        m = ImageChops.multiply(m, src.getchannel("A"))
        img.paste(src.convert("RGB"), box[:2], m)
    else:
        img.paste(paint, box, m)
    if coverage is not None and not on_ink:
        coverage.paste(ink_value, box, m)


def put(canvas, shape, paint, x=0.0, y=0.0, s=1.0, rot=0.0, alpha=1.0, frame=None, on_ink_only=False):
    """Fill a shape, scaled by s, rotated by rot and centred on (x, y) in the frame's units
    (the canvas's default frame unless given)."""
    frame = canvas.frame if frame is None else frame
    apply_paint(
        canvas,
        lambda d, on, off: render(d, shape, on, off, x, y, s, rot, frame),
        paint,
        alpha,
        all(e[1] for e in shape),
        on_ink_only,
    )


def outline(canvas, shape, color, w, x=0.0, y=0.0, s=1.0, rot=0.0, alpha=1.0, frame=None):
    """Stroke every polygon of a shape (outline-style icons, emoji contours)."""
    lines = [stroke(p, w / max(s, 1e-6), closed=(k != "l")) for k, _, p, _ in shape]
    put(canvas, lines, color, x, y, s, rot, alpha, frame)


def put_clipped(canvas, shape, clip, paint):
    """Paint `shape` only where `clip` is (intersection of two masks)."""
    img = canvas.image
    m1, m2 = Image.new("L", img.size, 0), Image.new("L", img.size, 0)
    render(ImageDraw.Draw(m1), shape, 255, 0, 0, 0, 1, 0, canvas.frame)
    render(ImageDraw.Draw(m2), clip, 255, 0, 0, 0, 1, 0, canvas.frame)
    m = ImageChops.multiply(m1, m2)
    box = m.getbbox()
    if box:
        img.paste(paint, box, m.crop(box))
        if canvas.coverage is not None:
            canvas.coverage.paste(255, box, m.crop(box))


def gradient_paint(stops, kind="linear", angle=0.0, center=(0.5, 0.5), radius=0.7):
    """Gradient paint: returns (box, canvas scale) -> RGBA image. Computed on a coarse grid
    (cells of 6 design px on the default canvas) and upsampled bilinearly (gradients are
    smooth, so this is exact enough and ~30x cheaper)."""
    ts = [t for t, _ in stops]
    cols = np.array([tuple(c) + (255,) * (4 - len(c)) for _, c in stops], float)

    def paint(box, scale=1.0):
        w, h = box[2] - box[0], box[3] - box[1]
        cell = max(1, round(6 * scale))
        gw, gh = max(2, -(-w // cell)), max(2, -(-h // cell))
        yy, xx = np.mgrid[0:gh, 0:gw]
        u, v = (xx + 0.5) / gw * w, (yy + 0.5) / gh * h
        if kind == "linear":
            ca, sa = np.cos(angle), np.sin(angle)
            ext = abs(w * ca) + abs(h * sa) + 1e-9
            t = ((u - w / 2) * ca + (v - h / 2) * sa) / ext + 0.5
        elif kind == "radial":
            t = np.hypot(u - center[0] * w, v - center[1] * h) / (radius * max(w, h))
        else:  # conic sweep
            t = (np.arctan2(v - center[1] * h, u - center[0] * w) / TAU + angle) % 1.0
        rgba = np.stack([np.interp(t, ts, cols[:, k]) for k in range(4)], -1)
        im = Image.fromarray(np.round(rgba).astype(np.uint8), "RGBA")
        return im.resize((w, h), Image.BILINEAR)

    return paint


def random_gradient(rng, c0, c1, kind=None):
    """A random linear, radial or conic gradient paint from c0 to c1."""
    kind = kind or str(rng.choice(["linear", "radial", "conic"], p=[0.6, 0.3, 0.1]))
    if kind == "conic":
        return gradient_paint([(0, c0), (0.5, c1), (1, c0)], "conic", rng.random())
    if kind == "radial":
        return gradient_paint(
            [(0, c0), (1, c1)],
            "radial",
            center=(rng.uniform(0.25, 0.6), rng.uniform(0.2, 0.5)),
            radius=rng.uniform(0.55, 0.9),
        )
    return gradient_paint([(0, c0), (1, c1)], "linear", rng.uniform(0, TAU))
