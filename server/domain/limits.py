"""What intake accepts: bytes per photo, photos per case, pixels, metadata block size."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024  # per photo
    max_photos: int = 60  # per case
    # decompression bombs: Pillow's own limit (Image.MAX_IMAGE_PIXELS, 89.5 MP), which it
    # enforces as it opens a file; one number, so the message names the limit that refused
    # (a test keeps them equal). A 108 MP phone photo is refused.
    max_pixels: int = 89_478_485
    max_metadata_block: int = 4 * 1024 * 1024  # larger metadata blocks are noted, not parsed
