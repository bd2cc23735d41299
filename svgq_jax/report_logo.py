"""One logo's part of the report: the source beside its SVG, where they differ, the chart and the numbers.

`section` returns the HTML of one `optimize` result; every string from outside (file names, paths, errors)
goes through `esc`, every number is formatted here. The pictures come from `svgq_jax.report_images`, the
chart from `svgq_jax.report_chart`.
"""

from __future__ import annotations

from html import escape

from svgq_jax.core import params as param_space
from svgq_jax.report_chart import Point, chart
from svgq_jax.report_images import ZOOM_SHOW, Pictures
from svgq_jax.search import Candidate
from svgq_jax.verify import Result

SHORT = dict(zip(param_space.PARAM_NAMES, ("cp", "ld", "ct", "lt", "mi", "st", "fs", "pp")))
# the measures of a candidate: (label, better when higher (+1) or lower (-1))
MEASURES = (("SSIM", 1), ("bytes", -1), ("gzip bytes", -1), ("paths", -1), ("trace ms", -1))


def esc(value) -> str:
    """Text from outside as HTML text or attribute value: escaped (quotes too); a name that is not valid UTF-8
    (a file name's lone surrogates) is written with backslash escapes rather than refused."""
    return escape(str(value).encode("utf-8", "backslashreplace").decode("utf-8"), quote=True)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def fmt(label: str, v) -> str:
    """A measure or parameter value as the tables show it ('–' when unknown)."""
    if v is None:
        return "–"
    if label == "SSIM":
        return f"{v:.4f}"
    if label == "trace ms":
        return f"{v:.1f}"
    if isinstance(v, str):
        return esc(v)
    if isinstance(v, float) and not v.is_integer():
        return f"{v:g}"
    return f"{int(v):,}"


def delta(label: str, ours, theirs, better: int) -> tuple[str, str]:
    """(text, CSS class) of ours - theirs: 'good' or 'bad' by `better`, with the ratio for byte counts."""
    if ours is None or theirs is None:
        return "–", ""
    if fmt(label, ours) == fmt(label, theirs):  # equal as shown
        return "=" if better else "", ""
    if isinstance(ours, str):  # VTracer's mode: changed, neither better nor worse
        return "≠", ""
    d = ours - theirs
    if label == "SSIM":
        text = f"{d:+.4f}"
    elif label == "trace ms":
        text = f"{d:+.1f}"
    elif isinstance(d, float) and not d.is_integer():
        text = f"{d:+g}"
    else:
        text = f"{int(d):+,}"
    if "bytes" in label and theirs:
        text += f" ({ours / theirs:.2f}×)"
    return text, ("g" if d * better > 0 else "b") if better else ""


def measures(c: Candidate | None, paths: int | None) -> dict:
    if c is None:
        return {}
    return {
        "SSIM": c.actual,
        "bytes": c.svg_bytes,
        "gzip bytes": c.gzip_bytes,
        "paths": paths,
        "trace ms": c.trace_seconds * 1000 if c.trace_seconds is not None else None,
        "mode": c.mode,
    }


def comparison(r: Result, paths: dict) -> str:
    """The pick against VTracer's defaults (as VTracer writes them) and against the defaults minified: each
    measure, VTracer's curve mode and parameter, and the change (Δ = pick - defaults; g: better, b: worse)."""
    cols = [("pick", r.best, paths.get("pick")), ("VTracer's defaults", r.vtracer_defaults, paths.get("vtracer"))]
    if r.defaults is not None and r.defaults.grid is not None:
        cols.append(("defaults minified", r.defaults, paths.get("minified")))
    values = [{**(c.params if c else {}), **measures(c, p)} for _, c, p in cols]
    rows = ["<tr><th><th>pick" + "".join(f"<th>{esc(name)}<th>Δ" for name, _, _ in cols[1:])]
    for label, better in (*MEASURES, ("mode", 0), *((n, 0) for n in param_space.PARAM_NAMES)):
        ours = values[0].get(label)
        cells = [f"<tr><th>{label}<td>{fmt(label, ours)}"]
        for v in values[1:]:
            text, cls = delta(label, ours, v.get(label), better)
            cells.append(f"<td>{fmt(label, v.get(label))}<td" + (f" class={cls}>" if cls else ">") + text)
        rows.append("".join(cells))
    return f"<table class=cmp>{''.join(rows)}</table>"


