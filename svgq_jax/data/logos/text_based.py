"""text_based logos: wordmarks (with taglines or underlines), monograms in a badge, an icon
beside or above a word, a word in a box, and one or two big glyphs as the whole mark."""
from __future__ import annotations

from .colours import WHITE, palette, shade
from .geometry import SOLIDS, SYMBOLS, ellipse, named_shape, polygon, rounded_rect, stroke
from .paint import DESIGN_CENTRE, UNIT, Frame, apply_paint, outline, put
from .simple_geometric import mark_ink
from .text import FONTS, font_for, put_text, random_font, random_initials, random_word


def _wordmark(img, rng, pal):
    word = random_word(rng)
    font = font_for(random_font(rng), word, rng.uniform(480, 700))
    split = int(rng.integers(1, len(word))) if rng.random() < .3 and len(word) > 2 else 0
    if split:  # two-colour wordmark ("face" + "book" style)
        a, b = word[:split], word[split:]
        la, lb = font.getlength(a), font.getlength(b)
        x0 = DESIGN_CENTRE - (la + lb) / 2
        apply_paint(img, lambda d, on, off: d.text((x0, DESIGN_CENTRE), a, font=font, fill=on, anchor="ls"),
                    pal[0])
        apply_paint(img, lambda d, on, off: d.text((x0 + la, DESIGN_CENTRE), b, font=font, fill=on, anchor="ls"),
                    pal[1])
        box = (x0, DESIGN_CENTRE - font.size * .7, x0 + la + lb, DESIGN_CENTRE)
    else:
        box = put_text(img, word, font, pal[0], DESIGN_CENTRE, DESIGN_CENTRE)
    if rng.random() < .4:  # tagline / underline accent
        _tagline(img, rng, pal, box)


def _tagline(img, rng, pal, box):
    w = box[2] - box[0]
    if rng.random() < .5:
        y = box[3] + .15 * (box[3] - box[1])
        h = rng.uniform(.04, .1) * w
        put(img, [polygon(rounded_rect(w * rng.uniform(.4, 1), h, h / 2 * rng.random()))], pal[-1],
            frame=Frame(DESIGN_CENTRE, y + h / 2, 1.0, 0.0))
        return
    tag = " ".join(random_word(rng, 1, 2).upper() for _ in range(int(rng.integers(1, 3))))
    tag = " ".join(tag) if rng.random() < .5 else tag  # letter-spaced caps
    f = font_for(random_font(rng, .3), tag, w * rng.uniform(.6, 1), (box[3] - box[1]) * .4)
    put_text(img, tag, f, shade(pal[-1], .1) if len(pal) > 1 else (120, 120, 120), DESIGN_CENTRE,
             box[3] + f.size * .8)


def _monogram(img, rng, pal):
    letters = random_initials(rng, int(rng.choice([1, 1, 2, 2, 3])))
    cont = str(rng.choice(["circle", "rrect", "squircle", "hexagon", "shield", "ring"]))
    font = font_for(random_font(rng, .8), letters, UNIT * rng.uniform(.8, 1.2), UNIT * 1.1)
    if cont == "ring" or rng.random() < .2:  # outlined badge, coloured letters
        outline(img, named_shape(rng, "circle" if cont == "ring" else cont), pal[0], rng.uniform(.05, .12))
        put_text(img, letters, font, pal[int(rng.integers(0, 2))], DESIGN_CENTRE, DESIGN_CENTRE)
    else:
        put(img, named_shape(rng, cont), pal[0])
        put_text(img, letters, font, WHITE if rng.random() < .8 else pal[1], DESIGN_CENTRE, DESIGN_CENTRE)


def _icon_word(img, rng, pal):
    word = random_word(rng)
    font = font_for(random_font(rng), word, rng.uniform(380, 520))
    l, t, r, b = font.getbbox(word)
    th = b - t
    icon = named_shape(rng, str(rng.choice(SOLIDS + SYMBOLS[:6])))
    if rng.random() < .6:  # icon left of the word
        s = th * rng.uniform(.6, .9) / UNIT
        tx = DESIGN_CENTRE + (s * UNIT + 20) / 2
        put(img, icon, pal[1], (tx - (r - l) / 2 - 20 - s * UNIT - DESIGN_CENTRE) / UNIT, 0, s)
        put_text(img, word, font, pal[0], tx, DESIGN_CENTRE)
    else:  # icon stacked above
        s = rng.uniform(.25, .4)
        put(img, icon, pal[1], 0, -s - .05, s)
        put_text(img, word, font, pal[0], DESIGN_CENTRE, DESIGN_CENTRE + th / 2 + 10)


def _boxed(img, rng, pal):
    word = random_word(rng, 1, 2).upper()
    font = font_for(random_font(rng, .9), word, rng.uniform(380, 560), 260)
    l, t, r, b = font.getbbox(word)
    pw, ph = (r - l) * rng.uniform(1.15, 1.35), (b - t) * rng.uniform(1.5, 2.2)
    box = rounded_rect(pw / UNIT, ph / UNIT, rng.uniform(0, .5) * ph / UNIT)
    if rng.random() < .75:
        put(img, [polygon(box)], pal[0])
        put_text(img, word, font, WHITE, DESIGN_CENTRE, DESIGN_CENTRE)
    else:
        outline(img, [polygon(box)], pal[0], rng.uniform(.03, .07))
        put_text(img, word, font, pal[0], DESIGN_CENTRE, DESIGN_CENTRE)


def _letter(img, rng, pal):
    """One or two big bold glyphs as the whole mark (single colour, scaled to the edges),
    sometimes with a dot or bar accent or a white slash through them."""
    ink = mark_ink(rng, pal)
    letters = random_initials(rng, int(rng.choice([1, 1, 2])))
    if rng.random() < .35:
        letters = letters.lower()
    fam = FONTS[str(rng.choice(["sans", "sans", "serif", "mono", "stix"]))]
    font = font_for(fam[1 + 2 * int(rng.random() < .2)], letters, 560, 560)
    box = put_text(img, letters, font, ink, DESIGN_CENTRE, DESIGN_CENTRE)
    u = rng.random()
    if u < .25:  # accent dot beside the glyphs
        r = (box[3] - box[1]) * rng.uniform(.1, .18)
        x, y = box[2] + r * 1.3, box[1] + r if rng.random() < .5 else box[3] - r
        put(img, [polygon(ellipse())], ink, frame=Frame(x, y, r, 0.))
    elif u < .45:  # white slash through the glyphs
        put(img, [stroke([(-1.3, 0), (1.3, 0)], rng.uniform(.05, .1))], WHITE, 0, rng.uniform(-.2, .2),
            rot=rng.uniform(-.8, .8))


def draw(img, rng):
    """Draw one text_based logo on the design canvas `img`; every choice comes from `rng`."""
    pal = palette(rng, 3, rng.choice(["brand", "black", "material", "dark", "mono"]))
    mode = rng.choice([_wordmark, _monogram, _icon_word, _boxed, _letter], p=[.3, .2, .17, .13, .2])
    mode(img, rng, pal)
