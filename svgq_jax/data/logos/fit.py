"""The last step of every logo: crop the design canvas to its ink box and box-filter it into
the output canvas with a random margin."""
from __future__ import annotations

from PIL import Image, ImageChops

from .colours import WHITE
from .paint import DESIGN_SIZE

CANVAS = 256


def margin(rng, bleed: float) -> float:
    """Margin in output pixels: 0 (full bleed) with probability `bleed`, else small to wide."""
    if rng.random() < bleed:
        return 0.0
    u = rng.random()
    return rng.uniform(0, 6) if u < .3 else rng.uniform(6, 28) if u < .85 else rng.uniform(28, 60)


def fit(img, rng, bleed: float) -> Image.Image:
    """Crop to the ink box and box-filter it into the output canvas with a random margin
    (full-bleed with probability `bleed`)."""
    box = ImageChops.difference(img, Image.new("RGB", img.size, WHITE)).getbbox() or (0, 0, DESIGN_SIZE, DESIGN_SIZE)
    w, h = box[2] - box[0], box[3] - box[1]
    m = margin(rng, bleed)
    sc = (CANVAS - 2 * m) / max(w, h)
    nw, nh = max(1, int(round(w * sc))), max(1, int(round(h * sc)))
    x0, y0 = max(0., min(box[0], DESIGN_SIZE - nw / sc)), max(0., min(box[1], DESIGN_SIZE - nh / sc))
    src = (x0, y0, min(DESIGN_SIZE, x0 + nw / sc), min(DESIGN_SIZE, y0 + nh / sc))  # exact uniform scale
    small = img.resize((nw, nh), Image.BOX, box=src)
    ox, oy = (CANVAS - nw) // 2, (CANVAS - nh) // 2
    if m > 0 and rng.random() < .15:  # occasionally a little off-centre
        ox += int(round(rng.uniform(-.3, .3) * (CANVAS - nw)))
        oy += int(round(rng.uniform(-.3, .3) * (CANVAS - nh)))
    out = Image.new("RGB", (CANVAS, CANVAS), WHITE)
    out.paste(small, (ox, oy))
    return out
