"""complex logos: emoji faces, flat people busts, flat-color-icons style objects with a status
badge, mandalas with many small details, and small illustrated objects (planet, flower,
tree, house).

White details here (eye highlights, teeth, window frames) are white ink, opaque in a
transparent logo; only the status badge's symbol is a cut-out, painted with the paper."""

from __future__ import annotations

import numpy as np

from .colours import EMOJI_YELLOW, HAIR, MATERIAL, SKIN, WHITE, hex_colour, palette, shade
from .geometry import TAU, bezier, ellipse, heart_points, named_shape, polygon, rounded_rect, stroke
from .paint import gradient_paint, outline, put, put_clipped


def _face(canvas, rng):
    """Emoji face: shaded yellow disc, eyes with highlights, mouth, optional blush."""
    light, mid, dark = EMOJI_YELLOW
    if rng.random() < 0.25:
        mid = SKIN[rng.integers(len(SKIN))]
        light, dark = shade(mid, 0.35), shade(mid, -0.25)
    put(
        canvas,
        [polygon(ellipse())],
        gradient_paint([(0, light), (0.6, mid), (1, dark)], "radial", center=(0.45, 0.35), radius=0.7),
    )
    if rng.random() < 0.3:
        outline(canvas, [polygon(ellipse())], shade(dark, -0.3), 0.04)
    ink = hex_colour("#5D4037") if rng.random() < 0.5 else hex_colour("#404040")
    _eyes(canvas, rng, ink)
    _mouth(canvas, rng, ink)
    if rng.random() < 0.5:
        for sx in (-1, 1):
            put(canvas, [polygon(ellipse(0.17, 0.1, sx * 0.58, 0.28))], hex_colour("#FF7043"), alpha=0.35)


def _eyes(canvas, rng, ink):
    kind = rng.choice(["oval", "oval", "arc", "heart", "glasses"])
    for sx in (-1, 1):
        x, y = sx * 0.36, -0.18
        if kind == "oval":
            put(canvas, [polygon(ellipse(0.11, 0.17, x, y))], ink)
            put(canvas, [polygon(ellipse(0.045, 0.045, x + 0.03, y - 0.07))], WHITE)
        elif kind == "arc":
            put(canvas, [stroke(ellipse(0.15, 0.12, x, y + 0.05, np.pi * 1.1, np.pi * 1.9, 16), 0.07)], ink)
        elif kind == "heart":
            put(canvas, [polygon(heart_points())], hex_colour("#E53935"), x, y, 0.22)
    if kind == "glasses":
        for sx in (-1, 1):
            put(canvas, [polygon(rounded_rect(0.6, 0.36, 0.15, sx * 0.36, -0.2))], (33, 33, 33))
            put(canvas, [polygon(ellipse(0.08, 0.05, sx * 0.36 - 0.13, -0.26))], (120, 120, 120))
        put(canvas, [stroke([(-0.1, -0.27), (0.1, -0.27)], 0.06)], (33, 33, 33))
    if rng.random() < 0.3:  # eyebrows
        for sx in (-1, 1):
            put(canvas, [stroke(ellipse(0.16, 0.08, sx * 0.38, -0.4, np.pi * 1.15, np.pi * 1.85, 12), 0.055)], ink)


def _mouth(canvas, rng, ink):
    kind = rng.choice(["smile", "open", "o", "flat", "tongue"])
    if kind == "smile":
        put(canvas, [stroke(ellipse(0.42, 0.3, 0, 0.2, 0.15 * np.pi, 0.85 * np.pi, 24), rng.uniform(0.05, 0.09))], ink)
    elif kind == "o":
        put(canvas, [polygon(ellipse(0.14, 0.18, 0, 0.42))], ink)
    elif kind == "flat":
        put(canvas, [stroke([(-0.3, 0.45), (0.3, 0.45)], 0.07)], ink)
    else:
        mouth = [polygon(ellipse(0.45, 0.38, 0, 0.25, 0, np.pi, 32))]
        put(canvas, mouth, hex_colour("#5D4037"))
        put(canvas, [polygon(rounded_rect(0.7, 0.1, 0.05, 0, 0.3))], WHITE)
        if kind == "tongue":
            put(canvas, [polygon(ellipse(0.2, 0.14, 0.08, 0.55))], hex_colour("#EF5350"))


