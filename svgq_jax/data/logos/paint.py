"""Painting shapes onto the design canvas: the canvas size and default frame, mapping unit
coordinates to design pixels, flat and translucent fills, outlines, clipping, and
gradient paints.

A paint is either an RGB tuple (flat colour) or a gradient: a function box -> RGBA image
of the box's size (see `gradient_paint`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from .geometry import TAU, rotate, stroke

DESIGN_SIZE = 768                    # supersampled design canvas (>= 2.4x the output size)
DESIGN_CENTRE = DESIGN_SIZE / 2
UNIT = 300.0                         # unit length in design pixels; shapes live roughly in [-1, 1]


class Frame(NamedTuple):
    """Where unit coordinates land on the canvas: origin (x, y), unit length in px, rotation."""
    x: float
    y: float
    unit: float
    rotation: float


DEFAULT_FRAME = Frame(DESIGN_CENTRE, DESIGN_CENTRE, UNIT, 0.0)


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


def apply_paint(img, draw_geometry, paint, alpha=1.0, direct_ok=True):
    """Paint geometry drawn by draw_geometry(draw, on, off) with a flat colour or a gradient.

    Opaque flat fills are drawn straight onto the canvas (fast); holes, translucency and
    gradients go through an L mask cropped to the ink box."""
    if isinstance(paint, tuple) and alpha >= 1 and direct_ok:
        draw_geometry(ImageDraw.Draw(img), paint, None)
        return
    m = Image.new("L", img.size, 0)
    draw_geometry(ImageDraw.Draw(m), int(round(255 * alpha)), 0)
    box = m.getbbox()
    if box is None:
        return
    m = m.crop(box)
    if callable(paint):
        src = paint(box)
        m = ImageChops.multiply(m, src.getchannel("A"))
        img.paste(src.convert("RGB"), box[:2], m)
    else:
        img.paste(paint, box, m)


def put(img, shape, paint, x=0., y=0., s=1., rot=0., alpha=1., frame=DEFAULT_FRAME):
    """Fill a shape, scaled by s, rotated by rot and centred on (x, y) in the frame's units."""
    apply_paint(img, lambda d, on, off: render(d, shape, on, off, x, y, s, rot, frame),
                paint, alpha, all(e[1] for e in shape))


def outline(img, shape, color, w, x=0., y=0., s=1., rot=0., alpha=1., frame=DEFAULT_FRAME):
    """Stroke every polygon of a shape (outline-style icons, emoji contours)."""
    lines = [stroke(p, w / max(s, 1e-6), closed=(k != "l")) for k, _, p, _ in shape]
    put(img, lines, color, x, y, s, rot, alpha, frame)


def put_clipped(img, shape, clip, paint):
    """Paint `shape` only where `clip` is (intersection of two masks)."""
    m1, m2 = Image.new("L", img.size, 0), Image.new("L", img.size, 0)
    render(ImageDraw.Draw(m1), shape, 255, 0, 0, 0, 1, 0, DEFAULT_FRAME)
    render(ImageDraw.Draw(m2), clip, 255, 0, 0, 0, 1, 0, DEFAULT_FRAME)
    m = ImageChops.multiply(m1, m2)
    box = m.getbbox()
    if box:
        img.paste(paint, box, m.crop(box))


def gradient_paint(stops, kind="linear", angle=0., center=(.5, .5), radius=.7):
    """Gradient paint: returns box -> RGBA image. Computed on a coarse grid and upsampled
    bilinearly (gradients are smooth, so this is exact enough and ~30x cheaper)."""
    ts = [t for t, _ in stops]
    cols = np.array([tuple(c) + (255,) * (4 - len(c)) for _, c in stops], float)

    def paint(box):
        w, h = box[2] - box[0], box[3] - box[1]
        gw, gh = max(2, -(-w // 6)), max(2, -(-h // 6))
        yy, xx = np.mgrid[0:gh, 0:gw]
        u, v = (xx + .5) / gw * w, (yy + .5) / gh * h
        if kind == "linear":
            ca, sa = np.cos(angle), np.sin(angle)
            ext = abs(w * ca) + abs(h * sa) + 1e-9
            t = ((u - w / 2) * ca + (v - h / 2) * sa) / ext + .5
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
    kind = kind or str(rng.choice(["linear", "radial", "conic"], p=[.6, .3, .1]))
    if kind == "conic":
        return gradient_paint([(0, c0), (.5, c1), (1, c0)], "conic", rng.random())
    if kind == "radial":
        return gradient_paint([(0, c0), (1, c1)], "radial", center=(rng.uniform(.25, .6), rng.uniform(.2, .5)),
                              radius=rng.uniform(.55, .9))
    return gradient_paint([(0, c0), (1, c1)], "linear", rng.uniform(0, TAU))
