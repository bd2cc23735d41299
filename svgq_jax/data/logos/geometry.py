"""Shapes in unit coordinates (roughly [-1, 1], y pointing down): point-list primitives
(ellipses, regular polygons, stars, rounded rectangles, Bezier curves, ribbons, blobs,
drops, hearts, gears, shields) and the named shapes the logo types pick from.

A "shape" is a list of elements (kind, sign, points, width):
kind "p" = filled polygon, "l" = open stroke with round caps, "c" = closed stroke;
sign 0 punches a hole (drawn with the mask's "off" value).
"""

from __future__ import annotations

import numpy as np

TAU = 2 * np.pi


def polygon(pts, sign=1):
    """A filled polygon element; sign 0 makes it a hole."""
    return ("p", sign, np.asarray(pts, float), 0.0)


def stroke(pts, w, closed=False, sign=1):
    """A stroke element of width w (unit coordinates) along pts: open with round caps, or closed."""
    return ("c" if closed else "l", sign, np.asarray(pts, float), float(w))


def ellipse(rx=1.0, ry=None, cx=0.0, cy=0.0, a0=0.0, a1=TAU, n=96):
    """Points of an ellipse, or of its arc from angle a0 to a1."""
    ry = rx if ry is None else ry
    full = abs(a1 - a0) >= TAU - 1e-9
    t = np.linspace(a0, a1, n, endpoint=not full)
    return np.c_[cx + rx * np.cos(t), cy + ry * np.sin(t)]


def rotate(pts, a):
    c, s = np.cos(a), np.sin(a)
    return pts @ np.array([[c, s], [-s, c]])


def chaikin(pts, it=2):
    """Corner-cutting smoothing of a closed polygon: gives rounded corners cheaply."""
    for _ in range(it):
        nxt = np.roll(pts, -1, axis=0)
        pts = np.stack([0.75 * pts + 0.25 * nxt, 0.25 * pts + 0.75 * nxt], 1).reshape(-1, 2)
    return pts


def regular_polygon(k, r=1.0, a0=-np.pi / 2):
    t = a0 + np.arange(k) * TAU / k
    return np.c_[r * np.cos(t), r * np.sin(t)]


def star_points(k, inner):
    t = -np.pi / 2 + np.arange(2 * k) * np.pi / k
    r = np.where(np.arange(2 * k) % 2 == 0, 1.0, inner)
    return np.c_[r * np.cos(t), r * np.sin(t)]


def rounded_rect(w, h, r, cx=0.0, cy=0.0):
    r = min(r, w / 2, h / 2)
    corners = (
        (w / 2 - r, h / 2 - r, 0),
        (-w / 2 + r, h / 2 - r, 0.5 * np.pi),
        (-w / 2 + r, -h / 2 + r, np.pi),
        (w / 2 - r, -h / 2 + r, 1.5 * np.pi),
    )
    arcs = [ellipse(r, r, cx + x, cy + y, a, a + np.pi / 2, n=10) for x, y, a in corners]
    return np.vstack(arcs)


def bezier(p, n=48):
    """Cubic Bezier through 4 control points (4x2)."""
    t = np.linspace(0, 1, n)[:, None]
    p = np.asarray(p, float)
    return (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2] + t**3 * p[3]


def ribbon(c, w):
    """Polygon around centre line c with per-point width w: tapered strokes / swooshes."""
    d = np.gradient(c, axis=0)
    nrm = np.c_[-d[:, 1], d[:, 0]] / (np.linalg.norm(d, axis=1, keepdims=True) + 1e-9)
    half = (np.broadcast_to(w, len(c)) / 2)[:, None]
    return np.vstack([c + nrm * half, (c - nrm * half)[::-1]])


def blob_points(rng, k=4, amp=0.22, r=1.0, n=128):
    """Smooth random closed curve: a circle with a few low Fourier harmonics."""
    t = np.linspace(0, TAU, n, endpoint=False)
    rad = np.ones(n)
    for j in range(2, 2 + k):
        rad += amp / j**0.8 * rng.normal() * np.cos(j * t + rng.uniform(0, TAU))
    rad = np.clip(rad, 0.45, None) * r
    return np.c_[rad * np.cos(t), rad * np.sin(t)]


def drop_points(r=0.62):
    """Teardrop pointing up: circle plus tangent lines to an apex."""
    c, apex = np.array([0, 1 - r]), np.array([0.0, -1.0])
    b = np.arccos(r / np.linalg.norm(apex - c))
    arc = ellipse(r, r, 0, 1 - r, -np.pi / 2 + b, 1.5 * np.pi - b, n=64)
    return np.vstack([apex, arc])