def _person(canvas, rng):
    """Flat person bust (noto / flat-color-icons people)."""
    skin, hair = SKIN[rng.integers(len(SKIN))], HAIR[rng.integers(len(HAIR))]
    shirt = MATERIAL[rng.integers(len(MATERIAL))]
    if rng.random() < 0.4:  # long hair behind the head, falling to the shoulders
        put(canvas, [polygon(rounded_rect(1.2, 1.4, 0.5, 0, -0.15))], hair)
    put(canvas, [polygon(rounded_rect(1.7, 1.2, 0.55, 0, 1.05))], shirt)
    put(canvas, [polygon(rounded_rect(0.3, 0.4, 0.05, 0, 0.35))], shade(skin, -0.15))
    for sx in (-1, 1):
        put(canvas, [polygon(ellipse(0.12, 0.15, sx * 0.5, -0.2))], shade(skin, -0.1))
    put(canvas, [polygon(ellipse(0.5, 0.58, 0, -0.3))], skin)
    put(
        canvas, [polygon(np.vstack([ellipse(0.55, 0.45, 0, -0.42, np.pi, TAU, 24), [(0.5, -0.4), (-0.5, -0.4)]]))], hair
    )
    for sx in (-1, 1):
        put(canvas, [polygon(ellipse(0.05, 0.07, sx * 0.2, -0.25))], (45, 35, 30))
    put(canvas, [stroke(ellipse(0.18, 0.1, 0, -0.08, 0.2 * np.pi, 0.8 * np.pi, 12), 0.04)], hex_colour("#8D4B3A"))


def _flat_icon(canvas, rng):
    """Flat-color-icons style object built from material colours, plus a status badge."""
    pal = [MATERIAL[i] for i in rng.choice(len(MATERIAL), 6, replace=False)]
    icon = rng.choice(
        [_icon_document, _icon_folder, _icon_chart, _icon_picture, _icon_calendar, _icon_monitor, _icon_pie]
    )
    icon(canvas, rng, pal)
    if rng.random() < 0.5:
        x, y, r = 0.62, 0.62, rng.uniform(0.3, 0.4)
        put(canvas, [polygon(ellipse())], pal[4], x, y, r)
        put(canvas, named_shape(rng, str(rng.choice(["plus", "check", "arrow", "star"]))), canvas.paper, x, y, r * 0.55)


def _icon_document(canvas, rng, pal):
    body = [(-0.7, -1), (0.35, -1), (0.7, -0.65), (0.7, 1), (-0.7, 1)]
    put(canvas, [polygon(body)], pal[0])
    put(canvas, [polygon([(0.35, -1), (0.35, -0.65), (0.7, -0.65)])], shade(pal[0], -0.25))
    for i in range(int(rng.integers(2, 6))):
        put(
            canvas, [polygon(rounded_rect(rng.uniform(0.6, 1), 0.12, 0.03, -0.05, -0.35 + 0.3 * i))], shade(pal[0], 0.6)
        )


def _icon_folder(canvas, rng, pal):
    c = MATERIAL[12] if rng.random() < 0.6 else pal[0]
    back_edge = rounded_rect(2, 1.4, 0.08, 0, 0.05)[20:30]
    put(canvas, [polygon(np.vstack([[(-1, -0.75), (-0.3, -0.75), (-0.15, -0.55)], back_edge]))], shade(c, -0.2))
    put(canvas, [polygon(back_edge.tolist() + [(-1, -0.55), (1, -0.55), (1, 0.75), (-1, 0.75)])], shade(c, -0.2))
    put(canvas, [polygon(rounded_rect(2, 1.25, 0.08, 0, 0.2))], c)


def _icon_chart(canvas, rng, pal):
    k = int(rng.integers(3, 6))
    w = 1.7 / k
    for i in range(k):
        h = rng.uniform(0.4, 1.8)
        put(canvas, [polygon(rounded_rect(w * 0.75, h, 0.03, -0.85 + w * (i + 0.5), 0.9 - h / 2))], pal[i % 4])
    put(canvas, [polygon(rounded_rect(2, 0.08, 0.02, 0, 0.94))], (84, 110, 122))


