"""Colours of the procedural logos: named colour sets (material, skin, hair, emoji, dark
inks), colour arithmetic (HSV, mixing, shading) and random harmonious palettes."""

from __future__ import annotations

import colorsys

import numpy as np

WHITE = (255, 255, 255)


def hex_colour(h: str) -> tuple:
    return tuple(int(h[i : i + 2], 16) for i in (1, 3, 5))


# Material / flat-icon colours, as in flat-color-icons and many app icons.
MATERIAL = tuple(
    hex_colour(h)
    for h in (
        "#F44336",
        "#E91E63",
        "#9C27B0",
        "#673AB7",
        "#3F51B5",
        "#2196F3",
        "#03A9F4",
        "#00BCD4",
        "#009688",
        "#4CAF50",
        "#8BC34A",
        "#CDDC39",
        "#FFC107",
        "#FF9800",
        "#FF5722",
        "#795548",
        "#607D8B",
        "#90CAF9",
        "#FFCA28",
        "#546E7A",
        "#37474F",
        "#1565C0",
        "#C62828",
        "#2E7D32",
        "#64B5F6",
        "#FFB74D",
        "#81C784",
        "#BA68C8",
        "#455A64",
        "#D84315",
    )
)
SKIN = tuple(hex_colour(h) for h in ("#FFDBB4", "#F1C27D", "#E0AC69", "#C68642", "#8D5524", "#FFCC80", "#EDB98A"))
HAIR = tuple(hex_colour(h) for h in ("#212121", "#4E342E", "#6D4C41", "#A1887F", "#FBC02D", "#BF360C", "#9E9E9E"))
EMOJI_YELLOW = tuple(hex_colour(h) for h in ("#FFF176", "#FFCA28", "#F4A300"))
DARK_INK = tuple(hex_colour(h) for h in ("#212121", "#37474F", "#3E2723", "#263238", "#1A237E"))

# Hue offsets of classic harmonies (analogous, complementary, triadic, split-complementary).
_SCHEMES = ((0, 0.06, -0.06, 0.12), (0, 0.5, 0.04, 0.54), (0, 1 / 3, 2 / 3), (0, 0.42, 0.58), (0, 0.03, -0.03))
_STYLES = ("brand", "material", "pastel", "dark", "mono", "black", "earthy")
_STYLE_P = (0.3, 0.22, 0.1, 0.1, 0.1, 0.1, 0.08)


def hsv(h, s, v) -> tuple:
    r, g, b = colorsys.hsv_to_rgb(float(h) % 1.0, float(np.clip(s, 0, 1)), float(np.clip(v, 0, 1)))
    return (round(r * 255), round(g * 255), round(b * 255))


def mix(a, b, t: float) -> tuple:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


def shade(c, f: float) -> tuple:
    """f > 0 lightens towards white, f < 0 darkens towards black."""
    return mix(c, WHITE, f) if f >= 0 else mix(c, (0, 0, 0), -f)


def visible(c) -> tuple:
    """Keep a colour away from white so it stays distinguishable on the background."""
    return shade(c, -0.25) if min(c) > 215 else c


def palette(rng, n: int, style: str | None = None) -> list:
    """n colours of one random style (brand, material, pastel, dark, mono, black, earthy)."""
    style = style or str(rng.choice(_STYLES, p=_STYLE_P))
    if style == "material":
        return [MATERIAL[i] for i in rng.choice(len(MATERIAL), n, replace=False)]
    h0, offs = rng.random(), _SCHEMES[rng.integers(len(_SCHEMES))]
    hues = [h0 + offs[i % len(offs)] + rng.normal(0, 0.015) for i in range(n)]
    if style == "mono":  # one hue, stepped lightness: monochrome brand systems
        s = rng.uniform(0.5, 0.9)
        return [hsv(h0, s, v) for v in np.linspace(rng.uniform(0.25, 0.45), rng.uniform(0.8, 1), n)]
    lo_s, hi_s, lo_v, hi_v = {
        "brand": (0.65, 1, 0.6, 0.95),
        "pastel": (0.3, 0.55, 0.85, 1),
        "dark": (0.45, 0.9, 0.2, 0.5),
        "earthy": (0.3, 0.6, 0.4, 0.8),
        "black": (0.6, 1, 0.6, 0.95),
    }[style]
    cols = [visible(hsv(h, rng.uniform(lo_s, hi_s), rng.uniform(lo_v, hi_v))) for h in hues]
    if style == "black":  # many brand marks are black or near-black
        cols[0] = DARK_INK[rng.integers(len(DARK_INK))] if rng.random() < 0.5 else (0, 0, 0)
    return cols