def points(r: Result) -> list[Point]:
    """The chart's points: every verified candidate, VTracer's defaults, the defaults minified and the pick."""
    out = [
        Point("c", c.svg_bytes, c.actual, i + 1)
        for i, c in enumerate(r.candidates)
        if c is not r.best and c.actual is not None and c.svg_bytes
    ]
    minified = r.defaults is not None and r.defaults.grid is not None
    named = [("v", r.vtracer_defaults), ("P" if minified and r.defaults is r.best else "p", r.best)]
    if minified and r.defaults is not r.best:
        named.append(("m", r.defaults))
    out += [Point(kind, c.svg_bytes, c.actual) for kind, c in named if c is not None and c.actual is not None]
    return out


def figures(n: int, p: Pictures, size: tuple[int, int]) -> str:
    """The source and the SVG at one displayed size (a checkerboard behind both), the difference map with the
    zoom window marked and the legend of its colours, and the zoomed crops."""
    dims = "width={} height={}".format(*p.shown)
    px = " class=px" if p.source_pixelated else ""
    x, y, k = p.window
    s = p.shown[0] / size[0]
    win = f"left:{x * s:.0f}px;top:{y * s:.0f}px;width:{max(k * s, 3):.0f}px;height:{max(k * s, 3):.0f}px"
    zoom = f"width={ZOOM_SHOW} height={ZOOM_SHOW}"
    return (
        f'<div class=row><figure><div class=chk><img id=s{n}{px} src="{p.source}" {dims} alt=source></div>'
        f"<figcaption>source ({p.colours} colours)</figcaption></figure>"
        f'<figure><div class=chk><img id=g{n} src="{p.svg}" {dims} alt=SVG></div><figcaption>SVG</figcaption>'
        f'</figure><figure><div class=pos><img class=px src="{p.diff}" {dims} alt=difference><i class=win '
        f'style="{win}"></i></div><figcaption>|source − SVG| over white, max {p.max_diff}<br><svg class=lg '
        'width=200 height=24><use href="#ramp"/></svg></figcaption></figure>'
        f'<figure><div class=zm><img class=px src="{p.zoom_source}" {zoom} alt="zoom: source">'
        f'<img class=px src="{p.zoom_svg}" {zoom} alt="zoom: SVG"></div><figcaption>where they differ most: '
        f"source | SVG,<br>{k}×{k} px at ({x}, {y})</figcaption></figure></div>"
    )


def header(n: int, r: Result, dest: str) -> str:
    w, h = r.size
    traced = "" if r.traced == r.size else f", traced at {r.traced[0]}×{r.traced[1]} (over --max-side)"
    grid = r.written.get("grid")
    on = f"minified on a {grid:g}-px grid" if grid else "VTracer's own text"
    missed = "" if r.reached else " · <b class=b>no verified candidate met the objective: the nearest</b>"
    return (
        f"<h2 id=l{n}>{esc(r.image)}</h2><p class=meta>{w}×{h}{traced} · {r.total_seconds:.2f} s{missed}<br>"
        f"→ {esc(dest)} ({on})</p>"
    )


def section(n: int, r: Result, dest: str, p: Pictures | None, paths: dict, note: str = "") -> str:
    """One logo's section: `p` None when its pictures could not be made (`note` says why)."""
    pics = figures(n, p, r.traced) if p is not None else f"<p class=b>no pictures: {esc(one_line(note))}</p>"
    drawn = chart(points(r))
    plot = f"<figure>{drawn}<figcaption>grey: the other verified candidates</figcaption></figure>" if drawn else ""
    return f"<section>{header(n, r, dest)}{pics}<div class=row>{plot}{comparison(r, paths)}</div></section>"