def _icon_picture(canvas, rng, pal):
    put(canvas, [polygon(rounded_rect(2, 1.6, 0.12))], pal[0])
    inner = [polygon(rounded_rect(1.7, 1.3, 0.05))]
    put(canvas, inner, shade(pal[0], 0.75))
    hills = [polygon([(-1, 0.65), (-0.3, -0.25), (0.3, 0.65)]), polygon([(-0.2, 0.65), (0.35, -0.05), (1, 0.65)])]
    put_clipped(canvas, hills, inner, shade(pal[1], -0.1))
    put(canvas, [polygon(ellipse(0.16, 0.16, 0.45, -0.35))], MATERIAL[12])


def _icon_calendar(canvas, rng, pal):
    page = hex_colour("#ECEFF1") if rng.random() < 0.5 else shade(pal[0], 0.7)
    put(canvas, [polygon(rounded_rect(1.8, 1.7, 0.1, 0, 0.1))], page)
    put(canvas, [polygon(rounded_rect(1.8, 0.5, 0.1, 0, -0.5))], pal[1])
    for sx in (-0.5, 0.5):
        put(canvas, [polygon(rounded_rect(0.14, 0.4, 0.07, sx, -0.8))], (84, 110, 122))
    for i in range(3):
        for j in range(4):
            if rng.random() < 0.8:
                put(
                    canvas,
                    [polygon(rounded_rect(0.26, 0.2, 0.03, -0.6 + 0.4 * j, 0.05 + 0.3 * i))],
                    pal[2 + (i + j) % 2],
                )


def _icon_monitor(canvas, rng, pal):
    put(canvas, [polygon([(-0.25, 0.55), (0.25, 0.55), (0.35, 0.9), (-0.35, 0.9)])], (84, 110, 122))
    put(canvas, [polygon(rounded_rect(2, 1.35, 0.08, 0, -0.2))], (55, 71, 79))
    put(canvas, [polygon(rounded_rect(1.8, 1.15, 0.02, 0, -0.22))], pal[0])
    put(canvas, [polygon(ellipse(0.3))], shade(pal[0], 0.7), rng.uniform(-0.4, 0.4), -0.2, 1)


def _icon_pie(canvas, rng, pal):
    cuts = np.sort(rng.uniform(0, TAU, int(rng.integers(2, 5))))
    cuts = np.r_[cuts, cuts[0] + TAU]
    for i in range(len(cuts) - 1):
        off = 0.1 if i == 0 else 0
        mid = (cuts[i] + cuts[i + 1]) / 2
        wedge = np.vstack([[(0, 0)], ellipse(1, 1, 0, 0, cuts[i], cuts[i + 1], 32)])
        put(canvas, [polygon(wedge)], pal[i], off * np.cos(mid), off * np.sin(mid), 0.9)


def _mandala(canvas, rng):
    """Nested shapes, rings of dots, thin strokes and speckles: lots of small detail."""
    pal = palette(rng, int(rng.integers(4, 7)))
    put(canvas, [polygon(ellipse())], pal[0])
    layers = int(rng.integers(2, 5))
    for i in range(layers):
        r = 0.85 - i * 0.7 / layers
        k = int(rng.integers(6, 16))
        el = named_shape(rng, str(rng.choice(["circle", "drop", "diamond", "star", "leaf"])))
        col = pal[1 + (i % (len(pal) - 1))]
        for j in range(k):  # a ring of small elements pointing outwards
            a, sc = j * TAU / k, 0.4 / layers * rng.uniform(0.4, 0.8)
            put(canvas, el, col, r * np.cos(a), r * np.sin(a), sc, a + np.pi / 2)
        outline(canvas, [polygon(ellipse(r - 0.12))], pal[(i + 2) % len(pal)], 0.025)
    put(canvas, named_shape(rng, str(rng.choice(["star", "circle", "gear"]))), pal[-1], 0, 0, 0.2)
    for _ in range(int(rng.integers(0, 20))):
        a, r = rng.uniform(0, TAU), rng.uniform(1.05, 1.25)
        put(
            canvas,
            [polygon(ellipse())],
            pal[int(rng.integers(len(pal)))],
            r * np.cos(a),
            r * np.sin(a),
            rng.uniform(0.015, 0.04),
        )


