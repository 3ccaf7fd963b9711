"""A copy of a JPEG or PNG that a strict decoder accepts, with the same pixels a tolerant one
(every browser, every photo viewer) shows.

Why: Pillow refuses a JPEG that lacks its final end marker and a PNG whose text chunk inflates
past its limit, although both show normally everywhere else. Two bytes cut from a buyer's
photo must not switch the pixel checks off. Only what carries no pixels is touched: the end
marker is added, and a PNG keeps its header, palette, transparency, EXIF and image data but
loses its text chunks and everything after the image data (text, APNG frames). A file whose
image data itself is missing still does not decode: that is a finding of its own.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TypeVar

from .containers import PNG_SIG

T = TypeVar("T")

JPEG_EOI = b"\xff\xd9"

# Why a copy was decoded instead of the file: codes kept with the photo, named in its finding.
JPEG_END_ADDED = "jpeg_end_marker_added"
PNG_TEXT_DROPPED = "png_text_chunks_dropped"
PNG_TAIL_DROPPED = "png_after_image_data_dropped"
PNG_END_ADDED = "png_end_chunk_added"

_PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt"}


def decodable(data: bytes, fmt: str) -> tuple[bytes, tuple[str, ...]]:
    """The repaired copy and what was repaired; the bytes unchanged and () when nothing
    applies (another format, or nothing to repair)."""
    if fmt in ("JPEG", "MPO") and data.startswith(b"\xff\xd8"):
        if data.rstrip(b"\x00").endswith(JPEG_EOI):
            return data, ()
        return data + JPEG_EOI, (JPEG_END_ADDED,)
    if fmt == "PNG" and data.startswith(PNG_SIG):
        return _png(data)
    return data, ()


def tolerantly(data: bytes, fmt: str, decode: Callable[[bytes], T]) -> tuple[T, tuple[str, ...]]:
    """decode(the file), else decode(its mended copy), with what was mended; when neither
    decodes, the file's own error is raised."""
    try:
        return decode(data), ()
    except MemoryError:
        raise
    except Exception:
        mended, repairs = decodable(data, fmt)
        if not repairs:
            raise
        try:
            return decode(mended), repairs
        except MemoryError:
            raise
        except Exception:
            pass
        raise


def _png(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The chunks up to the end of the first run of IDAT, less text chunks, then IEND. One
    pass over the chunk headers; bodies are copied, never inflated."""
    out = [PNG_SIG]
    repairs: list[str] = []
    pos, seen_idat = len(PNG_SIG), False
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if ctype == b"IEND":
            break
        if seen_idat and ctype != b"IDAT":
            repairs.append(PNG_TAIL_DROPPED)
            break
        if ctype in _PNG_TEXT:
            if PNG_TEXT_DROPPED not in repairs:
                repairs.append(PNG_TEXT_DROPPED)
        else:
            out.append(data[pos:end])  # a cut last chunk stays cut: the decoder says so
        seen_idat = seen_idat or ctype == b"IDAT"
        pos = end
    else:
        repairs.append(PNG_END_ADDED)
    if not repairs:
        return data, ()
    out.append(b"\x00\x00\x00\x00IEND\xaeB`\x82")
    return b"".join(out), tuple(repairs)
