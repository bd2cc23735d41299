"""Slow, independent reference code for the minifier's tests (tests/unit/core/test_svgmin.py): exact (Fraction)
reading of VTracer's SVG, rounding,
a naive absolute writer, and a general path-data parser for the minified output."""

from __future__ import annotations

import re
from fractions import Fraction
from math import floor

NUM = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
TOK = re.compile(r"[MmLlHhVvCcSsQqTtZz]|[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[\s,]+")


def round_half_up(x: Fraction, precision: int) -> Fraction:
    s = Fraction(10) ** precision
    return Fraction(floor(x * s + Fraction(1, 2))) / s


def straight(p0, c1, c2, p3, tol) -> bool:
    """Exact version of svgmin's input-line rule: control points within tol of the chord, between its ends."""
    dx, dy = p3[0] - p0[0], p3[1] - p0[1]
    ll = dx * dx + dy * dy
    if ll == 0:
        return False
    for cx, cy in (c1, c2):
        cross = dx * (cy - p0[1]) - dy * (cx - p0[0])
        if cross * cross > tol * tol * ll:
            return False
        dot = dx * (cx - p0[0]) + dy * (cy - p0[1])
        if dot < 0 and dot * dot > tol * tol * ll or dot > ll and (dot - ll) ** 2 > tol * tol * ll:
            return False
    return True


def vtracer_paths(svg: str, lines_tol=None):
    """-> (svg attrs, [(fill, [(start, [segments])])]) with exact absolute coordinates; segments are
    ('L', x, y) or ('C', x1, y1, x2, y2, x, y); every subpath closes."""
    head = re.search(r"<svg([^>]*)>", svg).group(1)
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', head))
    out = []
    for d, fill, tr in re.findall(
        r'<path d="([^"]*)" fill="(#[0-9A-Fa-f]{6})"(?: transform="translate\(([^)]*)\)")?', svg
    ):
        tx, ty = (Fraction(v) for v in tr.split(",")) if tr else (Fraction(0), Fraction(0))
        toks = d.replace("M", " M ").replace("C", " C ").replace("L", " L ").replace("Z", " Z ").split()
        subs, i = [], 0
        while i < len(toks):
            c = toks[i]
            i += 1
            n = {"M": 2, "L": 2, "C": 6, "Z": 0}[c]
            v = [Fraction(t) + (tx if j % 2 == 0 else ty) for j, t in enumerate(toks[i : i + n])]
            i += n
            if c == "M":
                subs.append(((v[0], v[1]), []))
                cur = (v[0], v[1])
            elif c in "LC":
                if c == "C" and lines_tol is not None and straight(cur, v[0:2], v[2:4], v[4:6], Fraction(lines_tol)):
                    subs[-1][1].append(("L", v[4], v[5]))
                else:
                    subs[-1][1].append((c, *v))
                cur = (v[-2], v[-1])
        out.append((fill, subs))
    return attrs, out


def round_to_grid(x: Fraction, q: Fraction) -> Fraction:
    """x rounded half up to a multiple of q, in units of q (an integer as a Fraction)."""
    return Fraction(floor(x / q + Fraction(1, 2)))


def rounded_grid(paths, q: Fraction):
    """Every coordinate rounded half up to a multiple of q, in units of q."""
    return [
        (
            fill,
            [
                (
                    tuple(round_to_grid(c, q) for c in s),
                    [(seg[0], *(round_to_grid(c, q) for c in seg[1:])) for seg in segs],
                )
                for s, segs in subs
            ],
        )
        for fill, subs in paths
    ]


def scaled(paths, k: Fraction):
    """Every coordinate times k."""
    return [
        (fill, [(tuple(c * k for c in s), [(seg[0], *(c * k for c in seg[1:])) for seg in segs]) for s, segs in subs])
        for fill, subs in paths
    ]


def rounded(paths, precision: int):
    return [
        (
            fill,
            [
                (
                    tuple(round_half_up(c, precision) for c in s),
                    [(seg[0], *(round_half_up(c, precision) for c in seg[1:])) for seg in segs],
                )
                for s, segs in subs
            ],
        )
        for fill, subs in paths
    ]


