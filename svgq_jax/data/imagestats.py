"""Cheap image statistics that describe how hard a logo is to trace.

ResNet-50 features (especially from the random fallback backbone) say little
about what VTracer cares about: how many colours survive each colour
precision, how much of the image is anti-aliased edge or gradient, how many
small speckles there are, how busy the edges are. These statistics measure that
directly, in a few milliseconds per image. All are scaled to roughly [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

STATS_VERSION = 1
NAMES: tuple[str, ...] = (
    *(f"log_colours_p{p}" for p in range(1, 9)),  # distinct colours at each color_precision
    "ink_coverage",  # share of pixels that are not near-white
    "edge_density",  # share of pixels on a strong edge
    "gradient_energy",  # mean gradient magnitude
    "luma_std",  # global contrast
    "minor_colour_share",  # pixels outside the 8 dominant colours (anti-aliasing, gradients)
    "smooth_share",  # pixels with a small but non-zero local gradient (shading)
    *(f"speckles_lt{a}" for a in (4, 16, 64, 256)),  # share of colour regions smaller than a pixels
    "log_regions",  # number of colour regions
    "mean_saturation",
)
N_STATS = len(NAMES)


def _regions(quant: np.ndarray) -> np.ndarray:
    """Areas of 4-connected regions of equal quantised colour."""
    codes = (quant[..., 0].astype(np.int32) << 16) | (quant[..., 1].astype(np.int32) << 8) | quant[..., 2]
    areas = []
    for c in np.unique(codes):
        n, _, st, _ = cv2.connectedComponentsWithStats((codes == c).astype(np.uint8), connectivity=4)
        areas.append(st[1:, cv2.CC_STAT_AREA])
    return np.concatenate(areas) if areas else np.zeros(0)


def image_stats(img: np.ndarray) -> np.ndarray:
    """uint8 [256, 256, 3] canonical image -> float32 [N_STATS]."""
    a = np.asarray(img, dtype=np.uint8)
    n_px = a.shape[0] * a.shape[1]
    out = []
    flat = a.reshape(-1, 3).astype(np.int32)
    for p in range(1, 9):
        q = flat >> (8 - p)
        codes = (q[:, 0] << 16) | (q[:, 1] << 8) | q[:, 2]
        out.append(np.log1p(len(np.unique(codes))) / np.log1p(n_px))
    grey = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32)
    out.append(float((flat.min(axis=1) < 235).mean()))
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx * gx + gy * gy) / (4 * 255)
    out.append(float((mag > 0.1).mean()))
    out.append(float(mag.mean() * 10))
    out.append(float(grey.std() / 128))
    codes = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    _, counts = np.unique(codes, return_counts=True)
    out.append(float(1 - np.sort(counts)[-8:].sum() / n_px))
    out.append(float(((mag > 0.002) & (mag < 0.05)).mean()))
    areas = _regions(a >> 3)  # 5-bit colour: merges anti-aliasing noise into regions
    n_regions = max(len(areas), 1)
    for lim in (4, 16, 64, 256):
        out.append(float((areas < lim).sum() / n_regions))
    out.append(float(np.log1p(len(areas)) / np.log1p(n_px)))
    hsv = cv2.cvtColor(a, cv2.COLOR_RGB2HSV)
    out.append(float(hsv[..., 1].mean() / 255))
    return np.asarray(out, dtype=np.float32)
