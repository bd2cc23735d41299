"""`optimize --report PATH.html`: one self-contained HTML page that shows what `optimize` wrote.

    report = Report(model="runs/default/export", objective="the smallest SVG ...")
    report.add(result, source, dest, defaults_file)   # after each logo (its pictures are made here, at once)
    report.fail(image, error)                          # a file that could not be optimized
    report.write("report.html")                        # atomically

For a folder the page opens with an index (one row per logo: thumbnails, SSIM, bytes against VTracer's
defaults, time; sortable by any column) and the failures; then each logo (`svgq_jax.report_logo`): the source
beside its SVG, where they differ, the chart of the verified candidates and the numbers.

Everything is inline: pictures are data: URIs, the SVGs are shown by `<img>` only (an SVG so shown runs no
script and loads nothing), no font, stylesheet or script is fetched, and a Content-Security-Policy allows
nothing else: no network, and only the page's own script (by its hash), which sorts the index and puts the
thumbnails in. Every name and message is HTML-escaped. No plotting library: the chart is drawn as SVG markup
by `svgq_jax.report_chart`.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from svgq_jax.core.errors import InputError
from svgq_jax.core.files import check_output, remove_stale_temps, write_atomic
from svgq_jax.core.images import Source
from svgq_jax.core.tracing import TraceFailure
from svgq_jax.core.written import structure
from svgq_jax.report_chart import SCRIPT as CHART_SCRIPT
from svgq_jax.report_images import BOUNDS, RAMP, THUMB, fit, pictures
from svgq_jax.report_logo import esc, one_line, section
from svgq_jax.verify import Result

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0;word-break:break-all}
section{border-top:1px solid #ccc;padding:12px 0}p{margin:4px 0}.meta{color:#555;font-size:13px}
.row{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start;margin-top:8px}figure{margin:0}
figcaption{font-size:12px;color:#555;max-width:260px}
.chk{background:repeating-conic-gradient(#d8d8d8 0 25%,#fff 0 50%) 0 0/16px 16px}
.chk,.pos{display:inline-block;position:relative;outline:1px solid #ccc}.chk img,.pos img{display:block}
.px{image-rendering:pixelated}.win{position:absolute;border:2px solid #0a7cff;box-sizing:border-box}
.zm{display:flex;gap:4px}.zm img{outline:1px solid #ccc}
table{border-collapse:collapse;font-size:12px}td,th{padding:1px 6px;text-align:right;white-space:nowrap}
th{font-weight:600}tr:nth-child(even){background:#f4f4f4}.cmp th:first-child{text-align:left}
.g{color:#17803d}.b{color:#c0262d}
table.sort thead th[data-t]{cursor:pointer}table.sort th[aria-sort=ascending]::after{content:" ▲"}
table.sort th[aria-sort=descending]::after{content:" ▼"}.idx td:nth-child(3){text-align:left;white-space:normal}
.idx img{vertical-align:middle;margin-right:3px}.fail td,.fail th,.idx th:nth-child(3){text-align:left}
.fail td{white-space:normal}
.chart text{font-size:10px;fill:#444;text-anchor:middle}.chart .ty{text-anchor:end}
.chart .ax{stroke:#888;fill:none}.chart .gr{stroke:#eee}.chart .c{fill:#999}
.chart .v{fill:#1f5fbf}.chart .m{fill:#fff;stroke:#1f5fbf;stroke-width:2}.chart .p{fill:#d62728}
.chart .lp{fill:#d62728;text-anchor:start}.chart .lv,.chart .lm{fill:#1f5fbf;text-anchor:start}
"""
# the page's one script: put each index thumbnail in (a copy of its logo's picture, so no picture is stored
# twice), sort a table by the column whose heading is clicked (again: the other way), and draw the charts
SCRIPT = """
for(const i of document.querySelectorAll('img[data-of]'))i.src=document.getElementById(i.dataset.of).src;
for(const t of document.querySelectorAll('table.sort'))for(const h of t.tHead.querySelectorAll('th[data-t]'))
h.onclick=()=>{const c=h.cellIndex,n=h.dataset.t=='n',d=h.getAttribute('aria-sort')=='ascending'?-1:1,
b=t.tBodies[0],k=r=>{const x=r.cells[c].dataset.v??r.cells[c].textContent;return n?(x===''?NaN:+x):x};
for(const o of t.tHead.querySelectorAll('th'))o.removeAttribute('aria-sort');
h.setAttribute('aria-sort',d>0?'ascending':'descending');
b.append(...[...b.rows].sort((p,q)=>{const x=k(p),y=k(q);if(!n)return x.localeCompare(y)*d;
if(isNaN(x)||isNaN(y))return isNaN(x)-isNaN(y);return(x-y)*d}))};
"""
SCRIPT += CHART_SCRIPT


