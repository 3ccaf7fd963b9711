"""Pixels for the checks that read the image itself: one 8-bit RGB view of the first frame
as the viewer sees it, downscaled copies, and figures (JPEG bytes) for findings and reports."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

# The first 8 rows of the 32-point DCT-II matrix: 2·cos(π·k·(2n+1)/64).
_DCT8 = 2 * np.cos(np.pi * np.arange(8)[:, None] * (2 * np.arange(32)[None, :] + 1) / 64)
FIGURE_EDGE = 1600  # px: enough for a report page, small enough to keep per finding


def viewable(im: Image.Image) -> Image.Image:
    """First frame, EXIF orientation applied, 16-bit and CMYK brought to 8-bit RGB."""
    im.seek(0)
    return eight_bit(ImageOps.exif_transpose(im)).convert("RGB")


def eight_bit(frame: Image.Image) -> Image.Image:
    """16-bit and floating-point grey as 8-bit grey (the modes Pillow cannot reduce or
    resize); every other mode as it is. The EXIF stays with it (orientation)."""
    if frame.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        out = Image.fromarray((np.asarray(frame) >> 8).astype(np.uint8))
    elif frame.mode == "F":
        out = Image.fromarray(np.clip(np.asarray(frame), 0, 255).astype(np.uint8))
    else:
        return frame
    out.info = frame.info.copy()
    return out


def phash(im: Image.Image) -> str:
    """64-bit DCT perceptual hash of the picture as shown; survives resizing and
    recompression (a crop or heavy edit moves it)."""
    im.seek(0)
    scale = max(im.size) / 256
    size = (max(1, round(im.width / scale)), max(1, round(im.height / scale)))
    # resize makes a small new image (with the EXIF kept for the orientation), never a full copy
    small = im
    if scale > 1:
        try:
            small = im.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        except ValueError:  # 16-bit grey, which Pillow cannot reduce: 8-bit first
            small = eight_bit(im).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    grey = viewable(small).convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    # The DCT-II of rows then columns (unnormalised, as the usual pHash defines it), kept to
    # the lowest 8×8 frequencies; each bit says whether a coefficient is above their median.
    coeffs = _DCT8 @ np.asarray(grey, dtype=np.float64) @ _DCT8.T
    bits = coeffs > np.median(coeffs)
    return f"{int(''.join('1' if b else '0' for b in bits.flatten()), 2):016x}"


def downscaled(im: Image.Image, max_side: int) -> tuple[Image.Image, float]:
    """A copy no larger than max_side, and the factor from its coordinates to the original's."""
    scale = max(im.size) / max_side
    if scale <= 1:
        return im, 1.0
    size = (max(1, round(im.width / scale)), max(1, round(im.height / scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0), scale


def bgr(im: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(im.convert("RGB"))[:, :, ::-1])


def gray(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("L"))


def figure_bytes(im: Image.Image, edge: int = FIGURE_EDGE) -> bytes:
    im = im.convert("RGB")
    im.thumbnail((edge, edge))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()
