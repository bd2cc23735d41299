"""Writing path data: the shortest of relative and absolute per command, and each element's colour."""

from __future__ import annotations

from svgq_jax.core.svgmin.numbers import Numbers

# SVGO 4.1.0's plugins/_collections.js colorsShortNames: names shorter than the hex.
SHORT_NAMES = {
    "#f0ffff": "azure",
    "#f5f5dc": "beige",
    "#ffe4c4": "bisque",
    "#a52a2a": "brown",
    "#ff7f50": "coral",
    "#ffd700": "gold",
    "#808080": "gray",
    "#008000": "green",
    "#4b0082": "indigo",
    "#fffff0": "ivory",
    "#f0e68c": "khaki",
    "#faf0e6": "linen",
    "#800000": "maroon",
    "#000080": "navy",
    "#808000": "olive",
    "#ffa500": "orange",
    "#da70d6": "orchid",
    "#cd853f": "peru",
    "#ffc0cb": "pink",
    "#dda0dd": "plum",
    "#800080": "purple",
    "#f00": "red",
    "#fa8072": "salmon",
    "#a0522d": "sienna",
    "#c0c0c0": "silver",
    "#fffafa": "snow",
    "#d2b48c": "tan",
    "#008080": "teal",
    "#ff6347": "tomato",
    "#ee82ee": "violet",
    "#f5deb3": "wheat",
}


class Writer:
    """Path data of one element: greedy shortest of relative/absolute per command."""

    def __init__(self, fmt: Numbers, opt: dict):
        self.fmt = fmt
        self.opt = opt
        self.parts: list[str] = []
        self.imp = ""  # the command letter a bare number list would continue
        self.dot = False  # the text so far ends in a number with a '.' (and no 'e')
        self.num = False  # the text so far ends in a number
        self.cx = self.cy = 0
        self.sx = self.sy = 0
        self.rx = self.ry = None  # reflection of the last cubic's second control point
        self.qx = self.qy = None  # reflection of the last quadratic's control point
        self.tol_s = opt["lossy_s"] or 0  # lossy s/S, t/T: first control point within this many grid steps

    def _put(self, cands):
        """cands: [(letter, nums)] -> emit the shortest."""
        fmt = self.fmt
        best = None
        for letter, nums in cands:
            e = fmt[nums[0]]
            text = e[0]
            dot = e[1]
            for n in nums[1:]:
                e = fmt[n]
                text += e[3] if dot else e[4]
                dot = e[1]
            if letter != self.imp:
                piece = letter + text
            elif not self.num:
                piece = text
            else:
                e = fmt[nums[0]]
                piece = (e[3] if self.dot else e[4]) + text[len(e[0]) :]
            if best is None or len(piece) < len(best):
                best, bletter, bdot = piece, letter, dot
        self.parts.append(best)
        self.imp = "l" if bletter == "m" else "L" if bletter == "M" else bletter
        self.dot = bdot
        self.num = True

    def move(self, x, y, first: bool):
        if first:
            self._put([("M", (x, y))])
        else:
            cands = [("m", (x - self.cx, y - self.cy))]
            if self.opt["absolute"] in (True, "move", "lines"):
                cands.append(("M", (x, y)))
            self._put(cands)
        self.cx, self.cy = self.sx, self.sy = x, y
        self.rx = self.qx = None

    def line(self, x, y):
        dx, dy = x - self.cx, y - self.cy
        hv = self.opt["hv"]
        ab = self.opt["absolute"] in (True, "lines")
        if hv and dy == 0:
            cands = [("h", (dx,))] + ([("H", (x,))] if ab else [])
        elif hv and dx == 0:
            cands = [("v", (dy,))] + ([("V", (y,))] if ab else [])
        else:
            cands = [("l", (dx, dy))] + ([("L", (x, y))] if ab else [])
        self._put(cands)
        self.cx, self.cy = x, y
        self.rx = self.qx = None

    def quad(self, qx, qy, x, y):
        cx, cy = self.cx, self.cy
        ab = self.opt["absolute"] is True
        rx, ry = (self.qx, self.qy) if self.qx is not None else (cx, cy)
        t = self.tol_s
        if self.opt["smooth"] and abs(qx - rx) <= t and abs(qy - ry) <= t:
            qx, qy = rx, ry  # the control point T implies
            cands = [("t", (x - cx, y - cy))] + ([("T", (x, y))] if ab else [])
        else:
            cands = [("q", (qx - cx, qy - cy, x - cx, y - cy))] + ([("Q", (qx, qy, x, y))] if ab else [])
        self._put(cands)
        self.cx, self.cy = x, y
        self.rx = None
        self.qx, self.qy = 2 * x - qx, 2 * y - qy

    def cubic(self, x1, y1, x2, y2, x, y):
        cx, cy = self.cx, self.cy
        ab = self.opt["absolute"] is True
        rx, ry = (self.rx, self.ry) if self.rx is not None else (cx, cy)
        t = self.tol_s
        if self.opt["smooth"] and abs(x1 - rx) <= t and abs(y1 - ry) <= t:
            cands = [("s", (x2 - cx, y2 - cy, x - cx, y - cy))] + ([("S", (x2, y2, x, y))] if ab else [])
        else:
            cands = [("c", (x1 - cx, y1 - cy, x2 - cx, y2 - cy, x - cx, y - cy))]
            if ab:
                cands.append(("C", (x1, y1, x2, y2, x, y)))
        self._put(cands)
        self.cx, self.cy = x, y
        self.rx, self.ry = 2 * x - x2, 2 * y - y2
        self.qx = None

    def close(self):
        self.parts.append("z")
        self.imp = ""
        self.dot = self.num = False
        self.cx, self.cy = self.sx, self.sy
        self.rx = self.qx = None

    def subpath(self, sx, sy, segs, first: bool):
        self.move(sx, sy, first)
        for s in segs:
            if len(s) == 2:
                self.line(*s)
            elif len(s) == 6:
                self.cubic(*s)
            else:
                self.quad(*s)
        if not self.opt["drop_z"]:
            self.close()

    def text(self) -> str:
        return "".join(self.parts)


def _colour(hex6: str, opt: dict) -> str | None:
    c = "#" + hex6
    if opt["drop_black"] and c == "#000000":
        return None
    if c[1] == c[2] and c[3] == c[4] and c[5] == c[6]:
        c = "#" + c[1] + c[3] + c[5]
    if opt["names"]:
        c = SHORT_NAMES.get(c, SHORT_NAMES.get("#" + hex6, c))
    return c


def emit(group, fmt, opt, parts) -> None:
    """One <path> element holding the subpaths of every geometry in `group` (all of one fill)."""
    w = Writer(fmt, opt)
    first = True
    for _, subs_ in group:
        for sx, sy, segs in subs_:
            w.subpath(sx, sy, segs, first)
            first = False
    colour = _colour(group[0][0], opt)
    parts.append(f'<path fill="{colour}" d="{w.text()}"/>' if colour else f'<path d="{w.text()}"/>')
