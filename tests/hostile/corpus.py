"""The hostile-input corpus: what an attacker or a careless user hands the command-line tools.

Every case is written into a folder by the functions here, each a `Case` with what the tool
must answer: `expect` is words its one-line error must hold, or None where the input is odd
but fine and must give a result. Categories: image files, SVG files, JSONL lines, config
files, model bundles, dataset directories, model files (torch_bridge.runner) and flags
(made by the test, which knows the paths). Payloads that would run code or read a file
outside their input aim at `canary`, a folder that must stay empty and unread.
"""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from svgq_jax.core import params as param_space

GOOD_PARAMS = dict(param_space.VTRACER_DEFAULTS)
CANARY_RGB = (12, 200, 34)  # the colour of the file the SVG cases try to read
# What the SVG cases that must render draw: most draw the same, so a tool computes its features once.
DRAWING = '<rect width="30" height="20" fill="#c00"/>'


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    path: Path | None = None  # the file or folder the case is (images, SVGs, configs, bundles, datasets, models)
    expect: str | None = None  # words of the one-line error; None: must give a result
    line: bytes | None = None  # a JSONL case's raw line
    fmt: str | None = None  # a model file's format for torch_bridge.runner.load
    args: tuple = ()  # a flag case's command: module, then arguments


def logo(seed: int = 0, size=(64, 48)) -> Image.Image:
    """A small flat-colour logo."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, "white")
    x0, y0 = int(rng.integers(0, size[0] // 2)), int(rng.integers(0, size[1] // 2))
    img.paste(tuple(int(c) for c in rng.integers(0, 200, 3)), (x0, y0, x0 + size[0] // 2, y0 + size[1] // 2))
    return img


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


class _Boom:
    """Unpickling this runs a shell command that creates a file in the canary folder."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# ---------------------------------------------------------------- raster images