def heart_points(n=96):
    t = np.linspace(0, TAU, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return np.c_[x, y + 2.5] / 16.5


def gear_points(k, depth=0.18):
    t = np.linspace(0, TAU, k * 16, endpoint=False)
    tooth = (np.cos(k * t) > 0).astype(float)
    return chaikin(np.c_[np.cos(t), np.sin(t)] * (1 - depth + depth * tooth)[:, None], 1)


def arc_band(r0, r1, a0, a1, n=48):
    """Annulus sector between radii r0 < r1 from angle a0 to a1."""
    return np.vstack([ellipse(r1, r1, 0, 0, a0, a1, n), ellipse(r0, r0, 0, 0, a1, a0, n)])


def shield_points():
    left = bezier([(0, 1), (-0.55, 0.75), (-0.85, 0.3), (-0.85, -0.8)], 24)
    top = np.array([(-0.85, -0.8), (0, -1), (0.85, -0.8)])
    right = left[::-1] * [-1, 1]
    return np.vstack([left, top[1:2], right])


def _plus(t):
    return [
        polygon(
            [(-t, -1), (t, -1), (t, -t), (1, -t), (1, t), (t, t), (t, 1), (-t, 1), (-t, t), (-1, t), (-1, -t), (-t, -t)]
        )
    ]


def _leaf():
    halves = np.vstack(
        [ellipse(1.3, 1.3, -0.8, 0, -0.66, 0.66, 24), ellipse(1.3, 1.3, 0.8, 0, np.pi - 0.66, np.pi + 0.66, 24)]
    )
    return [polygon(halves @ [[0, 1], [1, 0]])]


SHAPES = {  # name -> rng -> shape (some shapes draw their proportions from rng)
    "circle": lambda rng: [polygon(ellipse())],
    "ring": lambda rng: [polygon(ellipse()), polygon(ellipse(rng.uniform(0.55, 0.8)), 0)],
    "triangle": lambda rng: [polygon(chaikin(regular_polygon(3) + [0, 0.2], int(rng.integers(0, 3))))],
    "diamond": lambda rng: [polygon(regular_polygon(4))],
    "pentagon": lambda rng: [polygon(regular_polygon(5))],
    "hexagon": lambda rng: [
        polygon(chaikin(regular_polygon(6, a0=rng.choice([0, np.pi / 6])), int(rng.integers(0, 3))))
    ],
    "octagon": lambda rng: [polygon(regular_polygon(8, a0=np.pi / 8))],
    "star": lambda rng: [
        polygon(chaikin(star_points(int(rng.integers(4, 9)), rng.uniform(0.38, 0.6)), int(rng.integers(0, 2))))
    ],
    "rrect": lambda rng: [polygon(rounded_rect(2, 2 * rng.uniform(0.6, 1), rng.uniform(0.15, 0.5)))],
    "squircle": lambda rng: [polygon(np.sign(ellipse()) * np.abs(ellipse()) ** 0.4)],
    "heart": lambda rng: [polygon(heart_points())],
    "drop": lambda rng: [polygon(drop_points())],
    "pin": lambda rng: [polygon(drop_points() * [1, -1]), polygon(ellipse(0.25, 0.25, 0, -0.38), 0)],
    "shield": lambda rng: [polygon(shield_points())],
    "crescent": lambda rng: [polygon(ellipse()), polygon(ellipse(0.85, 0.85, rng.uniform(0.35, 0.6), -0.2), 0)],
    "gear": lambda rng: [polygon(gear_points(int(rng.integers(6, 11)))), polygon(ellipse(rng.uniform(0.3, 0.5)), 0)],
    "plus": lambda rng: _plus(rng.uniform(0.2, 0.38)),
    "chevron": lambda rng: [stroke([(-0.9, -0.45), (0, 0.45), (0.9, -0.45)], rng.uniform(0.25, 0.45))],
    "check": lambda rng: [stroke([(-0.75, 0), (-0.25, 0.5), (0.8, -0.6)], rng.uniform(0.22, 0.35))],
    "arrow": lambda rng: [
        polygon([(-1, -0.22), (0.2, -0.22), (0.2, -0.6), (1, 0), (0.2, 0.6), (0.2, 0.22), (-1, 0.22)])
    ],
    "bolt": lambda rng: [polygon([(0.25, -1), (-0.6, 0.15), (-0.05, 0.15), (-0.3, 1), (0.6, -0.2), (0.05, -0.2)])],
    "leaf": lambda rng: _leaf(),
    "cloud": lambda rng: [
        polygon(ellipse(0.42, 0.42, -0.5, 0.15)),
        polygon(ellipse(0.55, 0.55, 0.05, -0.15)),
        polygon(ellipse(0.4, 0.4, 0.55, 0.15)),
        polygon(rounded_rect(1.9, 0.6, 0.3, 0, 0.28)),
    ],
    "bubble": lambda rng: [polygon(rounded_rect(2, 1.5, 0.35, 0, -0.2)), polygon([(-0.5, 0.5), (-0.6, 1), (0, 0.5)])],
    "arc": lambda rng: [polygon(arc_band(0.6, 1, np.pi, TAU))],
    "bars": lambda rng: [polygon(rounded_rect(1.8, 0.36, 0.18, 0, y)) for y in (-0.6, 0, 0.6)],
    "house": lambda rng: [polygon([(-0.8, 1), (-0.8, -0.1), (0, -0.9), (0.8, -0.1), (0.8, 1)])],
}
SOLIDS = (
    "circle",
    "star",
    "hexagon",
    "triangle",
    "heart",
    "drop",
    "shield",
    "crescent",
    "gear",
    "pin",
    "cloud",
    "bolt",
    "leaf",
    "diamond",
    "arc",
    "ring",
    "plus",
    "bubble",
    "rrect",
    "squircle",
    "pentagon",
    "house",
)
CONTAINERS = ("circle", "rrect", "squircle", "hexagon", "shield", "octagon", "circle", "rrect")
SYMBOLS = (
    "star",
    "chevron",
    "plus",
    "bolt",
    "arrow",
    "check",
    "triangle",
    "ring",
    "heart",
    "drop",
    "circle",
    "diamond",
    "crescent",
    "bars",
    "cloud",
    "leaf",
    "house",
    "pin",
)


def named_shape(rng, name):
    return SHAPES[name](rng)
