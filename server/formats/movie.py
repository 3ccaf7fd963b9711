"""What a movie's boxes say: duration, frame size, codec, creation time, and every metadata
item in each layout phones, editors and AI services write (DOMAIN.md §8).

Metadata layouts read (each item keeps which one it came from, for the report):
- `keys`: a `meta` (ISO FullBox under `udta`, or QuickTime form straight under `moov` or a
  `trak`) whose `keys` box names the items of its `ilst` by index: Apple's
  `com.apple.quicktime.*`, ffmpeg's `-movflags use_metadata_tags`, the TC260 `AIGC` key.
- `ilst`: an `ilst` without `keys` (iTunes style, `hdlr mdir`): items named by their own
  four characters (`©too`, `©cmt`), by `----` mean/name, or by a number (Doubao iOS).
- `udta`: QuickTime user-data text (`©day`, `©mak`, `©swr`, …) straight under `udta`.
- `xmp`: an XMP packet in a top-level `uuid` box or in `udta/XMP_`.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .isobmff import Box, Layout, full_box

XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
MAX_ITEM = 64 * 1024  # a metadata value read; a label is a few hundred bytes
_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    """One metadata value: where it was (layout and box path), its name and its text."""

    layout: str  # "keys", "ilst", "udta" or "xmp"
    key: str  # the key name, the item's four characters, or "#<n>" for a bare number
    value: str  # UTF-8 text (undecodable bytes replaced), cut at MAX_ITEM
    offset: int  # of the value's first byte in the file
    path: str  # the boxes that hold it: "moov/udta/meta/ilst"
    handler: str = ""  # the `meta`'s hdlr type (mdta, mdir), where there is one


@dataclass(frozen=True)
class Track:
    handler: str  # "vide", "soun", …
    codec: str  # the sample entry type: avc1, hvc1, mp4v, …
    width: int
    height: int
    duration: float  # seconds, from the media header
    rotation: int = 0  # clockwise degrees the frames are turned on display (tkhd matrix)
    # NAL unit length prefix of an H.264/HEVC track (1, 2 or 4), 0 when not NAL-framed
    nal_length: int = 0
    codec_config: bytes = b""  # the avcC/hvcC body


@dataclass(frozen=True)
class MovieInfo:
    brands: tuple[str, ...]
    duration: float  # seconds (mvhd)
    created: str | None  # ISO 8601 UTC from mvhd, None when unset (0)
    tracks: tuple[Track, ...]
    items: tuple[Item, ...]
    top: tuple[str, ...]  # top-level box types
    c2pa_box: bool  # a top-level uuid box of the C2PA kind
    damaged: tuple[str, ...] = field(default=())

    @property
    def video(self) -> Track | None:
        return next((t for t in self.tracks if t.handler == "vide"), None)


def _text(data: bytes, start: int, end: int) -> str:
    return data[start : min(end, start + MAX_ITEM)].decode("utf-8", "replace")


def _when(seconds: int) -> str | None:
    if not seconds:
        return None
    try:
        return (_EPOCH_1904 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
    except OverflowError:
        return None


def _mvhd(data: bytes, box: Box) -> tuple[float, str | None]:
    version, at = full_box(data, box)
    if version == 1:
        created, _, scale, length = struct.unpack_from(">QQIQ", data, at)
    else:
        created, _, scale, length = struct.unpack_from(">IIII", data, at)
    return (length / scale if scale else 0.0), _when(created)


def _tkhd(data: bytes, box: Box) -> tuple[int, int, int]:
    """(width, height, clockwise rotation in degrees) from a track header: the size as stored
    and the turn its matrix gives on display (a phone filming upright stores 90)."""
    version, at = full_box(data, box)
    at += 32 if version == 1 else 20  # times, track id, reserved, duration
    at += 8 + 8  # reserved, layer/group/volume/reserved
    a, b = struct.unpack_from(">ii", data, at)  # the matrix's first row, 16.16 fixed point
    width, height = struct.unpack_from(">II", data, at + 36)
    rotation = round(math.degrees(math.atan2(b, a))) % 360 if (a or b) else 0
    return width >> 16, height >> 16, rotation


def _mdhd_duration(data: bytes, box: Box) -> float:
    version, at = full_box(data, box)
    if version == 1:
        _, _, scale, length = struct.unpack_from(">QQIQ", data, at)
    else:
        _, _, scale, length = struct.unpack_from(">IIII", data, at)
    return length / scale if scale else 0.0


def _handler(data: bytes, box: Box) -> str:
    return data[box.body + 8 : box.body + 12].decode("latin-1")


def _sample_entry(data: bytes, stsd: Box) -> tuple[str, int, int, int, bytes]:
    """(codec, width, height, NAL length size, codec configuration) of the first entry."""
    at = stsd.body + 8  # version/flags, entry count
    if at + 8 > stsd.end:
        return "", 0, 0, 0, b""
    size, raw = struct.unpack_from(">I4s", data, at)
    codec = raw.decode("latin-1")
    end = min(at + size, stsd.end)
    width = height = 0
    if at + 36 <= end:
        width, height = struct.unpack_from(">HH", data, at + 32)
    # the visual sample entry's 78 bytes, then its own boxes (avcC, hvcC, pasp, …)
    pos = at + 8 + 78
    while pos + 8 <= end:
        child, kind = struct.unpack_from(">I4s", data, pos)
        if child < 8 or pos + child > end:
            break
        body = data[pos + 8 : pos + child]
        if kind == b"avcC" and len(body) > 4:
            return codec, width, height, (body[4] & 3) + 1, body
        if kind == b"hvcC" and len(body) > 21:
            return codec, width, height, (body[21] & 3) + 1, body
        pos += child
    return codec, width, height, 0, b""


def _tracks(data: bytes, layout: Layout) -> list[Track]:
    out = []
    for trak in layout.find("moov", "trak"):
        inside = [b for b in layout.boxes if trak.start < b.start < trak.end]
        first = {b.type: b for b in reversed(inside)}  # the first of each type in the track
        width, height, rotation = _tkhd(data, first["tkhd"]) if "tkhd" in first else (0, 0, 0)
        hdlr = next((b for b in inside if b.type == "hdlr" and b.path[-1] == "mdia"), None)
        codec, w, h, nal, config = (
            _sample_entry(data, first["stsd"]) if "stsd" in first else ("", 0, 0, 0, b"")
        )
        handler = _handler(data, hdlr) if hdlr else ""
        out.append(
            Track(
                handler=handler,
                codec=codec,
                width=width or (w if handler == "vide" else 0),
                height=height or (h if handler == "vide" else 0),
                duration=_mdhd_duration(data, first["mdhd"]) if "mdhd" in first else 0.0,
                rotation=rotation,
                nal_length=nal,
                codec_config=config,
            )
        )
    return out


def _keys(data: bytes, box: Box) -> list[str]:
    """The names in a `keys` box, in order (an `ilst` item n is named by entry n)."""
    _, at = full_box(data, box)
    count = int.from_bytes(data[at : at + 4], "big")
    at += 4
    names = []
    for _ in range(min(count, 4096)):
        if at + 8 > box.end:
            break
        size = int.from_bytes(data[at : at + 4], "big")
        if size < 8 or at + size > box.end:
            break
        names.append(data[at + 8 : at + size].decode("utf-8", "replace"))
        at += size
    return names


def _data_values(data: bytes, layout: Layout, item: Box) -> list[tuple[int, str]]:
    """(offset, text) of each `data` box of an ilst item (type and locale skipped)."""
    return [
        (b.body + 8, _text(data, b.body + 8, b.end))
        for b in layout.under(item)
        if b.type == "data" and b.size >= b.header + 8
    ]


def _freeform_name(data: bytes, layout: Layout, item: Box) -> str | None:
    """The name of an iTunes `----` item (its `name` box), e.g. "AIGC"."""
    for b in layout.under(item):
        if b.type == "name" and b.size > b.header + 4:
            return _text(data, b.body + 4, b.end)
    return None


def _item_name(raw: str, names: list[str]) -> str:
    number = int.from_bytes(raw.encode("latin-1"), "big")
    if names:  # a keys box: items are 1-based indexes into it
        return names[number - 1] if 1 <= number <= len(names) else f"#{number}"
    if raw.isprintable() and raw.strip():
        return raw
    return f"#{number}"


def _meta_items(data: bytes, layout: Layout, meta: Box) -> list[Item]:
    children = layout.under(meta)
    hdlr = next((b for b in children if b.type == "hdlr"), None)
    handler = _handler(data, hdlr) if hdlr else ""
    keys = next((b for b in children if b.type == "keys"), None)
    names = _keys(data, keys) if keys else []
    out = []
    for ilst in (b for b in children if b.type == "ilst"):
        path = "/".join((*ilst.path, "ilst"))
        for item in layout.under(ilst):
            name = _freeform_name(data, layout, item) if item.type == "----" else None
            key = name or _item_name(item.type, names)
            for offset, value in _data_values(data, layout, item):
                out.append(Item("keys" if names else "ilst", key, value, offset, path, handler))
    return out


def _udta_texts(data: bytes, layout: Layout, udta: Box) -> list[Item]:
    """QuickTime user-data text atoms: each holds (length, language, text) entries."""
    out = []
    path = "/".join((*udta.path, "udta"))
    for b in layout.under(udta):
        if b.type == "XMP_":
            out.append(Item("xmp", "XMP_", _text(data, b.body, b.end), b.body, path))
        elif b.type.startswith("©") and b.size >= b.header + 4:
            length = int.from_bytes(data[b.body : b.body + 2], "big")
            if 0 < length <= b.size - b.header - 4:  # else an ilst-style atom: not text
                out.append(
                    Item(
                        "udta",
                        b.type,
                        _text(data, b.body + 4, b.body + 4 + length),
                        b.body + 4,
                        path,
                    )
                )
    return out


def _xmp_boxes(data: bytes, layout: Layout) -> list[Item]:
    return [
        Item("xmp", "uuid", _text(data, b.body + 16, b.end), b.body + 16, "")
        for b in layout.boxes
        if b.type == "uuid" and not b.path and data[b.body : b.body + 16] == XMP_UUID
    ]


def info(data: bytes, layout: Layout) -> MovieInfo:
    """The movie's facts and metadata items. Raises ValueError when there is no `moov`."""
    moov = layout.find("moov")
    if not moov:
        raise ValueError("no moov box: not a complete movie")
    mvhd = layout.find("moov", "mvhd")
    duration, created = _mvhd(data, mvhd[0]) if mvhd else (0.0, None)
    items: list[Item] = []
    for b in layout.boxes:
        if b.type == "meta" and b.path and b.path[0] == "moov":
            items += _meta_items(data, layout, b)
        elif b.type == "udta" and b.path and b.path[0] == "moov":
            items += _udta_texts(data, layout, b)
    items += _xmp_boxes(data, layout)
    ftyp = layout.find("ftyp")
    brands: tuple[str, ...] = ()
    if ftyp:
        raw = data[ftyp[0].body : ftyp[0].end]
        brands = tuple(raw[i : i + 4].decode("latin-1") for i in range(0, len(raw), 4) if i != 4)
    c2pa = any(
        b.type == "uuid" and not b.path and data[b.body : b.body + 16] == C2PA_UUID
        for b in layout.boxes
    )
    return MovieInfo(
        brands=brands,
        duration=duration,
        created=created,
        tracks=tuple(_tracks(data, layout)),
        items=tuple(items),
        top=tuple(layout.top()),
        c2pa_box=c2pa,
        damaged=layout.damaged,
    )
