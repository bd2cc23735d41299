"""simple_geometric logos: flat geometric marks (silhouettes with cut-outs, badges, outlines,
rosettes, grids, concentric arcs, stacks) and single-colour brand marks (bands and frames,
filled tiles, discs, stacked cards) drawn to fill the canvas.

Every white shape here is a cut-out, painted with the canvas's paper."""

from __future__ import annotations

import numpy as np

from .colours import DARK_INK, palette
from .geometry import CONTAINERS, SOLIDS, SYMBOLS, TAU, arc_band, ellipse, named_shape, polygon, rounded_rect, stroke
from .paint import outline, put
from .text import font_for, put_text, random_font, random_initials


def _silhouette(canvas, rng, pal):
    name = str(rng.choice(SOLIDS))
    rot = rng.choice([0.0, 0.0, rng.uniform(-0.6, 0.6), np.pi / 4])
    put(canvas, named_shape(rng, name), pal[0], rot=rot)
    if rng.random() < 0.5:  # negative-space cut-out, the classic brand-mark trick
        sym = str(rng.choice(SYMBOLS))
        put(
            canvas,
            named_shape(rng, sym),
            canvas.paper,
            rng.uniform(-0.15, 0.15),
            rng.uniform(-0.1, 0.15),
            rng.uniform(0.3, 0.5),
            rot=rng.choice([0.0, rng.uniform(-0.5, 0.5)]),
        )
    elif rng.random() < 0.3:  # white slashes cut through the mark
        k, w, a = int(rng.integers(1, 4)), rng.uniform(0.06, 0.14), rng.uniform(-0.8, 0.8)
        for i in range(k):
            put(canvas, [stroke([(-1.3, 0), (1.3, 0)], w)], canvas.paper, 0, (i - (k - 1) / 2) * 3 * w, rot=a)
    elif rng.random() < 0.4:  # a satellite dot or second mass
        a = rng.uniform(0, TAU)
        put(
            canvas,
            [polygon(ellipse())],
            pal[int(rng.integers(0, min(2, len(pal))))],
            1.05 * np.cos(a),
            1.05 * np.sin(a),
            rng.uniform(0.12, 0.3),
        )


def _badge(canvas, rng, pal):
    cont = str(rng.choice(CONTAINERS))
    sym = str(rng.choice(SYMBOLS))
    fg = canvas.paper if rng.random() < 0.7 else pal[1]
    if rng.random() < 0.25:  # outlined container, coloured symbol
        outline(canvas, named_shape(rng, cont), pal[0], rng.uniform(0.07, 0.16))
        fg = pal[int(rng.integers(0, 2))]
    else:
        put(canvas, named_shape(rng, cont), pal[0])
    put(
        canvas,
        named_shape(rng, sym),
        fg,
        0,
        0,
        rng.uniform(0.42, 0.6),
        rot=rng.choice([0.0, 0.0, rng.uniform(-0.4, 0.4)]),
    )


def _outlined(canvas, rng, pal):
    name = str(rng.choice(SOLIDS[:16]))
    w = rng.uniform(0.06, 0.2)
    rot = rng.choice([0.0, rng.uniform(-0.5, 0.5)])
    outline(canvas, named_shape(rng, name), pal[0], w, rot=rot)
    if rng.random() < 0.5:
        put(canvas, [polygon(ellipse())], pal[int(rng.integers(0, len(pal)))], 0, 0, rng.uniform(0.15, 0.35))


def _rosette(canvas, rng, pal):
    k = int(rng.integers(3, 9))
    petal = str(rng.choice(["circle", "drop", "triangle", "leaf", "rrect", "diamond", "chevron"]))
    sc, dist = rng.uniform(0.3, 0.45), rng.uniform(0.45, 0.65)
    ncol = int(rng.integers(1, min(3, len(pal)) + 1))
    base = named_shape(rng, petal)
    for i in range(k):
        a = i * TAU / k
        put(canvas, base, pal[i % ncol], dist * np.cos(a - np.pi / 2), dist * np.sin(a - np.pi / 2), sc, rot=a)


def _grid(canvas, rng, pal):
    n, m = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    cell = str(rng.choice(["circle", "rrect", "diamond", "hexagon"]))
    step, keep = 2 / max(n, m), rng.uniform(0.6, 1)
    base = named_shape(rng, cell)
    for i in range(n):
        for j in range(m):
            if rng.random() < keep or (i + j == 0):
                c = pal[0] if rng.random() < 0.7 else pal[1]
                put(canvas, base, c, (j - (m - 1) / 2) * step, (i - (n - 1) / 2) * step, step * rng.uniform(0.3, 0.45))


def _concentric(canvas, rng, pal):
    k = int(rng.integers(2, 5))
    arc = rng.random() < 0.5
    for i in range(k):
        r1, r0 = 1 - i / k, 1 - (i + 0.55) / k
        a0 = rng.uniform(0, TAU) if arc else 0
        pts = arc_band(r0, r1, a0, a0 + (rng.uniform(1.2, 1.8) * np.pi if arc else TAU))
        put(canvas, [polygon(pts)], pal[i % len(pal)])


