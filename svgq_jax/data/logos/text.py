"""Text in logos: the bundled fonts, sizing a font to a target width, drawing text centred
on a point, and random pronounceable words and initials."""

from __future__ import annotations

import functools
import math
import os

from PIL import ImageFont

from .paint import apply_paint


@functools.lru_cache(maxsize=1)
def _font_dir() -> str:
    import matplotlib  # bundled TTFs travel with the wheel; system fonts may be absent

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


@functools.lru_cache(maxsize=256)
def load_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(os.path.join(_font_dir(), name), size)


FONTS = {  # (regular/light, bold, italic, bold-italic) per family
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"),
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf"),
    "mono": (
        "DejaVuSansMono.ttf",
        "DejaVuSansMono-Bold.ttf",
        "DejaVuSansMono-Oblique.ttf",
        "DejaVuSansMono-BoldOblique.ttf",
    ),
    "stix": ("STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf"),
    "cm": ("cmss10.ttf", "cmb10.ttf", "cmti10.ttf", "cmr10.ttf"),
}


def random_font(rng, bold_p=0.55) -> str:
    fam = FONTS[str(rng.choice(list(FONTS), p=[0.45, 0.2, 0.1, 0.15, 0.1]))]
    bold = rng.random() < bold_p
    italic = rng.random() < 0.15
    return fam[int(bold) + 2 * int(italic)]


def font_for(canvas, name, text, width, max_h=math.inf):
    """Font making `text` about `width` px wide (and at most `max_h` px tall) on `canvas`.

    The size is clamped to 16..560 px and quantised to steps of 8 px (so the lru cache stays
    small), all in design pixels of the default canvas, scaled to this one. The measuring
    font (size 100) only gives the text's proportions."""
    ref = load_font(name, 100)
    left, top, right, bottom = ref.getbbox(text)
    size = 100 * min(width / max(right - left, 1), max_h / max(bottom - top, 1))
    step = canvas.px(8)
    return load_font(name, int(max(canvas.px(16), min(canvas.px(560), size)) // step * step))


def put_text(canvas, s, font, paint, cx, cy, alpha=1.0):
    """Draw text with its ink box centred on (cx, cy); returns the ink box."""
    left, top, right, bottom = font.getbbox(s)
    org = (cx - (left + right) / 2, cy - (top + bottom) / 2)
    apply_paint(canvas, lambda d, on, off: d.text(org, s, font=font, fill=on), paint, alpha)
    return (org[0] + left, org[1] + top, org[0] + right, org[1] + bottom)


_CONSONANTS, _VOWELS = "bcdfghklmnprstvwxz", "aeiouy"


def random_word(rng, lo=2, hi=3) -> str:
    """A pronounceable made-up word of lo..hi syllables, in lower, title or upper case."""
    syl = []
    for _ in range(int(rng.integers(lo, hi + 1))):
        s = _CONSONANTS[rng.integers(len(_CONSONANTS))] + _VOWELS[rng.integers(len(_VOWELS))]
        syl.append(s + (_CONSONANTS[rng.integers(len(_CONSONANTS))] if rng.random() < 0.35 else ""))
    w = "".join(syl)
    case = rng.choice(["lower", "title", "upper"], p=[0.4, 0.35, 0.25])
    return w.upper() if case == "upper" else w.title() if case == "title" else w


def random_initials(rng, k) -> str:
    return "".join(chr(65 + int(rng.integers(26))) for _ in range(k))
