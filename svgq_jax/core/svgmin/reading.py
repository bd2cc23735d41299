"""Reading VTracer's SVG grammar, and rounding its coordinates exactly onto a grid."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

MAX_NUMBERS = 1_000_000


MAX_PATHS = 100_000


MAX_CHARS = 32 << 20


MIN_GRID, MAX_GRID = Fraction(1, 10**9), Fraction(10**6)


_SCALE_DIGITS = 9  # numbers are carried as integers in units of 1e-9


_SCALE = 10**_SCALE_DIGITS


SVG_NS = "http://www.w3.org/2000/svg"

_N = r"-?[0-9]{1,6}(?:\.[0-9]{1,9})?"


_T = r"-?[0-9]{1,6}(?:\.[0-9]{1,20})?"


_U = r"[0-9]{1,7}(?:\.[0-9]{1,9})?"


_HEAD = re.compile(
    r'\s*(?:<\?xml version="1\.0" encoding="UTF-8"\?>\s*)?'
    r"(?:<!-- Generator: visioncortex VTracer [0-9.]{1,20} -->\s*)?"
    r'<svg((?: [A-Za-z]{1,10}="[^"<>&]{0,200}"){0,10})\s*>\s*'
)


_ATTR = re.compile(r' ([A-Za-z]+)="([^"]*)"')


# VTracer's spline mode separates every number by a space; its polygon mode writes each point as "x,y".
_PATH = re.compile(
    r'<path d="([MCLZ0-9., -]*)" fill="#([0-9A-Fa-f]{6})"'
    rf'(?: transform="translate\(({_T}),({_T})\)")?\s*/>\s*'
)


_TAIL = re.compile(r"</svg>\s*")


_D = re.compile(rf"(?:M{_N} {_N} (?:C{_N} {_N} {_N} {_N} {_N} {_N} |L{_N} {_N} )*(?:Z )?)*")


_LETTERS = re.compile(r"[MCLZ]")


_NOT_LETTERS = re.compile(r"[^MCLZ]+")


_VIEWBOX = re.compile(rf"(-?{_U}) (-?{_U}) ({_U}) ({_U})")


_ARITY = {"M": 2, "L": 2, "C": 6, "Z": 0}


def bad(msg: str) -> ValueError:
    return ValueError(f"not VTracer's SVG: {msg}")


def _translate(t: str | None) -> tuple[int, Fraction]:
    """A translate component -> (floor(t * 1e9), the exact remainder in [0, 1))."""
    if t is None:
        return 0, Fraction(0)
    f = Fraction(t) * _SCALE
    i = f.numerator // f.denominator
    return i, f - i


class Parsed:
    __slots__ = ("attrs", "fills", "letters", "values", "tx", "ty")


def parse(text: str) -> Parsed:
    if not isinstance(text, str):
        raise ValueError(f"SVG text must be a str, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"SVG text of {len(text)} characters is over the limit of {MAX_CHARS}")
    head = _HEAD.match(text)
    if head is None:
        raise bad("no <svg ...> start tag in VTracer's form at the start")
    attrs: dict[str, str] = {}
    for name, value in _ATTR.findall(head.group(1)):
        if name in attrs:
            raise bad(f"attribute {name} twice on <svg>")
        attrs[name] = value
    unknown = set(attrs) - {"version", "xmlns", "width", "height", "viewBox"}
    if unknown:
        raise bad(f"unexpected <svg> attribute(s) {sorted(unknown)}")
    if attrs.get("xmlns") != SVG_NS:
        raise bad('<svg> lacks xmlns="http://www.w3.org/2000/svg"')
    if attrs.get("version", "1.1") != "1.1":
        raise bad("<svg version> is not 1.1")
    for key in ("width", "height"):
        if key not in attrs or not re.fullmatch(_U, attrs[key]):
            raise bad(f"<svg> {key} missing or not a plain non-negative number")
    if "viewBox" in attrs and not _VIEWBOX.fullmatch(attrs["viewBox"]):
        raise bad("viewBox is not four plain numbers")

    fills, letters, chunks, tx, ty = [], [], [], [], []
    count = 0
    pos = head.end()
    match = _PATH.match
    dcheck = _D.fullmatch
    while True:
        m = match(text, pos)
        if m is None:
            break
        if len(fills) >= MAX_PATHS:
            raise ValueError(f"more than {MAX_PATHS} paths")
        d, fill, x, y = m.groups()
        d = d.replace(",", " ")  # polygon mode's "x,y" (a comma anywhere else still fails the form check)
        if d and d[-1] != " ":
            d += " "
        if dcheck(d) is None:
            raise bad(f"path {len(fills)}: data is not VTracer's M/C/L/Z form")
        lets = _NOT_LETTERS.sub("", d)
        n = 2 * lets.count("M") + 2 * lets.count("L") + 6 * lets.count("C")
        count += n
        if count > MAX_NUMBERS:
            raise ValueError(f"more than {MAX_NUMBERS} numbers in path data")
        fills.append(fill.lower())
        letters.append(lets)
        chunks.append(_LETTERS.sub(" ", d))
        tx.append(_translate(x))
        ty.append(_translate(y))
        pos = m.end()
    tail = _TAIL.fullmatch(text, pos)
    if tail is None:
        raise bad(f"unexpected text at character {pos}: {text[pos : pos + 40]!r}")
    p = Parsed()
    p.attrs, p.fills, p.letters, p.tx, p.ty = attrs, fills, letters, tx, ty
    # One C-level parse of every number; the regex has bounded them to 6 integer digits and 9 decimals,
    # so x * 1e9 as a double is within 0.2 of the integer it is, and rint makes it exact.
    joined = " ".join(chunks)
    values = np.array(joined.split(), dtype=np.float64) if count else np.zeros(0)
    if values.size != count:  # cannot happen after the regex; kept as a guard
        raise bad("number count mismatch")
    p.values = values
    return p


def grid_step(grid) -> Fraction:
    """A grid step -> the exact Fraction 2**a * 5**b it names (ValueError otherwise)."""
    if isinstance(grid, bool) or not isinstance(grid, (int, float, str, Fraction)):
        raise ValueError(f"grid must be a number, got {type(grid).__name__}")
    try:
        q = Fraction(repr(grid) if isinstance(grid, float) else grid)
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        raise ValueError(f"grid {grid!r} is not a number") from e
    if not MIN_GRID <= q <= MAX_GRID:
        raise ValueError(f"grid {grid!r} is outside [{MIN_GRID}, {MAX_GRID}]")
    for part in (q.numerator, q.denominator):
        for f in (2, 5):
            while part % f == 0:
                part //= f
        if part != 1:
            raise ValueError(f"grid {grid!r} is not 2**a * 5**b, so width/grid need not be an exact decimal")
    if (Fraction(1) / (q * _SCALE)).numerator > 1024:
        raise ValueError(f"grid {grid!r} is too fine a power of 2 or 5 for exact integer rounding")
    return q


def rounded(p: Parsed, q: Fraction) -> np.ndarray:
    """Every absolute coordinate (path number + translate) rounded half up to a multiple of the grid q,
    in units of q: n = floor(x / q + 1/2), exactly.

    Numbers are integers b in units of 1e-9 plus, from the translate only, a remainder f in [0, 1).
    With A/B = 1 / (q * 1e9) reduced (_grid keeps A <= 1024), x / q + 1/2 = (N + 2Af) / 2B
    where N = 2Ab + B; |b| <= 2e15 keeps N inside int64. f moves the floor up by one exactly when
    2B - (N mod 2B) <= 2Af, i.e. when 2B - (N mod 2B) <= floor(2Af), an integer computed once per path."""
    counts = np.fromiter(
        (2 * (s.count("M") + s.count("L")) + 6 * s.count("C") for s in p.letters), np.int64, len(p.letters)
    )
    if not p.values.size:
        return np.zeros(0, np.int64)
    ab = Fraction(1) / (q * _SCALE)
    A, B = ab.numerator, ab.denominator
    x = np.rint(p.values * _SCALE).astype(np.int64)
    tix = np.array([t[0] for t in p.tx], np.int64)
    tiy = np.array([t[0] for t in p.ty], np.int64)
    fx = np.array([int(2 * A * t[1]) for t in p.tx], np.int64)  # floor(2 A f)
    fy = np.array([int(2 * A * t[1]) for t in p.ty], np.int64)
    idx = np.repeat(np.arange(len(counts)), counts)  # each path holds an even count: global parity = x/y
    odd = (np.arange(x.size) & 1).astype(bool)
    b = x + np.where(odd, tiy[idx], tix[idx])
    F = np.where(odd, fy[idx], fx[idx])
    n = 2 * A * b + B
    m = 2 * B
    return n // m + (m - n % m <= F)
