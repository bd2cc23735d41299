"""Deterministic procedural logo generator.

Draws 256x256 RGB logos on white that resemble real brand marks (flat single-colour
silhouettes), flat multi-colour icons and emoji (shading, outlines, many colours).

How it works: every logo is drawn with ImageDraw on a supersampled white design canvas
(`_D` px, shapes defined in unit coordinates and mapped through a frame), then its ink
bounding box is cropped and box-filtered down into the 256 canvas with a random margin.
The box filter averages pixel coverage, which is how SVG rasterisers anti-alias (no
Lanczos ringing: real logos have no over/undershoot colours at edges).
All randomness comes from one `np.random.default_rng(seed)`; no global state, no time.
"""
from __future__ import annotations

import colorsys
import functools
import os

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

# Bumped whenever a seed draws a different picture; datasets record it.
GENERATOR_VERSION = 2
LOGO_TYPES: tuple[str, ...] = ("simple_geometric", "text_based", "gradient", "complex", "abstract")
CANVAS = 256

_D = 768                      # supersampled design canvas (>= 2.4x the output size)
_C = _D / 2
_R = 300.0                    # unit length in design pixels; shapes live roughly in [-1, 1]
_F = (_C, _C, _R, 0.0)        # default frame: centre x, centre y, unit px, rotation
_WHITE = (255, 255, 255)
_TAU = 2 * np.pi


# ----------------------------------------------------------------------------- colours

def _hex(h: str) -> tuple:
    return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))


# Material / flat-icon colours, as in flat-color-icons and many app icons.
_MATERIAL = tuple(_hex(h) for h in (
    "#F44336", "#E91E63", "#9C27B0", "#673AB7", "#3F51B5", "#2196F3", "#03A9F4", "#00BCD4",
    "#009688", "#4CAF50", "#8BC34A", "#CDDC39", "#FFC107", "#FF9800", "#FF5722", "#795548",
    "#607D8B", "#90CAF9", "#FFCA28", "#546E7A", "#37474F", "#1565C0", "#C62828", "#2E7D32",
    "#64B5F6", "#FFB74D", "#81C784", "#BA68C8", "#455A64", "#D84315"))
_SKIN = tuple(_hex(h) for h in ("#FFDBB4", "#F1C27D", "#E0AC69", "#C68642", "#8D5524", "#FFCC80", "#EDB98A"))
_HAIR = tuple(_hex(h) for h in ("#212121", "#4E342E", "#6D4C41", "#A1887F", "#FBC02D", "#BF360C", "#9E9E9E"))
_EMOJI_YELLOW = (_hex("#FFF176"), _hex("#FFCA28"), _hex("#F4A300"))
_DARK_INK = (_hex("#212121"), _hex("#37474F"), _hex("#3E2723"), _hex("#263238"), _hex("#1A237E"))

# Hue offsets of classic harmonies (analogous, complementary, triadic, split-complementary).
_SCHEMES = ((0, .06, -.06, .12), (0, .5, .04, .54), (0, 1 / 3, 2 / 3), (0, .42, .58), (0, .03, -.03))
_STYLES = ("brand", "material", "pastel", "dark", "mono", "black", "earthy")
_STYLE_P = (.3, .22, .1, .1, .1, .1, .08)


def _hsv(h, s, v) -> tuple:
    r, g, b = colorsys.hsv_to_rgb(float(h) % 1.0, float(np.clip(s, 0, 1)), float(np.clip(v, 0, 1)))
    return (round(r * 255), round(g * 255), round(b * 255))


def _mix(a, b, t: float) -> tuple:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


def _shade(c, f: float) -> tuple:
    """f > 0 lightens towards white, f < 0 darkens towards black."""
    return _mix(c, _WHITE, f) if f >= 0 else _mix(c, (0, 0, 0), -f)


def _visible(c) -> tuple:
    """Keep a colour away from white so it stays distinguishable on the background."""
    return _shade(c, -0.25) if min(c) > 215 else c


def _palette(rng, n: int, style: str | None = None) -> list:
    style = style or str(rng.choice(_STYLES, p=_STYLE_P))
    if style == "material":
        return [_MATERIAL[i] for i in rng.choice(len(_MATERIAL), n, replace=False)]
    h0, offs = rng.random(), _SCHEMES[rng.integers(len(_SCHEMES))]
    hues = [h0 + offs[i % len(offs)] + rng.normal(0, .015) for i in range(n)]
    if style == "mono":  # one hue, stepped lightness: monochrome brand systems
        s = rng.uniform(.5, .9)
        return [_hsv(h0, s, v) for v in np.linspace(rng.uniform(.25, .45), rng.uniform(.8, 1), n)]
    lo_s, hi_s, lo_v, hi_v = {"brand": (.65, 1, .6, .95), "pastel": (.3, .55, .85, 1),
                              "dark": (.45, .9, .2, .5), "earthy": (.3, .6, .4, .8),
                              "black": (.6, 1, .6, .95)}[style]
    cols = [_visible(_hsv(h, rng.uniform(lo_s, hi_s), rng.uniform(lo_v, hi_v))) for h in hues]
    if style == "black":  # many brand marks are black or near-black
        cols[0] = _DARK_INK[rng.integers(len(_DARK_INK))] if rng.random() < .5 else (0, 0, 0)
    return cols


# ----------------------------------------------------------------------------- geometry
# A "shape" is a list of elements (kind, sign, points, width) in unit coordinates:
# kind "p" = filled polygon, "l" = open stroke with round caps, "c" = closed stroke;
# sign 0 punches a hole (drawn with the mask's "off" value).

def _P(pts, sign=1):
    return ("p", sign, np.asarray(pts, float), 0.0)


def _L(pts, w, closed=False, sign=1):
    return ("c" if closed else "l", sign, np.asarray(pts, float), float(w))


def _ell(rx=1., ry=None, cx=0., cy=0., a0=0., a1=_TAU, n=96):
    ry = rx if ry is None else ry
    full = abs(a1 - a0) >= _TAU - 1e-9
    t = np.linspace(a0, a1, n, endpoint=not full)
    return np.c_[cx + rx * np.cos(t), cy + ry * np.sin(t)]


def _rot(pts, a):
    c, s = np.cos(a), np.sin(a)
    return pts @ np.array([[c, s], [-s, c]])


def _chaikin(pts, it=2):
    """Corner-cutting smoothing of a closed polygon: gives rounded corners cheaply."""
    for _ in range(it):
        nxt = np.roll(pts, -1, axis=0)
        pts = np.stack([.75 * pts + .25 * nxt, .25 * pts + .75 * nxt], 1).reshape(-1, 2)
    return pts


def _ngon(k, r=1., a0=-np.pi / 2):
    t = a0 + np.arange(k) * _TAU / k
    return np.c_[r * np.cos(t), r * np.sin(t)]


def _star_pts(k, inner):
    t = -np.pi / 2 + np.arange(2 * k) * np.pi / k
    r = np.where(np.arange(2 * k) % 2 == 0, 1.0, inner)
    return np.c_[r * np.cos(t), r * np.sin(t)]


def _rrect(w, h, r, cx=0., cy=0.):
    r = min(r, w / 2, h / 2)
    corners = ((w / 2 - r, h / 2 - r, 0), (-w / 2 + r, h / 2 - r, .5 * np.pi),
               (-w / 2 + r, -h / 2 + r, np.pi), (w / 2 - r, -h / 2 + r, 1.5 * np.pi))
    arcs = [_ell(r, r, cx + x, cy + y, a, a + np.pi / 2, n=10) for x, y, a in corners]
    return np.vstack(arcs)


