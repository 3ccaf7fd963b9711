"""Gemini's visible mark is an icon, not text: a four-pointed sparkle with concave sides,
light, in the bottom-right corner. The OCR cannot read it, so its shape is compared with
one drawn here (the curve |x|^p + |y|^p = 1 with p < 1: four points, sides curving in; no
artwork of Google's is used). A circle, a square, a diamond or a lens's thin starburst spike
fits its own shape better than this one, and is not taken for it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

SIDE = 64  # px: shapes are compared at this size
SPARKLE_P = 0.6  # the sparkle's exponent: four points with sides curving in
OTHER_SHAPES = {"circle": 2.0, "diamond": 1.0, "square": 8.0, "starburst": 0.3}
FIT = 0.85  # correlation with the sparkle, at least (a thin lens starburst reaches ~0.77)
MARGIN = 0.08  # … and better than any other shape by this much
SIZE = (0.015, 0.12)  # of the photo's short side: the icon's width
WINDOW = 0.16  # of the short side: the background around the icon, for local_contrast
MIN_LIFT = 12.0  # grey levels the icon stands above its background, at least
PAD = 0.15  # of a blob's size, kept around it: its soft edges are part of its shape


@dataclass(frozen=True)
class Sparkle:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the map's pixels
    fit: float  # correlation with the drawn sparkle
    runner_up: float  # … with the best-fitting other shape


@cache
def template(p: float) -> np.ndarray:
    """|x|^p + |y|^p <= 1 drawn SIDE×SIDE inside a PAD border, softened like a photographed
    edge, zero-mean and unit-norm for correlation."""
    axis = np.linspace(-1 - 2 * PAD, 1 + 2 * PAD, SIDE)
    x, y = np.meshgrid(axis, axis)
    shape = (np.abs(x) ** p + np.abs(y) ** p <= 1).astype(np.float32)
    return _unit(cv2.GaussianBlur(shape, (0, 0), SIDE / 48))


def _unit(a: np.ndarray) -> np.ndarray:
    a = a - a.mean()
    norm = float(np.linalg.norm(a))
    return a / norm if norm else a


def find(hat: np.ndarray, short_side: int) -> Sparkle | None:
    """The best sparkle-shaped light blob in a corner's stand-out map (local_contrast, with a
    window wider than the icon), or None. `short_side` is the photo's, in the map's pixels."""
    ink = (hat > max(MIN_LIFT, 0.25 * float(np.percentile(hat, 99.9)))).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    low, high = SIZE[0] * short_side, SIZE[1] * short_side
    best: Sparkle | None = None
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if not (low <= w <= high and 0.8 <= w / max(h, 1) <= 1.25):
            continue
        pad = round(max(w, h) * PAD)
        patch = hat[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]
        shape = _unit(
            cv2.resize(patch.astype(np.float32), (SIDE, SIDE), interpolation=cv2.INTER_AREA)
        )
        fit = float((shape * template(SPARKLE_P)).sum())
        runner_up = max(float((shape * template(p)).sum()) for p in OTHER_SHAPES.values())
        if fit >= FIT and fit - runner_up >= MARGIN and (best is None or fit > best.fit):
            best = Sparkle((x, y, x + w, y + h), round(fit, 3), round(runner_up, 3))
    return best
