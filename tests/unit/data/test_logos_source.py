"""Tests for draw_source: the procedural logos at a native size, with a transparent background."""

import numpy as np
import pytest
from PIL import Image

from svgq_jax.data import logos
from svgq_jax.data.logos.paint import DESIGN_SIZE, UNIT, Canvas

SEEDS = [[0, i] for i in range(6)]


@pytest.fixture(scope="module")
def sources():
    """Six transparent logos of every type at long side 256, drawn once for the module."""
    return {t: [logos.draw_source(t, s, 256) for s in SEEDS] for t in logos.LOGO_TYPES}


def _composite_on_white(rgba) -> np.ndarray:
    a = np.asarray(rgba, np.float64)
    alpha = a[..., 3:] / 255
    return np.rint(a[..., :3] * alpha + 255 * (1 - alpha))


def test_default_canvas_keeps_the_design_numbers():
    # draw_logo's pixels depend on these being exactly the historical constants
    c = Canvas.new()
    assert (c.size, c.scale, c.unit, c.centre) == (768, 1.0, 300.0, 384.0)
    assert tuple(c.frame) == (384.0, 384.0, 300.0, 0.0) and c.paper == (255, 255, 255)
    big = Canvas.new(2 * DESIGN_SIZE)
    assert (big.unit, big.centre, big.px(20)) == (2 * UNIT, float(DESIGN_SIZE), 40.0)


@pytest.mark.parametrize("long_side", [256, 384, 777])
def test_long_side_and_modes(long_side):
    for t in logos.LOGO_TYPES:
        rgba = logos.draw_source(t, [1, 2], long_side)
        rgb = logos.draw_source(t, [1, 2], long_side, transparent=False)
        assert rgba.mode == "RGBA" and rgb.mode == "RGB"
        assert max(rgba.size) == long_side and max(rgb.size) == long_side, (t, rgba.size, rgb.size)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="long_side"):
        logos.draw_source("abstract", 0, logos.MAX_LONG_SIDE + 1)
    with pytest.raises(ValueError, match="long_side"):
        logos.draw_source("abstract", 0, 300.5)
    with pytest.raises(ValueError, match="simple_geometric"):
        logos.draw_source("photo", 0, 256)


def test_deterministic_and_seed_sensitive():
    a = logos.draw_source("complex", [3, 4], 320).tobytes()
    np.random.seed(7)  # the global RNG must not matter
    assert logos.draw_source("complex", [3, 4], 320).tobytes() == a
    assert logos.draw_source("complex", [3, 5], 320).tobytes() != a


@pytest.mark.parametrize("long_side", [256, 600])
def test_composite_on_white_is_the_white_picture(long_side):
    # every logo, both kinds of cut-out, no pixel left out: the alpha and colour derived from
    # the two passes must give back the picture drawn on white (after the same box filter)
    for t in logos.LOGO_TYPES:
        for seed in ([0, 0], [0, 1], [0, 2]):
            for knockout in (False, True):
                white, black = logos.source_passes(t, seed, long_side, knockout)
                rgba = logos.straight_alpha(white, black)
                diff = np.abs(_composite_on_white(rgba) - np.rint(white)).max()
                assert diff <= 2, (t, seed, knockout, diff)
    white, black = logos.source_passes("gradient", [0, 0], long_side)
    assert logos.draw_source("gradient", [0, 0], long_side).tobytes() == logos.straight_alpha(white, black).tobytes()


def test_wordmarks_come_out_wide():
    sizes = [logos.draw_source("text_based", [0, s], 256, transparent=False).size for s in range(20)]
    # measured 13 of these 20 wider than tall (monograms and single letters are square-ish)
    assert sum(w > h for w, h in sizes) >= 11, sizes
    assert any(w >= 3 * h for w, h in sizes), sizes  # one-line wordmarks are very wide


def test_corners_are_mostly_transparent(sources):
    corners = np.concatenate(
        [np.asarray(img)[[0, 0, -1, -1], [0, -1, 0, -1], 3] for imgs in sources.values() for img in imgs]
    )
    # measured 0.96 here: square tiles and full-bleed bars fill their corners
    assert (corners == 0).mean() >= 0.75, (corners == 0).mean()