def write_absolute(attrs, paths) -> str:
    """A plain absolute SVG of (rounded) paths: what the minified file must render as."""

    def f(x: Fraction) -> str:
        return str(x.numerator) if x.denominator == 1 else repr(float(x))  # floats of <= 9 decimals are exact enough

    vb = f' viewBox="{attrs["viewBox"]}"' if "viewBox" in attrs else ""
    body = []
    for fill, subs in paths:
        d = []
        for (sx, sy), segs in subs:
            d.append(f"M{f(sx)} {f(sy)}")
            for seg in segs:
                d.append(seg[0] + " ".join(f(c) for c in seg[1:]))
            d.append("Z")
        body.append(f'<path d="{" ".join(d)}" fill="{fill}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{attrs["width"]}" height="{attrs["height"]}"{vb}>'
        + "".join(body)
        + "</svg>"
    )


def parse_path_data(d: str):
    """General SVG path data (M/L/H/V/C/S/Z, relative or not, implicit commands) -> absolute
    [(start, [segments])], s/S expanded to C with the reflected control point, h/v to L. Exact."""
    toks = []
    pos = 0
    for m in TOK.finditer(d):
        if m.start() != pos:
            raise ValueError(f"bad path data at {pos}: {d[pos : pos + 20]!r}")
        pos = m.end()
        t = m.group(0)
        if t.strip(" ,\t\n"):
            toks.append(t)
    if pos != len(d):
        raise ValueError("bad path data tail")
    subs = []
    cx = cy = sx = sy = Fraction(0)
    prev_c2 = None
    cmd = None
    i = 0
    arity = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "z": 0}
    prev_q = None
    while i < len(toks):
        t = toks[i]
        if t.isalpha():
            cmd = t
            i += 1
            if t in "zZ":
                cx, cy = sx, sy
                prev_c2 = prev_q = None
                cmd = None
                continue
        elif cmd is None:
            raise ValueError("number without a command")
        n = arity[cmd.lower()]
        v = [Fraction(x) for x in toks[i : i + n]]
        if len(v) != n:
            raise ValueError("short command")
        i += n
        rel = cmd.islower()
        c = cmd.lower()
        if c == "m":
            x, y = (cx + v[0], cy + v[1]) if rel else (v[0], v[1])
            subs.append(((x, y), []))
            cx, cy = sx, sy = x, y
            cmd = "l" if rel else "L"
            prev_c2 = prev_q = None
        elif c in "lhv":
            if c == "l":
                x, y = (cx + v[0], cy + v[1]) if rel else (v[0], v[1])
            elif c == "h":
                x, y = (cx + v[0] if rel else v[0]), cy
            else:
                x, y = cx, (cy + v[0] if rel else v[0])
            subs[-1][1].append(("L", x, y))
            cx, cy = x, y
            prev_c2 = prev_q = None
        elif c in "qt":
            if c == "q":
                pts = [(cx + v[j], cy + v[j + 1]) if rel else (v[j], v[j + 1]) for j in (0, 2)]
            else:
                r = (2 * cx - prev_q[0], 2 * cy - prev_q[1]) if prev_q else (cx, cy)
                pts = [r, (cx + v[0], cy + v[1]) if rel else (v[0], v[1])]
            subs[-1][1].append(("Q", *pts[0], *pts[1]))
            prev_q = pts[0]
            prev_c2 = None
            cx, cy = pts[1]
        else:
            if c == "c":
                pts = [(cx + v[j], cy + v[j + 1]) if rel else (v[j], v[j + 1]) for j in (0, 2, 4)]
            else:
                r = (2 * cx - prev_c2[0], 2 * cy - prev_c2[1]) if prev_c2 else (cx, cy)
                pts = [r] + [(cx + v[j], cy + v[j + 1]) if rel else (v[j], v[j + 1]) for j in (0, 2)]
            subs[-1][1].append(("C", *pts[0], *pts[1], *pts[2]))
            prev_c2 = pts[1]
            prev_q = None
            cx, cy = pts[2]
    return subs


def minified_paths(svg: str):
    """Our output -> (svg attrs, [(fill, subpaths)])."""
    head = re.search(r"<svg([^>]*)>", svg).group(1)
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', head))
    out = []
    for attrs_text in re.findall(r"<path([^>]*)/>", svg):
        a = dict(re.findall(r'(\w+)="([^"]*)"', attrs_text))
        out.append((a.get("fill", "black"), parse_path_data(a["d"])))
    return attrs, out
