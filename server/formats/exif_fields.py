"""Reading the EXIF fields the checks need, from Pillow's Exif objects."""

from __future__ import annotations

from PIL import ExifTags, Image

IFD_EXIF = ExifTags.IFD.Exif
IFD_GPS = ExifTags.IFD.GPSInfo
T = ExifTags.Base
_CHARSETS = {
    b"ASCII\x00\x00\x00": "ascii",
    b"UNICODE\x00": "utf-16",
    b"JIS\x00\x00\x00\x00\x00": "shift_jis",
}


def tag(exif: Image.Exif, tag_id: int) -> object | None:
    """A tag from IFD0 or, failing that, the Exif sub-IFD."""
    if tag_id in exif:
        return exif[tag_id]
    return exif.get_ifd(IFD_EXIF).get(tag_id)


def text(exif: Image.Exif, tag_id: int) -> str | None:
    value = tag(exif, tag_id)
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value).strip("\x00 ") or None


def user_comment(exif: Image.Exif) -> str | None:
    """UserComment (0x9286): an 8-byte charset prefix, then the text."""
    raw = exif.get_ifd(IFD_EXIF).get(T.UserComment)
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw.strip("\x00 ") or None
    prefix, body = raw[:8], raw[8:]
    charset = _CHARSETS.get(prefix)
    if charset == "utf-16":
        # The byte order is the TIFF file's; try both and keep the one that reads as text.
        candidates = [body.decode(enc, errors="replace") for enc in ("utf-16-be", "utf-16-le")]
        decoded = max(candidates, key=lambda s: sum(c.isascii() and c.isprintable() for c in s))
    else:
        decoded = (body if charset else raw).decode(charset or "utf-8", errors="replace")
    return decoded.strip("\x00 ") or None