def _png(width: int, height: int, color_type: int, rows, extra_chunks=()) -> bytes:
    """A PNG of any declared size, its rows (filter byte included) compressed as they stream."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for row in rows) + z.flush()
    head = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + head + b"".join(extra_chunks) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _uniform_rows(width: int, height: int, channels: int, value: int):
    """Rows of one colour: the first raw, the others filtered "Up" (all zeros), so they compress to nothing."""
    yield b"\x00" + bytes([value]) * (width * channels)
    zeros = b"\x02" + bytes(width * channels)
    for _ in range(height - 1):
        yield zeros


def _ztxt_bomb() -> bytes:
    z = zlib.compressobj(9)
    text = b"".join(z.compress(bytes(1 << 20)) for _ in range(64)) + z.flush()  # 64 MiB of zeros
    data = b"Comment\x00\x00" + text
    return struct.pack(">I", len(data)) + b"zTXt" + data + struct.pack(">I", zlib.crc32(b"zTXt" + data))


def _bmp_header(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 16, 0, 0, 54) + info + bytes(16)


def _tiff_header(width: int, height: int) -> bytes:
    """A little-endian TIFF declaring `width` x `height` 8-bit grey with one byte of data."""
    tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8), (277, 3, 1)]
    tags += [(278, 4, height), (279, 4, 1)]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", t, k, 1, v) for t, k, v in tags)
    return b"II*\x00" + struct.pack("<I", 9) + b"\x00" + ifd + struct.pack("<I", 0)


def _gif_header(width: int, height: int) -> bytes:
    small = encoded(Image.new("P", (1, 1)), "GIF")
    return small[:6] + struct.pack("<HH", width, height) + small[10:]


def _jpeg_dims(data: bytes, width: int, height: int) -> bytes:
    at = data.index(b"\xff\xc0")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def _sixteen_bit(mode: str) -> Image.Image:
    ramp = (np.linspace(0, 65535, 48 * 64).reshape(48, 64)).astype(np.uint16)
    return Image.frombytes(mode, (64, 48), ramp.astype("<u2" if mode == "I;16" else ">u2").tobytes())


def _floats(values: np.ndarray) -> Image.Image:
    return Image.frombytes("F", (values.shape[1], values.shape[0]), values.astype("<f4").tobytes())


def raster_cases(root: Path) -> list[Case]:
    """Image files, each a Case: broken, bombs, odd pixel modes, wrong formats, not files at all."""
    root.mkdir(parents=True, exist_ok=True)
    good = logo(1)
    png, jpeg = encoded(good, "PNG"), encoded(good, "JPEG", quality=90)
    corrupt = bytearray(png)
    corrupt[png.index(b"IDAT") + 20] ^= 0xFF
    transparent_palette = good.convert("P")
    transparent_palette.info["transparency"] = 0
    frames = [logo(i) for i in range(30)]
    files = {
        "empty.png": (b"", "empty file"),
        "garbage.png": (b"\x00\x01 not an image at all" * 10, "not a readable image"),
        "text.png": (b"hello, I am text\n" * 20, "not a readable image"),
        "png-truncated.png": (png[: len(png) // 2], "not a readable image"),
        "png-bad-crc.png": (bytes(corrupt), "not a readable image"),
        "jpeg-truncated.jpg": (jpeg[: len(jpeg) // 2], "not a readable image"),
        "gif-truncated.gif": (encoded(good, "GIF")[:60], "not a readable image"),
        "webp-truncated.webp": (encoded(good, "WEBP")[:100], "not a readable image"),
        "bmp-truncated.bmp": (encoded(good, "BMP")[:300], "not a readable image"),
        "tiff-truncated.tif": (encoded(good, "TIFF")[:300], "not a readable image"),
        "png-declares-100000.png": (_png(100_000, 100_000, 0, [b"\x00" * 10]), "too large"),
        "png-bomb-10000.png": (_png(10_000, 10_000, 2, _uniform_rows(10_000, 10_000, 3, 255)), "too large"),
        "png-zero-width.png": (_png(0, 10, 0, [b"\x00"]), "not a readable image"),
        "png-width-2to31.png": (_png(2**31, 1, 0, [b"\x00"]), "too large"),
        "bmp-declares-50000.bmp": (_bmp_header(50_000, 50_000), "too large"),
        "gif-declares-65535.gif": (_gif_header(65_535, 65_535), "too large"),
        "tiff-declares-60000.tif": (_tiff_header(60_000, 60_000), "too large"),
        "jpeg-declares-65000.jpg": (_jpeg_dims(jpeg, 65_000, 65_000), "too large"),
        "png-ztxt-bomb.png": (_png(64, 48, 0, _uniform_rows(64, 48, 1, 0), [_ztxt_bomb()]), "not a readable image"),
        "png-16bit-grey.png": (encoded(_sixteen_bit("I;16"), "PNG"), None),
        "tiff-16bit-grey.tif": (encoded(_sixteen_bit("I;16"), "TIFF"), None),
        "tiff-16bit-grey-big-endian.tif": (encoded(_sixteen_bit("I;16B"), "TIFF"), None),
        "tiff-float-0-1.tif": (encoded(_floats(np.linspace(0, 1, 48 * 64).reshape(48, 64)), "TIFF"), None),
        "tiff-float-0-255.tif": (encoded(_floats(np.full((48, 64), 200.0)), "TIFF"), "outside [0, 1]"),
        "tiff-float-nan.tif": (encoded(_floats(np.full((48, 64), np.nan)), "TIFF"), "outside [0, 1]"),
        "tiff-int32.tif": (encoded(Image.frombytes("I", (64, 48), bytes(64 * 48 * 4)), "TIFF"), "pixel mode I"),
        "tiff-lab.tif": (encoded(Image.new("LAB", (64, 48), (50, 150, 100)), "TIFF"), "pixel mode LAB"),
        "tiff-cmyk.tif": (encoded(good.convert("CMYK"), "TIFF"), None),
        "jpeg-cmyk.jpg": (encoded(good.convert("CMYK"), "JPEG"), None),
        "jpeg-grey.jpg": (encoded(good.convert("L"), "JPEG"), None),
        "png-palette-transparent.png": (encoded(transparent_palette, "PNG"), None),
        "png-grey-alpha.png": (encoded(good.convert("LA"), "PNG"), None),
        "png-1bit.png": (encoded(good.convert("1"), "PNG"), None),
        "png-fully-transparent.png": (encoded(Image.new("RGBA", (64, 48), (0, 0, 0, 0)), "PNG"), "transparent"),
        "png-1x1.png": (encoded(Image.new("RGB", (1, 1)), "PNG"), "too small"),
        "png-1x4000.png": (encoded(Image.new("RGB", (1, 4000)), "PNG"), "too small"),
        "gif-30-frames.gif": (encoded(frames[0], "GIF", save_all=True, append_images=frames[1:]), None),
        "tiff-3-pages.tif": (encoded(frames[0], "TIFF", save_all=True, append_images=frames[1:3]), None),
        "eps-named.png": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 48\nshowpage\n", "not a readable image"),
        "ico-named.png": (encoded(good, "ICO"), "not a readable image"),
        "ppm-named.png": (encoded(good, "PPM"), "not a readable image"),
        "pdf-named.png": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "not a readable image"),
        "svg-named.png": (_svg(DRAWING), None),
        "gzip-named.png": (zlib.compress(png), "not a readable image"),
        "tiny-webp.webp": (encoded(good, "WEBP"), None),
        "good-bmp.bmp": (encoded(good, "BMP"), None),
        "good-jpeg.jpg": (jpeg, None),
        "png with spaces and ünïcödé ✓.png": (png, None),
        "x" * 200 + ".png": (png, None),
    }
    cases = []
    for name, (data, expect) in files.items():
        (root / name).write_bytes(data)
        cases.append(Case(f"image:{name[:40]}", "image", root / name, expect))
    return cases + _special_files(root) + [_at_the_cap(root)]


def _at_the_cap(root: Path) -> Case:
    """The largest image decoded (6000 x 6000 RGBA, under MAX_PIXELS): the worst memory of a good case."""
    path = root / "rgba-6000x6000-at-the-cap.png"
    path.write_bytes(_png(6000, 6000, 6, _uniform_rows(6000, 6000, 4, 255)))
    return Case("image:at-the-pixel-cap", "image", path, None)


def _special_files(root: Path) -> list[Case]:
    """Paths that are not regular files, or are too big to read."""
    os.mkfifo(root / "fifo.png")
    (root / "zero.png").symlink_to("/dev/zero")
    (root / "null.png").symlink_to("/dev/null")
    (root / "folder.png").mkdir()
    (root / "loop.png").symlink_to(root / "loop.png")
    (root / "dangling.png").symlink_to(root / "nowhere.png")
    with open(root / "sparse-300MiB.png", "wb") as f:
        f.truncate(300 << 20)  # sparse: costs no disk, but a read would hold 300 MiB
    return [
        Case("image:fifo", "image", root / "fifo.png", "a FIFO, not a regular file"),
        Case("image:/dev/zero", "image", root / "zero.png", "a device, not a regular file"),
        Case("image:/dev/null", "image", root / "null.png", "a device, not a regular file"),
        Case("image:a folder", "image", root / "folder.png", "a directory, not a regular file"),
        Case("image:symlink loop", "image", root / "loop.png", "cannot read"),
        Case("image:dangling symlink", "image", root / "dangling.png", "cannot read"),
        Case("image:sparse 300 MiB", "image", root / "sparse-300MiB.png", "larger than 256 MiB"),
    ]


# ---------------------------------------------------------------- SVG


def _svg(body: str, head: str = 'width="64" height="48"') -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {head}>{body}</svg>'
    ).encode()


def svg_cases(root: Path, canary: Path) -> list[Case]:
    """SVG files: references outside the file, entity tricks, size and time bombs, broken XML."""
    root.mkdir(parents=True, exist_ok=True)
    secret = canary / "secret.png"  # read-only bait: rendering it would be a leak
    Image.new("RGB", (64, 48), CANARY_RGB).save(secret)
    (root / "secret.png").write_bytes(secret.read_bytes())  # the same, reachable by a relative path
    inline_png = base64.b64encode(encoded(logo(3), "PNG")).decode()
    nested_svg = base64.b64encode(_svg(f'<image href="{secret}" width="64" height="48"/>')).decode()
    laughs = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    uses = '<rect id="u0" width="1" height="1"/>' + "".join(
        f'<g id="u{i}">' + f'<use href="#u{i - 1}"/>' * 10 + "</g>" for i in range(1, 9)
    )
    image = 'width="64" height="48"/>'
    files = {
        "ok.svg": (_svg(DRAWING), None),
        "abs-href.svg": (_svg(f'<image xlink:href="{secret}" {image}'), "nothing outside the file is read"),
        "relative-href.svg": (_svg(f'<image xlink:href="secret.png" {image}'), "nothing outside the file is read"),
        "file-url.svg": (_svg(f'<image href="file://{secret}" {image}'), "nothing outside the file is read"),
        "http-url.svg": (_svg(f'<image href="http://127.0.0.1:9/x.png" {image}'), "nothing outside the file is read"),
        "padded-href.svg": (_svg(f'<image href="  {secret}" {image}'), "nothing outside the file is read"),
        "feimage.svg": (
            _svg(f'<filter id="f"><feImage href="{secret}"/></filter><rect width="64" height="48" filter="url(#f)"/>'),
            "nothing outside the file is read",
        ),
        "pattern-image.svg": (
            _svg(
                f'<pattern id="p" width="64" height="48" patternUnits="userSpaceOnUse"><image href="{secret}" {image}'
                '</pattern><rect width="64" height="48" fill="url(#p)"/>'
            ),
            "nothing outside the file is read",
        ),
        "use-external.svg": (_svg(f'<use href="{root / "ok.svg"}#r"/>'), "nothing outside the file is read"),
        "xinclude.svg": (
            _svg(f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret}"/>'),
            "nothing outside the file is read",
        ),
        "nested-svg-data.svg": (
            _svg(f'<image href="data:image/svg+xml;base64,{nested_svg}" {image}'),
            "nothing outside the file is read",
        ),
        "attlist-default-href.svg": (
            f'<!DOCTYPE svg [<!ATTLIST image href CDATA "{secret}">]>'.encode() + _svg(f"<image {image}"),
            "nothing outside the file is read",
        ),
        "inline-png.svg": (_svg(f'<image href="data:image/png;base64,{inline_png}" {image}'), None),
        "external-entity.svg": (
            f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
            + _svg("<text y='20'>&x;</text>"),
            "unreadable SVG",
        ),
        "billion-laughs.svg": (
            f"<?xml version='1.0'?><!DOCTYPE svg [{laughs}]>".encode() + _svg("<text y='20'>&a9;</text>"),
            "unreadable SVG",
        ),
        "entity-namespace.svg": (  # as Illustrator writes them: fine
            b'<!DOCTYPE svg [<!ENTITY ns "http://www.w3.org/2000/svg">]><svg xmlns="&ns;" width="64" height="48">'
            b'<rect width="20" height="20"/></svg>',
            None,
        ),
        "declares-20000.svg": (_svg('<rect width="9" height="9"/>', 'width="20000" height="20000"'), "declares"),
        "viewbox-30000.svg": (_svg('<rect width="9" height="9"/>', 'viewBox="0 0 30000 30000"'), "declares"),
        "declares-inches.svg": (_svg('<rect width="9" height="9"/>', 'width="100in" height="100in"'), "declares"),
        "no-size-huge-drawing.svg": (_svg('<rect width="30000" height="30000"/>', ""), "MiB to render"),
        "pattern-bomb.svg": (
            _svg(
                '<pattern id="p" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="scale(5000)">'
                '<rect width="5" height="5"/></pattern><rect width="64" height="48" fill="url(#p)"/>'
            ),
            "MiB to render",
        ),
        "morphology-slow.svg": (
            _svg(
                '<filter id="f"><feMorphology radius="1000"/></filter>'
                '<rect width="2000" height="2000" fill="red" filter="url(#f)"/>',
                'width="2000" height="2000"',
            ),
            "s to render",
        ),
        "use-bomb.svg": (_svg(f'<defs>{uses}</defs><use href="#u8"/>'), "unreadable SVG"),
        "deep-nesting.svg": (_svg("<g>" * 50_000 + "</g>" * 50_000), "nested over"),
        "not-xml.svg": (b"<svg this is not xml", "unreadable SVG"),
        "truncated.svg": (_svg('<rect width="30" height="20"/>')[:60], "unreadable SVG"),
        "zero-size.svg": (_svg("<rect/>", 'width="0" height="0"'), "unreadable SVG"),
        "negative-size.svg": (_svg("<rect/>", 'width="-5" height="10"'), "unreadable SVG"),
        "utf16.svg": (_svg('<rect width="30" height="20"/>').decode().encode("utf-16"), "not a readable image"),
        "bom.svg": (b"\xef\xbb\xbf" + _svg(DRAWING), None),
        "script.svg": (_svg("<script>alert(1)</script>" + DRAWING), None),
        "text.svg": (_svg('<rect width="9" height="9"/><text x="2" y="30" font-size="20">Ab</text>'), None),
        "style-import.svg": (_svg(f'<style>@import url("{secret}");</style>' + DRAWING), None),
        "em-size.svg": (_svg(DRAWING, 'width="4em" height="3em"'), None),
        "percent-no-viewbox.svg": (_svg(DRAWING, 'width="100%" height="100%"'), None),
        "comment-before.svg": (b"<!--" + b" " * 600 + b"-->" + _svg("<rect/>"), "not a readable image"),
        "svgz.svg": (zlib.compress(_svg("<rect/>")), "not a readable image"),
    }
    cases = []
    for name, (data, expect) in files.items():
        (root / name).write_bytes(data)
        cases.append(Case(f"svg:{name}", "svg", root / name, expect))
    return cases


# ---------------------------------------------------------------- JSONL lines


def jsonl_cases(image: Path, folder: Path) -> list[Case]:
    """Lines of a pairs file, about `image` (a good one): each bad in one way, or odd but fine."""

    def line(record) -> bytes:
        return json.dumps(record).encode()

    def params(**changes) -> bytes:
        return line({"image": str(image), "params": {**GOOD_PARAMS, **changes}})

    good_text = line({"image": str(image), "params": GOOD_PARAMS}).decode()
    big = "9" * 400
    lines = {
        "not json": (b"not json", "not valid JSON"),
        "invalid UTF-8": (b'{"image": "\xff\xfe", "params": {}}', "not UTF-8"),
        "nested 100000 deep": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        "objects nested 100000 deep": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
        "integer of 400 digits": (
            good_text.replace('"color_precision": 6', f'"color_precision": {big}').encode(),
            "color_precision",
        ),
        "integer of 5000 digits": (
            good_text.replace('"color_precision": 6', f'"color_precision": {"9" * 5000}').encode(),
            "not valid JSON",
        ),
        "NaN": (good_text.replace('"length_threshold": 4.0', '"length_threshold": NaN').encode(), "length_threshold"),
        "Infinity": (
            good_text.replace('"length_threshold": 4.0', '"length_threshold": Infinity').encode(),
            "length_threshold",
        ),
        "-Infinity": (
            good_text.replace('"filter_speckle": 4', '"filter_speckle": -Infinity').encode(),
            "filter_speckle",
        ),
        "a list": (b"[1, 2, 3]", "expected a JSON object"),
        "a string": (b'"logo.png"', "expected a JSON object"),
        "null": (b"null", "expected a JSON object"),
        "a number": (b"5", "expected a JSON object"),
        "byte-order mark": (b"\xef\xbb\xbf" + good_text.encode(), "not valid JSON"),
        "control character": (b'{"image": "a\x01b", "params": {}}', "not valid JSON"),
        "no image": (line({"params": GOOD_PARAMS}), 'missing "image"'),
        "image a number": (line({"image": 5, "params": GOOD_PARAMS}), 'missing "image"'),
        "image a list": (line({"image": ["a.png"], "params": GOOD_PARAMS}), 'missing "image"'),
        "image null": (line({"image": None, "params": GOOD_PARAMS}), 'missing "image"'),
        "image empty": (line({"image": "", "params": GOOD_PARAMS}), 'missing "image"'),
        "image with NUL": (line({"image": "a\x00b.png", "params": GOOD_PARAMS}), "null byte"),
        "image absolute with NUL": (line({"image": "/tmp/a\x00b.png", "params": GOOD_PARAMS}), "null byte"),
        "image lone surrogate": (b'{"image": "a\\ud800.png", "params": {}}', "surrogates not allowed"),
        "image path too long": (line({"image": "d/" * 3000 + "x.png", "params": GOOD_PARAMS}), "cannot read"),
        "image a folder": (line({"image": str(folder), "params": GOOD_PARAMS}), "a directory"),
        "image missing": (line({"image": str(folder / "missing.png"), "params": GOOD_PARAMS}), "cannot read"),
        "no params": (line({"image": str(image)}), "parameters must be an object"),
        "params a list": (line({"image": str(image), "params": [6, 16]}), "parameters must be an object"),
        "params unknown key": (params(colour=1), "unknown parameter"),
        "params missing key": (
            line({"image": str(image), "params": {k: v for k, v in GOOD_PARAMS.items() if k != "max_iterations"}}),
            "missing parameter max_iterations",
        ),
        "params bool": (params(color_precision=True), "color_precision"),
        "params string": (params(color_precision="6"), "color_precision"),
        "params out of range": (params(corner_threshold=181), "corner_threshold"),
        "params float for int": (params(path_precision=2.5), "path_precision"),
        "fake ssim then fails": (
            line({"image": str(folder / "missing.png"), "params": GOOD_PARAMS, "ssim": 0.99, "predicted_ssim": 0.99}),
            "cannot read",
        ),
        "fake error then fine": (line({"image": str(image), "params": GOOD_PARAMS, "error": "old"}), None),
        "duplicate keys": (good_text[:-1].encode() + b', "image": "' + str(image).encode() + b'"}', None),
        "CRLF ending": (good_text.encode() + b"\r", None),
        "a 1 MB field": (line({"image": str(image), "params": GOOD_PARAMS, "note": "n" * (1 << 20)}), None),
    }
    return [Case(f"jsonl:{name}", "jsonl", line=raw, expect=expect) for name, (raw, expect) in lines.items()]


# ---------------------------------------------------------------- configs (train --config FILE)


def config_cases(root: Path) -> list[Case]:
    root.mkdir(parents=True, exist_ok=True)
    anchors = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
    )
    files = {
        "not-json.json": (b"{", "not valid JSON"),
        "not-yaml.yaml": (b"epochs: [1,\n", "not valid YAML"),
        "yaml-aliases-bomb.yaml": (anchors.encode(), "unknown config field"),
        "nested.json": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        "a-list.json": (b"[1, 2]", "expected a mapping"),
        "unknown-field.json": (b'{"epoch": 3}', "unknown config field"),
        "lr-inf.yaml": (b"learning_rate: .inf\n", "learning_rate"),
        "lr-nan.json": (b'{"learning_rate": NaN}', "learning_rate"),
        "lr-1e400.json": (b'{"learning_rate": 1e400}', "learning_rate"),
        "epochs-400-digits.json": (b'{"epochs": ' + b"9" * 400 + b"}", "epochs"),
        "epochs-negative.json": (b'{"epochs": -1}', "epochs"),
        "epochs-fraction.json": (b'{"epochs": 1.5}', "epochs"),
        "hidden-1e400.json": (b'{"hidden_dims": [1e400]}', "hidden_dims"),
        "dropout-strings.json": (b'{"dropout": ["x", "y", "z"]}', "dropout"),
        "batch-zero.json": (b'{"batch_size": 0}', "batch_size"),
        "precision-fp8.json": (b'{"precision": "fp8"}', "precision"),
        "retired-field.json": (b'{"optimizer": "sgd"}', "optimizer"),
        "not-utf8.json": (b'{"epochs": "\xff"}', "not UTF-8"),
    }
    cases = []
    for name, (data, expect) in files.items():
        (root / name).write_bytes(data)
        cases.append(Case(f"config:{name}", "config", root / name, expect))
    os.mkfifo(root / "fifo.json")
    (root / "zero.json").symlink_to("/dev/zero")
    (root / "folder.json").mkdir()
    with open(root / "sparse.json", "wb") as f:
        f.truncate(100 << 20)
    return cases + [
        Case("config:fifo", "config", root / "fifo.json", "a FIFO"),
        Case("config:/dev/zero", "config", root / "zero.json", "a device"),
        Case("config:a folder", "config", root / "folder.json", "a directory"),
        Case("config:sparse 100 MiB", "config", root / "sparse.json", "larger than 64 MiB"),
    ]


# ---------------------------------------------------------------- bundles (predict --model DIR)


def _onnx_of_width(path: Path, width: int, external: str | None = None) -> None:
    """A valid ONNX model [B, width] -> [B, 1]; with `external`, its weight is an external-data file."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((width, 1), np.float32), "W")
    if external:
        weight.ClearField("raw_data")
        weight.data_location = TensorProto.EXTERNAL
        entry = weight.external_data.add()
        entry.key, entry.value = "location", external
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["input", "W"], ["prediction"])],
        "g",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", width])],
        [helper.make_tensor_value_info("prediction", TensorProto.FLOAT, ["batch", 1])],
        [weight],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))


