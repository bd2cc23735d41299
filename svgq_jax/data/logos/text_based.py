"""text_based logos: wordmarks (with taglines or underlines), monograms in a badge, an icon
beside or above a word, a word in a box, and one or two big glyphs as the whole mark.

Letters knocked out of a badge or box, and slashes through glyphs, are cut-outs painted with
the canvas's paper. Lengths in design pixels (target widths, gaps) are those of the default
canvas, scaled with `canvas.px`."""

from __future__ import annotations

from .colours import palette, shade
from .geometry import SOLIDS, SYMBOLS, ellipse, named_shape, polygon, rounded_rect, stroke
from .paint import Frame, apply_paint, outline, put
from .simple_geometric import mark_ink
from .text import FONTS, font_for, put_text, random_font, random_initials, random_word


def _wordmark(canvas, rng, pal):
    word = random_word(rng)
    font = font_for(canvas, random_font(rng), word, canvas.px(rng.uniform(480, 700)))
    split = int(rng.integers(1, len(word))) if rng.random() < 0.3 and len(word) > 2 else 0
    if split:  # two-colour wordmark ("face" + "book" style)
        a, b = word[:split], word[split:]
        la, lb = font.getlength(a), font.getlength(b)
        x0 = canvas.centre - (la + lb) / 2
        y = canvas.centre
        apply_paint(canvas, lambda d, on, off: d.text((x0, y), a, font=font, fill=on, anchor="ls"), pal[0])
        apply_paint(canvas, lambda d, on, off: d.text((x0 + la, y), b, font=font, fill=on, anchor="ls"), pal[1])
        box = (x0, canvas.centre - font.size * 0.7, x0 + la + lb, canvas.centre)
    else:
        box = put_text(canvas, word, font, pal[0], canvas.centre, canvas.centre)
    if rng.random() < 0.4:  # tagline / underline accent
        _tagline(canvas, rng, pal, box)


def _tagline(canvas, rng, pal, box):
    w = box[2] - box[0]
    if rng.random() < 0.5:
        y = box[3] + 0.15 * (box[3] - box[1])
        h = rng.uniform(0.04, 0.1) * w
        put(
            canvas,
            [polygon(rounded_rect(w * rng.uniform(0.4, 1), h, h / 2 * rng.random()))],
            pal[-1],
            frame=Frame(canvas.centre, y + h / 2, 1.0, 0.0),
        )
        return
    tag = " ".join(random_word(rng, 1, 2).upper() for _ in range(int(rng.integers(1, 3))))
    tag = " ".join(tag) if rng.random() < 0.5 else tag  # letter-spaced caps
    f = font_for(canvas, random_font(rng, 0.3), tag, w * rng.uniform(0.6, 1), (box[3] - box[1]) * 0.4)
    put_text(
        canvas, tag, f, shade(pal[-1], 0.1) if len(pal) > 1 else (120, 120, 120), canvas.centre, box[3] + f.size * 0.8
    )


def _monogram(canvas, rng, pal):
    letters = random_initials(rng, int(rng.choice([1, 1, 2, 2, 3])))
    cont = str(rng.choice(["circle", "rrect", "squircle", "hexagon", "shield", "ring"]))
    font = font_for(canvas, random_font(rng, 0.8), letters, canvas.unit * rng.uniform(0.8, 1.2), canvas.unit * 1.1)
    if cont == "ring" or rng.random() < 0.2:  # outlined badge, coloured letters
        outline(canvas, named_shape(rng, "circle" if cont == "ring" else cont), pal[0], rng.uniform(0.05, 0.12))
        put_text(canvas, letters, font, pal[int(rng.integers(0, 2))], canvas.centre, canvas.centre)
    else:
        put(canvas, named_shape(rng, cont), pal[0])
        fg = canvas.paper if rng.random() < 0.8 else pal[1]
        put_text(canvas, letters, font, fg, canvas.centre, canvas.centre)


def _icon_word(canvas, rng, pal):
    word = random_word(rng)
    font = font_for(canvas, random_font(rng), word, canvas.px(rng.uniform(380, 520)))
    left, top, right, bottom = font.getbbox(word)
    th = bottom - top
    icon = named_shape(rng, str(rng.choice(SOLIDS + SYMBOLS[:6])))
    if rng.random() < 0.6:  # icon left of the word
        s = th * rng.uniform(0.6, 0.9) / canvas.unit
        tx = canvas.centre + (s * canvas.unit + canvas.px(20)) / 2
        x = (tx - (right - left) / 2 - canvas.px(20) - s * canvas.unit - canvas.centre) / canvas.unit
        put(canvas, icon, pal[1], x, 0, s)
        put_text(canvas, word, font, pal[0], tx, canvas.centre)
    else:  # icon stacked above
        s = rng.uniform(0.25, 0.4)
        put(canvas, icon, pal[1], 0, -s - 0.05, s)
        put_text(canvas, word, font, pal[0], canvas.centre, canvas.centre + th / 2 + canvas.px(10))


def _boxed(canvas, rng, pal):
    word = random_word(rng, 1, 2).upper()
    font = font_for(canvas, random_font(rng, 0.9), word, canvas.px(rng.uniform(380, 560)), canvas.px(260))
    left, top, right, bottom = font.getbbox(word)
    pw, ph = (right - left) * rng.uniform(1.15, 1.35), (bottom - top) * rng.uniform(1.5, 2.2)
    box = rounded_rect(pw / canvas.unit, ph / canvas.unit, rng.uniform(0, 0.5) * ph / canvas.unit)
    if rng.random() < 0.75:
        put(canvas, [polygon(box)], pal[0])
        put_text(canvas, word, font, canvas.paper, canvas.centre, canvas.centre)
    else:
        outline(canvas, [polygon(box)], pal[0], rng.uniform(0.03, 0.07))
        put_text(canvas, word, font, pal[0], canvas.centre, canvas.centre)


def _letter(canvas, rng, pal):
    """One or two big bold glyphs as the whole mark (single colour, scaled to the edges),
    sometimes with a dot or bar accent or a white slash through them."""
    ink = mark_ink(rng, pal)
    letters = random_initials(rng, int(rng.choice([1, 1, 2])))
    if rng.random() < 0.35:
        letters = letters.lower()
    fam = FONTS[str(rng.choice(["sans", "sans", "serif", "mono", "stix"]))]
    font = font_for(canvas, fam[1 + 2 * int(rng.random() < 0.2)], letters, canvas.px(560), canvas.px(560))
    box = put_text(canvas, letters, font, ink, canvas.centre, canvas.centre)
    u = rng.random()
    if u < 0.25:  # accent dot beside the glyphs
        r = (box[3] - box[1]) * rng.uniform(0.1, 0.18)
        x, y = box[2] + r * 1.3, box[1] + r if rng.random() < 0.5 else box[3] - r
        put(canvas, [polygon(ellipse())], ink, frame=Frame(x, y, r, 0.0))
    elif u < 0.45:  # white slash through the glyphs
        put(
            canvas,
            [stroke([(-1.3, 0), (1.3, 0)], rng.uniform(0.05, 0.1))],
            canvas.paper,
            0,
            rng.uniform(-0.2, 0.2),
            rot=rng.uniform(-0.8, 0.8),
        )


def draw(canvas, rng):
    """Draw one text_based logo on `canvas`; every choice comes from `rng`."""
    pal = palette(rng, 3, rng.choice(["brand", "black", "material", "dark", "mono"]))
    mode = rng.choice([_wordmark, _monogram, _icon_word, _boxed, _letter], p=[0.3, 0.2, 0.17, 0.13, 0.2])
    mode(canvas, rng, pal)