def test_edges_have_partial_alpha(sources):
    partial = [
        int(((a > 0) & (a < 255)).sum()) for imgs in sources.values() for a in (np.asarray(img)[..., 3] for img in imgs)
    ]
    # anti-aliased edges; only marks made of axis-aligned edges on the pixel grid have none
    # (measured: 28 of these 30 logos with >= 50 such pixels, median 580)
    assert np.mean([p >= 50 for p in partial]) >= 0.8, partial
    assert np.median(partial) >= 200, partial


def test_knockouts_make_holes_in_some_logos():
    share = np.mean([logos.knocks_out([0, s]) for s in range(400)])
    assert 0.4 <= share <= 0.6, share
    holes = []
    for s in range(30):
        seed = [0, s]
        if not logos.knocks_out(seed):
            continue
        knocked = np.asarray(logos.draw_source("simple_geometric", seed, 256))[..., 3]
        opaque = np.asarray(logos.draw_source("simple_geometric", seed, 256, knockout=False))[..., 3]
        # holes: more fully transparent pixels than when the same cut-outs stay white
        holes.append((knocked == 0).mean() - (opaque == 0).mean() > 0.01)
    assert 2 <= sum(holes) < len(holes), holes  # measured 5 of 12: not every mark has cut-outs


def test_opaque_cut_outs_never_reach_past_the_mark():
    # white cut-outs that overhang the mark (slashes, wedges) must not add ink there: the
    # alpha box stays the picture's ink box up to white cut-outs lying on the mark's edge
    # (measured: at most 1 px apart; painting them everywhere made two of these 23 px apart)
    for t in ("simple_geometric", "text_based"):
        for s in range(12):
            rgba = logos.draw_source(t, [0, s], 256, knockout=False)
            rgb = logos.draw_source(t, [0, s], 256, transparent=False)
            assert abs(rgba.width - rgb.width) <= 3 and abs(rgba.height - rgb.height) <= 3, (t, s, rgba.size, rgb.size)


def _ink_box(img):
    """Box of the clearly inked pixels (8-bit straight alpha leaves faint +-1 edges)."""
    return Image.fromarray(((np.asarray(img) < 245).any(-1) * 255).astype(np.uint8)).getbbox()


def _placed_like(rgba, logo) -> np.ndarray:
    """`rgba` over white on a white 256 square, its ink box where draw_logo put its own
    (draw_logo moves some margined logos off-centre; draw_source never does)."""
    over = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    over.alpha_composite(rgba)
    over = over.convert("RGB")
    src, dst = _ink_box(over), _ink_box(logo)
    square = Image.new("RGB", (256, 256), (255, 255, 255))
    square.paste(over, (dst[0] - src[0], dst[1] - src[1]))
    return np.asarray(square, np.float64)


def test_native_256_looks_like_draw_logo(sources):
    diffs = []
    for t, imgs in sources.items():
        for seed, rgba in zip(SEEDS, imgs):
            logo = logos.draw_logo(t, seed)
            diffs.append(np.abs(_placed_like(rgba, logo) - np.asarray(logo, np.float64)).mean())
    # Measured over 5 types x 100 seeds: median mean-abs-diff 0.006 grey levels, max 1.3 (a
    # white cut-out on the mark's edge widens the transparent logo's ink box by 2 px).
    assert max(diffs) <= 3, diffs
    assert np.median(diffs) <= 0.1, diffs


def test_drawing_scales_with_the_canvas():
    # every length derives from the canvas size: a 768 px logo box-filtered to the size of the
    # 256 px one looks the same (measured over 50 logos: median 0.7 grey levels, max 4.0)
    diffs = []
    for t in logos.LOGO_TYPES:
        for s in range(2):
            small = logos.draw_source(t, [0, s], 256, transparent=False)
            large = logos.draw_source(t, [0, s], 768, transparent=False)
            assert abs(large.width - 3 * small.width) <= 3 and abs(large.height - 3 * small.height) <= 3
            large = large.resize(small.size, Image.BOX)
            diffs.append(np.abs(np.asarray(small, np.float64) - np.asarray(large, np.float64)).mean())
    assert max(diffs) <= 8, diffs
