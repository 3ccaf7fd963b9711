"""Walks an image file's structure and lists its metadata blocks with their byte offsets.

Hand-written because findings must name where a label sits (offset, chunk, segment), which
Pillow does not tell, and because labels hide in places Pillow skips (text chunks after IDAT,
non-standard APP segments). Every block is bounded by `max_block`: a 50 MB text chunk is
noted as oversized, not read into memory.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

from PIL import Image

XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_JPEG_EXT = b"http://ns.adobe.com/xmp/extension/\x00"
PNG_SIG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Block:
    kind: str  # xmp | exif | text | app | comment | icc | c2pa
    where: str  # human-readable placement: "PNG iTXt 'XML:com.adobe.xmp'", "JPEG APP1 Exif"
    offset: int | None  # byte offset of the block in the file, when the walker knows it
    length: int
    payload: bytes = b""
    key: str = ""  # PNG text keyword, APP segment identifier
    oversized: bool = False

    def text(self) -> str:
        return self.payload.decode("utf-8", errors="replace")

    def describe(self) -> dict[str, Any]:
        return {"where": self.where, "offset": self.offset, "length": self.length}


class Walk:
    def __init__(self, data: bytes, max_block: int) -> None:
        self.data = data
        self.max_block = max_block
        self.blocks: list[Block] = []
        self.structure: list[str] = []  # chunk / segment names in file order (what survived)

    def add(self, kind: str, where: str, offset: int, payload: bytes, key: str = "") -> None:
        self.blocks.append(Block(kind, where, offset, len(payload), payload, key))

    def add_oversized(self, kind: str, where: str, offset: int, length: int, key: str = "") -> None:
        self.blocks.append(Block(kind, where, offset, length, b"", key, oversized=True))


def _inflate(data: bytes, limit: int) -> bytes | None:
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit)
    except zlib.error:
        return None
    return None if d.unconsumed_tail else out


def _png(w: Walk) -> None:
    data, pos = w.data, 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        name = ctype.decode("latin-1")
        w.structure.append(name)
        body_at = pos + 8
        body = data[body_at : body_at + min(length, w.max_block)]
        if name in ("tEXt", "zTXt", "iTXt"):
            key = body.split(b"\x00", 1)[0].decode("latin-1")
            where = f"PNG {name} '{key}'"
            if length > w.max_block:
                w.add_oversized("text", where, pos, length, key)
            else:
                text = _png_text(name, body, w.max_block)
                if text is not None:
                    kind = "xmp" if key == "XML:com.adobe.xmp" else "text"
                    w.add(kind, where, pos, text, key)
        elif name == "eXIf":
            w.add("exif", "PNG eXIf", pos, body)
        elif name == "caBX":
            w.add("c2pa", "PNG caBX (C2PA)", pos, b"")
        elif name == "iCCP":
            w.add("icc", "PNG iCCP", pos, b"")
        if name == "IEND":
            break
        pos = body_at + length + 4


def _png_text(name: str, body: bytes, limit: int) -> bytes | None:
    _, _, rest = body.partition(b"\x00")
    if name == "tEXt":
        return rest
    if name == "zTXt":
        return _inflate(rest[1:], limit)
    # iTXt: compression flag, method, language\0, translated keyword\0, text
    if len(rest) < 2:
        return None
    flag, tail = rest[0], rest[2:]
    parts = tail.split(b"\x00", 2)
    if len(parts) < 3:
        return None
    return _inflate(parts[2], limit) if flag else parts[2]


def _jpeg(w: Walk) -> None:
    data, pos = w.data, 2
    extended: list[bytes] = []
    ext_at = None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        body = data[pos + 4 : pos + 2 + length]
        name = _jpeg_marker_name(marker)
        w.structure.append(name)
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            w.add("exif", "JPEG APP1 Exif", pos, body[6:])
        elif marker == 0xE1 and body.startswith(XMP_JPEG):
            w.add("xmp", "JPEG APP1 XMP", pos, body[len(XMP_JPEG) :])
        elif marker == 0xE1 and body.startswith(XMP_JPEG_EXT):
            ext_at = pos if ext_at is None else ext_at
            extended.append(body[len(XMP_JPEG_EXT) + 32 + 8 :])  # GUID, full length, offset
        elif marker == 0xE2 and body.startswith(b"ICC_PROFILE"):
            w.add("icc", "JPEG APP2 ICC", pos, b"")
        elif marker == 0xEB and b"jumb" in body[:64]:
            w.add("c2pa", "JPEG APP11 JUMBF (C2PA)", pos, b"")
        elif marker == 0xFE:
            w.add("comment", "JPEG COM", pos, body)
        elif 0xE0 <= marker <= 0xEF:
            ident = body[:24].split(b"\x00", 1)[0].decode("latin-1", errors="replace")
            w.add("app", f"JPEG {name} '{ident}'", pos, body, ident)
        if marker == 0xDA:  # start of scan: metadata segments come before it
            break
        pos += 2 + length
    if extended:
        w.add("xmp", "JPEG APP1 extended XMP", ext_at or 0, b"".join(extended))


def _jpeg_marker_name(marker: int) -> str:
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    return {0xDB: "DQT", 0xC4: "DHT", 0xDA: "SOS", 0xFE: "COM", 0xDD: "DRI"}.get(
        marker, f"SOF{marker - 0xC0}" if 0xC0 <= marker <= 0xCF else f"FF{marker:02X}"
    )


def _webp(w: Walk) -> None:
    data, pos = w.data, 12
    while pos + 8 <= len(data):
        fourcc = data[pos : pos + 4].decode("latin-1")
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        body = data[pos + 8 : pos + 8 + min(size, w.max_block)]
        w.structure.append(fourcc.strip())
        if fourcc == "XMP ":
            w.add("xmp", "WebP XMP chunk", pos, body)
        elif fourcc == "EXIF":
            w.add("exif", "WebP EXIF chunk", pos, body.removeprefix(b"Exif\x00\x00"))
        elif fourcc == "ICCP":
            w.add("icc", "WebP ICCP", pos, b"")
        elif fourcc == "C2PA":
            w.add("c2pa", "WebP C2PA chunk", pos, b"")
        pos += 8 + size + (size & 1)


def _gif_subblocks(data: bytes, pos: int) -> int:
    """Skip data sub-blocks; returns the position after the terminator."""
    while pos < len(data):
        n = data[pos]
        pos += 1 + n
        if n == 0:
            break
    return pos


def _gif(w: Walk) -> None:
    data = w.data
    if len(data) < 13:
        return
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while pos < len(data):
        intro = data[pos]
        if intro == 0x3B:
            break
        if intro == 0x2C:  # image descriptor, local colour table, LZW data
            w.structure.append("image")
            lflags = data[pos + 9] if pos + 9 < len(data) else 0
            pos += 10 + (3 * 2 ** ((lflags & 7) + 1) if lflags & 0x80 else 0) + 1
            pos = _gif_subblocks(data, pos)
            continue
        if intro != 0x21 or pos + 2 > len(data):
            break
        label = data[pos + 1]
        start = pos + 2
        end = _gif_subblocks(data, start)
        if label == 0xFF and data[start] == 11:
            ident = data[start + 1 : start + 12]
            w.structure.append(f"app:{ident.decode('latin-1')}")
            if ident == b"XMP DataXMP":
                raw = data[start + 12 : end]
                cut = raw.find(b"<?xpacket end")
                close = raw.find(b">", cut) if cut >= 0 else -1
                w.add(
                    "xmp",
                    "GIF application extension 'XMP DataXMP'",
                    pos,
                    raw[: close + 1] if close >= 0 else raw,
                )
        elif label == 0xFE:
            w.structure.append("comment")
            w.add("comment", "GIF comment extension", pos, _gif_join(data, start))
        pos = end


def _gif_join(data: bytes, pos: int) -> bytes:
    out = bytearray()
    while pos < len(data) and data[pos]:
        n = data[pos]
        out += data[pos + 1 : pos + 1 + n]
        pos += 1 + n
    return bytes(out)


def _from_pillow(w: Walk, fmt: str, im: Image.Image | None) -> None:
    """TIFF, HEIF, AVIF: Pillow (and pillow-heif) read the metadata; offsets are not known."""
    if fmt == "TIFF":
        w.structure.append("TIFF IFD0")
        w.add("exif", "TIFF IFD0", 0, w.data)
        tags = getattr(im, "tag_v2", {})  # TIFF images only
        if 700 in tags:
            xmp = tags[700]
            w.blocks.append(Block("xmp", "TIFF tag 0x02BC (XMP)", None, len(xmp), bytes(xmp)))
        return
    if im is None:
        return
    for key, kind in (("exif", "exif"), ("xmp", "xmp")):
        value = im.info.get(key)
        if value:
            w.structure.append(key)
            payload = value.removeprefix(b"Exif\x00\x00") if kind == "exif" else value
            w.blocks.append(Block(kind, f"{fmt} {key} item", None, len(payload), payload))


def walk(data: bytes, fmt: str, max_block: int, im: Image.Image | None = None) -> Walk:
    w = Walk(data, max_block)
    if fmt == "PNG" and data.startswith(PNG_SIG):
        _png(w)
    elif fmt == "JPEG" and data.startswith(b"\xff\xd8"):
        _jpeg(w)
    elif fmt == "WEBP" and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        _webp(w)
    elif fmt == "GIF":
        _gif(w)
    else:
        _from_pillow(w, fmt, im)
    return w


# ISO-BMFF brands (the `ftyp` box at offset 4) of the HEIF family, by what Pillow calls them
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


def sniff(data: bytes) -> str | None:
    """The image format the first bytes announce, whether or not the rest decodes: what lets a
    damaged photo be kept as evidence while a text file named .jpg is refused."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(PNG_SIG):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[4:8] == b"ftyp":
        brands = {data[i : i + 4] for i in range(8, min(len(data), 64), 4)}
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIF"
    return None