def _object(canvas, rng):
    """Small illustrated objects with outlines and highlights (planet, flower, tree)."""
    rng.choice([_object_planet, _object_flower, _object_tree, _object_house])(canvas, rng, palette(rng, 6, "material"))


def _object_planet(canvas, rng, pal):
    ring = [polygon(ellipse(1.1, 0.28)), polygon(ellipse(0.85, 0.17), 0)]
    put(canvas, ring, pal[1], rot=-0.35)
    put(
        canvas,
        [polygon(ellipse(0.65))],
        gradient_paint([(0, shade(pal[0], 0.3)), (1, shade(pal[0], -0.3))], "radial", center=(0.35, 0.3), radius=0.9),
    )
    front = [
        polygon(ellipse(1.1, 0.28, 0, 0, 0, np.pi, 48).tolist() + ellipse(0.85, 0.17, 0, 0, np.pi, 0, 48).tolist())
    ]
    put(canvas, front, pal[1], rot=-0.35)
    for _ in range(int(rng.integers(3, 9))):
        put(canvas, named_shape(rng, "star"), pal[2], rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(0.04, 0.1))


def _object_flower(canvas, rng, pal):
    put(canvas, [stroke(bezier([(0, 0.2), (0.1, 0.5), (-0.1, 0.8), (0, 1.2)]), 0.08)], MATERIAL[9])
    put(canvas, named_shape(rng, "leaf"), MATERIAL[10], 0.25, 0.85, 0.3, rot=1.0)
    k = int(rng.integers(5, 10))
    for j in range(k):
        a = j * TAU / k
        put(canvas, [polygon(ellipse(0.22, 0.38, 0, -0.38))], pal[0], 0, -0.2, 1, a)
        outline(canvas, [polygon(ellipse(0.22, 0.38, 0, -0.38))], shade(pal[0], -0.35), 0.02, 0, -0.2, 1, a)
    put(canvas, [polygon(ellipse(0.2))], pal[2], 0, -0.2)
    for _ in range(6):
        put(
            canvas, [polygon(ellipse(0.03))], shade(pal[2], -0.4), rng.uniform(-0.1, 0.1), -0.2 + rng.uniform(-0.1, 0.1)
        )


def _object_tree(canvas, rng, pal):
    put(canvas, [polygon(rounded_rect(0.25, 0.9, 0.05, 0, 0.6))], MATERIAL[15])
    green = MATERIAL[int(rng.choice([9, 10, 23]))]
    for i, (r, y) in enumerate(((0.6, -0.2), (0.45, -0.55), (0.45, 0.05))):
        put(canvas, [polygon(ellipse(r))], shade(green, -0.1 * i), (-0.3 if i == 2 else 0) + 0.15 * i, y)
    for _ in range(int(rng.integers(3, 8))):
        put(canvas, [polygon(ellipse(0.06))], pal[0], rng.uniform(-0.5, 0.5), rng.uniform(-0.8, 0.2))


def _object_house(canvas, rng, pal):
    put(canvas, [polygon(rounded_rect(1.4, 1.0, 0.02, 0, 0.5))], shade(pal[0], 0.5))
    put(canvas, [polygon([(-1, 0.05), (0, -0.85), (1, 0.05)])], pal[1])
    put(canvas, [polygon(rounded_rect(0.35, 0.6, 0.04, -0.3, 0.7))], MATERIAL[15])
    put(canvas, [polygon(rounded_rect(0.4, 0.35, 0.04, 0.3, 0.4))], MATERIAL[17])
    outline(canvas, [polygon(rounded_rect(0.4, 0.35, 0.04, 0.3, 0.4))], WHITE, 0.03)
    if rng.random() < 0.5:
        put(canvas, [polygon(rounded_rect(0.2, 0.4, 0.02, 0.55, -0.45))], shade(pal[1], -0.3))


def draw(canvas, rng):
    """Draw one complex logo on `canvas`; every choice comes from `rng`."""
    mode = rng.choice([_face, _person, _flat_icon, _mandala, _object], p=[0.25, 0.15, 0.3, 0.12, 0.18])
    mode(canvas, rng)
