"""The shortest text of the integers on a grid, formatted in bulk."""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def _entry(s: str) -> tuple[str, bool, str, str, str]:
    """(text, holds '.' without 'e', first char, text after a number holding '.', text after another number)."""
    c = s[0]
    return s, ("." in s and "e" not in s), c, (s if c in "-." else " " + s), (s if c == "-" else " " + s)


class Numbers(dict):
    """Shortest text of integers n written as n / 10**digits, cached: n -> _entry(text)."""

    def __init__(self, digits: int):
        super().__init__()
        self.p = digits
        self.unit = 10**digits if digits > 0 else 1

    def __missing__(self, n: int) -> tuple[str, bool, str]:
        c = self[n] = self._fmt(n)
        return c

    def _fmt(self, n: int) -> tuple[str, bool, str]:
        p = self.p
        sign = "-" if n < 0 else ""
        a = -n if n < 0 else n
        if n == 0:
            s = "0"
        elif p <= 0:
            digits = str(a)
            core = digits.rstrip("0")
            zeros = len(digits) - len(core) - p
            plain = digits + "0" * (-p)
            sci = f"{core}e{zeros}" if zeros else plain
            s = sci if len(sci) < len(plain) else plain
        else:
            i, f = divmod(a, self.unit)
            ip = str(i) if i else ""
            if not f:
                core = ip.rstrip("0")
                sci = f"{core}e{len(ip) - len(core)}"
                s = sci if len(sci) < len(ip) else ip
            else:
                fp = f"{f:0{p}d}".rstrip("0")
                s = ip + "." + fp
                if not ip:
                    core = fp.lstrip("0")
                    sci = f"{core}e-{len(fp)}"
                    if len(sci) < len(s):
                        s = sci
        s = sign + s
        return _entry(s)


def prefill(fmt: Numbers, r: np.ndarray, letters: str) -> None:
    """Format in bulk (C-level str.format and regexes) every absolute value and every delta from the
    previous command's end point: nearly all numbers the writer asks for. Misses fall back to _fmt."""
    p = fmt.p
    if not r.size or p < 0:
        return
    arity = np.where(np.frombuffer(letters.encode("ascii"), np.uint8) == ord("C"), 6, 2)
    start = np.repeat(np.cumsum(arity) - arity, arity)  # offset of each number's command
    base_idx = start - 2 + (np.arange(r.size) & 1)
    delta = r - np.where(base_idx >= 0, r[np.maximum(base_idx, 0)], 0)
    vals = np.sort(np.concatenate([r, delta]))
    vals = vals[np.concatenate(([True], vals[1:] != vals[:-1]))]
    if p == 0:
        special = (vals % 1000 == 0) & (vals != 0)
        strs = list(map(str, vals.tolist()))
    else:
        unit = 10**p
        # with at most 15 significant digits (|n| < 1e15) the shortest repr of the double nearest n / 10**p is
        # that decimal itself; exponent forms (>= 3 trailing zeros, under 0.001) go the exact way
        a = np.abs(vals)
        special = ((vals % (unit * 1000) == 0) | (a * 1000 < unit) | (a >= 10**15)) & (vals != 0)
        text = " " + " ".join(map(repr, (vals / unit).tolist())) + " "
        text = text.replace(".0 ", " ").replace(" 0.", " .").replace(" -0.", " -.")
        strs = text[1:-1].split(" ")
    fmt.update(zip(vals.tolist(), map(_entry, strs)))
    for n in vals[special].tolist():  # 1e3, 5e-4 (exponent forms) and 16-digit values: the exact path
        fmt[n] = fmt._fmt(n)


def decimal(x: Fraction) -> str:
    """An exact decimal (denominator 2**a * 5**b) as the shortest plain text: 12.5, .25, -3."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    k = 0
    while (x * 10**k).denominator != 1:
        k += 1
    n = (x * 10**k).numerator
    if not k:
        return sign + str(n)
    i, f = divmod(n, 10**k)
    return sign + (str(i) if i else "") + "." + f"{f:0{k}d}".rstrip("0")