def _bez(p, n=48):
    """Cubic Bezier through 4 control points (4x2)."""
    t = np.linspace(0, 1, n)[:, None]
    p = np.asarray(p, float)
    return (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t ** 2 * p[2] + t ** 3 * p[3]


def _ribbon(c, w):
    """Polygon around centre line c with per-point width w: tapered strokes / swooshes."""
    d = np.gradient(c, axis=0)
    nrm = np.c_[-d[:, 1], d[:, 0]] / (np.linalg.norm(d, axis=1, keepdims=True) + 1e-9)
    half = (np.broadcast_to(w, len(c)) / 2)[:, None]
    return np.vstack([c + nrm * half, (c - nrm * half)[::-1]])


def _blob_pts(rng, k=4, amp=.22, r=1., n=128):
    """Smooth random closed curve: a circle with a few low Fourier harmonics."""
    t = np.linspace(0, _TAU, n, endpoint=False)
    rad = np.ones(n)
    for j in range(2, 2 + k):
        rad += amp / j ** .8 * rng.normal() * np.cos(j * t + rng.uniform(0, _TAU))
    rad = np.clip(rad, .45, None) * r
    return np.c_[rad * np.cos(t), rad * np.sin(t)]


def _drop_pts(r=.62):
    """Teardrop pointing up: circle plus tangent lines to an apex."""
    c, apex = np.array([0, 1 - r]), np.array([0., -1.])
    b = np.arccos(r / np.linalg.norm(apex - c))
    arc = _ell(r, r, 0, 1 - r, -np.pi / 2 + b, 1.5 * np.pi - b, n=64)
    return np.vstack([apex, arc])


def _heart_pts(n=96):
    t = np.linspace(0, _TAU, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return np.c_[x, y + 2.5] / 16.5


def _gear_pts(k, depth=.18):
    t = np.linspace(0, _TAU, k * 16, endpoint=False)
    tooth = (np.cos(k * t) > 0).astype(float)
    return _chaikin(np.c_[np.cos(t), np.sin(t)] * (1 - depth + depth * tooth)[:, None], 1)


def _arc_band(r0, r1, a0, a1, n=48):
    return np.vstack([_ell(r1, r1, 0, 0, a0, a1, n), _ell(r0, r0, 0, 0, a1, a0, n)])


def _shield_pts():
    left = _bez([(0, 1), (-.55, .75), (-.85, .3), (-.85, -.8)], 24)
    top = np.array([(-.85, -.8), (0, -1), (.85, -.8)])
    right = left[::-1] * [-1, 1]
    return np.vstack([left, top[1:2], right])


_SHAPES = {
    "circle": lambda rng: [_P(_ell())],
    "ring": lambda rng: [_P(_ell()), _P(_ell(rng.uniform(.55, .8)), 0)],
    "triangle": lambda rng: [_P(_chaikin(_ngon(3) + [0, .2], int(rng.integers(0, 3))))],
    "diamond": lambda rng: [_P(_ngon(4))],
    "pentagon": lambda rng: [_P(_ngon(5))],
    "hexagon": lambda rng: [_P(_chaikin(_ngon(6, a0=rng.choice([0, np.pi / 6])), int(rng.integers(0, 3))))],
    "octagon": lambda rng: [_P(_ngon(8, a0=np.pi / 8))],
    "star": lambda rng: [_P(_chaikin(_star_pts(int(rng.integers(4, 9)), rng.uniform(.38, .6)),
                                     int(rng.integers(0, 2))))],
    "rrect": lambda rng: [_P(_rrect(2, 2 * rng.uniform(.6, 1), rng.uniform(.15, .5)))],
    "squircle": lambda rng: [_P(np.sign(_ell()) * np.abs(_ell()) ** .4)],
    "heart": lambda rng: [_P(_heart_pts())],
    "drop": lambda rng: [_P(_drop_pts())],
    "pin": lambda rng: [_P(_drop_pts() * [1, -1]), _P(_ell(.25, .25, 0, -.38), 0)],
    "shield": lambda rng: [_P(_shield_pts())],
    "crescent": lambda rng: [_P(_ell()), _P(_ell(.85, .85, rng.uniform(.35, .6), -.2), 0)],
    "gear": lambda rng: [_P(_gear_pts(int(rng.integers(6, 11)))), _P(_ell(rng.uniform(.3, .5)), 0)],
    "plus": lambda rng: (lambda t: [_P([(-t, -1), (t, -1), (t, -t), (1, -t), (1, t), (t, t), (t, 1),
                                        (-t, 1), (-t, t), (-1, t), (-1, -t), (-t, -t)])])(rng.uniform(.2, .38)),
    "chevron": lambda rng: [_L([(-.9, -.45), (0, .45), (.9, -.45)], rng.uniform(.25, .45))],
    "check": lambda rng: [_L([(-.75, 0), (-.25, .5), (.8, -.6)], rng.uniform(.22, .35))],
    "arrow": lambda rng: [_P([(-1, -.22), (.2, -.22), (.2, -.6), (1, 0), (.2, .6), (.2, .22), (-1, .22)])],
    "bolt": lambda rng: [_P([(.25, -1), (-.6, .15), (-.05, .15), (-.3, 1), (.6, -.2), (.05, -.2)])],
    "leaf": lambda rng: [_P(np.vstack([_ell(1.3, 1.3, -.8, 0, -.66, .66, 24),
                                       _ell(1.3, 1.3, .8, 0, np.pi - .66, np.pi + .66, 24)]) @ [[0, 1], [1, 0]])],
    "cloud": lambda rng: [_P(_ell(.42, .42, -.5, .15)), _P(_ell(.55, .55, .05, -.15)),
                          _P(_ell(.4, .4, .55, .15)), _P(_rrect(1.9, .6, .3, 0, .28))],
    "bubble": lambda rng: [_P(_rrect(2, 1.5, .35, 0, -.2)), _P([(-.5, .5), (-.6, 1), (0, .5)])],
    "arc": lambda rng: [_P(_arc_band(.6, 1, np.pi, _TAU))],
    "bars": lambda rng: [_P(_rrect(1.8, .36, .18, 0, y)) for y in (-.6, 0, .6)],
    "house": lambda rng: [_P([(-.8, 1), (-.8, -.1), (0, -.9), (.8, -.1), (.8, 1)])],
}
_SOLIDS = ("circle", "star", "hexagon", "triangle", "heart", "drop", "shield", "crescent", "gear", "pin",
           "cloud", "bolt", "leaf", "diamond", "arc", "ring", "plus", "bubble", "rrect", "squircle",
           "pentagon", "house")
_CONTAINERS = ("circle", "rrect", "squircle", "hexagon", "shield", "octagon", "circle", "rrect")
_SYMBOLS = ("star", "chevron", "plus", "bolt", "arrow", "check", "triangle", "ring", "heart", "drop",
            "circle", "diamond", "crescent", "bars", "cloud", "leaf", "house", "pin")


def _shape(rng, name):
    return _SHAPES[name](rng)


# ----------------------------------------------------------------------------- painting

def _px(pts, x, y, s, rot, F):
    p = _rot(pts, rot) * s + (x, y)
    return _rot(p, F[3]) * F[2] + (F[0], F[1])


def _render(d, shape, on, off, x, y, s, rot, F):
    for kind, sign, pts, w in shape:
        xy = _px(pts, x, y, s, rot, F)
        fill = on if sign else off
        if kind == "p":
            d.polygon(xy.ravel().tolist(), fill=fill)
            continue
        wpx = max(1, int(round(w * s * F[2])))
        if kind == "c":
            xy = np.vstack([xy, xy[:2]])  # overlap the seam so the joint is drawn
        d.line(xy.ravel().tolist(), fill=fill, width=wpx, joint="curve")
        if kind == "l":  # round caps
            for cx, cy in (xy[0], xy[-1]):
                d.ellipse((cx - wpx / 2, cy - wpx / 2, cx + wpx / 2, cy + wpx / 2), fill=fill)


def _apply(img, render, paint, alpha=1.0, direct_ok=True):
    """Paint geometry drawn by render(draw, on, off) with a flat colour or a gradient.

    Opaque flat fills are drawn straight onto the canvas (fast); holes, translucency and
    gradients go through an L mask cropped to the ink box."""
    if isinstance(paint, tuple) and alpha >= 1 and direct_ok:
        render(ImageDraw.Draw(img), paint, None)
        return
    m = Image.new("L", img.size, 0)
    render(ImageDraw.Draw(m), int(round(255 * alpha)), 0)
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


def _put(img, shape, paint, x=0., y=0., s=1., rot=0., alpha=1., F=_F):
    _apply(img, lambda d, on, off: _render(d, shape, on, off, x, y, s, rot, F),
           paint, alpha, all(e[1] for e in shape))


def _outline(img, shape, color, w, x=0., y=0., s=1., rot=0., alpha=1., F=_F):
    """Stroke every polygon of a shape (outline-style icons, emoji contours)."""
    lines = [_L(p, w / max(s, 1e-6), closed=(k != "l")) for k, _, p, _ in shape]
    _put(img, lines, color, x, y, s, rot, alpha, F)


def _grad(stops, kind="linear", angle=0., center=(.5, .5), radius=.7):
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
            t = (np.arctan2(v - center[1] * h, u - center[0] * w) / _TAU + angle) % 1.0
        rgba = np.stack([np.interp(t, ts, cols[:, k]) for k in range(4)], -1)
        im = Image.fromarray(np.round(rgba).astype(np.uint8), "RGBA")
        return im.resize((w, h), Image.BILINEAR)
    return paint


def _rand_grad(rng, c0, c1, kind=None):
    kind = kind or str(rng.choice(["linear", "radial", "conic"], p=[.6, .3, .1]))
    if kind == "conic":
        return _grad([(0, c0), (.5, c1), (1, c0)], "conic", rng.random())
    if kind == "radial":
        return _grad([(0, c0), (1, c1)], "radial", center=(rng.uniform(.25, .6), rng.uniform(.2, .5)),
                     radius=rng.uniform(.55, .9))
    return _grad([(0, c0), (1, c1)], "linear", rng.uniform(0, _TAU))


# ----------------------------------------------------------------------------- text

@functools.lru_cache(maxsize=1)
def _font_dir() -> str:
    import matplotlib  # bundled TTFs travel with the wheel; system fonts may be absent
    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


@functools.lru_cache(maxsize=256)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(os.path.join(_font_dir(), name), size)


_FONTS = {  # (regular/light, bold, italic, bold-italic) per family
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"),
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
             "DejaVuSansMono-BoldOblique.ttf"),
    "stix": ("STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf"),
    "cm": ("cmss10.ttf", "cmb10.ttf", "cmti10.ttf", "cmr10.ttf"),
}


def _rand_font(rng, bold_p=.55) -> str:
    fam = _FONTS[str(rng.choice(list(_FONTS), p=[.45, .2, .1, .15, .1]))]
    bold = rng.random() < bold_p
    italic = rng.random() < .15
    return fam[int(bold) + 2 * int(italic)]


def _font_for(name, text, width, max_h=10 ** 6):
    """Font size (quantised so the lru cache stays small) making `text` about `width` px wide."""
    ref = _font(name, 100)
    l, t, r, b = ref.getbbox(text)
    size = 100 * min(width / max(r - l, 1), max_h / max(b - t, 1))
    return _font(name, int(max(16, min(560, size)) // 8 * 8))


def _text(img, s, font, paint, cx, cy, alpha=1.0):
    """Draw text with its ink box centred on (cx, cy); returns the ink box."""
    l, t, r, b = font.getbbox(s)
    org = (cx - (l + r) / 2, cy - (t + b) / 2)
    _apply(img, lambda d, on, off: d.text(org, s, font=font, fill=on), paint, alpha)
    return (org[0] + l, org[1] + t, org[0] + r, org[1] + b)


_CONS, _VOW = "bcdfghklmnprstvwxz", "aeiouy"


def _word(rng, lo=2, hi=3) -> str:
    syl = []
    for _ in range(int(rng.integers(lo, hi + 1))):
        s = _CONS[rng.integers(len(_CONS))] + _VOW[rng.integers(len(_VOW))]
        syl.append(s + (_CONS[rng.integers(len(_CONS))] if rng.random() < .35 else ""))
    w = "".join(syl)
    case = rng.choice(["lower", "title", "upper"], p=[.4, .35, .25])
    return w.upper() if case == "upper" else w.title() if case == "title" else w


def _initials(rng, k) -> str:
    return "".join(chr(65 + int(rng.integers(26))) for _ in range(k))


# ----------------------------------------------------------------------------- simple_geometric

def _sg_silhouette(img, rng, pal):
    name = str(rng.choice(_SOLIDS))
    rot = rng.choice([0., 0., rng.uniform(-.6, .6), np.pi / 4])
    _put(img, _shape(rng, name), pal[0], rot=rot)
    if rng.random() < .5:  # negative-space cut-out, the classic brand-mark trick
        sym = str(rng.choice(_SYMBOLS))
        _put(img, _shape(rng, sym), _WHITE, rng.uniform(-.15, .15), rng.uniform(-.1, .15),
             rng.uniform(.3, .5), rot=rng.choice([0., rng.uniform(-.5, .5)]))
    elif rng.random() < .3:  # white slashes cut through the mark
        k, w, a = int(rng.integers(1, 4)), rng.uniform(.06, .14), rng.uniform(-.8, .8)
        for i in range(k):
            _put(img, [_L([(-1.3, 0), (1.3, 0)], w)], _WHITE, 0, (i - (k - 1) / 2) * 3 * w, rot=a)
    elif rng.random() < .4:  # a satellite dot or second mass
        a = rng.uniform(0, _TAU)
        _put(img, [_P(_ell())], pal[int(rng.integers(0, min(2, len(pal))))], 1.05 * np.cos(a),
             1.05 * np.sin(a), rng.uniform(.12, .3))


def _sg_badge(img, rng, pal):
    cont = str(rng.choice(_CONTAINERS))
    sym = str(rng.choice(_SYMBOLS))
    fg = _WHITE if rng.random() < .7 else pal[1]
    if rng.random() < .25:  # outlined container, coloured symbol
        _outline(img, _shape(rng, cont), pal[0], rng.uniform(.07, .16))
        fg = pal[int(rng.integers(0, 2))]
    else:
        _put(img, _shape(rng, cont), pal[0])
    _put(img, _shape(rng, sym), fg, 0, 0, rng.uniform(.42, .6), rot=rng.choice([0., 0., rng.uniform(-.4, .4)]))


def _sg_outline(img, rng, pal):
    name = str(rng.choice(_SOLIDS[:16]))
    w = rng.uniform(.06, .2)
    rot = rng.choice([0., rng.uniform(-.5, .5)])
    _outline(img, _shape(rng, name), pal[0], w, rot=rot)
    if rng.random() < .5:
        _put(img, [_P(_ell())], pal[int(rng.integers(0, len(pal)))], 0, 0, rng.uniform(.15, .35))


def _sg_rosette(img, rng, pal):
    k = int(rng.integers(3, 9))
    petal = str(rng.choice(["circle", "drop", "triangle", "leaf", "rrect", "diamond", "chevron"]))
    sc, dist = rng.uniform(.3, .45), rng.uniform(.45, .65)
    ncol = int(rng.integers(1, min(3, len(pal)) + 1))
    base = _shape(rng, petal)
    for i in range(k):
        a = i * _TAU / k
        _put(img, base, pal[i % ncol], dist * np.cos(a - np.pi / 2), dist * np.sin(a - np.pi / 2), sc, rot=a)


def _sg_grid(img, rng, pal):
    n, m = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    cell = str(rng.choice(["circle", "rrect", "diamond", "hexagon"]))
    step, keep = 2 / max(n, m), rng.uniform(.6, 1)
    base = _shape(rng, cell)
    for i in range(n):
        for j in range(m):
            if rng.random() < keep or (i + j == 0):
                c = pal[0] if rng.random() < .7 else pal[1]
                _put(img, base, c, (j - (m - 1) / 2) * step, (i - (n - 1) / 2) * step, step * rng.uniform(.3, .45))


def _sg_concentric(img, rng, pal):
    k = int(rng.integers(2, 5))
    arc = rng.random() < .5
    for i in range(k):
        r1, r0 = 1 - i / k, 1 - (i + .55) / k
        a0 = rng.uniform(0, _TAU) if arc else 0
        pts = _arc_band(r0, r1, a0, a0 + (rng.uniform(1.2, 1.8) * np.pi if arc else _TAU))
        _put(img, [_P(pts)], pal[i % len(pal)])


def _sg_stack(img, rng, pal):
    k = int(rng.integers(2, 5))
    sh = _shape(rng, str(rng.choice(["chevron", "diamond", "rrect", "arc"])))
    squash = rng.uniform(.35, .6)
    for i in range(k):
        y = (i - (k - 1) / 2) * squash * rng.uniform(1.2, 1.6)
        c = pal[i % len(pal)] if rng.random() < .5 else pal[0]
        _put(img, [(e[0], e[1], e[2] * [1, squash], e[3]) for e in sh], c, 0, y, 1.0)


# Single-colour brand marks (simple-icons style): one ink, white cut-outs, drawn to fill the
# canvas. VTracer's worst failures on real marks come from these: pure black ink at low
# colour precision, and long straight edges lying flush with the image border.

def _mark_ink(rng, pal) -> tuple:
    """Ink of a one-colour mark: pure black and near-black are common among brand marks."""
    u = rng.random()
    return (0, 0, 0) if u < .25 else _DARK_INK[rng.integers(len(_DARK_INK))] if u < .4 else pal[0]


def _sq(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _bands(rng, kind):
    """k parallel bands of thickness t: nested L-shapes, nested square frames or left-aligned bars."""
    k, t = int(rng.integers(2, 5)), rng.uniform(.16, .32)
    g = t * rng.uniform(.4, 1.1)
    els = []
    for i in range(k):
        o = i * (t + g)
        if kind == "L" and o + t < 1.9:
            els.append(_P([(-1 + o, -1 + o), (1, -1 + o), (1, -1 + o + t), (-1 + o + t, -1 + o + t), (-1 + o + t, 1),
                           (-1 + o, 1)]))
        elif kind == "frame" and o + t < 1:
            els += [_P(_sq(-1 + o, -1 + o, 1 - o, 1 - o)), _P(_sq(-1 + o + t, -1 + o + t, 1 - o - t, 1 - o - t), 0)]
        elif kind == "bars" and o + t < 2:
            els.append(_P(_sq(-1, -1 + o, 1 if i == 0 else rng.uniform(-.2, 1), -1 + o + t)))
    c = k * (t + g)
    if kind == "frame" and c < .8 and rng.random() < .5:  # solid core
        els.append(_P(_sq(-1 + c, -1 + c, 1 - c, 1 - c)))
    return els


def _stairs(rng):
    """Staircase silhouette: k square steps rising from bottom-left to top-right."""
    k = int(rng.integers(2, 5))
    st = 2 / k
    pts = [(-1, 1)]
    for i in range(k):
        pts += [(-1 + st * i, 1 - st * (i + 1)), (-1 + st * (i + 1), 1 - st * (i + 1))]
    return [_P(pts + [(1, 1)])]


def _blocks(rng):
    """Square cells with thin gaps, some missing (pixel / tetromino marks)."""
    n = int(rng.integers(2, 4))
    st, g = 2 / n, rng.uniform(.03, .12)
    keep = rng.random((n, n)) < rng.uniform(.55, .9)
    keep[0, 0] = keep[-1, -1] = True  # keep the full extent
    return [_P(_sq(-1 + j * st + g / 2, -1 + i * st + g / 2, -1 + (j + 1) * st - g / 2, -1 + (i + 1) * st - g / 2))
            for i in range(n) for j in range(n) if keep[i, j]]


def _sg_frames(img, rng, pal):
    """Bands, frames, stairs or blocks: straight edges that end up flush with the image
    border once the mark is scaled to fill the canvas (VTracer often fits them badly)."""
    kind = str(rng.choice(["L", "frame", "bars", "stairs", "blocks"]))
    els = _stairs(rng) if kind == "stairs" else _blocks(rng) if kind == "blocks" else _bands(rng, kind)
    rot = float(rng.choice([0, .5, 1, 1.5])) * np.pi
    _put(img, els, _mark_ink(rng, pal), rot=rot)


def _sg_tile(img, rng, pal):
    """A container that fills the canvas (app square, shield, book, disc) with white
    cut-outs: a bold letter, a symbol, or a set of holes."""
    ink = _mark_ink(rng, pal)
    cont = str(rng.choice(["square", "rrect", "rrect", "shield", "circle", "hexagon", "book"]))
    if cont == "square":
        shape = [_P(_sq(-1, -1, 1, 1))]
    elif cont == "rrect":
        shape = [_P(_rrect(2, 2 * rng.uniform(.75, 1), rng.uniform(.05, .35)))]
    elif cont == "book":  # cover with a page block behind it (mdbook-like)
        d = rng.uniform(.1, .2)
        _put(img, [_P(_rrect(1.7, 1.9, .12, d / 2, d / 2))], ink)
        _outline(img, [_P(_rrect(1.7, 1.9, .12, -d / 2, -d / 2))], _WHITE, rng.uniform(.05, .09))
        shape = [_P(_rrect(1.7, 1.9, .12, -d / 2, -d / 2))]
    else:
        shape = _shape(rng, cont)
    _put(img, shape, ink, rot=float(rng.choice([0, 0, rng.uniform(-.2, .2)])))
    u = rng.random()
    if u < .45:
        letters = _initials(rng, int(rng.choice([1, 1, 2])))
        font = _font_for(_rand_font(rng, .9), letters, _R * rng.uniform(.9, 1.3), _R * 1.2)
        _text(img, letters, font, _WHITE, _C + rng.uniform(-.1, .1) * _R, _C + rng.uniform(-.1, .15) * _R)
    elif u < .8:
        _put(img, _shape(rng, str(rng.choice(_SYMBOLS))), _WHITE, rng.uniform(-.15, .15), rng.uniform(-.15, .15),
             rng.uniform(.35, .6), rot=float(rng.choice([0., rng.uniform(-.5, .5)])))
    else:
        _holes(img, rng, .8)


def _holes(img, rng, r):
    """Several white holes inside radius r: dots, bars or slots."""
    kind = rng.choice(["dots", "slots", "rings"])
    if kind == "dots":
        n = int(rng.integers(2, 4))
        step = 2 * r / n
        d = step * rng.uniform(.25, .4)
        for i in range(n):
            for j in range(n):
                _put(img, [_P(_ell(d, d, (j - (n - 1) / 2) * step, (i - (n - 1) / 2) * step))], _WHITE)
    elif kind == "slots":
        n = int(rng.integers(2, 5))
        w = 2 * r / (2 * n)
        for i in range(n):
            _put(img, [_P(_rrect(2 * r * rng.uniform(.5, 1), w, w * rng.uniform(0, .5), 0, (i - (n - 1) / 2) * 2 * w))],
                 _WHITE)
    else:
        for i in range(int(rng.integers(2, 5))):
            _outline(img, [_P(_ell(r * (1 - .22 * i)))], _WHITE, rng.uniform(.03, .07))


def _sg_disc(img, rng, pal):
    """Thick concentric rings / record disc with cut-out grooves, slices and a hub."""
    ink = _mark_ink(rng, pal)
    _put(img, [_P(_ell())], ink)
    k, w = int(rng.integers(2, 6)), rng.uniform(.03, .09)
    for i in range(k):
        r = .3 + .65 * (i + 1) / (k + 1)
        _outline(img, [_P(_ell(r))], _WHITE, w)
    if rng.random() < .6:  # a wedge or straight slice cut through the rings
        a0 = rng.uniform(0, _TAU)
        _put(img, [_P(np.vstack([[(0, 0)], _ell(1.2, 1.2, 0, 0, a0, a0 + rng.uniform(.15, .6), 8)]))], _WHITE)
    _put(img, [_P(_ell(rng.uniform(.15, .3)))], _WHITE)
    if rng.random() < .6:
        _put(img, [_P(_ell(rng.uniform(.03, .08)))], ink)


def _sg_cards(img, rng, pal):
    """Stacked layers separated by thin white gaps (stacked discs, cards, chevrons)."""
    ink = _mark_ink(rng, pal)
    sh = _shape(rng, str(rng.choice(["circle", "rrect", "diamond", "hexagon"])))
    k, sq = int(rng.integers(2, 5)), rng.uniform(.3, .55)
    gap = rng.uniform(.04, .09)
    flat = [(e[0], e[1], e[2] * [1, sq], e[3]) for e in sh]
    for i in reversed(range(k)):
        y = (i - (k - 1) / 2) * sq * rng.uniform(.9, 1.3)
        _outline(img, flat, _WHITE, gap * 2, 0, y)
        _put(img, flat, ink, 0, y)


def _simple_geometric(img, rng):
    pal = _palette(rng, int(rng.integers(1, 4)) + 1, rng.choice(["brand", "black", "material", "dark", "mono"]))
    mode = rng.choice([_sg_silhouette, _sg_badge, _sg_outline, _sg_rosette, _sg_grid, _sg_concentric, _sg_stack,
                       _sg_frames, _sg_tile, _sg_disc, _sg_cards],
                      p=[.14, .1, .07, .05, .05, .05, .05, .2, .16, .07, .06])
    mode(img, rng, pal)


# ----------------------------------------------------------------------------- text_based

def _tb_wordmark(img, rng, pal):
    word = _word(rng)
    font = _font_for(_rand_font(rng), word, rng.uniform(480, 700))
    split = int(rng.integers(1, len(word))) if rng.random() < .3 and len(word) > 2 else 0
    if split:  # two-colour wordmark ("face" + "book" style)
        a, b = word[:split], word[split:]
        la, lb = font.getlength(a), font.getlength(b)
        x0 = _C - (la + lb) / 2
        _apply(img, lambda d, on, off: d.text((x0, _C), a, font=font, fill=on, anchor="ls"), pal[0])
        _apply(img, lambda d, on, off: d.text((x0 + la, _C), b, font=font, fill=on, anchor="ls"), pal[1])
        box = (x0, _C - font.size * .7, x0 + la + lb, _C)
    else:
        box = _text(img, word, font, pal[0], _C, _C)
    if rng.random() < .4:  # tagline / underline accent
        _tb_tagline(img, rng, pal, box)


def _tb_tagline(img, rng, pal, box):
    w = box[2] - box[0]
    if rng.random() < .5:
        y = box[3] + .15 * (box[3] - box[1])
        h = rng.uniform(.04, .1) * w
        _put(img, [_P(_rrect(w * rng.uniform(.4, 1), h, h / 2 * rng.random()))], pal[-1],
             F=(_C, y + h / 2, 1.0, 0.0))
        return
    tag = " ".join(_word(rng, 1, 2).upper() for _ in range(int(rng.integers(1, 3))))
    tag = " ".join(tag) if rng.random() < .5 else tag  # letter-spaced caps
    f = _font_for(_rand_font(rng, .3), tag, w * rng.uniform(.6, 1), (box[3] - box[1]) * .4)
    _text(img, tag, f, _shade(pal[-1], .1) if len(pal) > 1 else (120, 120, 120), _C,
          box[3] + f.size * .8)


def _tb_monogram(img, rng, pal):
    letters = _initials(rng, int(rng.choice([1, 1, 2, 2, 3])))
    cont = str(rng.choice(["circle", "rrect", "squircle", "hexagon", "shield", "ring"]))
    font = _font_for(_rand_font(rng, .8), letters, _R * rng.uniform(.8, 1.2), _R * 1.1)
    if cont == "ring" or rng.random() < .2:  # outlined badge, coloured letters
        _outline(img, _shape(rng, "circle" if cont == "ring" else cont), pal[0], rng.uniform(.05, .12))
        _text(img, letters, font, pal[int(rng.integers(0, 2))], _C, _C)
    else:
        _put(img, _shape(rng, cont), pal[0])
        _text(img, letters, font, _WHITE if rng.random() < .8 else pal[1], _C, _C)


def _tb_icon_word(img, rng, pal):
    word = _word(rng)
    font = _font_for(_rand_font(rng), word, rng.uniform(380, 520))
    l, t, r, b = font.getbbox(word)
    th = b - t
    icon = _shape(rng, str(rng.choice(_SOLIDS + _SYMBOLS[:6])))
    if rng.random() < .6:  # icon left of the word
        s = th * rng.uniform(.6, .9) / _R
        tx = _C + (s * _R + 20) / 2
        _put(img, icon, pal[1], (tx - (r - l) / 2 - 20 - s * _R - _C) / _R, 0, s)
        _text(img, word, font, pal[0], tx, _C)
    else:  # icon stacked above
        s = rng.uniform(.25, .4)
        _put(img, icon, pal[1], 0, -s - .05, s)
        _text(img, word, font, pal[0], _C, _C + th / 2 + 10)


def _tb_boxed(img, rng, pal):
    word = _word(rng, 1, 2).upper()
    font = _font_for(_rand_font(rng, .9), word, rng.uniform(380, 560), 260)
    l, t, r, b = font.getbbox(word)
    pw, ph = (r - l) * rng.uniform(1.15, 1.35), (b - t) * rng.uniform(1.5, 2.2)
    box = _rrect(pw / _R, ph / _R, rng.uniform(0, .5) * ph / _R)
    if rng.random() < .75:
        _put(img, [_P(box)], pal[0])
        _text(img, word, font, _WHITE, _C, _C)
    else:
        _outline(img, [_P(box)], pal[0], rng.uniform(.03, .07))
        _text(img, word, font, pal[0], _C, _C)


def _tb_letter(img, rng, pal):
    """One or two big bold glyphs as the whole mark (single colour, scaled to the edges),
    sometimes with a dot or bar accent or a white slash through them."""
    ink = _mark_ink(rng, pal)
    letters = _initials(rng, int(rng.choice([1, 1, 2])))
    if rng.random() < .35:
        letters = letters.lower()
    fam = _FONTS[str(rng.choice(["sans", "sans", "serif", "mono", "stix"]))]
    font = _font_for(fam[1 + 2 * int(rng.random() < .2)], letters, 560, 560)
    box = _text(img, letters, font, ink, _C, _C)
    u = rng.random()
    if u < .25:  # accent dot beside the glyphs
        r = (box[3] - box[1]) * rng.uniform(.1, .18)
        x, y = box[2] + r * 1.3, box[1] + r if rng.random() < .5 else box[3] - r
        _put(img, [_P(_ell())], ink, F=(x, y, r, 0.))
    elif u < .45:  # white slash through the glyphs
        _put(img, [_L([(-1.3, 0), (1.3, 0)], rng.uniform(.05, .1))], _WHITE, 0, rng.uniform(-.2, .2),
             rot=rng.uniform(-.8, .8))


def _text_based(img, rng):
    pal = _palette(rng, 3, rng.choice(["brand", "black", "material", "dark", "mono"]))
    mode = rng.choice([_tb_wordmark, _tb_monogram, _tb_icon_word, _tb_boxed, _tb_letter], p=[.3, .2, .17, .13, .2])
    mode(img, rng, pal)


# ----------------------------------------------------------------------------- gradient

def _gr_app_icon(img, rng, pal):
    cont = str(rng.choice(["rrect", "circle", "squircle", "hexagon", "shield"]))
    _put(img, _shape(rng, cont), _rand_grad(rng, pal[0], pal[1]))
    sym = _shape(rng, str(rng.choice(_SYMBOLS)))
    fg = _WHITE if rng.random() < .6 else _rand_grad(rng, _shade(pal[2], .5), _WHITE, "linear")
    if rng.random() < .3:
        _outline(img, sym, _WHITE, rng.uniform(.06, .12), 0, 0, rng.uniform(.4, .55))
    else:
        _put(img, sym, fg, 0, 0, rng.uniform(.4, .6))


def _gr_orb(img, rng, pal):
    """Emoji-like shaded ball: radial light, soft highlight and a ground shadow."""
    c = pal[0]
    if rng.random() < .3:
        _put(img, [_P(_ell(.8, .12, 0, 1.02))], (0, 0, 0), alpha=.15)
    shape = _shape(rng, str(rng.choice(["circle", "circle", "heart", "drop", "squircle", "star"])))
    _put(img, shape, _grad([(0, _shade(c, .45)), (.55, c), (1, _shade(c, -.35))], "radial",
                           center=(rng.uniform(.3, .45), rng.uniform(.25, .4)), radius=.75))
    hl = _grad([(0, (255, 255, 255, 200)), (1, (255, 255, 255, 0))], "radial", center=(.5, .5), radius=.5)
    _put(img, [_P(_ell(.35, .22, -.3, -.5))], hl, rot=rng.uniform(-.3, .3))


def _gr_shape(img, rng, pal):
    sh, rot = _shape(rng, str(rng.choice(_SOLIDS))), rng.choice([0., rng.uniform(-.5, .5)])
    _put(img, sh, _rand_grad(rng, pal[0], pal[1]), rot=rot)
    if rng.random() < .35:
        _outline(img, sh, _shade(pal[1], -.3), rng.uniform(.03, .08), rot=rot)


def _gr_ring(img, rng, pal):
    if rng.random() < .5:
        sh = [_P(_ell()), _P(_ell(rng.uniform(.55, .8)), 0)]
    else:
        a0 = rng.uniform(0, _TAU)
        sh = [_P(_arc_band(rng.uniform(.55, .75), 1, a0, a0 + rng.uniform(1.2, 1.85) * np.pi))]
    _put(img, sh, _rand_grad(rng, pal[0], pal[1], rng.choice(["conic", "linear"])))
    if rng.random() < .5:
        _put(img, [_P(_ell())], _rand_grad(rng, pal[1], pal[2]), 0, 0, rng.uniform(.2, .35))


def _gr_layers(img, rng, pal):
    k = int(rng.integers(2, 4))
    alpha = rng.choice([1., 1., rng.uniform(.7, .9)])
    for i in range(k):
        sh = [_P(_blob_pts(rng, amp=.25))] if rng.random() < .5 else _shape(rng, str(rng.choice(_SOLIDS[:12])))
        _put(img, sh, _rand_grad(rng, pal[i % 3], pal[(i + 1) % 3]), rng.uniform(-.45, .45),
             rng.uniform(-.45, .45), rng.uniform(.45, .7), rng.uniform(-.5, .5), alpha)


def _gr_scene(img, rng, pal):
    """Gradient sky in a badge with flat shapes in front (sunset / landscape marks)."""
    cont = _shape(rng, str(rng.choice(["circle", "rrect", "squircle"])))
    _put(img, cont, _grad([(0, _shade(pal[0], .2)), (1, pal[1])], "linear", np.pi / 2 + rng.normal(0, .2)))
    _put(img, [_P(_ell())], _shade(pal[2], .3), rng.uniform(-.3, .3), rng.uniform(-.3, .1), rng.uniform(.15, .3))
    m = np.linspace(-1, 1, 48)
    for i, c in enumerate((_shade(pal[2], -.3), _shade(pal[2], -.55))):  # two hill bands
        y = .15 + .25 * i + .12 * np.sin(m * rng.uniform(2, 5) + rng.uniform(0, _TAU))
        band = np.vstack([np.c_[m, y], [(1, 1.2), (-1, 1.2)]])
        _put_clipped(img, [_P(band)], cont, c)


def _put_clipped(img, shape, clip, paint):
    """Paint `shape` only where `clip` is (intersection of two masks)."""
    m1, m2 = Image.new("L", img.size, 0), Image.new("L", img.size, 0)
    _render(ImageDraw.Draw(m1), shape, 255, 0, 0, 0, 1, 0, _F)
    _render(ImageDraw.Draw(m2), clip, 255, 0, 0, 0, 1, 0, _F)
    m = ImageChops.multiply(m1, m2)
    box = m.getbbox()
    if box:
        img.paste(paint, box, m.crop(box))


def _gradient(img, rng):
    pal = _palette(rng, 3, rng.choice(["brand", "material", "pastel", "mono"]))
    mode = rng.choice([_gr_app_icon, _gr_orb, _gr_shape, _gr_ring, _gr_layers, _gr_scene],
                      p=[.24, .2, .2, .12, .14, .1])
    mode(img, rng, pal)


# ----------------------------------------------------------------------------- complex

def _cx_face(img, rng):
    """Emoji face: shaded yellow disc, eyes with highlights, mouth, optional blush."""
    light, mid, dark = _EMOJI_YELLOW
    if rng.random() < .25:
        mid = _SKIN[rng.integers(len(_SKIN))]
        light, dark = _shade(mid, .35), _shade(mid, -.25)
    _put(img, [_P(_ell())], _grad([(0, light), (.6, mid), (1, dark)], "radial", center=(.45, .35), radius=.7))
    if rng.random() < .3:
        _outline(img, [_P(_ell())], _shade(dark, -.3), .04)
    ink = _hex("#5D4037") if rng.random() < .5 else _hex("#404040")
    _cx_eyes(img, rng, ink)
    _cx_mouth(img, rng, ink)
    if rng.random() < .5:
        for sx in (-1, 1):
            _put(img, [_P(_ell(.17, .1, sx * .58, .28))], _hex("#FF7043"), alpha=.35)


def _cx_eyes(img, rng, ink):
    kind = rng.choice(["oval", "oval", "arc", "heart", "glasses"])
    for sx in (-1, 1):
        x, y = sx * .36, -.18
        if kind == "oval":
            _put(img, [_P(_ell(.11, .17, x, y))], ink)
            _put(img, [_P(_ell(.045, .045, x + .03, y - .07))], _WHITE)
        elif kind == "arc":
            _put(img, [_L(_ell(.15, .12, x, y + .05, np.pi * 1.1, np.pi * 1.9, 16), .07)], ink)
        elif kind == "heart":
            _put(img, [_P(_heart_pts())], _hex("#E53935"), x, y, .22)
    if kind == "glasses":
        for sx in (-1, 1):
            _put(img, [_P(_rrect(.6, .36, .15, sx * .36, -.2))], (33, 33, 33))
            _put(img, [_P(_ell(.08, .05, sx * .36 - .13, -.26))], (120, 120, 120))
        _put(img, [_L([(-.1, -.27), (.1, -.27)], .06)], (33, 33, 33))
    if rng.random() < .3:  # eyebrows
        for sx in (-1, 1):
            _put(img, [_L(_ell(.16, .08, sx * .38, -.4, np.pi * 1.15, np.pi * 1.85, 12), .055)], ink)


def _cx_mouth(img, rng, ink):
    kind = rng.choice(["smile", "open", "o", "flat", "tongue"])
    if kind == "smile":
        _put(img, [_L(_ell(.42, .3, 0, .2, .15 * np.pi, .85 * np.pi, 24), rng.uniform(.05, .09))], ink)
    elif kind == "o":
        _put(img, [_P(_ell(.14, .18, 0, .42))], ink)
    elif kind == "flat":
        _put(img, [_L([(-.3, .45), (.3, .45)], .07)], ink)
    else:
        mouth = [_P(_ell(.45, .38, 0, .25, 0, np.pi, 32))]
        _put(img, mouth, _hex("#5D4037"))
        _put(img, [_P(_rrect(.7, .1, .05, 0, .3))], _WHITE)
        if kind == "tongue":
            _put(img, [_P(_ell(.2, .14, .08, .55))], _hex("#EF5350"))


def _cx_person(img, rng):
    """Flat person bust (noto / flat-color-icons people)."""
    skin, hair = _SKIN[rng.integers(len(_SKIN))], _HAIR[rng.integers(len(_HAIR))]
    shirt = _MATERIAL[rng.integers(len(_MATERIAL))]
    if rng.random() < .4:  # long hair behind the head, falling to the shoulders
        _put(img, [_P(_rrect(1.2, 1.4, .5, 0, -.15))], hair)
    _put(img, [_P(_rrect(1.7, 1.2, .55, 0, 1.05))], shirt)
    _put(img, [_P(_rrect(.3, .4, .05, 0, .35))], _shade(skin, -.15))
    for sx in (-1, 1):
        _put(img, [_P(_ell(.12, .15, sx * .5, -.2))], _shade(skin, -.1))
    _put(img, [_P(_ell(.5, .58, 0, -.3))], skin)
    _put(img, [_P(np.vstack([_ell(.55, .45, 0, -.42, np.pi, _TAU, 24), [(.5, -.4), (-.5, -.4)]]))], hair)
    for sx in (-1, 1):
        _put(img, [_P(_ell(.05, .07, sx * .2, -.25))], (45, 35, 30))
    _put(img, [_L(_ell(.18, .1, 0, -.08, .2 * np.pi, .8 * np.pi, 12), .04)], _hex("#8D4B3A"))


def _cx_flat_icon(img, rng):
    """Flat-color-icons style object built from material colours, plus a status badge."""
    pal = [_MATERIAL[i] for i in rng.choice(len(_MATERIAL), 6, replace=False)]
    rng.choice([_fi_document, _fi_folder, _fi_chart, _fi_picture, _fi_calendar, _fi_monitor, _fi_pie])(img, rng, pal)
    if rng.random() < .5:
        x, y, r = .62, .62, rng.uniform(.3, .4)
        _put(img, [_P(_ell())], pal[4], x, y, r)
        _put(img, _shape(rng, str(rng.choice(["plus", "check", "arrow", "star"]))), _WHITE, x, y, r * .55)


def _fi_document(img, rng, pal):
    body = [(-.7, -1), (.35, -1), (.7, -.65), (.7, 1), (-.7, 1)]
    _put(img, [_P(body)], pal[0])
    _put(img, [_P([(.35, -1), (.35, -.65), (.7, -.65)])], _shade(pal[0], -.25))
    for i in range(int(rng.integers(2, 6))):
        _put(img, [_P(_rrect(rng.uniform(.6, 1), .12, .03, -.05, -.35 + .3 * i))], _shade(pal[0], .6))


def _fi_folder(img, rng, pal):
    c = _MATERIAL[12] if rng.random() < .6 else pal[0]
    _put(img, [_P(np.vstack([[(-1, -.75), (-.3, -.75), (-.15, -.55)], _rrect(2, 1.4, .08, 0, .05)[20:30]]))],
         _shade(c, -.2))
    _put(img, [_P(_rrect(2, 1.4, .08, 0, .05)[20:30].tolist() + [(-1, -.55), (1, -.55), (1, .75), (-1, .75)])],
         _shade(c, -.2))
    _put(img, [_P(_rrect(2, 1.25, .08, 0, .2))], c)


def _fi_chart(img, rng, pal):
    k = int(rng.integers(3, 6))
    w = 1.7 / k
    for i in range(k):
        h = rng.uniform(.4, 1.8)
        _put(img, [_P(_rrect(w * .75, h, .03, -.85 + w * (i + .5), .9 - h / 2))], pal[i % 4])
    _put(img, [_P(_rrect(2, .08, .02, 0, .94))], (84, 110, 122))


def _fi_picture(img, rng, pal):
    _put(img, [_P(_rrect(2, 1.6, .12))], pal[0])
    inner = [_P(_rrect(1.7, 1.3, .05))]
    _put(img, inner, _shade(pal[0], .75))
    _put_clipped(img, [_P([(-1, .65), (-.3, -.25), (.3, .65)]), _P([(-.2, .65), (.35, -.05), (1, .65)])],
                 inner, _shade(pal[1], -.1))
    _put(img, [_P(_ell(.16, .16, .45, -.35))], _MATERIAL[12])


def _fi_calendar(img, rng, pal):
    _put(img, [_P(_rrect(1.8, 1.7, .1, 0, .1))], _hex("#ECEFF1") if rng.random() < .5 else _shade(pal[0], .7))
    _put(img, [_P(_rrect(1.8, .5, .1, 0, -.5))], pal[1])
    for sx in (-.5, .5):
        _put(img, [_P(_rrect(.14, .4, .07, sx, -.8))], (84, 110, 122))
    for i in range(3):
        for j in range(4):
            if rng.random() < .8:
                _put(img, [_P(_rrect(.26, .2, .03, -.6 + .4 * j, .05 + .3 * i))], pal[2 + (i + j) % 2])


def _fi_monitor(img, rng, pal):
    _put(img, [_P([(-.25, .55), (.25, .55), (.35, .9), (-.35, .9)])], (84, 110, 122))
    _put(img, [_P(_rrect(2, 1.35, .08, 0, -.2))], (55, 71, 79))
    _put(img, [_P(_rrect(1.8, 1.15, .02, 0, -.22))], pal[0])
    _put(img, [_P(_ell(.3))], _shade(pal[0], .7), rng.uniform(-.4, .4), -.2, 1)


def _fi_pie(img, rng, pal):
    cuts = np.sort(rng.uniform(0, _TAU, int(rng.integers(2, 5))))
    cuts = np.r_[cuts, cuts[0] + _TAU]
    for i in range(len(cuts) - 1):
        off = .1 if i == 0 else 0
        mid = (cuts[i] + cuts[i + 1]) / 2
        wedge = np.vstack([[(0, 0)], _ell(1, 1, 0, 0, cuts[i], cuts[i + 1], 32)])
        _put(img, [_P(wedge)], pal[i], off * np.cos(mid), off * np.sin(mid), .9)


def _cx_mandala(img, rng):
    """Nested shapes, rings of dots, thin strokes and speckles: lots of small detail."""
    pal = _palette(rng, int(rng.integers(4, 7)))
    _put(img, [_P(_ell())], pal[0])
    layers = int(rng.integers(2, 5))
    for i in range(layers):
        r = .85 - i * .7 / layers
        k = int(rng.integers(6, 16))
        el = _shape(rng, str(rng.choice(["circle", "drop", "diamond", "star", "leaf"])))
        col = pal[1 + (i % (len(pal) - 1))]
        for j in range(k):  # a ring of small elements pointing outwards
            a, sc = j * _TAU / k, .4 / layers * rng.uniform(.4, .8)
            _put(img, el, col, r * np.cos(a), r * np.sin(a), sc, a + np.pi / 2)
        _outline(img, [_P(_ell(r - .12))], pal[(i + 2) % len(pal)], .025)
    _put(img, _shape(rng, str(rng.choice(["star", "circle", "gear"]))), pal[-1], 0, 0, .2)
    for _ in range(int(rng.integers(0, 20))):
        a, r = rng.uniform(0, _TAU), rng.uniform(1.05, 1.25)
        _put(img, [_P(_ell())], pal[int(rng.integers(len(pal)))], r * np.cos(a), r * np.sin(a), rng.uniform(.015, .04))


def _cx_object(img, rng):
    """Small illustrated objects with outlines and highlights (planet, flower, tree)."""
    rng.choice([_ob_planet, _ob_flower, _ob_tree, _ob_house])(img, rng, _palette(rng, 6, "material"))


def _ob_planet(img, rng, pal):
    ring = [_P(_ell(1.1, .28)), _P(_ell(.85, .17), 0)]
    _put(img, ring, pal[1], rot=-.35)
    _put(img, [_P(_ell(.65))], _grad([(0, _shade(pal[0], .3)), (1, _shade(pal[0], -.3))], "radial",
                                      center=(.35, .3), radius=.9))
    front = [_P(_ell(1.1, .28, 0, 0, 0, np.pi, 48).tolist() + _ell(.85, .17, 0, 0, np.pi, 0, 48).tolist())]
    _put(img, front, pal[1], rot=-.35)
    for _ in range(int(rng.integers(3, 9))):
        _put(img, _shape(rng, "star"), pal[2], rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(.04, .1))


def _ob_flower(img, rng, pal):
    _put(img, [_L(_bez([(0, .2), (.1, .5), (-.1, .8), (0, 1.2)]), .08)], _MATERIAL[9])
    _put(img, _shape(rng, "leaf"), _MATERIAL[10], .25, .85, .3, rot=1.0)
    k = int(rng.integers(5, 10))
    for j in range(k):
        a = j * _TAU / k
        _put(img, [_P(_ell(.22, .38, 0, -.38))], pal[0], 0, -.2, 1, a)
        _outline(img, [_P(_ell(.22, .38, 0, -.38))], _shade(pal[0], -.35), .02, 0, -.2, 1, a)
    _put(img, [_P(_ell(.2))], pal[2], 0, -.2)
    for _ in range(6):
        _put(img, [_P(_ell(.03))], _shade(pal[2], -.4), rng.uniform(-.1, .1), -.2 + rng.uniform(-.1, .1))


def _ob_tree(img, rng, pal):
    _put(img, [_P(_rrect(.25, .9, .05, 0, .6))], _MATERIAL[15])
    green = _MATERIAL[int(rng.choice([9, 10, 23]))]
    for i, (r, y) in enumerate(((.6, -.2), (.45, -.55), (.45, .05))):
        _put(img, [_P(_ell(r))], _shade(green, -.1 * i), (-.3 if i == 2 else 0) + .15 * i, y)
    for _ in range(int(rng.integers(3, 8))):
        _put(img, [_P(_ell(.06))], pal[0], rng.uniform(-.5, .5), rng.uniform(-.8, .2))


def _ob_house(img, rng, pal):
    _put(img, [_P(_rrect(1.4, 1.0, .02, 0, .5))], _shade(pal[0], .5))
    _put(img, [_P([(-1, .05), (0, -.85), (1, .05)])], pal[1])
    _put(img, [_P(_rrect(.35, .6, .04, -.3, .7))], _MATERIAL[15])
    _put(img, [_P(_rrect(.4, .35, .04, .3, .4))], _MATERIAL[17])
    _outline(img, [_P(_rrect(.4, .35, .04, .3, .4))], _WHITE, .03)
    if rng.random() < .5:
        _put(img, [_P(_rrect(.2, .4, .02, .55, -.45))], _shade(pal[1], -.3))


def _complex(img, rng):
    mode = rng.choice([_cx_face, _cx_person, _cx_flat_icon, _cx_mandala, _cx_object], p=[.25, .15, .3, .12, .18])
    mode(img, rng)


# ----------------------------------------------------------------------------- abstract

def _ab_blobs(img, rng, pal):
    k = int(rng.integers(1, 5))
    alpha = rng.choice([1., rng.uniform(.55, .85)])
    for i in range(k):
        off = (0, 0) if k == 1 else rng.uniform(-.4, .4, 2)
        _put(img, [_P(_blob_pts(rng, amp=rng.uniform(.15, .35)))], pal[i % len(pal)], off[0], off[1],
             rng.uniform(.5, .8) if k > 1 else 1, alpha=alpha)


def _ab_swoosh(img, rng, pal):
    y = rng.uniform(-.7, .7, 4)  # x-monotone controls keep the curve a smooth arc
    base = np.c_[[-1, -.35, .35, 1], y * [.5, 1, 1, .5]]
    t, rot = np.linspace(0, 1, 64), rng.uniform(-.5, .5)
    for i in range(int(rng.integers(1, 4))):  # near-parallel strokes share one path
        c = _bez(base + rng.normal(0, .12, (4, 2)) * (i > 0), 64)
        w = rng.uniform(.15, .4) * (np.sin(np.pi * t) ** rng.uniform(.5, 1.2) + .02)
        _put(img, [_P(_ribbon(c, w))], pal[i % len(pal)], 0, .3 * i, rot=rot)
    if rng.random() < .4:
        _put(img, [_P(_ell())], pal[-1], rng.uniform(-.6, .6), -.8, rng.uniform(.12, .22))


def _ab_waves(img, rng, pal):
    k = int(rng.integers(2, 6))
    x = np.linspace(-1, 1, 64)
    f, a, w = rng.uniform(1, 3), rng.uniform(.08, .25), rng.uniform(.05, .14)
    ph = rng.uniform(0, _TAU)
    for i in range(k):
        y = (i - (k - 1) / 2) * 1.6 / k + a * np.sin(np.pi * f * x + ph + i * rng.uniform(0, .6))
        _put(img, [_L(np.c_[x, y], w)], pal[i % len(pal)] if rng.random() < .6 else pal[0])


def _ab_ripples(img, rng, pal):
    k = int(rng.integers(2, 5))
    a0, span = rng.uniform(0, _TAU), rng.uniform(.4, .9) * np.pi
    w = rng.uniform(.06, .12)
    _put(img, [_P(_ell(.18))], pal[0], -.6 * np.cos(a0 + span / 2), -.6 * np.sin(a0 + span / 2))
    for i in range(k):
        r = .25 + (i + 1) * 1.2 / (k + 1)
        c = _ell(r, r, 0, 0, a0, a0 + span, 32) - .6 * np.r_[np.cos(a0 + span / 2), np.sin(a0 + span / 2)]
        _put(img, [_L(c, w)], pal[(i + 1) % len(pal)] if rng.random() < .5 else pal[0])


def _ab_petals(img, rng, pal):
    k = int(rng.integers(3, 8))
    alpha = rng.uniform(.5, .8)
    petal = [_P(_ell(.3, .55, 0, -.45))] if rng.random() < .6 else [_P(_ell(.5, .5, 0, -.45))]
    for j in range(k):
        _put(img, petal, pal[j % len(pal)], rot=j * _TAU / k, alpha=alpha)


def _ab_spiral(img, rng, pal):
    t = np.linspace(0, rng.uniform(2, 4) * np.pi, 160)
    r = .08 + .92 * t / t[-1]
    c = np.c_[r * np.cos(t), r * np.sin(t)] * rng.choice([-1, 1], 2)
    w = rng.uniform(.05, .16) * (.3 + .7 * t / t[-1])
    _put(img, [_P(_ribbon(c, w))], pal[0], rot=rng.uniform(0, _TAU))


def _ab_rays(img, rng, pal):
    k = int(rng.integers(6, 16))
    r0, w = rng.uniform(.2, .5), rng.uniform(.05, .12)
    for j in range(k):
        a = j * _TAU / k
        r1 = 1 if j % 2 == 0 or rng.random() < .5 else .75
        _put(img, [_L([(r0 * np.cos(a), r0 * np.sin(a)), (r1 * np.cos(a), r1 * np.sin(a))], w)],
             pal[j % 2] if len(pal) > 1 and rng.random() < .4 else pal[0])
    if rng.random() < .6:
        _put(img, [_P(_ell(r0 * .7))], pal[-1])


def _abstract(img, rng):
    pal = _palette(rng, int(rng.integers(2, 5)))
    mode = rng.choice([_ab_blobs, _ab_swoosh, _ab_waves, _ab_ripples, _ab_petals, _ab_spiral, _ab_rays],
                      p=[.24, .2, .14, .12, .14, .08, .08])
    mode(img, rng, pal)


# ----------------------------------------------------------------------------- public API

_DRAW = {"simple_geometric": _simple_geometric, "text_based": _text_based, "gradient": _gradient,
         "complex": _complex, "abstract": _abstract}


# Share of full-bleed marks per type. Every simple-icons mark touches the canvas edges,
# and ink on the border changes how VTracer fits paths a great deal; flat icon sets and
# emoji sit in a small margin instead.
_BLEED = {"simple_geometric": .85, "text_based": .85, "gradient": .25, "complex": .15, "abstract": .5}


def _margin(rng, bleed: float) -> float:
    if rng.random() < bleed:
        return 0.0
    u = rng.random()
    return rng.uniform(0, 6) if u < .3 else rng.uniform(6, 28) if u < .85 else rng.uniform(28, 60)


def _fit(img, rng, bleed: float) -> Image.Image:
    """Crop to the ink box and box-filter it into the output canvas with a random margin
    (full-bleed with probability `bleed`)."""
    box = ImageChops.difference(img, Image.new("RGB", img.size, _WHITE)).getbbox() or (0, 0, _D, _D)
    w, h = box[2] - box[0], box[3] - box[1]
    m = _margin(rng, bleed)
    sc = (CANVAS - 2 * m) / max(w, h)
    nw, nh = max(1, int(round(w * sc))), max(1, int(round(h * sc)))
    x0, y0 = max(0., min(box[0], _D - nw / sc)), max(0., min(box[1], _D - nh / sc))
    src = (x0, y0, min(_D, x0 + nw / sc), min(_D, y0 + nh / sc))  # exact uniform scale
    small = img.resize((nw, nh), Image.BOX, box=src)
    ox, oy = (CANVAS - nw) // 2, (CANVAS - nh) // 2
    if m > 0 and rng.random() < .15:  # occasionally a little off-centre
        ox += int(round(rng.uniform(-.3, .3) * (CANVAS - nw)))
        oy += int(round(rng.uniform(-.3, .3) * (CANVAS - nh)))
    out = Image.new("RGB", (CANVAS, CANVAS), _WHITE)
    out.paste(small, (ox, oy))
    return out


def draw_logo(logo_type: str, seed) -> Image.Image:
    """256x256 RGB image on white of the given type, a pure function of (logo_type, seed).

    `seed` is anything np.random.default_rng accepts (int or sequence of ints)."""
    if logo_type not in _DRAW:
        raise ValueError(f"unknown logo_type {logo_type!r}; valid types: {', '.join(LOGO_TYPES)}")
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (_D, _D), _WHITE)
    _DRAW[logo_type](img, rng)
    return _fit(img, rng, _BLEED[logo_type])


def procedural_logo(index: int, seed: int) -> tuple[str, Image.Image]:
    """Logo number `index` of the procedural set with global `seed`: type LOGO_TYPES[index % 5],
    drawn with seed [seed, index]."""
    kind = LOGO_TYPES[index % len(LOGO_TYPES)]
    return kind, draw_logo(kind, [seed, index])