def legend() -> str:
    """The difference maps' colour ramp with its scale, defined once (each map `<use>`s it)."""
    rects = "".join(
        f'<rect x="{2 + 20 * i}" y="0" width="20" height="10" fill="{c}" stroke="#bbb" stroke-width=".5"/>'
        for i, c in enumerate(RAMP)
    )
    marks = "".join(
        f'<text x="{2 + 20 * (i + 1)}" y="21" font-size="9" fill="#444" text-anchor="middle">{b}</text>'
        for i, b in enumerate(BOUNDS)
    )
    hidden = 'width="0" height="0" style="position:absolute" aria-hidden="true"'
    return f'<svg {hidden}><defs><g id="ramp">{rects}{marks}</g></defs></svg>'


@dataclass(frozen=True)
class Entry:
    """One logo's row of the index."""

    n: int
    name: str
    shown: tuple[int, int] | None  # the thumbnails' size; None without pictures
    ssim: float | None
    vtracer_ssim: float | None
    bytes: int
    vtracer_bytes: int | None
    gzip_bytes: int | None
    seconds: float


def _cell(value, text: str) -> str:
    return f'<td data-v="{value!r}">{text}' if value is not None else '<td data-v="">–'


def index_row(e: Entry) -> str:
    if e.shown:
        dims = 'width="{}" height="{}"'.format(*fit(e.shown, THUMB))
        thumbs = f'<img data-of="s{e.n}" {dims} alt=""><img data-of="g{e.n}" {dims} alt="">'
    else:
        thumbs = ""
    d_ssim = e.ssim - e.vtracer_ssim if e.ssim is not None and e.vtracer_ssim is not None else None
    ratio = e.bytes / e.vtracer_bytes if e.vtracer_bytes else None
    return (
        f'<tr><td data-v="{e.n}">{e.n}<td>{thumbs}<td data-v="{esc(e.name)}"><a href="#l{e.n}">{esc(e.name)}</a>'
        + _cell(e.ssim, f"{e.ssim:.4f}" if e.ssim is not None else "")
        + _cell(d_ssim, f"{d_ssim:+.4f}" if d_ssim is not None else "")
        + _cell(e.bytes, f"{e.bytes:,}")
        + _cell(ratio, f"{ratio:.2f}×" if ratio is not None else "")
        + _cell(e.gzip_bytes, f"{e.gzip_bytes:,}" if e.gzip_bytes is not None else "")
        + _cell(e.seconds, f"{e.seconds:.2f}")
    )


def index(entries: list[Entry]) -> str:
    heads = [("#", "n"), ("logo | SVG", ""), ("file", "s"), ("SSIM", "n"), ("Δ SSIM vs VTracer's", "n")]
    heads += [("bytes", "n"), ("× VTracer's bytes", "n"), ("gzip", "n"), ("s", "n")]
    head = "".join(f'<th data-t="{t}">{h}' if t else f"<th>{h}" for h, t in heads)
    return (
        '<h2>Logos</h2><p class="meta">Click a column to sort. Δ and × are against VTracer\'s defaults as VTracer '
        f'writes them.</p><table class="sort idx"><thead><tr>{head}</thead>'
        f"<tbody>{''.join(index_row(e) for e in entries)}</tbody></table>"
    )


