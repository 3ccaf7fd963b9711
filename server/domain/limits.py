"""What intake accepts: bytes per photo, photos per case, pixels, metadata block size."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024  # per photo
    max_photos: int = 60  # per case
    max_pixels: int = 150_000_000  # decompression bombs; a 200 MP phone photo is refused
    max_metadata_block: int = 4 * 1024 * 1024  # larger metadata blocks are noted, not parsed
