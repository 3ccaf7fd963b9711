"""Image forensics, supporting only: JPEG quantization tables (estimated quality, encoder
family), signs of double JPEG compression, and error-level and noise-residual maps, with a
localized anomaly reported only when one region clearly stands out.
"""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
from PIL import Image

from ..domain.cases import Finding, Photo
from ..imaging import pixels
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData

NAME = "forensics"
VERSION = "2"  # boxes in the original's pixels for photos over 16 MP
TITLE = Text("图像取证（辅助）", "Image forensics (supporting)")
LIMITS = Text(
    "这些都是间接迹象：平台转码、截图、美颜和正常的后期处理都会留下类似痕迹；二次压缩很常见。"
    "只有当某个区域的噪声与其余部分明显不同时才报告，而且只作辅助证据。",
    "All indirect: platform transcoding, screenshots, beauty filters and ordinary editing leave "
    "similar traces, and double compression is common. A region is reported only when its noise "
    "clearly differs from the rest, and only as supporting evidence.",
)

WORK_SIDE = 1024
BLOCK = 16  # px, noise statistics per block (at the working size)
ANOMALY_Z = 6.0  # robust z-score of a block's noise level: "clearly stands out"
ANOMALY_AREA = (0.01, 0.15)  # the region's share of the photo
QUIET = 0.35  # the region's noise is below this share of the photo's typical noise
MIN_NOISE = 1.0  # grey levels of typical residual noise needed to judge at all
ELA_QUALITY = 90
DOUBLE_COEFFS = ((0, 1), (1, 0), (1, 1), (0, 2), (2, 0))  # low AC frequencies, most populated
DCT_BAND = 512  # rows of 8×8 blocks' pixels counted at a time
DOUBLE_SCORE = 4.0  # periodicity: single saves score about 2, a 60 -> 90 resave about 6

# The IJG (libjpeg) luminance table at quality 50, ITU-T T.81 Annex K.
IJG_LUMA = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
     14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
     18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.float64,
).reshape(8, 8)  # fmt: skip


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


def ijg_table(quality: int) -> np.ndarray:
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((IJG_LUMA * scale + 50) / 100), 1, 255)


def estimate_quality(table: np.ndarray) -> tuple[int, bool]:
    """(IJG quality that fits best, whether the table is exactly IJG's)."""
    errors = [(float(np.abs(ijg_table(q) - table).sum()), q) for q in range(1, 101)]
    error, quality = min(errors)
    return quality, error == 0


def _luma_table(im: Image.Image | None) -> np.ndarray | None:
    tables = getattr(im, "quantization", None) or {}
    if 0 not in tables:
        return None
    return np.array(tables[0], dtype=np.float64).reshape(8, 8)  # Pillow: natural order