def failures(failed: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><td>{esc(name)}<td>{esc(one_line(why))}" for name, why in failed)
    return f'<h2 id="failed">Failed ({len(failed)})</h2><table class="fail"><tr><th>file<th>why</tr>{rows}</table>'


class Report:
    """The report of one `optimize` run, built logo by logo (only each logo's HTML is kept)."""

    def __init__(self, model: str = "", objective: str = "", many: bool = True):
        self.model, self.objective, self.many = str(model), objective, many
        self.entries: list[Entry] = []
        self.sections: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def add(self, r: Result, source: Source, dest: str | Path, defaults_file=None) -> None:
        """One logo optimized: `source` as it was traced, `dest` where its SVG went, `defaults_file` the
        defaults' trace (`core.written.Written`: its raw text and its minified file) for their path counts."""
        n = len(self.entries) + 1
        try:
            pics, note = pictures(source, r.svg), ""
        except TraceFailure as e:
            pics, note = None, str(e)
        paths = {"pick": r.written.get("paths")}
        if defaults_file is not None:
            paths["vtracer"] = structure(defaults_file.raw)["paths"]
            paths["minified"] = structure(defaults_file.svg)["paths"]
        self.sections.append(section(n, r, str(dest), pics, paths, note))
        best, vt = r.best, r.vtracer_defaults
        self.entries.append(
            Entry(
                n,
                r.image,
                pics.shown if pics else None,
                best.actual,
                vt.actual if vt else None,
                r.written.get("bytes") or len(r.svg.encode()),
                vt.svg_bytes if vt else None,
                r.written.get("gzip_bytes"),
                r.total_seconds,
            )
        )

    def fail(self, image: str, error: str) -> None:
        self.failed.append((str(image), str(error)))

    def summary(self) -> str:
        n, k = len(self.entries), len(self.failed)
        parts = [f"{n} logo{'s' * (n != 1)} optimized" + (f", {k} failed" if k else "")]
        both = [e for e in self.entries if e.vtracer_bytes]
        if both:
            ours, theirs = sum(e.bytes for e in both), sum(e.vtracer_bytes for e in both)
            parts.append(f"SVGs {ours:,} bytes in all against {theirs:,} for VTracer's defaults ({ours / theirs:.2f}×)")
        scored = [e for e in self.entries if e.ssim is not None and e.vtracer_ssim is not None]
        if scored:
            ours, theirs = (sum(getattr(e, k) for e in scored) / len(scored) for k in ("ssim", "vtracer_ssim"))
            parts.append(f"mean SSIM {ours:.4f} against {theirs:.4f}")
        if self.model:
            parts.append(f"model {esc(self.model)}")
        if self.objective:
            parts.append(f"objective: {esc(self.objective)}")
        return " · ".join(parts)

    def html(self) -> str:
        script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
        policy = f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'"
        body = [f'<h1>VTracer parameters chosen by svgq_jax</h1><p class="meta">{self.summary()}</p>', legend()]
        if self.many:
            body.append(index(self.entries))
        if self.failed:
            body.append(failures(self.failed))
        body += self.sections
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>svgq_jax optimize: {len(self.entries)} logos</title><style>{CSS}</style></head><body>"
            + "\n".join(body)
            + f"<script>{SCRIPT}</script></body></html>\n"
        )

    def write(self, path: str | Path) -> int:
        """Write the page atomically (after removing what a killed run's write left beside it); its bytes."""
        data = self.html().encode()
        remove_stale_temps(path)
        write_atomic(Path(path), data)
        return len(data)


def check_report_path(path: str | Path, plan: list[tuple[Path, Path]], overwrite: bool) -> None:
    """--report checked like the SVGs, before any work: a new name or a regular file, neither an input nor one of
    the SVGs, and an existing file replaced only with --overwrite."""
    check_output(path, "--report", inputs=[f for f, _ in plan])
    key = os.path.normpath(Path(path).absolute())
    for source, dest in plan:
        if os.path.normpath(dest.absolute()) == key:
            raise InputError(f"--report {path} is where the SVG of {source} goes; name another file")
    if Path(path).exists() and not overwrite:
        raise InputError(f"--report {path} exists already; give --overwrite to replace it, or another path")
