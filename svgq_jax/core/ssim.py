"""SSIM exactly as DESIGN.md defines it (Wang et al. 2004).

11-tap Gaussian window (sigma 1.5, truncated at 3.5 sigma), K1 = 0.01, K2 = 0.03,
data range 255, population covariances, computed per RGB channel over the valid
region (5 pixels cropped from each border) and averaged. This equals
`skimage.metrics.structural_similarity(a, b, channel_axis=2, data_range=255,
gaussian_weights=True, sigma=1.5, use_sample_covariance=False)`.

The reference image's local statistics are computed once (`Reference`) because
every label of an image compares against the same reference. The separable
Gaussian runs through OpenCV's `sepFilter2D`, five times faster than scipy.ndimage
here, one channel plane at a time with the algebra in place (2.6x faster than
stacking the channels: 25 ms against 64 ms at 941x1024, the same value). It runs
in float32 on values centred at 128 (variances and covariances do not move; the
means are shifted back): 2.8x faster than float64, at most 5.8e-5 from it over 420
real label pairs and within 1e-4 of scikit-image (tests/unit/core/test_ssim.py).
Without the centring, float32 cancellation in E[x²] - mu² reached 1.6e-4.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SIGMA = 1.5
TRUNCATE = 3.5
RADIUS = int(TRUNCATE * SIGMA + 0.5)  # 5 -> an 11-tap window, as scikit-image
DATA_RANGE = 255.0
C1 = (0.01 * DATA_RANGE) ** 2
C2 = (0.03 * DATA_RANGE) ** 2
CENTRE = 128.0


def _window() -> np.ndarray:
    x = np.arange(-RADIUS, RADIUS + 1, dtype=np.float64)
    w = np.exp(-0.5 * (x / SIGMA) ** 2)
    return (w / w.sum()).astype(np.float32)


_WINDOW = _window()


def _blur(plane: np.ndarray) -> np.ndarray:
    """Separable Gaussian of one [H, W] plane, cropped to the valid region [h, w] (the border mode never matters:
    the crop keeps only pixels whose window lies inside). One plane at a time: filtering interleaved channels
    cost a copy into the stacked array and ran slower (SSIM 64 ms against 23 ms at 941x1024)."""
    out = cv2.sepFilter2D(plane, cv2.CV_32F, _WINDOW, _WINDOW, borderType=cv2.BORDER_REFLECT)
    return out[RADIUS:-RADIUS, RADIUS:-RADIUS]


@dataclass(frozen=True)
class Reference:
    """Local statistics of the reference image, per channel, reused for every candidate: the centred plane, its
    local mean, the square of the true mean, and the variance."""

    shape: tuple[int, int, int]
    x: tuple  # [H, W] centred planes
    mu_x: tuple  # [h, w] centred local means
    mx2: tuple
    var_x: tuple

    @classmethod
    def of(cls, img: np.ndarray) -> Reference:
        planes = _planes(img)
        mu = tuple(_blur(x) for x in planes)
        mx2 = tuple((m + CENTRE) ** 2 for m in mu)
        var = tuple(_blur(x * x) - m * m for x, m in zip(planes, mu))
        return cls(np.shape(img), planes, mu, mx2, var)


def _planes(img: np.ndarray) -> tuple:
    a = np.asarray(img)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"expected an RGB image [H, W, 3], got shape {a.shape}")
    if min(a.shape[:2]) < 2 * RADIUS + 1:
        raise ValueError(f"image {a.shape[:2]} is smaller than the {2 * RADIUS + 1}-pixel window")
    centred = a.astype(np.float32) - CENTRE
    return tuple(np.ascontiguousarray(centred[..., c]) for c in range(3))


def ssim_to(ref: Reference, img: np.ndarray) -> float:
    """SSIM between the reference and an image of the same shape."""
    if np.shape(img) != ref.shape:
        raise ValueError(f"shape mismatch: {ref.shape} vs {np.shape(img)}")
    total = 0.0
    for x, mu_x, mx2, var_x, y in zip(ref.x, ref.mu_x, ref.mx2, ref.var_x, _planes(img)):
        mu_y = _blur(y)
        var_y = _blur(y * y)
        var_y -= mu_y * mu_y
        cov = _blur(x * y)
        cov -= mu_x * mu_y
        my = mu_y + CENTRE  # the luminance term needs the true means
        # (2 mx my + C1)(2 cov + C2) / ((mx^2 + my^2 + C1)(var_x + var_y + C2)) in place, summed in the order that
        # makes identical images exactly 1
        num = (mu_x + CENTRE) * my
        num *= 2
        num += C1
        cov *= 2
        cov += C2
        num *= cov
        my *= my
        my += mx2
        my += C1
        var_y += var_x
        var_y += C2
        my *= var_y
        num /= my
        total += num.mean(dtype=np.float64)  # per channel in float64, then over channels (scikit-image's order)
    return float(total / 3)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM between two RGB uint8 images of the same shape."""
    return ssim_to(Reference.of(a), b)
