"""Faint text brought up for the OCR: a white mark on a bright background (豆包's white
「豆包AI生成」 on pale stone) or a dark one on a dark background differs from its surroundings
by a few grey levels, too little for the OCR's detector. A morphological top-hat keeps what
is brighter (or darker) than its neighbourhood at the size of a stroke and drops the
background; stretched and inverted, it is dark text on white. A cheap test first tells
whether a corner holds a row of glyph-sized shapes at all, so most photos pay nothing."""

from __future__ import annotations

import cv2
import numpy as np

BRIGHT = 185  # mean grey of a corner above which a light mark may be lost in it
DARK = 65  # … below which a dark mark may be
STROKE_WINDOW = (
    0.035  # of the photo's short side: wider than a mark's strokes, narrower than its background
)
INK = 4.0  # grey levels a stroke stands out by, after a light blur, to count
GLYPH = (0.012, 0.12)  # a glyph's height, as a fraction of the photo's short side
ROW = 4  # glyph-sized shapes side by side that make a line of text
GAP = 1.6  # … each within this many heights of the last, centre to centre


def polarity(grey: np.ndarray) -> str | None:
    """ "light" for a bright corner (a light mark may hide there), "dark" for a dark one,
    None where the OCR's own pass already sees the contrast."""
    mean = float(grey.mean())
    return "light" if mean > BRIGHT else "dark" if mean < DARK else None


def stand_out(
    grey: np.ndarray, light: bool, short_side: int, window: float = STROKE_WINDOW
) -> np.ndarray:
    """How far each pixel stands out from its neighbourhood (`window` of the photo's short
    side) toward the mark's polarity, in grey levels (float)."""
    smooth = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 1.0)
    k = max(5, round(short_side * window)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    op = cv2.MORPH_TOPHAT if light else cv2.MORPH_BLACKHAT
    return cv2.morphologyEx(smooth, op, kernel)


def has_text_row(hat: np.ndarray, short_side: int) -> bool:
    """A chain of at least ROW glyph-sized shapes of one height, level and close together:
    text, not the speckle of a texture (too small) or objects scattered about (too far)."""
    ink = (hat > max(INK, float(np.percentile(hat, 90)))).astype(np.uint8)
    count, _, stats, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    low, high = GLYPH[0] * short_side, GLYPH[1] * short_side
    shapes = sorted(
        (float(centres[i][0]), float(centres[i][1]), int(stats[i][cv2.CC_STAT_HEIGHT]))
        for i in range(1, count)
        if low <= stats[i][cv2.CC_STAT_HEIGHT] <= high
        and stats[i][cv2.CC_STAT_WIDTH] <= 3 * stats[i][cv2.CC_STAT_HEIGHT]
    )
    for i, (x, y, h) in enumerate(shapes):
        chain, last = 1, x
        for x2, y2, h2 in shapes[i + 1 :]:
            if x2 - last > GAP * h:
                break
            if abs(y2 - y) <= h / 2 and 0.6 * h <= h2 <= 1.6 * h:
                chain, last = chain + 1, x2
        if chain >= ROW:
            return True
    return False


def for_ocr(hat: np.ndarray) -> np.ndarray:
    """The stand-out map stretched to the full range and inverted: dark text on white."""
    top = float(np.percentile(hat, 99.5)) or 1.0
    return (255 - np.clip(hat * (255.0 / top), 0, 255)).astype(np.uint8)
