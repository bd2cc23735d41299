"""Merging paths of one fill into one element, only where no pixel and no paint order can change."""

from __future__ import annotations

from svgq_jax.core.svgmin.writing import emit

MERGE_HULL_WORK = 1 << 16  # merge: most point pairs one hull separation test may look at


MERGE_BUDGET = 1 << 22  # merge: most boxes and point pairs all tests of one file may look at


def _hull(pts) -> list[tuple[int, int]]:
    """Convex hull (counter-clockwise, no collinear points) of integer points; Andrew's monotone chain."""
    pts = sorted(set(pts))
    if len(pts) <= 2:
        return pts

    def half(seq):
        h = []
        for p in seq:
            while (
                len(h) >= 2
                and (h[-1][0] - h[-2][0]) * (p[1] - h[-2][1]) - (h[-1][1] - h[-2][1]) * (p[0] - h[-2][0]) <= 0
            ):
                h.pop()
            h.append(p)
        return h

    lower, upper = half(pts), half(reversed(pts))
    return lower[:-1] + upper[:-1]


def _separated(P, Q) -> bool:
    """Two convex hulls (CCW, each with >= 3 points) are strictly apart: an edge of one has every point of the
    other strictly outside it. Exact (Python ints)."""
    for A, B in ((P, Q), (Q, P)):
        n = len(A)
        for i in range(n):
            ax, ay = A[i]
            bx, by = A[(i + 1) % n]
            ex, ey = bx - ax, by - ay
            if all(ex * (y - ay) - ey * (x - ax) < 0 for x, y in B):
                return True
    return False


def merge(geoms, fmt, opt, parts) -> None:
    """Like SVGO's mergePaths, and more: each path joins an earlier element of its fill when it is strictly apart
    from every path of that element (so the nonzero fill of the union is the union of the fills) and from every
    path painted between (so moving it earlier in paint order changes nothing). "Apart": control-point boxes
    apart, or else convex hulls (control points included) strictly separated by an edge of one. The search
    looks back over at most `merge_back` elements (0: only the last one, as SVGO). Work is bounded: all box
    and hull tests of one file may look at MERGE_BUDGET boxes and point pairs in all, past which paths are no
    longer moved or merged, and one hull test at MERGE_HULL_WORK point pairs."""
    budget = [MERGE_BUDGET]
    hulls: dict[int, list] = {}
    back = opt["merge_back"]
    boxes = []
    for _, subs in geoms:
        pts = _points(subs)
        xs = [x for x, _ in pts]
        ys = [y for _, y in pts]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))

    def hull(k):
        h = hulls.get(k)
        if h is None:
            h = hulls[k] = _hull(_points(geoms[k][1]))
        return h

    def apart(a, b):
        budget[0] -= 1
        if budget[0] <= 0:
            return False
        ba, bb = boxes[a], boxes[b]
        if ba[0] > bb[2] or bb[0] > ba[2] or ba[1] > bb[3] or bb[1] > ba[3]:
            return True
        ha, hb = hull(a), hull(b)
        work = len(ha) * len(hb)
        budget[0] -= len(ha) + len(hb) + work
        return len(ha) >= 3 and len(hb) >= 3 and work <= MERGE_HULL_WORK and _separated(ha, hb)

    groups: list[list[int]] = []  # indices into geoms, in paint order
    for k, (fill, _) in enumerate(geoms):
        target = None
        for gi in range(len(groups) - 1, max(-1, len(groups) - 2 - back), -1):
            g = groups[gi]
            ok = all(apart(k, m) for m in g)
            if ok and geoms[g[0]][0] == fill:
                target = g
                break
            if not ok:
                break
        if target is None:
            groups.append([k])
        else:
            target.append(k)
    for g in groups:
        emit([geoms[k] for k in g], fmt, opt, parts)


def _points(subs) -> list[tuple[int, int]]:
    pts = []
    for sx, sy, segs in subs:
        pts.append((sx, sy))
        for sg in segs:
            pts.extend(zip(sg[::2], sg[1::2]))
    return pts
