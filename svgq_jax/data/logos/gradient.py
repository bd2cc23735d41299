"""gradient logos: app icons on a gradient container, shaded orbs, gradient-filled shapes and
rings, overlapping translucent layers, and gradient-sky scenes.

A white symbol on an app icon is a cut-out, painted with the canvas's paper; a symbol with
a gradient to white is ink."""

from __future__ import annotations

import numpy as np

from .colours import WHITE, palette, shade
from .geometry import SOLIDS, SYMBOLS, TAU, arc_band, blob_points, ellipse, named_shape, polygon
from .paint import gradient_paint, outline, put, put_clipped, random_gradient


def _app_icon(canvas, rng, pal):
    cont = str(rng.choice(["rrect", "circle", "squircle", "hexagon", "shield"]))
    put(canvas, named_shape(rng, cont), random_gradient(rng, pal[0], pal[1]))
    sym = named_shape(rng, str(rng.choice(SYMBOLS)))
    fg = canvas.paper if rng.random() < 0.6 else random_gradient(rng, shade(pal[2], 0.5), WHITE, "linear")
    if rng.random() < 0.3:
        outline(canvas, sym, canvas.paper, rng.uniform(0.06, 0.12), 0, 0, rng.uniform(0.4, 0.55))
    else:
        put(canvas, sym, fg, 0, 0, rng.uniform(0.4, 0.6))


def _orb(canvas, rng, pal):
    """Emoji-like shaded ball: radial light, soft highlight and a ground shadow."""
    c = pal[0]
    if rng.random() < 0.3:
        put(canvas, [polygon(ellipse(0.8, 0.12, 0, 1.02))], (0, 0, 0), alpha=0.15)
    shape = named_shape(rng, str(rng.choice(["circle", "circle", "heart", "drop", "squircle", "star"])))
    put(
        canvas,
        shape,
        gradient_paint(
            [(0, shade(c, 0.45)), (0.55, c), (1, shade(c, -0.35))],
            "radial",
            center=(rng.uniform(0.3, 0.45), rng.uniform(0.25, 0.4)),
            radius=0.75,
        ),
    )
    hl = gradient_paint([(0, (255, 255, 255, 200)), (1, (255, 255, 255, 0))], "radial", center=(0.5, 0.5), radius=0.5)
    # a gloss on the shape: it may overhang a heart's or a star's notch, which on a transparent
    # background must stay empty
    put(canvas, [polygon(ellipse(0.35, 0.22, -0.3, -0.5))], hl, rot=rng.uniform(-0.3, 0.3), on_ink_only=True)


def _filled_shape(canvas, rng, pal):
    sh, rot = named_shape(rng, str(rng.choice(SOLIDS))), rng.choice([0.0, rng.uniform(-0.5, 0.5)])
    put(canvas, sh, random_gradient(rng, pal[0], pal[1]), rot=rot)
    if rng.random() < 0.35:
        outline(canvas, sh, shade(pal[1], -0.3), rng.uniform(0.03, 0.08), rot=rot)


def _ring(canvas, rng, pal):
    if rng.random() < 0.5:
        sh = [polygon(ellipse()), polygon(ellipse(rng.uniform(0.55, 0.8)), 0)]
    else:
        a0 = rng.uniform(0, TAU)
        sh = [polygon(arc_band(rng.uniform(0.55, 0.75), 1, a0, a0 + rng.uniform(1.2, 1.85) * np.pi))]
    put(canvas, sh, random_gradient(rng, pal[0], pal[1], rng.choice(["conic", "linear"])))
    if rng.random() < 0.5:
        put(canvas, [polygon(ellipse())], random_gradient(rng, pal[1], pal[2]), 0, 0, rng.uniform(0.2, 0.35))


def _layers(canvas, rng, pal):
    k = int(rng.integers(2, 4))
    alpha = rng.choice([1.0, 1.0, rng.uniform(0.7, 0.9)])
    for i in range(k):
        if rng.random() < 0.5:
            sh = [polygon(blob_points(rng, amp=0.25))]
        else:
            sh = named_shape(rng, str(rng.choice(SOLIDS[:12])))
        put(
            canvas,
            sh,
            random_gradient(rng, pal[i % 3], pal[(i + 1) % 3]),
            rng.uniform(-0.45, 0.45),
            rng.uniform(-0.45, 0.45),
            rng.uniform(0.45, 0.7),
            rng.uniform(-0.5, 0.5),
            alpha,
        )


def _scene(canvas, rng, pal):
    """Gradient sky in a badge with flat shapes in front (sunset / landscape marks)."""
    cont = named_shape(rng, str(rng.choice(["circle", "rrect", "squircle"])))
    put(canvas, cont, gradient_paint([(0, shade(pal[0], 0.2)), (1, pal[1])], "linear", np.pi / 2 + rng.normal(0, 0.2)))
    put(
        canvas,
        [polygon(ellipse())],
        shade(pal[2], 0.3),
        rng.uniform(-0.3, 0.3),
        rng.uniform(-0.3, 0.1),
        rng.uniform(0.15, 0.3),
    )
    m = np.linspace(-1, 1, 48)
    for i, c in enumerate((shade(pal[2], -0.3), shade(pal[2], -0.55))):  # two hill bands
        y = 0.15 + 0.25 * i + 0.12 * np.sin(m * rng.uniform(2, 5) + rng.uniform(0, TAU))
        band = np.vstack([np.c_[m, y], [(1, 1.2), (-1, 1.2)]])
        put_clipped(canvas, [polygon(band)], cont, c)


def draw(canvas, rng):
    """Draw one gradient logo on `canvas`; every choice comes from `rng`."""
    pal = palette(rng, 3, rng.choice(["brand", "material", "pastel", "mono"]))
    mode = rng.choice([_app_icon, _orb, _filled_shape, _ring, _layers, _scene], p=[0.24, 0.2, 0.2, 0.12, 0.14, 0.1])
    mode(canvas, rng, pal)
