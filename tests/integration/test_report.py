"""`optimize --report`: the page opened in a real headless Chromium.

Each page is opened twice: with `--dump-dom` after a probe script (added to a copy of the page, with its
Content-Security-Policy taken out so the probe may run) wrote into the DOM what the browser made of every
picture and chart, and with `--screenshot` of the page as written. Chromium's HTTP(S) traffic all goes to a
local proxy that records every request (`Recorder`; loopback is not bypassed), so a page that fetched anything,
from anywhere, would leave a request there: `test_the_network_check_sees_a_fetch` shows that it does.

Chromium is Debian's `chromium`. `.ci/run` installs it and sets SVGQ_REQUIRE_BROWSER=1, under which a missing
Chromium fails these tests; elsewhere (a fresh machine following the README's quick start) they skip, saying
how to install it.
"""

from __future__ import annotations

import html as html_module
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from conftest import call_main, draw_test_logo, run_cli, wordmark
from PIL import Image

from svgq_jax.report_images import DISPLAY

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Chromium's own background traffic, whatever the page (seen on a blank page with the flags above: the network
# time service, and preconnects to the sign-in and search hosts); a page's requests are the others
CHROMIUM_SERVICES = ("clients2.google.com", "accounts.google.com", "www.google.com")
WINDOW = (1280, 2000)
PICK = (214, 39, 40)  # the pick's colour in the chart (report.CSS: .chart .p)
HOSTILE = ("<script>alert(1)</script>", '"q\'uote"', "a & b", "new\nline")
OPTIMIZE = ("--budget", "256", "--verify", "2")

# Added to a copy of the page: on load, what became of each picture and chart, as JSON on <html data-probe>.
PROBE = """<script>
window.alert = () => { document.documentElement.dataset.alerted = '1'; };
addEventListener('load', () => {
  const ink = i => { try {
    const c = document.createElement('canvas'); c.width = i.width; c.height = i.height;
    const g = c.getContext('2d'); g.drawImage(i, 0, 0, i.width, i.height);
    const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;
    for (let k = 0; k < d.length; k += 4) if (d[k + 3] > 128 && Math.min(d[k], d[k + 1], d[k + 2]) < 235) n++;
    return n / (c.width * c.height); } catch (e) { return String(e); } };
  const box = e => {
    const r = e.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; };
  const out = {scripts: document.scripts.length, imgs: [], charts: []};
  for (const i of document.images) out.imgs.push({id: i.id, alt: i.alt, of: i.dataset.of || '', complete: i.complete,
    nw: i.naturalWidth, nh: i.naturalHeight, w: +i.getAttribute('width'), h: +i.getAttribute('height'),
    box: box(i), ink: ink(i), scheme: i.src.split(':')[0]});
  for (const s of document.querySelectorAll('svg.chart')) out.charts.push({box: box(s),
    marks: s.querySelectorAll('circle, rect, path.p').length,
    labels: [...s.querySelectorAll('text[class]')].map(t => t.textContent)});
  out.text = document.body.textContent;
  out.alerted = document.documentElement.dataset.alerted === '1';
  document.documentElement.dataset.probe = JSON.stringify(out);
});
</script>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        why = "the report's browser tests need Chromium: apt-get install -y chromium (.ci/run does)"
        if os.environ.get("SVGQ_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return CHROMIUM


class Recorder(http.server.ThreadingHTTPServer):
    """A proxy that answers every request with an error and remembers it: (method, target)."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_one_request(self):
                self.raw_requestline = self.rfile.readline(65537)
                if self.raw_requestline and self.parse_request():
                    if _host(self.path) not in CHROMIUM_SERVICES:
                        recorder.requests.append((self.command, self.path))
                    self.send_error(403)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def flags(self) -> list[str]:
        return [f"--proxy-server=http://127.0.0.1:{self.server_address[1]}", "--proxy-bypass-list=<-loopback>"]


def _host(target: str) -> str:
    """The host a proxy request goes to: `CONNECT host:443` or `GET http://host/...`."""
    return target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]


