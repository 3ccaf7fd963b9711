"""Helpers for the pixel-check tests."""

from __future__ import annotations

from PIL import Image

from server.checks.parsed import PhotoData
from server.demo import samples
from server.domain.cases import Source
from server.domain.limits import Limits
from server.intake import receive


def jpeg(im: Image.Image, quality: int = 90) -> bytes:
    return samples.jpeg(im.convert("RGB"), quality=quality)


def parsed(data: bytes, role: str = "evidence", name: str = "x.jpg") -> PhotoData:
    limits = Limits()
    return PhotoData(data, receive(data, role, Source(file_name=name), limits), limits)


def iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0