def double_compression(grey: np.ndarray, table: np.ndarray) -> float:
    """Periodicity of quantized DCT histograms (0 = none). A JPEG saved twice with different
    tables leaves periodic gaps in the coefficient histograms (Popescu & Farid). Counted one
    band of block rows at a time, so a large photo never needs its DCT in memory at once."""
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    if h < 64 or w < 64:
        return 0.0
    n = np.arange(8)
    basis = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / 16).astype(np.float32)
    scale = np.full(8, np.sqrt(2 / 8), dtype=np.float32)
    scale[0] = np.sqrt(1 / 8)
    basis *= scale[:, None]
    hists = np.zeros((len(DOUBLE_COEFFS), 41), dtype=np.int64)
    for top in range(0, h, DCT_BAND):
        band = grey[top : min(h, top + DCT_BAND), :w].astype(np.float32) - 128
        blocks = band.reshape(band.shape[0] // 8, 8, w // 8, 8).swapaxes(1, 2)
        coeffs = basis @ blocks @ basis.T
        for i, (u, v) in enumerate(DOUBLE_COEFFS):
            k = np.abs(np.rint(coeffs[:, :, u, v] / table[u, v]).astype(np.int64).ravel())
            hists[i] += np.bincount(k[k <= 40], minlength=41)[:41]
    scores = []
    for counts in hists:
        hist = counts[1:41].astype(float)
        if hist.sum() < 500:
            continue
        # divide out the smooth (Laplacian) fall-off so only the periodic part remains
        trend = np.convolve(hist, np.ones(5) / 5, mode="same") + 1.0
        spectrum = np.abs(np.fft.rfft(hist / trend - 1.0))[2:]
        scores.append(float(spectrum.max() / (spectrum.mean() + 1e-9)))
    return round(float(np.median(scores)), 2) if scores else 0.0


def noise_map(grey: np.ndarray) -> np.ndarray:
    """Per-block standard deviation of the high-pass residual (image minus its median)."""
    residual = grey.astype(np.float32) - cv2.medianBlur(grey, 3).astype(np.float32)
    h, w = (grey.shape[0] // BLOCK) * BLOCK, (grey.shape[1] // BLOCK) * BLOCK
    blocks = residual[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK)
    return blocks.std(axis=(1, 3))


def anomaly(noise: np.ndarray, scale: float) -> dict[str, Any] | None:
    """One compact region with clearly less noise than the rest of the photo, else None.

    Only the quiet side is looked at: painted-in or generated patches carry little or no
    sensor noise, while a real surface, however plain, carries the camera's.
    """
    typical = float(np.median(noise))
    if typical < MIN_NOISE:  # a clean render or a heavily smoothed photo: nothing to compare
        return None
    level = np.log(noise + 0.5)
    median = float(np.median(level))
    mad = float(np.median(np.abs(level - median))) * 1.4826 + 1e-6
    z = (level - median) / mad
    mask = ((z < -ANOMALY_Z) & (noise < QUIET * typical)).astype(np.uint8)
    count, _, boxes, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    regions = sorted(boxes[1:count], key=lambda b: -b[4])
    x, y, w, h, area = regions[0]
    share = area / mask.size
    others = sum(b[4] for b in regions[1:]) / mask.size
    if not (ANOMALY_AREA[0] <= share <= ANOMALY_AREA[1]) or others > share / 2:
        return None
    s = BLOCK * scale
    return {
        "box": [round(x * s), round(y * s), round((x + w) * s), round((y + h) * s)],
        "share": round(float(share), 4),
        "min_z": round(float(z.min()), 1),
        "typical_noise": round(typical, 2),
    }


def ela(image: Image.Image) -> np.ndarray:
    """Error level: what changes when the picture is saved again as JPEG (amplified)."""
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=ELA_QUALITY)
    again = np.asarray(Image.open(buf).convert("RGB"), dtype=np.int16)
    diff = np.abs(np.asarray(image, dtype=np.int16) - again).max(axis=2)
    return np.clip(diff * 12, 0, 255).astype(np.uint8)


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    if photo.photo.role != "evidence":
        return []
    findings: list[Finding] = []
    small, scale = pixels.downscaled(photo.rgb, WORK_SIDE)
    scale *= photo.scale  # boxes in the original photo's pixels, however large it was
    grey = pixels.gray(small)
    table = _luma_table(photo.opened) if photo.photo.format == "JPEG" else None
    if table is not None:
        findings += _jpeg_findings(table, photo.luma)
    if min(grey.shape) < 2 * BLOCK:
        return findings  # too small a picture to map its noise
    noise = noise_map(grey)
    region = anomaly(noise, scale) if noise.size >= 64 else None
    figure = photo.add_figure(
        _figure(small, noise, region, scale),
        Text(
            "左：误差水平分析（ELA）；右：噪声残差（亮 = 噪声大）",
            "Left: error level analysis; right: noise residual (bright = noisier)",
        ),
    )
    if region is not None:
        findings.append(
            Finding(
                NAME,
                "noise_anomaly",
                "supporting",
                Text(
                    f"有一块区域（约占画面 {region['share']:.0%}）的噪声与其余部分明显不同，可能是后加或修补的内容"
                    "（也可能是虚化、美颜或画面本身造成的，请看图）。",
                    f"One region (about {region['share']:.0%} of the frame) has noise clearly "
                    "unlike the rest: possibly pasted or retouched content (or blur, a beauty "
                    "filter or the scene itself; see the figure).",
                ),
                {**region, "figure": figure},
            )
        )
    else:
        findings.append(
            Finding(
                NAME,
                "no_local_anomaly",
                "none",
                Text(
                    "误差水平和噪声图中没有明显突出的区域（不确定：精细的修图不一定留下痕迹）。",
                    "No region stands out in the error-level and noise maps (inconclusive: "
                    "careful retouching need not leave a trace).",
                ),
                {"figure": figure},
            )
        )
    return findings


def _jpeg_findings(table: np.ndarray, grey: np.ndarray) -> list[Finding]:
    quality, exact = estimate_quality(table)
    if exact:
        family = Text(
            f"标准 IJG 量化表，质量约 {quality}（手机 App、平台转码和多数软件使用）",
            f"standard IJG tables at quality about {quality} (phone apps, platform transcoders "
            "and most software)",
        )
    else:
        family = Text(
            f"非标准量化表，最接近 IJG 质量 {quality}（常见于相机固件或部分修图软件）",
            f"non-standard tables, closest to IJG quality {quality} (typical of camera firmware "
            "or some editors)",
        )
    score = double_compression(grey, table)
    double = score >= DOUBLE_SCORE
    data = {
        "luma_table": table.astype(int).tolist(),
        "estimated_quality": quality,
        "ijg_standard": exact,
        "double_compression_score": score,
        "double_compression": double,
    }
    text = Text(f"JPEG：{family.zh}。", f"JPEG: {family.en}.")
    if double:
        text = Text(
            text.zh
            + "有二次压缩的迹象：这张图至少被保存为 JPEG 两次（平台转码也会如此，不是相机原图）。",
            text.en + " Signs of double compression: saved as JPEG at least twice (platform "
            "transcoding does this too; not a camera original).",
        )
    return [Finding(NAME, "jpeg_encoding", "none", text, data)]


def _figure(
    small: Image.Image, noise: np.ndarray, region: dict[str, Any] | None, scale: float
) -> Image.Image:
    error = ela(small)
    nmap = cv2.resize(
        np.clip(noise / max(float(np.percentile(noise, 99)), 1e-3) * 255, 0, 255).astype(np.uint8),
        (small.width, small.height),
        interpolation=cv2.INTER_NEAREST,
    )
    panels = [
        cv2.applyColorMap(error, cv2.COLORMAP_INFERNO),
        cv2.applyColorMap(nmap, cv2.COLORMAP_VIRIDIS),
    ]
    if region is not None:
        x0, y0, x1, y1 = (round(v / scale) for v in region["box"])
        for p in panels:
            cv2.rectangle(p, (x0, y0), (x1, y1), (30, 0, 230), max(2, round(min(small.size) / 200)))
    gap = np.full((small.height, 8, 3), 255, np.uint8)
    return Image.fromarray(np.hstack([panels[0], gap, panels[1]])[:, :, ::-1])