def _stack(canvas, rng, pal):
    k = int(rng.integers(2, 5))
    sh = named_shape(rng, str(rng.choice(["chevron", "diamond", "rrect", "arc"])))
    squash = rng.uniform(0.35, 0.6)
    for i in range(k):
        y = (i - (k - 1) / 2) * squash * rng.uniform(1.2, 1.6)
        c = pal[i % len(pal)] if rng.random() < 0.5 else pal[0]
        put(canvas, [(e[0], e[1], e[2] * [1, squash], e[3]) for e in sh], c, 0, y, 1.0)


# Single-colour brand marks (simple-icons style): one ink, white cut-outs, drawn to fill the
# canvas. VTracer's worst failures on real marks come from these: pure black ink at low
# colour precision, and long straight edges lying flush with the image border.


def mark_ink(rng, pal) -> tuple:
    """Ink of a one-colour mark: pure black and near-black are common among brand marks."""
    u = rng.random()
    return (0, 0, 0) if u < 0.25 else DARK_INK[rng.integers(len(DARK_INK))] if u < 0.4 else pal[0]


def _sq(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _bands(rng, kind):
    """k parallel bands of thickness t: nested L-shapes, nested square frames or left-aligned bars."""
    k, t = int(rng.integers(2, 5)), rng.uniform(0.16, 0.32)
    g = t * rng.uniform(0.4, 1.1)
    els = []
    for i in range(k):
        o = i * (t + g)
        if kind == "L" and o + t < 1.9:
            els.append(
                polygon(
                    [
                        (-1 + o, -1 + o),
                        (1, -1 + o),
                        (1, -1 + o + t),
                        (-1 + o + t, -1 + o + t),
                        (-1 + o + t, 1),
                        (-1 + o, 1),
                    ]
                )
            )
        elif kind == "frame" and o + t < 1:
            els += [
                polygon(_sq(-1 + o, -1 + o, 1 - o, 1 - o)),
                polygon(_sq(-1 + o + t, -1 + o + t, 1 - o - t, 1 - o - t), 0),
            ]
        elif kind == "bars" and o + t < 2:
            els.append(polygon(_sq(-1, -1 + o, 1 if i == 0 else rng.uniform(-0.2, 1), -1 + o + t)))
    c = k * (t + g)
    if kind == "frame" and c < 0.8 and rng.random() < 0.5:  # solid core
        els.append(polygon(_sq(-1 + c, -1 + c, 1 - c, 1 - c)))
    return els


def _stairs(rng):
    """Staircase silhouette: k square steps rising from bottom-left to top-right."""
    k = int(rng.integers(2, 5))
    st = 2 / k
    pts = [(-1, 1)]
    for i in range(k):
        pts += [(-1 + st * i, 1 - st * (i + 1)), (-1 + st * (i + 1), 1 - st * (i + 1))]
    return [polygon(pts + [(1, 1)])]


def _blocks(rng):
    """Square cells with thin gaps, some missing (pixel / tetromino marks)."""
    n = int(rng.integers(2, 4))
    st, g = 2 / n, rng.uniform(0.03, 0.12)
    keep = rng.random((n, n)) < rng.uniform(0.55, 0.9)
    keep[0, 0] = keep[-1, -1] = True  # keep the full extent
    return [
        polygon(_sq(-1 + j * st + g / 2, -1 + i * st + g / 2, -1 + (j + 1) * st - g / 2, -1 + (i + 1) * st - g / 2))
        for i in range(n)
        for j in range(n)
        if keep[i, j]
    ]


def _frames(canvas, rng, pal):
    """Bands, frames, stairs or blocks: straight edges that end up flush with the image
    border once the mark is scaled to fill the canvas (VTracer often fits them badly)."""
    kind = str(rng.choice(["L", "frame", "bars", "stairs", "blocks"]))
    els = _stairs(rng) if kind == "stairs" else _blocks(rng) if kind == "blocks" else _bands(rng, kind)
    rot = float(rng.choice([0, 0.5, 1, 1.5])) * np.pi
    put(canvas, els, mark_ink(rng, pal), rot=rot)


def _tile(canvas, rng, pal):
    """A container that fills the canvas (app square, shield, book, disc) with white
    cut-outs: a bold letter, a symbol, or a set of holes."""
    ink = mark_ink(rng, pal)
    cont = str(rng.choice(["square", "rrect", "rrect", "shield", "circle", "hexagon", "book"]))
    if cont == "square":
        shape = [polygon(_sq(-1, -1, 1, 1))]
    elif cont == "rrect":
        shape = [polygon(rounded_rect(2, 2 * rng.uniform(0.75, 1), rng.uniform(0.05, 0.35)))]
    elif cont == "book":  # cover with a page block behind it (mdbook-like)
        d = rng.uniform(0.1, 0.2)
        put(canvas, [polygon(rounded_rect(1.7, 1.9, 0.12, d / 2, d / 2))], ink)
        outline(canvas, [polygon(rounded_rect(1.7, 1.9, 0.12, -d / 2, -d / 2))], canvas.paper, rng.uniform(0.05, 0.09))
        shape = [polygon(rounded_rect(1.7, 1.9, 0.12, -d / 2, -d / 2))]
    else:
        shape = named_shape(rng, cont)
    put(canvas, shape, ink, rot=float(rng.choice([0, 0, rng.uniform(-0.2, 0.2)])))
    u = rng.random()
    if u < 0.45:
        letters = random_initials(rng, int(rng.choice([1, 1, 2])))
        font = font_for(canvas, random_font(rng, 0.9), letters, canvas.unit * rng.uniform(0.9, 1.3), canvas.unit * 1.2)
        put_text(
            canvas,
            letters,
            font,
            canvas.paper,
            canvas.centre + rng.uniform(-0.1, 0.1) * canvas.unit,
            canvas.centre + rng.uniform(-0.1, 0.15) * canvas.unit,
        )
    elif u < 0.8:
        put(
            canvas,
            named_shape(rng, str(rng.choice(SYMBOLS))),
            canvas.paper,
            rng.uniform(-0.15, 0.15),
            rng.uniform(-0.15, 0.15),
            rng.uniform(0.35, 0.6),
            rot=float(rng.choice([0.0, rng.uniform(-0.5, 0.5)])),
        )
    else:
        _holes(canvas, rng, 0.8)


def _holes(canvas, rng, r):
    """Several white holes inside radius r: dots, bars or slots."""
    kind = rng.choice(["dots", "slots", "rings"])
    if kind == "dots":
        n = int(rng.integers(2, 4))
        step = 2 * r / n
        d = step * rng.uniform(0.25, 0.4)
        for i in range(n):
            for j in range(n):
                put(canvas, [polygon(ellipse(d, d, (j - (n - 1) / 2) * step, (i - (n - 1) / 2) * step))], canvas.paper)
    elif kind == "slots":
        n = int(rng.integers(2, 5))
        w = 2 * r / (2 * n)
        for i in range(n):
            slot = rounded_rect(2 * r * rng.uniform(0.5, 1), w, w * rng.uniform(0, 0.5), 0, (i - (n - 1) / 2) * 2 * w)
            put(canvas, [polygon(slot)], canvas.paper)
    else:
        for i in range(int(rng.integers(2, 5))):
            outline(canvas, [polygon(ellipse(r * (1 - 0.22 * i)))], canvas.paper, rng.uniform(0.03, 0.07))


def _disc(canvas, rng, pal):
    """Thick concentric rings / record disc with cut-out grooves, slices and a hub."""
    ink = mark_ink(rng, pal)
    put(canvas, [polygon(ellipse())], ink)
    k, w = int(rng.integers(2, 6)), rng.uniform(0.03, 0.09)
    for i in range(k):
        r = 0.3 + 0.65 * (i + 1) / (k + 1)
        outline(canvas, [polygon(ellipse(r))], canvas.paper, w)
    if rng.random() < 0.6:  # a wedge or straight slice cut through the rings
        a0 = rng.uniform(0, TAU)
        wedge = np.vstack([[(0, 0)], ellipse(1.2, 1.2, 0, 0, a0, a0 + rng.uniform(0.15, 0.6), 8)])
        put(canvas, [polygon(wedge)], canvas.paper)
    put(canvas, [polygon(ellipse(rng.uniform(0.15, 0.3)))], canvas.paper)
    if rng.random() < 0.6:
        put(canvas, [polygon(ellipse(rng.uniform(0.03, 0.08)))], ink)


def _cards(canvas, rng, pal):
    """Stacked layers separated by thin white gaps (stacked discs, cards, chevrons)."""
    ink = mark_ink(rng, pal)
    sh = named_shape(rng, str(rng.choice(["circle", "rrect", "diamond", "hexagon"])))
    k, sq = int(rng.integers(2, 5)), rng.uniform(0.3, 0.55)
    gap = rng.uniform(0.04, 0.09)
    flat = [(e[0], e[1], e[2] * [1, sq], e[3]) for e in sh]
    for i in reversed(range(k)):
        y = (i - (k - 1) / 2) * sq * rng.uniform(0.9, 1.3)
        outline(canvas, flat, canvas.paper, gap * 2, 0, y)
        put(canvas, flat, ink, 0, y)


def draw(canvas, rng):
    """Draw one simple_geometric logo on `canvas`; every choice comes from `rng`."""
    pal = palette(rng, int(rng.integers(1, 4)) + 1, rng.choice(["brand", "black", "material", "dark", "mono"]))
    mode = rng.choice(
        [_silhouette, _badge, _outlined, _rosette, _grid, _concentric, _stack, _frames, _tile, _disc, _cards],
        p=[0.14, 0.1, 0.07, 0.05, 0.05, 0.05, 0.05, 0.2, 0.16, 0.07, 0.06],
    )
    mode(canvas, rng, pal)