def bundle_cases(root: Path, good: Path) -> list[Case]:
    """Copies of the bundle `good` (metadata and ONNX model only), each tampered one way."""
    meta = json.loads((good / "metadata.json").read_text())
    onnx_name = meta["files"]["onnx"]

    def bundle(name: str, change_meta=None, write=None) -> Path:
        d = root / name
        d.mkdir(parents=True)
        shutil.copy(good / onnx_name, d / onnx_name)
        m = json.loads(json.dumps(meta))
        if change_meta:
            change_meta(m)
        (d / "metadata.json").write_text(json.dumps(m))
        if write:
            write(d)
        return d

    def onnx_file(value):
        return lambda m: m["files"].update(onnx=value)

    def replace(name: str, data: bytes):
        return lambda d: (d / name).write_bytes(data)

    n = meta["input"]["n_inputs"]
    made = [
        (
            "onnx ../../../../etc/passwd",
            bundle("up", onnx_file("../../../../etc/passwd")),
            "not a file name inside the bundle",
        ),
        ("onnx /etc/passwd", bundle("absolute", onnx_file("/etc/passwd")), "not a file name inside the bundle"),
        ("onnx ..", bundle("dotdot", onnx_file("..")), "not a file name inside the bundle"),
        ("onnx a number", bundle("number", onnx_file(5)), "not a file name inside the bundle"),
        (
            "onnx a symlink out",
            bundle("symlink", onnx_file("link.onnx"), lambda d: (d / "link.onnx").symlink_to("/etc/passwd")),
            "leads outside the bundle",
        ),
        (
            "metadata not JSON",
            bundle("notjson", write=replace("metadata.json", b"{ not json")),
            "corrupt bundle metadata",
        ),
        ("metadata a list", bundle("list", write=replace("metadata.json", b"[1, 2]")), "corrupt bundle metadata"),
        (
            "metadata nested",
            bundle("nested", write=replace("metadata.json", b"[" * 100_000 + b"]" * 100_000)),
            "corrupt bundle metadata",
        ),
        ("metadata not UTF-8", bundle("utf8", write=replace("metadata.json", b'{"\xff": 1}')), "not UTF-8"),
        ("no input", bundle("noinput", lambda m: m.pop("input")), "corrupt bundle metadata"),
        ("blocks malformed", bundle("blocks", lambda m: m["input"].update(blocks=[1, 2])), "corrupt bundle metadata"),
        ("n_inputs a string", bundle("ninputs", lambda m: m["input"].update(n_inputs="x")), "n_inputs 'x'"),
        ("backbone a list", bundle("backbone", lambda m: m.update(backbone=[1])), "corrupt bundle metadata"),
        ("version 99", bundle("version", lambda m: m.update(bundle_version=99)), "bundle version 99"),
        ("onnx garbage", bundle("garbage", write=replace(onnx_name, b"not onnx")), "not a loadable ONNX model"),
        (
            "onnx of another width",
            bundle("width", write=lambda d: _onnx_of_width(d / onnx_name, n + 7)),
            f"is float32 [N, {n + 7}], expected float32 [N, {n}]",
        ),
        (
            "onnx external data",
            bundle("external", write=lambda d: _onnx_of_width(d / onnx_name, n, "../../../../etc/hostname")),
            "not a loadable ONNX model",
        ),
        (
            "onnx a FIFO",
            bundle("fifo", write=lambda d: ((d / onnx_name).unlink(), os.mkfifo(d / onnx_name))),
            "is missing",
        ),
        (
            "metadata a FIFO",
            bundle("metafifo", write=lambda d: ((d / "metadata.json").unlink(), os.mkfifo(d / "metadata.json"))),
            "not a model bundle",
        ),
        (
            "metadata 100 MiB",
            bundle("sparse", write=lambda d: os.truncate(d / "metadata.json", 100 << 20)),
            "larger than 64 MiB",
        ),
    ]
    return [Case(f"bundle:{name}", "bundle", path, expect) for name, path, expect in made] + [
        Case("bundle:missing", "bundle", root / "nowhere", "not a model bundle")
    ]


