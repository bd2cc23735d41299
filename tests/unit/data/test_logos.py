"""Tests for the procedural logo generator (svgq_jax.data.logos)."""

import numpy as np
import pytest
from PIL import Image

from svgq_jax.data import logos

SEEDS = range(6)


@pytest.fixture(scope="module")
def sample():
    """Six logos of every type, drawn once for the whole module (keeps the file fast)."""
    return {t: [logos.draw_logo(t, s) for s in SEEDS] for t in logos.LOGO_TYPES}


def _arr(img):
    return np.asarray(img, dtype=np.int16)


def _codes(a):
    """One int per RGB colour, so np.unique works on a flat array (much faster than axis=0)."""
    a = a.reshape(-1, 3).astype(np.int32)
    return (a[:, 0] << 16) | (a[:, 1] << 8) | a[:, 2]


def test_public_constants():
    assert logos.LOGO_TYPES == ("simple_geometric", "text_based", "gradient", "complex", "abstract")
    assert logos.CANVAS == 256


@pytest.mark.parametrize("kind", logos.LOGO_TYPES)
def test_deterministic_and_seed_sensitive(kind):
    a = logos.draw_logo(kind, 123).tobytes()
    np.random.seed(999)  # the global RNG must not matter
    assert logos.draw_logo(kind, 123).tobytes() == a
    assert logos.draw_logo(kind, [5, 17]).tobytes() == logos.draw_logo(kind, [5, 17]).tobytes()
    assert logos.draw_logo(kind, 124).tobytes() != a


def test_size_mode_and_white_corners(sample):
    corners_white = []
    for imgs in sample.values():
        for img in imgs:
            assert isinstance(img, Image.Image)
            assert img.mode == "RGB" and img.size == (256, 256)
            a = _arr(img)
            corners = a[[0, 0, -1, -1], [0, -1, 0, -1]]
            corners_white.append(bool((corners >= 245).all()))
    assert np.mean(corners_white) >= 0.8


def test_unknown_type_raises_with_valid_names():
    with pytest.raises(ValueError, match="simple_geometric"):
        logos.draw_logo("photo", 0)


def test_not_blank(sample):
    for kind, imgs in sample.items():
        for img in imgs:
            ink = (_arr(img) < 240).any(-1).mean()
            assert 0.01 < ink < 0.999, (kind, ink)


def _n_colours(img, min_share=0.002):
    """Distinct colours (quantised to 16 levels/channel) covering a non-trivial share of pixels."""
    q = _codes(_arr(img) // 16)
    _, counts = np.unique(q, return_counts=True)
    return int((counts >= min_share * len(q)).sum())


@pytest.mark.parametrize("kind", ["complex", "gradient"])
def test_rich_types_have_several_colours(sample, kind):
    # white + at least two more clearly visible colours in every image
    assert all(_n_colours(img) >= 3 for img in sample[kind])


def test_gradients_are_smooth_ramps(sample):
    # a gradient produces many distinct colours, far more than anti-aliased flat fills
    uniq = [len(np.unique(_codes(_arr(img)))) for img in sample["gradient"]]
    assert np.median(uniq) > 300, uniq


def test_edges_are_antialiased(sample):
    for img in sample["simple_geometric"] + sample["text_based"]:
        a = _arr(img).reshape(-1, 3).astype(float)
        codes, counts = np.unique(_codes(a), return_counts=True)
        cols = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], -1)[np.argsort(-counts)]
        ink = cols[(cols < 240).any(-1)][0].astype(float)  # dominant non-white colour
        # pixels strictly between white and the dominant colour exist on the edges
        t = ((a - 255) @ (ink - 255)) / max(float((ink - 255) @ (ink - 255)), 1.0)
        on_segment = np.abs(a - (255 + t[:, None] * (ink - 255))).max(-1) <= 12
        assert (on_segment & (t > 0.1) & (t < 0.9)).sum() >= 20


def test_procedural_logo_cycles_types():
    out = [logos.procedural_logo(i, 3) for i in range(10)]
    assert [k for k, _ in out] == list(logos.LOGO_TYPES) * 2
    kind, img = out[7]
    assert img.tobytes() == logos.draw_logo(kind, [3, 7]).tobytes()
    assert logos.procedural_logo(7, 4)[1].tobytes() != img.tobytes()


def _touches_border(img):
    ink = (_arr(img) < 235).any(-1)
    return bool(ink[[0, -1]].any() or ink[:, [0, -1]].any())


def test_brand_marks_fill_the_canvas_icons_keep_a_margin():
    # simple-icons marks always touch the canvas edge; flat icons and emoji sit in a margin
    share = {
        t: np.mean([_touches_border(logos.draw_logo(t, s)) for s in range(20)])
        for t in ("simple_geometric", "text_based", "complex")
    }
    assert share["simple_geometric"] >= 0.6 and share["text_based"] >= 0.6, share
    assert share["complex"] <= 0.5, share


def test_single_colour_marks_include_pure_black():
    # pure black marks trace very differently at low colour precision; they must occur
    black = [
        (_arr(logos.draw_logo("simple_geometric", s)).reshape(-1, 3) == 0).all(-1).mean() > 0.05 for s in range(40)
    ]
    assert 0.05 <= np.mean(black) <= 0.6, np.mean(black)
