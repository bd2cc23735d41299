import io

import numpy as np
import pytest
from conftest import draw_test_logo
from PIL import Image

from svgq_jax.core import images
from svgq_jax.core.errors import InputError


def encode(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_canvas_sized_image_is_left_as_it_is():
    img = draw_test_logo(1)
    out = images.decode_image(encode(img, "PNG"))
    assert np.array_equal(images.to_array(out), images.to_array(img))


def test_alpha_is_composited_over_white():
    rgba = Image.new("RGBA", (256, 256), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 128), (0, 0, 128, 256))
    out = images.to_array(images.decode_image(encode(rgba, "PNG")))
    assert tuple(out[10, 200]) == (255, 255, 255)  # fully transparent -> white
    assert abs(int(out[10, 10, 0]) - 127) <= 1 and out[10, 10, 2] == 255  # half blue over white


def test_aspect_is_kept_and_centred():
    wide = Image.new("RGB", (400, 100), (0, 0, 0))
    out = images.to_array(images.decode_image(encode(wide, "PNG")))
    assert out.shape == (256, 256, 3)
    assert (out[:90] == 255).all() and (out[-90:] == 255).all()  # white bands above and below
    assert (out[128, :] < 10).all()  # the black band spans the full width


@pytest.mark.parametrize("mode", ["L", "P", "LA", "1", "I;16", "CMYK"])
def test_odd_modes_become_rgb(mode):
    img = draw_test_logo(2, size=(100, 80)).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":  # a real 16-bit grey, as a scanner writes it
        img = Image.fromarray(np.asarray(img).astype(np.uint16) * 257)
    fmt = "TIFF" if mode in ("CMYK", "I;16") else "PNG"
    out = images.decode_image(encode(img, fmt))
    assert out.mode == "RGB" and out.size == (256, 256)


def test_tiny_and_huge_images():
    tiny = images.decode_image(encode(Image.new("RGB", (11, 11), (10, 200, 30)), "PNG"))
    assert tiny.size == (256, 256) and tuple(images.to_array(tiny)[128, 128]) == (10, 200, 30)
    with pytest.raises(InputError, match="too small"):  # under the SSIM window: cannot be scored at its size
        images.decode_image(encode(Image.new("RGB", (1, 1), (10, 200, 30)), "PNG"))
    huge = Image.new("RGB", (6000, 3000), (250, 0, 0))
    out = images.decode_image(encode(huge, "JPEG", quality=80))
    assert out.size == (256, 256) and images.to_array(out)[128, 128, 0] > 200


def test_jpeg_webp_and_svg():
    for fmt in ("JPEG", "WEBP"):
        assert images.decode_image(encode(draw_test_logo(3), fmt)).size == (256, 256)
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 12"><rect width="24" height="12" fill="#00f"/></svg>'
    )
    out = images.to_array(images.decode_image(svg))
    assert tuple(out[128, 128]) == (0, 0, 255) and tuple(out[10, 128]) == (255, 255, 255)


@pytest.mark.parametrize(
    "data, words", [(b"", "empty"), (b"garbage bytes", "not a readable image"), (b"<svg", "unreadable SVG")]
)
def test_bad_files_raise_one_clear_error(data, words):
    with pytest.raises(InputError, match=words):
        images.decode_image(data, "x")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        images.load_image(tmp_path / "nope.png")


def test_hash_depends_on_pixels_not_encoding():
    img = draw_test_logo(6)
    a = images.decode_image(encode(img, "PNG"))
    b = images.decode_image(encode(img, "PNG", compress_level=1))
    assert images.image_hash(a) == images.image_hash(b) != images.image_hash(draw_test_logo(7))


# --------------------------------------------------------------------------- native size
# The user's logo as it is: its own size, aspect ratio and transparency, traced and scored there.


def test_source_keeps_size_aspect_and_alpha(mark_file):
    s = images.load_source(mark_file)
    assert s.size == (600, 180) and s.has_alpha and not s.downscaled
    assert s.alpha[0, 0] == 0 and s.alpha.max() == 255
    assert s.over_white()[0, 0].tolist() == [255, 255, 255]
    assert Image.open(io.BytesIO(s.png())).mode == "RGBA"  # VTracer gets the RGBA pixels
    assert s.canonical().size == (256, 256)
    small = images.load_source(mark_file, max_side=300)
    assert small.size == (300, 90) and small.downscaled and small.original_size == (600, 180)


def test_an_opaque_256_image_is_its_own_canonical_view(tmp_path):
    img = draw_test_logo(3)
    img.save(tmp_path / "a.png")
    s = images.load_source(tmp_path / "a.png")
    assert not s.has_alpha and s.size == (256, 256)
    assert np.array_equal(s.over_white(), images.to_array(s.canonical()))


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Image.new("RGB", (1, 1), "red"), "too small"),
        (lambda: Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "fully transparent"),
    ],
)
def test_images_that_cannot_be_traced_are_refused(make, words, tmp_path):
    make().save(tmp_path / "x.png")
    with pytest.raises(InputError, match=words):
        images.load_source(tmp_path / "x.png")


@pytest.mark.parametrize("size, max_side", [((1000, 1000), 500), ((6300, 1000), 2048), ((1600, 900), 1024)])
def test_a_jpeg_decoded_smaller_keeps_its_true_size(size, max_side):
    """JPEG's draft mode decodes a large photo straight at 1/2, 1/4 or 1/8: the source's size is still the file's."""
    s = images.decode_source(encode(Image.new("RGB", size, (200, 30, 40)), "JPEG"), max_side=max_side)
    assert s.original_size == size and s.size == images.traced_size(size, max_side) and s.downscaled


def test_a_turned_jpeg_decoded_smaller_keeps_its_true_size():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated a quarter: the picture is 900 wide, 1600 high
    data = encode(Image.new("RGB", (1600, 900), (200, 30, 40)), "JPEG", exif=exif.tobytes())
    s = images.decode_source(data, max_side=400)
    assert s.original_size == (900, 1600) and s.size == (225, 400)


def progressive_with_scans(n: int, side: int = 64) -> bytes:
    """A progressive JPEG whose last scan repeats until it has `n` scans: each one a pass over every pixel."""
    data = encode(Image.new("RGB", (side, side), (200, 30, 40)), "JPEG", progressive=True)
    last = data.rindex(b"\xff\xda")
    return data[:last] + data[last:-2] * (n - data.count(b"\xff\xda") + 1) + b"\xff\xd9"


def test_a_jpeg_of_too_many_scans_is_refused_before_decoding():
    assert images.decode_source(progressive_with_scans(images.MAX_JPEG_SCANS)).size == (64, 64)
    with pytest.raises(InputError, match=f"a JPEG of {images.MAX_JPEG_SCANS + 1} scans"):
        images.decode_source(progressive_with_scans(images.MAX_JPEG_SCANS + 1))