# ---------------------------------------------------------------- datasets (train --data DIR, data info DIR)

DATASET_FILES = ("metadata.json", "build.json", "report.json", "images.jsonl", "features.npy", "image_stats.npy")


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def dataset_cases(root: Path, good: Path, canary: Path) -> list[Case]:
    """Copies of the finished dataset `good` (its files, not its images), each tampered one way."""
    with np.load(good / "examples.npz") as z:
        examples = {k: z[k] for k in z.files}
    n = len(examples["ssim"])

    def dataset(name: str, files: dict[str, bytes] | None = None, **arrays) -> Path:
        d = root / name
        d.mkdir(parents=True)
        for f in DATASET_FILES:
            shutil.copy(good / f, d / f)
        (d / "examples.npz").write_bytes(_npz(**{**examples, **arrays}))
        for f, data in (files or {}).items():
            (d / f).write_bytes(data)
        return d

    header_only = io.BytesIO()
    np.lib.format.write_array_header_1_0(header_only, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:  # declares 2 GB of zeros, holds 16 KB
        with z.open("ssim.npy", "w", force_zip64=True) as member:
            hdr = io.BytesIO()
            np.lib.format.write_array_header_1_0(hdr, {"descr": "<f4", "fortran_order": False, "shape": (500_000_000,)})
            member.write(hdr.getvalue())
            for _ in range(16):
                member.write(bytes(1 << 20))
    pickled = _npy(np.array([_Boom(canary / "pwned-npy")], dtype=object))
    features = (good / "features.npy").read_bytes()
    made = [
        ("metadata not JSON", dataset("meta", {"metadata.json": b"{ nope"}), "not valid JSON"),
        ("metadata a list", dataset("metalist", {"metadata.json": b"[]"}), "not a JSON object"),
        ("images.jsonl not JSON", dataset("images", {"images.jsonl": b"{ nope\n"}), "not valid JSON"),
        ("images.jsonl without ids", dataset("ids", {"images.jsonl": b'{"x": 1}\n' * 30}), "string id"),
        ("features truncated", dataset("ftrunc", {"features.npy": features[: len(features) // 2]}), "truncated"),
        ("features a pickle", dataset("fpickle", {"features.npy": pickled}), "Python objects"),
        ("features 4 TB declared", dataset("fhuge", {"features.npy": header_only.getvalue()}), "declares"),
        ("features strings", dataset("fstr", {"features.npy": _npy(np.array(["a", "b"]))}), "numeric array"),
        ("examples truncated", dataset("etrunc", {"examples.npz": _npz(**examples)[:500]}), "not a readable .npz"),
        (
            "examples a pickle member",
            dataset("epickle", ssim=np.array([_Boom(canary / "pwned-npz")], dtype=object)),
            "Python objects",
        ),
        ("examples zip bomb", dataset("ebomb", {"examples.npz": bomb.getvalue()}), "MiB"),
        (
            "examples without ssim",
            dataset("nossim", {"examples.npz": _npz(**{k: v for k, v in examples.items() if k != "ssim"})}),
            "unreadable",
        ),
        (
            "image_index shorter than ssim",
            dataset("short", image_index=examples["image_index"][:-3]),
            "image_index has",
        ),
        ("image_index floats", dataset("ifloat", image_index=examples["image_index"].astype(np.float32)), "integers"),
        ("image_index out of range", dataset("irange", image_index=examples["image_index"] + 10_000), "does not exist"),
        ("ssim NaN", dataset("nan", ssim=np.full(n, np.nan, np.float32)), "SSIM labels"),
        ("params out of range", dataset("prange", params=examples["params"] * 1000), "out of range"),
        ("params wrong shape", dataset("pshape", params=examples["params"][:, :3]), "params must be"),
        (
            "format version 99",
            dataset(
                "version",
                {
                    "metadata.json": json.dumps(
                        {**json.loads((good / "metadata.json").read_text()), "format_version": 99}
                    ).encode()
                },
            ),
            "format version 99",
        ),
        ("features a FIFO", dataset("ffifo", {}), "a FIFO"),
    ]
    fifo = root / "ffifo" / "features.npy"
    fifo.unlink()
    os.mkfifo(fifo)
    (root / "a-file").write_text("not a folder")
    return [Case(f"dataset:{name}", "dataset", path, expect) for name, path, expect in made] + [
        Case("dataset:missing", "dataset", root / "nowhere", "no such directory"),
        Case("dataset:a file", "dataset", root / "a-file", "no such directory"),
    ]


# ---------------------------------------------------------------- model files (torch_bridge.runner)


def _rezip(src: Path, dest: Path, change) -> None:
    """Copy zip archive `src` to `dest`, each entry through change(name, data) -> data, or None to drop it;
    change(None, None) may return extra (name, data) entries to add."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
        for name, data in change(None, None) or ():
            zout.writestr(name, data)


def model_cases(root: Path, bundle: Path, canary: Path) -> list[Case]:
    """Exported model files that would run code (or write files) if loaded naively."""
    import torch

    from hostile import evil_torch

    root.mkdir(parents=True, exist_ok=True)
    pt2 = bundle / "quality_predictor.pt2"
    boom = pickle.dumps(_Boom(canary / "pwned-pt2"))

    def pickled_weight(name, data):
        if name is None:
            return None
        if name.endswith("weights_config.json"):
            config = json.loads(data)
            next(iter(config["config"].values()))["use_pickle"] = True
            return json.dumps(config).encode()
        return boom if name.endswith("/data/weights/weight_0") else data

    def with_entry(entry: str, payload: bytes):
        root_dir = zipfile.ZipFile(pt2).namelist()[0].partition("/")[0]
        return lambda name, data: [(f"{root_dir}/{entry}", payload)] if name is None else data

    def sample_inputs(name, data):
        if name is None:
            return None
        return boom if name.endswith("data/sample_inputs/model.pt") else data

    made = {}
    _rezip(pt2, root / "pickled-weight.pt2", pickled_weight)
    made["pt2 pickled weight"] = ("export", root / "pickled-weight.pt2", "pickled payload")
    _rezip(pt2, root / "aoti.pt2", with_entry("data/aotinductor/model/model.so", b"\x7fELF"))
    made["pt2 AOTInductor library"] = ("export", root / "aoti.pt2", "aotinductor")
    _rezip(pt2, root / "opaque.pt2", with_entry("data/constants/opaque_obj_0", boom))
    made["pt2 opaque constant"] = ("export", root / "opaque.pt2", "opaque_obj_0")
    _rezip(pt2, root / "legacy.pt2", with_entry("data/weights/model.pt", boom))
    made["pt2 legacy weights"] = ("export", root / "legacy.pt2", "data/weights/model.pt")
    _rezip(pt2, root / "sample.pt2", sample_inputs)
    made["pt2 pickled sample inputs"] = ("export", root / "sample.pt2", "not plain tensors")
    (root / "two-roots.pt2").write_bytes(_two_roots(pt2))
    made["pt2 two roots"] = ("export", root / "two-roots.pt2", "no root folder")
    (root / "not-zip.pt2").write_bytes(b"not a zip archive")
    made["pt2 not a zip"] = ("export", root / "not-zip.pt2", "not a zip file")
    evil_torch.save_scripted(evil_torch.WritesWhenLoaded, root / "setstate.pt", str(canary / "pwned-setstate"))
    made["TorchScript __setstate__"] = ("scripted", root / "setstate.pt", "__setstate__")
    evil_torch.save_scripted(evil_torch.WritesWhenRun, root / "forward-save.pt", str(canary / "pwned-forward"))
    made["TorchScript forward saves a file"] = ("scripted", root / "forward-save.pt", "aten::save")
    torch.save({"state_dict": {"w": _Boom(canary / "pwned-pth")}}, root / "pickle.pth")
    made["pth with a pickled object"] = ("full", root / "pickle.pth", "not a plain state dict")
    (root / "garbage.pth").write_bytes(b"garbage")
    made["pth garbage"] = ("full", root / "garbage.pth", "not a plain state dict")
    os.mkfifo(root / "fifo.pt")
    made["TorchScript a FIFO"] = ("traced", root / "fifo.pt", "a FIFO")
    return [Case(f"model:{name}", "model", path, expect, fmt=fmt) for name, (fmt, path, expect) in made.items()]


def _two_roots(src: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("version", b"1")
    return buf.getvalue()


# ---------------------------------------------------------------- flags and outputs


def flag_cases(root: Path, image: Path, pairs: Path, bundle: Path, dataset: Path) -> list[Case]:
    """Command lines that must be refused in one line naming the flag (or the output) at fault."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "a-file").write_text("not a folder")
    (root / "a-folder").mkdir()
    partial = root / "o.jsonl.partial"  # pairs named like the partial output of another --out
    shutil.copy(pairs, partial)
    svg = root / "logo.svg"
    svg.write_bytes(_svg('<rect width="30" height="20" fill="#c00"/>'))
    build = ("svgq_jax.data", "build", "--out", root / "ds", "--logos", "procedural:2", "--quiet")
    measure = ("svgq_jax.data", "measure", "--pairs", pairs, "--out", root / "m.jsonl", "--quiet")
    train = ("svgq_jax.train", "--data", dataset, "--out", root / "run", "--config", "tiny", "--quiet")
    optimize = ("svgq_jax.optimize", "--model", bundle, "--budget", "16", "--verify", "0")
    predict = ("svgq_jax.predict", "--model", bundle, "--pairs", pairs, "--quiet")
    pins = [f"--fix={k}={v}" for k, v in GOOD_PARAMS.items()]
    commands = {
        "build --timeout nan": ((*build, "--timeout", "nan"), "--timeout"),
        "build --timeout 0": ((*build, "--timeout", "0"), "--timeout"),
        "build --timeout -1": ((*build, "--timeout", "-1"), "--timeout"),
        "build --timeout inf": ((*build, "--timeout", "inf"), "--timeout"),
        "build --workers -1": ((*build, "--workers", "-1"), "--workers"),
        "build --params-per-logo 10^20": ((*build, "--params-per-logo", str(10**20)), "--params-per-logo"),
        "build --seed -1": ((*build, "--seed", "-1"), "--seed"),
        "build --out a file": (("svgq_jax.data", "build", "--out", root / "a-file", "--quiet"), "not a directory"),
        "measure --workers -1": ((*measure, "--workers", "-1"), "--workers"),
        "measure --timeout nan": ((*measure, "--timeout", "nan"), "--timeout"),
        "measure --timeout 0": ((*measure, "--timeout", "0"), "--timeout"),
        "measure --out is --pairs": (
            ("svgq_jax.data", "measure", "--pairs", pairs, "--out", pairs),
            "replace the input",
        ),
        "measure --out.partial is --pairs": (
            ("svgq_jax.data", "measure", "--pairs", partial, "--out", root / "o.jsonl"),
            "replace the input",
        ),
        "predict --out is --pairs": ((*predict, "--out", pairs), "replace the input"),
        "predict --out a folder": ((*predict, "--out", root / "a-folder"), "is a directory"),
        "train --lr inf": ((*train, "--lr", "inf"), "learning_rate"),
        "train --lr nan": ((*train, "--lr", "nan"), "learning_rate"),
        "train --epochs 10^20": ((*train, "--epochs", str(10**20)), "epochs"),
        "optimize --fix all 8": ((*optimize, *pins, image), "pins all 8"),
        "optimize --budget 0": ((*optimize, "--budget", "0", image), "--budget"),
        "optimize --budget 10^20": ((*optimize, "--budget", str(10**20), image), "--budget"),
        "optimize --seed -1": ((*optimize, "--seed", "-1", image), "--seed"),
        "optimize --out a folder": ((*optimize, image, "--out", root / "a-folder"), "is a directory"),
        "optimize --out the image": ((*optimize, image, "--out", image), "replace the input"),
        "optimize an SVG --out itself": ((*optimize, svg, "--out", svg), "replace the input"),
        "optimize a folder --out a file": ((*optimize, root / "a-folder", "--out", root / "a-file"), "not a folder"),
        "info on a file": (("svgq_jax.data", "info", root / "a-file"), "not a finished dataset"),
    }
    return [Case(f"flag:{name}", "flag", expect=expect, args=args) for name, (args, expect) in commands.items()]