def browse(chromium: str, page: Path, tmp: Path, *how: str) -> tuple[subprocess.CompletedProcess, list]:
    """Chromium on `page` (file:) with `how` (--dump-dom, --screenshot=...), all its traffic through a Recorder:
    (the run, the requests the proxy saw)."""
    recorder = Recorder()
    try:
        profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
        size = "--window-size={},{}".format(*WINDOW)  # one layout for the probe and the screenshot
        cmd = [chromium, *FLAGS, size, f"--user-data-dir={profile}", *recorder.flags(), *how, page.as_uri()]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        recorder.shutdown()
        recorder.server_close()
    return run, recorder.requests


def probed(chromium: str, page: Path, tmp: Path) -> tuple[dict, list]:
    """The probe's findings on `page` (its copy: policy out, probe in) and the requests the proxy saw."""
    html = page.read_text()
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html, count=1)
    copy = tmp / f"probed-{page.name}"
    copy.write_text(html.replace("<head>", "<head>" + PROBE, 1))
    run, requests = browse(chromium, copy, tmp, "--dump-dom")
    found = re.search(r'<html[^>]* data-probe="([^"]*)"', run.stdout)
    assert found, f"the probe left nothing (rc {run.returncode}): {run.stderr[-800:]}"
    return json.loads(html_module.unescape(found.group(1))), requests


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def static_checks(html: str) -> None:
    """Nothing in the page can reach out: one script (its own), pictures as data: URIs, no link or style import."""
    tags = Tags(html).tags
    assert [t for t, _ in tags].count("script") == 1 and "<script" not in html.split("<script>", 1)[1]
    assert not [t for t, _ in tags if t in ("link", "iframe", "object", "embed", "base", "form", "video", "audio")]
    for tag, attrs in tags:
        for key in ("src", "href", "srcset", "poster", "action"):
            if attrs.get(key) is not None:
                assert attrs[key].startswith(("data:", "#")), (tag, key, attrs[key][:60])
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
    assert "url(" not in html.split("<style>", 1)[1].split("</style>", 1)[0] and "@import" not in html
    policy = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert policy.startswith("default-src 'none'; img-src data:;")


@pytest.fixture(scope="module")
def report(tiny_bundle, tmp_path_factory) -> tuple[Path, Path, object]:
    """A folder of an opaque logo, a transparent wordmark and a broken file, optimized with --report
    (a real subprocess: its stderr is not a terminal, so it writes one line per logo)."""
    tmp = tmp_path_factory.mktemp("report")
    folder = tmp / "logos"
    folder.mkdir()
    draw_test_logo(5).save(folder / "opaque.png")
    wordmark((300, 90), seed=3).save(folder / "wordmark.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    page = tmp / "report.html"
    r = run_cli("svgq_jax.optimize", "--model", tiny_bundle, folder, "--out", tmp / "svgs", "--report", page, *OPTIMIZE)
    return page, tmp, r


def test_the_command_says_where_the_report_is(report):
    page, _, r = report
    assert r.returncode == 0, r.stderr[-800:]
    lines = [ln for ln in r.stderr.splitlines() if re.match(r"\[\d/3\] ", ln)]
    assert len(lines) == 3 and "skipped: " in lines[0] and "broken.png" in lines[0]
    assert "SSIM 0." in lines[1] and "bytes" in lines[1] and "VTracer's defaults" in lines[1]
    assert f"report: {page} (2 logos, 1 failed;" in r.stderr and page.is_file()


def test_the_network_check_sees_a_fetch(chromium, tmp_path):
    """The proxy sees what a page fetches: a picture, a stylesheet, a script and a fetch() from four hosts."""
    page = tmp_path / "fetches.html"
    page.write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example.com/a.css">'
        '<script src="http://scripts.example.net/s.js"></script></head><body><img src="http://img.example.org/i.png">'
        "<script>fetch('http://api.example.com/x').catch(() => 0)</script></body></html>"
    )
    _, requests = browse(chromium, page, tmp_path, "--dump-dom")
    seen = " ".join(target for _, target in requests)
    for host in ("cdn.example.com", "scripts.example.net", "img.example.org", "api.example.com"):
        assert host in seen, requests


