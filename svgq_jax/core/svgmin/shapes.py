"""The geometry of each path once rounded: straight cubics, quadratics, joined lines, subpaths that go."""

from __future__ import annotations

import numpy as np

from svgq_jax.core.svgmin.reading import _SCALE, Parsed

JOIN_RUN = 16  # lossy_join: most vertices one joined line may replace


def _collinear_straight(x0, y0, x1, y1, x2, y2, x3, y3) -> bool:
    dx, dy = x3 - x0, y3 - y0
    if dx == 0 and dy == 0:
        return x1 == x0 and y1 == y0 and x2 == x0 and y2 == y0
    if dx * (y1 - y0) - dy * (x1 - x0) or dx * (y2 - y0) - dy * (x2 - x0):
        return False
    ll = dx * dx + dy * dy
    d1 = dx * (x1 - x0) + dy * (y1 - y0)
    d2 = dx * (x2 - x0) + dy * (y2 - y0)
    return 0 <= d1 <= ll and 0 <= d2 <= ll


def straight_input(p: Parsed, tol: float) -> set[int]:
    """Offsets (into the number array) of the cubics that are straight in the input itself: control points
    within `tol` user units of the chord and between its ends. VTracer writes its straight segments as cubics
    with controls at 0.33 and 0.66 of the chord, rounded to 8 decimals, so they miss the line by ~1e-8."""
    letters = "".join(p.letters).replace("Z", "")
    if not letters:
        return set()
    cmd = np.frombuffer(letters.encode("ascii"), np.uint8)
    arity = np.where(cmd == ord("C"), 6, 2)
    s = (np.cumsum(arity) - arity)[cmd == ord("C")]
    v = p.values
    x0, y0, x1, y1, x2, y2, x3, y3 = (v[s + k] for k in (-2, -1, 0, 1, 2, 3, 4, 5))
    dx, dy = x3 - x0, y3 - y0
    ll = dx * dx + dy * dy
    ln = np.sqrt(ll)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = ln > 0
        for cx, cy in ((x1, y1), (x2, y2)):
            ok &= np.abs(dx * (cy - y0) - dy * (cx - x0)) <= tol * ln
            dot = dx * (cx - x0) + dy * (cy - y0)
            ok &= (dot >= -tol * ln) & (dot <= ll + tol * ln)
    return set(s[ok].tolist())


def quads_at(p: Parsed, tol: float, q: float, skip) -> dict[int, tuple[int, int]]:
    """Lossy, like SVGO's convertToQ: cubics whose two quadratic control-point estimates (3*C1 - P0)/2 and
    (3*C2 - P3)/2 agree within `tol` user units on each axis -> {offset: their mean, rounded}."""
    letters = "".join(p.letters).replace("Z", "")
    if not letters:
        return {}
    cmd = np.frombuffer(letters.encode("ascii"), np.uint8)
    arity = np.where(cmd == ord("C"), 6, 2)
    s = (np.cumsum(arity) - arity)[cmd == ord("C")]
    v = p.values
    x0, y0, x1, y1, x2, y2, x3, y3 = (v[s + k] for k in (-2, -1, 0, 1, 2, 3, 4, 5))
    q1x, q1y, q2x, q2y = (3 * x1 - x0) / 2, (3 * y1 - y0) / 2, (3 * x2 - x3) / 2, (3 * y2 - y3) / 2
    ok = (np.abs(q1x - q2x) <= tol) & (np.abs(q1y - q2y) <= tol)
    counts = np.fromiter(
        (2 * (t.count("M") + t.count("L")) + 6 * t.count("C") for t in p.letters), np.int64, len(p.letters)
    )
    path = np.repeat(np.arange(len(counts)), counts)[s]
    tx = np.array([t[0] for t in p.tx], np.float64)[path] / _SCALE
    ty = np.array([t[0] for t in p.ty], np.float64)[path] / _SCALE
    qx = np.floor(((q1x + q2x) / 2 + tx) / q + 0.5).astype(np.int64)
    qy = np.floor(((q1y + q2y) / 2 + ty) / q + 0.5).astype(np.int64)
    keep = np.nonzero(ok)[0]
    return {o: (a, b) for o, a, b in zip(s[keep].tolist(), qx[keep].tolist(), qy[keep].tolist()) if o not in skip}


def _near_chord(px, py, x, y, pts, tol2: float) -> bool:
    """Every point of pts within sqrt(tol2) grid steps of the segment (px, py)-(x, y) and projecting inside it."""
    dx, dy = x - px, y - py
    ll = dx * dx + dy * dy
    if not ll:
        return False
    for mx, my in pts:
        cr = dx * (my - py) - dy * (mx - px)
        dot = dx * (mx - px) + dy * (my - py)
        if cr * cr > tol2 * ll or dot <= 0 or dot >= ll:
            return False
    return True


