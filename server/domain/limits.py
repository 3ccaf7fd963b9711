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
    # Memory a decoder may take for one picture. Pillow's WebP decoder holds four canvases
    # (16 bytes a pixel): a 6000×6000 WebP needs 576 MB. A file over this is kept as evidence
    # with its metadata checked; its pixels are not decoded.
    max_decode_bytes: int = 400 * 1024 * 1024
    # Videos (MP4/MOV). A phone's 1-minute 1080p clip is 100-130 MB at camera bit rates, but
    # what buyers upload to a platform is compressed by the app first (Taobao and Douyin keep
    # refund videos well under 60 MB); a camera original above this cap is refused with the
    # advice to send the platform's copy.
    max_video_bytes: int = 60 * 1024 * 1024
    max_video_seconds: float = 10 * 60
    max_video_pixels: int = 8192 * 4320  # 8K; a frame beyond is an attack, not a phone

    @property
    def max_upload(self) -> int:
        """The most bytes one uploaded file may have, photo or video."""
        return max(self.max_bytes, self.max_video_bytes)

    def decode_bytes(self, fmt: str, width: int, height: int) -> int:
        return width * height * DECODE_BYTES_PER_PIXEL.get(fmt, 4)


# Peak bytes per pixel while decoding; 4 (RGBA) for all but WebP (measured with Pillow 12).
DECODE_BYTES_PER_PIXEL = {"WEBP": 16}
# How a Photo's pixels_error begins when the pixels were not decoded because of the above.
DECODE_BUDGET = "decode budget"
