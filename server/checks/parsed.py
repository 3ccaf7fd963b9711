"""One photo's bytes parsed once and shared by every check: container blocks, XMP, EXIF and
the decoded image are computed on first use and then reused."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from math import ceil, sqrt
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from ..domain.cases import Photo
from ..domain.limits import Limits
from ..formats import containers, repair, xmp
from ..imaging import alignment, pixels
from ..text import Text

# The pixel checks work on at most this many pixels: a 48 MP phone photo decodes at 1/4 scale,
# keeping one verification's memory within budget (noise, OCR and alignment gain nothing more).
WORK_PIXELS = 16_000_000
T = TypeVar("T")


class PixelsUnavailable(Exception):
    """The photo's pixels do not decode; the checks that need them cannot run."""


@dataclass
class XmpPacket:
    block: containers.Block
    packet: xmp.Packet


@dataclass
class ExifData:
    block: containers.Block
    exif: Image.Exif


@dataclass(frozen=True)
class Figure:
    """An image a check made to show its finding (boxes drawn, a heat map, …)."""

    sha256: str
    data: bytes
    caption: Text

    def ref(self) -> dict[str, Any]:
        """What a finding's data carries: the figure's hash, kept in the figures folder."""
        return {
            "sha256": self.sha256,
            "mime": "image/jpeg",
            "caption": {"zh-CN": self.caption.zh, "en": self.caption.en},
        }


class PhotoData:
    def __init__(self, data: bytes, photo: Photo, limits: Limits) -> None:
        self.data = data
        self.photo = photo
        self.limits = limits
        self.figures: list[Figure] = []  # made by this run's checks; the caller stores them
        # what had to be mended before the pixels decoded (server/formats/repair.py)
        self.mended: tuple[str, ...] = tuple(photo.pixels_repairs)

    def add_figure(self, image: Image.Image, caption: Text) -> dict[str, Any]:
        data = pixels.figure_bytes(image)
        figure = Figure(hashlib.sha256(data).hexdigest(), data, caption)
        self.figures.append(figure)
        return figure.ref()

    @cached_property
    def opened(self) -> Image.Image | None:
        """The file opened, nothing decoded (size, JPEG tables, TIFF tags); None when Pillow
        cannot open it (a HEIC holding only metadata)."""
        try:
            return Image.open(io.BytesIO(self.data))
        except Exception:
            return None

    @cached_property
    def stored(self) -> Image.Image:
        """The first frame as stored (before EXIF orientation), at most WORK_PIXELS: a larger
        JPEG decodes straight at 1/2 or 1/4 scale; other formats are reduced right after
        decoding, so one full-size copy exists only for a moment. Raises PixelsUnavailable
        when the pixels do not decode."""
        return self._tolerantly(_decode_within)

    def _tolerantly(self, decode: Callable[[bytes], T]) -> T:
        """decode(the file), else decode(a mended copy) as viewers would show it (noted in
        `mended`); PixelsUnavailable when neither decodes."""
        if self.photo.pixels_error:
            raise PixelsUnavailable(self.photo.pixels_error)
        try:
            out, repairs = repair.tolerantly(self.data, self.photo.format, decode)
        except MemoryError:
            raise
        except Exception as e:
            raise PixelsUnavailable(f"{type(e).__name__}: {e}"[:300]) from e
        self.mended = self.mended or repairs
        return out

    @cached_property
    def rgb(self) -> Image.Image:
        """8-bit RGB of the first frame as a viewer sees it (orientation applied), at most
        WORK_PIXELS: what the pixel checks look at."""
        return pixels.viewable(self.stored)

    @property
    def scale(self) -> float:
        """From `stored`'s pixels to the original's (1.0 unless the photo was reduced)."""
        return self.photo.width / self.stored.width if self.photo.width else 1.0

    @cached_property
    def luma(self) -> np.ndarray:
        """A JPEG's full-size luma in stored orientation, for analyses of its 8×8 grid (one
        byte per pixel: 89 MB at the pixel limit)."""
        return self._tolerantly(_luma)

    @cached_property
    def features(self) -> alignment.Features:
        """Keypoints for comparing photos; computed once however many photos it meets."""
        return alignment.features(self.rgb)

    def pictures(self) -> list[tuple[str, Callable[[], alignment.Features]]]:
        """(pHash, its keypoints when asked) of each picture the file shows: a photo's one
        picture; a video's middle frame and keyframes (video_parsed.py)."""
        return [(self.photo.phash, lambda: self.features)]

    @cached_property
    def walk(self) -> containers.Walk:
        needs_pillow = self.photo.format in ("TIFF", "HEIF", "AVIF")
        return containers.walk(
            self.data,
            self.photo.format,
            self.limits.max_metadata_block,
            self.opened if needs_pillow else None,
        )

    @property
    def blocks(self) -> list[containers.Block]:
        return self.walk.blocks

    @cached_property
    def xmp(self) -> list[XmpPacket]:
        return [XmpPacket(b, xmp.parse(b.text())) for b in self.blocks if b.kind == "xmp"]

    @cached_property
    def exif(self) -> list[ExifData]:
        out = []
        for b in self.blocks:
            if b.kind != "exif" or not b.payload:
                continue
            ex = Image.Exif()
            try:
                ex.load(b.payload)
            except Exception:
                continue
            out.append(ExifData(b, ex))
        return out

    def texts(self) -> list[containers.Block]:
        return [b for b in self.blocks if b.kind in ("text", "comment")]


def _luma(data: bytes) -> np.ndarray:
    im = Image.open(io.BytesIO(data))
    im.draft("L", im.size)  # libjpeg decodes only the luma plane
    return np.asarray(im.convert("L"))


def _decode_within(data: bytes) -> Image.Image:
    """The first frame, reduced to at most WORK_PIXELS (see PhotoData.stored)."""
    opened = Image.open(io.BytesIO(data))
    opened.seek(0)
    factor = _reduction(opened.size)
    if factor > 1:  # JPEG: libjpeg scales by 1/2, 1/4 or 1/8 as it decodes
        opened.draft(None, (ceil(opened.width / factor), ceil(opened.height / factor)))
    opened.load()
    im: Image.Image = opened
    factor = _reduction(im.size)
    if factor > 1:
        im = pixels.eight_bit(im)  # reduce() knows only the 8-bit modes
        if im.mode not in ("RGB", "RGBA", "L", "LA"):
            im = im.convert("RGB")  # CMYK, palette
        im = im.reduce(factor)  # keeps info: the EXIF orientation still applies
    return im


def _reduction(size: tuple[int, int]) -> int:
    """The whole-number factor that brings a picture within WORK_PIXELS."""
    return ceil(sqrt(size[0] * size[1] / WORK_PIXELS))