def subpaths(
    lets: str, r: list[int], k: int, opt: dict, lines_at=frozenset(), quads=None
) -> list[tuple[int, int, list]]:
    """One path's rounded absolute data -> its simplified subpaths [(sx, sy, segs)], segs of
    (x, y) lines, (qx, qy, x, y) quadratics (lossy_q only) and (x1, y1, x2, y2, x, y) cubics."""
    out = []
    segs = None
    sx = sy = cx = cy = 0
    straight = opt["straight"]
    join = opt["lossy_join"]
    join2 = float(join) ** 2 if join else 0.0
    dropped: list[tuple[int, int]] = []  # vertices the lossy join removed since the last kept one
    for c in lets:
        if c != "L" and c != "C":
            dropped = []
        if c == "C":
            x1, y1, x2, y2, x, y = r[k : k + 6]
            k += 6
            if k - 6 in lines_at or (straight and _collinear_straight(cx, cy, x1, y1, x2, y2, x, y)):
                seg = (x, y)
            elif quads and k - 6 in quads:
                qx, qy = quads[k - 6]
                if straight and _collinear_straight(cx, cy, qx, qy, qx, qy, x, y):
                    seg = (x, y)
                else:
                    segs.append((qx, qy, x, y))
                    cx, cy = x, y
                    dropped = []
                    continue
            else:
                segs.append((x1, y1, x2, y2, x, y))
                cx, cy = x, y
                dropped = []
                continue
        elif c == "L":
            seg = (r[k], r[k + 1])
            k += 2
        elif c == "M":
            if segs is not None:
                out.append((sx, sy, segs))
            sx, sy = cx, cy = r[k], r[k + 1]
            k += 2
            segs = []
            continue
        else:  # Z: the current point returns to the start
            if segs is not None:
                out.append((sx, sy, segs))
                segs = None
            cx, cy = sx, sy
            continue
        # a line to seg
        x, y = seg
        if opt["degenerate"]:
            if x == cx and y == cy:
                continue
            if segs and len(segs[-1]) == 2:
                px, py = segs[-2][-2:] if len(segs) > 1 else (sx, sy)
                ax, ay, bx, by = cx - px, cy - py, x - cx, y - cy
                if ax * by - ay * bx == 0 and ax * bx + ay * by > 0:
                    segs[-1] = seg
                    cx, cy = x, y
                    continue
                if join and len(dropped) < JOIN_RUN and _near_chord(px, py, x, y, dropped + [(cx, cy)], join2):
                    dropped.append((cx, cy))
                    segs[-1] = seg
                    cx, cy = x, y
                    continue
            dropped = []
        segs.append(seg)
        cx, cy = x, y
    if segs is not None:
        out.append((sx, sy, segs))
    return _cleaned(out, opt) if opt["degenerate"] else out


def _cleaned(out: list, opt: dict) -> list[tuple[int, int, list]]:
    """Subpaths without what the fill adds nothing for: a last line back to the start, subpaths with no area;
    with `rotate`, a closed subpath starts after one of its lines, which becomes the implicit close."""
    kept = []
    for sx, sy, segs in out:
        # the fill closes every subpath with a line: a last line back to the start adds nothing
        while segs and len(segs[-1]) == 2 and segs[-1] == (sx, sy):
            segs.pop()
        if not segs or _flat(sx, sy, segs):
            continue
        if opt["rotate"] and segs[-1][-2:] == (sx, sy):
            # closed: make one of its lines the implicit closing line (prefer one that is not h/v)
            best = -1
            px, py = sx, sy
            for i, s in enumerate(segs):
                if len(s) == 2:
                    if s[0] != px and s[1] != py:
                        best = i
                        break
                    if best < 0:
                        best = i
                px, py = s[-2], s[-1]
            if best >= 0:
                nx, ny = segs[best]
                segs = segs[best + 1 :] + segs[:best]
                sx, sy = nx, ny
        kept.append((sx, sy, segs))
    return kept


def _flat(sx: int, sy: int, segs: list) -> bool:
    """All points (control points too) on one line: the subpath has no area."""
    ux = uy = 0
    for s in segs:
        for i in range(0, len(s), 2):
            dx, dy = s[i] - sx, s[i + 1] - sy
            if ux == 0 and uy == 0:
                ux, uy = dx, dy
            elif ux * dy - uy * dx:
                return False
    return True
