"""abstract logos: soft blobs, swooshes, waves, ripples, translucent petals, spirals and rays."""

from __future__ import annotations

import numpy as np

from .colours import palette
from .geometry import TAU, bezier, blob_points, ellipse, polygon, ribbon, stroke
from .paint import put


def _blobs(canvas, rng, pal):
    k = int(rng.integers(1, 5))
    alpha = rng.choice([1.0, rng.uniform(0.55, 0.85)])
    for i in range(k):
        off = (0, 0) if k == 1 else rng.uniform(-0.4, 0.4, 2)
        put(
            canvas,
            [polygon(blob_points(rng, amp=rng.uniform(0.15, 0.35)))],
            pal[i % len(pal)],
            off[0],
            off[1],
            rng.uniform(0.5, 0.8) if k > 1 else 1,
            alpha=alpha,
        )


def _swoosh(canvas, rng, pal):
    y = rng.uniform(-0.7, 0.7, 4)  # x-monotone controls keep the curve a smooth arc
    base = np.c_[[-1, -0.35, 0.35, 1], y * [0.5, 1, 1, 0.5]]
    t, rot = np.linspace(0, 1, 64), rng.uniform(-0.5, 0.5)
    for i in range(int(rng.integers(1, 4))):  # near-parallel strokes share one path
        c = bezier(base + rng.normal(0, 0.12, (4, 2)) * (i > 0), 64)
        w = rng.uniform(0.15, 0.4) * (np.sin(np.pi * t) ** rng.uniform(0.5, 1.2) + 0.02)
        put(canvas, [polygon(ribbon(c, w))], pal[i % len(pal)], 0, 0.3 * i, rot=rot)
    if rng.random() < 0.4:
        put(canvas, [polygon(ellipse())], pal[-1], rng.uniform(-0.6, 0.6), -0.8, rng.uniform(0.12, 0.22))


def _waves(canvas, rng, pal):
    k = int(rng.integers(2, 6))
    x = np.linspace(-1, 1, 64)
    f, a, w = rng.uniform(1, 3), rng.uniform(0.08, 0.25), rng.uniform(0.05, 0.14)
    ph = rng.uniform(0, TAU)
    for i in range(k):
        y = (i - (k - 1) / 2) * 1.6 / k + a * np.sin(np.pi * f * x + ph + i * rng.uniform(0, 0.6))
        put(canvas, [stroke(np.c_[x, y], w)], pal[i % len(pal)] if rng.random() < 0.6 else pal[0])


def _ripples(canvas, rng, pal):
    k = int(rng.integers(2, 5))
    a0, span = rng.uniform(0, TAU), rng.uniform(0.4, 0.9) * np.pi
    w = rng.uniform(0.06, 0.12)
    put(canvas, [polygon(ellipse(0.18))], pal[0], -0.6 * np.cos(a0 + span / 2), -0.6 * np.sin(a0 + span / 2))
    for i in range(k):
        r = 0.25 + (i + 1) * 1.2 / (k + 1)
        c = ellipse(r, r, 0, 0, a0, a0 + span, 32) - 0.6 * np.r_[np.cos(a0 + span / 2), np.sin(a0 + span / 2)]
        put(canvas, [stroke(c, w)], pal[(i + 1) % len(pal)] if rng.random() < 0.5 else pal[0])


def _petals(canvas, rng, pal):
    k = int(rng.integers(3, 8))
    alpha = rng.uniform(0.5, 0.8)
    petal = [polygon(ellipse(0.3, 0.55, 0, -0.45))] if rng.random() < 0.6 else [polygon(ellipse(0.5, 0.5, 0, -0.45))]
    for j in range(k):
        put(canvas, petal, pal[j % len(pal)], rot=j * TAU / k, alpha=alpha)


def _spiral(canvas, rng, pal):
    t = np.linspace(0, rng.uniform(2, 4) * np.pi, 160)
    r = 0.08 + 0.92 * t / t[-1]
    c = np.c_[r * np.cos(t), r * np.sin(t)] * rng.choice([-1, 1], 2)
    w = rng.uniform(0.05, 0.16) * (0.3 + 0.7 * t / t[-1])
    put(canvas, [polygon(ribbon(c, w))], pal[0], rot=rng.uniform(0, TAU))


def _rays(canvas, rng, pal):
    k = int(rng.integers(6, 16))
    r0, w = rng.uniform(0.2, 0.5), rng.uniform(0.05, 0.12)
    for j in range(k):
        a = j * TAU / k
        r1 = 1 if j % 2 == 0 or rng.random() < 0.5 else 0.75
        put(
            canvas,
            [stroke([(r0 * np.cos(a), r0 * np.sin(a)), (r1 * np.cos(a), r1 * np.sin(a))], w)],
            pal[j % 2] if len(pal) > 1 and rng.random() < 0.4 else pal[0],
        )
    if rng.random() < 0.6:
        put(canvas, [polygon(ellipse(r0 * 0.7))], pal[-1])


def draw(canvas, rng):
    """Draw one abstract logo on `canvas`; every choice comes from `rng`."""
    pal = palette(rng, int(rng.integers(2, 5)))
    mode = rng.choice(
        [_blobs, _swoosh, _waves, _ripples, _petals, _spiral, _rays], p=[0.24, 0.2, 0.14, 0.12, 0.14, 0.08, 0.08]
    )
    mode(canvas, rng, pal)
