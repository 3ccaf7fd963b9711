"""One photo's bytes parsed once and shared by every check: container blocks, XMP, EXIF and
the decoded image are computed on first use and then reused."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from PIL import Image

from ..domain.cases import Photo
from ..domain.limits import Limits
from ..formats import containers, xmp
from ..imaging import alignment, pixels
from ..text import Text


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

    def add_figure(self, image: Image.Image, caption: Text) -> dict[str, Any]:
        data = pixels.figure_bytes(image)
        figure = Figure(hashlib.sha256(data).hexdigest(), data, caption)
        self.figures.append(figure)
        return figure.ref()

    @cached_property
    def rgb(self) -> Image.Image:
        """8-bit RGB of the first frame as a viewer sees it (orientation applied)."""
        return pixels.viewable(self.image)

    @cached_property
    def image(self) -> Image.Image:
        """Decoded image (intake has already checked it decodes within the limits)."""
        im = Image.open(io.BytesIO(self.data))
        im.load()
        return im

    @cached_property
    def features(self) -> alignment.Features:
        """Keypoints for comparing photos; computed once however many photos it meets."""
        return alignment.features(self.rgb)

    @cached_property
    def walk(self) -> containers.Walk:
        needs_pillow = self.photo.format in ("TIFF", "HEIF", "AVIF")
        return containers.walk(
            self.data,
            self.photo.format,
            self.limits.max_metadata_block,
            self.image if needs_pillow else None,
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
