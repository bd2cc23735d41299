import numpy as np
import pytest
from conftest import REAL_LOGOS, draw_test_logo
from skimage.metrics import structural_similarity

from svgq_jax.core import images
from svgq_jax.core import params as param_space
from svgq_jax.core.ssim import Reference, ssim, ssim_to
from svgq_jax.core.tracing import Target, label, render, trace


def skimage_ssim(a, b):
    return structural_similarity(
        a, b, channel_axis=2, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )


def test_matches_scikit_image_on_noise_and_shifts():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    for noise in (5, 40, 120):
        b = np.clip(a.astype(int) + rng.integers(-noise, noise + 1, a.shape), 0, 255).astype(np.uint8)
        assert abs(ssim(a, b) - skimage_ssim(a, b)) < 1e-4
    c = np.roll(a, 3, axis=1)
    assert abs(ssim(a, c) - skimage_ssim(a, c)) < 1e-4


def test_matches_scikit_image_on_traced_logos():
    for seed in range(3):
        img = images.to_array(draw_test_logo(seed))
        png = images.png_bytes(draw_test_logo(seed))
        rendered = render(trace(png, param_space.VTRACER_DEFAULTS), (256, 256))
        assert abs(ssim(img, rendered) - skimage_ssim(img, rendered)) < 1e-4


def test_identical_is_one_and_reference_reuse_agrees():
    img = images.to_array(draw_test_logo(4))
    assert ssim(img, img) == pytest.approx(1.0, abs=1e-12)
    ref = Reference.of(img)
    other = images.to_array(draw_test_logo(5))
    assert ssim_to(ref, other) == ssim(img, other) < 0.99


def test_shape_checks():
    with pytest.raises(ValueError):
        ssim(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError):
        ssim(np.zeros((32, 32, 3), np.uint8), np.zeros((32, 31, 3), np.uint8))


@pytest.mark.skipif(not REAL_LOGOS.is_dir(), reason="real-logos folder not present")
def test_labels_match_reference_on_real_logos():
    """Our label equals an independent vtracer -> resvg -> scikit-image pipeline."""
    import io

    import resvg_py
    import vtracer
    from PIL import Image

    files = sorted(REAL_LOGOS.glob("*.png"))[::40]
    for path in files:
        canon = images.load_image(path)
        png = images.png_bytes(canon)
        params = param_space.from_vector(param_space.sample(1, len(path.name))[0])
        ours, _ = label(Target(png, Reference.of(images.to_array(canon))), params)
        svg = vtracer.convert_raw_image_to_svg(
            png, img_format="png", colormode="color", hierarchical="stacked", mode="spline", **params
        )
        out = Image.open(
            io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, background="white", width=256, height=256)))
        )
        ref = skimage_ssim(np.asarray(Image.open(path).convert("RGB")), np.asarray(out.convert("RGB")))
        assert abs(ours.ssim - ref) < 1e-4, path.name
