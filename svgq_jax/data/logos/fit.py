"""The last step of every logo: crop the design canvas to its ink box and box-filter it down,
either into the 256 square of `draw_logo` (`fit`) or, for `draw_source`, into a canvas that
is the ink box plus margin at a native size (`fit_native`); and straight alpha from a pass
drawn on white and one drawn on black (`straight_alpha`)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops

from .colours import WHITE

CANVAS = 256
BLACK = (0, 0, 0)


def margin(rng, bleed: float) -> float:
    """Margin in output pixels of the 256 canvas: 0 (full bleed) with probability `bleed`,
    else small to wide."""
    if rng.random() < bleed:
        return 0.0
    u = rng.random()
    return rng.uniform(0, 6) if u < 0.3 else rng.uniform(6, 28) if u < 0.85 else rng.uniform(28, 60)


def ink_box(img, background=WHITE) -> tuple[int, int, int, int] | None:
    """Bounding box of the pixels that differ from `background`, None if none do."""
    if tuple(background) == WHITE:
        img = ImageChops.invert(img)  # cheaper than a difference on large canvases
    elif tuple(background) != BLACK:
        img = ImageChops.difference(img, Image.new("RGB", img.size, background))
    return img.getbbox()


def union_box(*boxes) -> tuple[int, int, int, int] | None:
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None
    x0, y0, x1, y1 = zip(*boxes)
    return (min(x0), min(y0), max(x1), max(y1))


def _source_box(size: int, box, sc: float, nw: int, nh: int) -> tuple:
    """The design-canvas region that maps onto nw x nh output pixels at exactly scale sc,
    starting at the ink box and kept inside the canvas."""
    x0, y0 = max(0.0, min(box[0], size - nw / sc)), max(0.0, min(box[1], size - nh / sc))
    return (x0, y0, min(size, x0 + nw / sc), min(size, y0 + nh / sc))


def fit(img, rng, bleed: float) -> Image.Image:
    """Crop to the ink box and box-filter it into the output canvas with a random margin
    (full-bleed with probability `bleed`)."""
    box = ink_box(img) or (0, 0, *img.size)
    w, h = box[2] - box[0], box[3] - box[1]
    m = margin(rng, bleed)
    sc = (CANVAS - 2 * m) / max(w, h)
    nw, nh = max(1, int(round(w * sc))), max(1, int(round(h * sc)))
    small = img.resize((nw, nh), Image.BOX, box=_source_box(img.width, box, sc, nw, nh))
    ox, oy = (CANVAS - nw) // 2, (CANVAS - nh) // 2
    if m > 0 and rng.random() < 0.15:  # occasionally a little off-centre
        ox += int(round(rng.uniform(-0.3, 0.3) * (CANVAS - nw)))
        oy += int(round(rng.uniform(-0.3, 0.3) * (CANVAS - nh)))
    out = Image.new("RGB", (CANVAS, CANVAS), WHITE)
    out.paste(small, (ox, oy))
    return out


def fit_native(passes, box, m: float, long_side: int, as_float: bool = False) -> list:
    """Box-filter the ink box of each (design image, background) pass into a canvas whose long
    side is `long_side`: the ink box plus a margin of `m` pixels of the 256 canvas, scaled to
    long_side, on every side (so a wide mark gives a wide image). All passes share the box
    (None: the whole canvas) and the geometry, so their pixels correspond.

    Returns RGB images, or with `as_float` float32 (H, W, 3) arrays filtered without
    rounding to 8 bits (the transparency passes, whose difference is the alpha)."""
    box = box or (0, 0, *passes[0][0].size)
    w, h = box[2] - box[0], box[3] - box[1]
    sc = (long_side - 2 * m * long_side / CANVAS) / max(w, h)
    nw, nh = max(1, int(round(w * sc))), max(1, int(round(h * sc)))
    pad = long_side - max(nw, nh)
    out = []
    for img, background in passes:
        src = _source_box(img.width, box, sc, nw, nh)
        if as_float:  # converted per channel, on the whole pixels around the source box only
            whole = (
                int(src[0]),
                int(src[1]),
                min(img.width, int(np.ceil(src[2]))),
                min(img.height, int(np.ceil(src[3]))),
            )
            src = (src[0] - whole[0], src[1] - whole[1], src[2] - whole[0], src[3] - whole[1])
            channels = img.crop(whole).split()
            canvas = np.empty((nh + pad, nw + pad, 3), np.float32)
            canvas[:] = background
            canvas[pad // 2 : pad // 2 + nh, pad // 2 : pad // 2 + nw] = np.dstack(
                [np.asarray(c.convert("F").resize((nw, nh), Image.BOX, box=src)) for c in channels]
            )
        else:
            canvas = Image.new("RGB", (nw + pad, nh + pad), background)
            canvas.paste(img.resize((nw, nh), Image.BOX, box=src), (pad // 2, pad // 2))
        out.append(canvas)
    return out


def straight_alpha(on_white, on_black) -> Image.Image:
    """RGBA image (straight, not premultiplied alpha) from the same picture composited on
    white and on black.

    Every paint operation and the box filter are linear "over" blends, so a pixel of colour
    c and coverage a reads a*c + (1-a)*255 on white and a*c on black: the difference gives
    a, and the black pass divided by a gives c. The channels' differences agree up to
    rounding; alpha takes the largest. The passes are images or float arrays."""
    white = np.asarray(on_white, np.float32)
    black = np.asarray(on_black, np.float32)
    alpha = np.rint(255 - np.clip((white - black).max(-1), 0, 255))
    colour = np.zeros_like(black)
    np.divide(black * 255, alpha[..., None], out=colour, where=alpha[..., None] > 0)
    rgba = np.dstack([np.clip(np.rint(colour), 0, 255), alpha]).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")