def test_the_report_renders_in_chromium_and_fetches_nothing(chromium, report):
    page, tmp, _ = report
    html = page.read_text()
    static_checks(html)
    doc, requests = probed(chromium, page, tmp)
    assert requests == [] and not doc["alerted"]
    imgs = {i["id"] or f"{i['of']}-thumb": i for i in doc["imgs"]}
    for n in (1, 2):
        source, svg = imgs[f"s{n}"], imgs[f"g{n}"]
        assert svg["scheme"] == source["scheme"] == "data"
        for i in (source, svg):  # loaded, decoded, shown at the size the page states, and not blank
            assert i["complete"] and i["nw"] > 0 and i["nh"] > 0, i
            assert i["box"][2:] == [i["w"], i["h"]] and max(i["w"], i["h"]) == DISPLAY, i
            assert isinstance(i["ink"], float) and i["ink"] > 0.02, i
        assert source["box"][2:] == svg["box"][2:]  # the source and its SVG side by side at one size
        assert imgs[f"s{n}-thumb"]["complete"] and imgs[f"s{n}-thumb"]["nw"] == source["nw"]  # thumbnails filled
    assert all(i["complete"] and i["nw"] > 0 for i in doc["imgs"]), [i for i in doc["imgs"] if not i["nw"]]
    assert len(doc["charts"]) == 2
    for chart in doc["charts"]:
        assert chart["marks"] >= 2 and chart["box"][2] > 200 and any(t.startswith("pick") for t in chart["labels"])
        assert "VTracer's defaults" in chart["labels"]
    assert "broken.png" in doc["text"] and "not a readable image" in doc["text"]
    screenshot(chromium, page, tmp, doc)


def screenshot(chromium: str, page: Path, tmp: Path, doc: dict) -> None:
    """The page as written (its policy in force) on screen: the first logo's source and SVG drawn where the probe
    found them, alike, and the first chart's pick drawn."""
    shot = tmp / "shot.png"
    run, requests = browse(chromium, page, tmp, f"--screenshot={shot}")
    assert shot.is_file(), run.stderr[-800:]
    assert requests == []
    px = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    assert px.shape[:2] == (WINDOW[1], WINDOW[0])
    imgs = {i["id"]: i for i in doc["imgs"] if i["id"]}

    def region(box):
        x, y, w, h = (round(v) for v in box)
        assert y + h <= WINDOW[1], "the first logo is below the screenshot"
        return px[y : y + h, x : x + w]

    source, svg = region(imgs["s1"]["box"]), region(imgs["g1"]["box"])
    checker = lambda a: np.all(np.abs(a - 216) <= 3, axis=2) | np.all(a >= 252, axis=2)
    assert (~checker(source)).mean() > 0.02 and (~checker(svg)).mean() > 0.02  # a logo over the checkerboard
    assert np.abs(source - svg).mean() < 20  # and the same logo
    chart = region(doc["charts"][0]["box"])
    assert np.all(np.abs(chart - np.array(PICK)) <= 8, axis=2).sum() >= 20


def test_hostile_names_appear_as_text(chromium, tiny_bundle, tmp_path):
    """File names with markup, quotes, & and a newline (logos that trace, and one that fails) are text on the
    page: no element, attribute or script comes from them."""
    folder = tmp_path / "in"
    (folder / "<script>alert(1)<").mkdir(parents=True)
    draw_test_logo(6).save(folder / "<script>alert(1)<" / "script>.png")  # the path reads <script>alert(1)</script>
    draw_test_logo(7).save(folder / '"q\'uote" a & b new\nline.png')
    (folder / "<img src=x onerror=alert(2)>.png").write_bytes(b"broken")
    page = tmp_path / "report.html"
    r = call_main(
        "svgq_jax.optimize", "--model", tiny_bundle, folder, "--out", tmp_path / "o", "--report", page, *OPTIMIZE
    )
    assert r.returncode == 0, r.stderr[-800:]
    html = page.read_text()
    static_checks(html)
    assert "<script>alert" not in html and "<img src=x" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    doc, requests = probed(chromium, page, tmp_path)
    assert requests == [] and not doc["alerted"] and doc["scripts"] == 2  # the page's own and the probe
    for name in (*HOSTILE, "<img src=x onerror=alert(2)>.png"):
        assert name in doc["text"], name
