"""Where `optimize` writes each SVG, checked before anything is traced.

The SVG of `a.png` is named `a.png.svg`: the source's whole name with `.svg` added, beside the source, at `--out`
(one image), or at the same relative path under the `--out` folder (a folder of images). Adding `.svg`, rather
than replacing the extension, gives every source a name of its own: `a.png`, `a.jpg` and `a.webp` would all be
`a.svg`, and the SVG of `a.png` would be an input `a.svg` beside it. So, in a folder:

- a file named as the SVG of an image beside it (`a.png.svg` beside `a.png`) is that image's output (of an
  earlier run), not an input; so is anything under the `--out` folder when it lies inside the input folder;
- no two sources share an output, and no output is an input (both checked, whatever the names);
- an output that exists is refused unless `--overwrite` is given, all of them in one line before any work:
  the tool replaces no file it was not told it may replace;
- an output that is not a regular file (a FIFO, a device, a symbolic link, a folder), or below a file, is refused
  even with `--overwrite`: writing it would replace the link or the device with a file.

Before each write, temporary files that a killed run left beside that output are removed
(`files.remove_stale_temps`).
"""

from __future__ import annotations

import os
from pathlib import Path

from svgq_jax.core.errors import InputError
from svgq_jax.core.files import check_output, check_parent, remove_stale_temps, write_atomic
from svgq_jax.core.images import IMAGE_SUFFIXES

SUFFIX = ".svg"
LISTED = 5  # outputs named in a refusal; the rest are counted


def svg_name(source: Path) -> str:
    """`a.png` -> `a.png.svg`."""
    return source.name + SUFFIX


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def folder_inputs(target: Path, out: Path | None) -> list[Path]:
    """The images of folder `target` (recursively; not only regular files: a FIFO or a device named like an image is
    reported, not silently passed over), less the outputs of earlier runs (see the module docstring)."""
    skip = out.resolve() if out is not None and out.resolve() != target.resolve() else None
    files = []
    for p in sorted(target.rglob("*")):
        if p.is_dir() or not _is_image(p):
            continue
        if skip is not None and p.resolve().is_relative_to(skip):
            continue
        if p.name.lower().endswith(SUFFIX) and _is_image(p.with_name(p.name[: -len(SUFFIX)])):
            if p.with_name(p.name[: -len(SUFFIX)]).exists():
                continue  # `a.png.svg` beside `a.png`: the SVG of a.png
        files.append(p)
    if not files:
        raise InputError(f"{target}: no images (PNG, JPEG, WebP, GIF, BMP, TIFF or SVG)")
    return files


def plan(target: Path, out: str | None, overwrite: bool) -> list[tuple[Path, Path]]:
    """(source, SVG path) for every image `optimize` is given, after every check of the module docstring."""
    if target.is_dir():
        folder = Path(out) if out else target
        if out:
            check_parent(folder, "--out")
            if folder.exists() and not folder.is_dir():
                raise InputError(f"--out {out}: not a folder (several images write one SVG each into it)")
        files = folder_inputs(target, Path(out) if out else None)
        pairs = [(f, folder / f.relative_to(target).parent / svg_name(f)) for f in files]
    elif target.exists():
        pairs = [(target, Path(out) if out else target.with_name(svg_name(target)))]
    else:
        raise InputError(f"{target}: no such file or folder")
    check_plan(pairs, overwrite)
    return pairs


def check_plan(pairs: list[tuple[Path, Path]], overwrite: bool) -> None:
    """InputError, before any work, for an output shared by two sources, one that is an input, one that cannot be
    written as a file, or (without `overwrite`) one that exists."""
    owner: dict[str, Path] = {}
    inputs = {}
    for source, dest in pairs:
        key = os.path.normpath(dest.absolute())
        if key in owner:
            raise InputError(f"--out {dest}: both {owner[key]} and {source} would write it")
        owner[key] = source
        try:
            st = os.stat(source)
            inputs[st.st_dev, st.st_ino] = source
        except (OSError, ValueError):
            pass  # reported when it is read
    existing = []
    for source, dest in pairs:
        check_output(dest, "--out", inputs=[source])  # an SVG's own name, a FIFO, a device, a link, a folder
        try:
            st = os.stat(dest)
        except (OSError, ValueError):
            continue
        if (st.st_dev, st.st_ino) in inputs:  # even with --overwrite
            other = inputs[st.st_dev, st.st_ino]
            raise InputError(f"--out {dest} is the input {other}; writing it would replace the input")
        existing.append(dest)
    if existing and not overwrite:
        n = len(existing)
        more = f" and {n - LISTED} more" if n > LISTED else ""
        what = f"{existing[0]} exists" if n == 1 else f"{n} SVGs exist ({', '.join(map(str, existing[:LISTED]))}{more})"
        raise InputError(f"{what} already; give --overwrite to replace {'it' if n == 1 else 'them'}, or another --out")


def write(dest: Path, svg: str | bytes) -> None:
    """Write one planned SVG (whole or not at all), after removing the temporary files a killed run left beside it
    (between its write and its rename)."""
    remove_stale_temps(dest)
    write_atomic(dest, svg)
