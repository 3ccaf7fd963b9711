"""ISO base media file format (MP4, MOV, 3GP) boxes, read linearly and within caps.

A box is a size, a four-character type and a body; some bodies hold further boxes. A crafted
file can nest boxes a thousand deep (the C2PA SDK's `nested_moov_1000.mp4`), announce sizes
past its end, or hold millions of tiny boxes. This reader keeps an explicit stack (no
recursion), refuses past MAX_DEPTH levels or MAX_BOXES boxes, and never reads a body it does
not descend into: `mdat` (the frames) is skipped by its size, so a 60 MB video costs the same
as its few kilobytes of `moov`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# A phone's movie nests at most 8 deep (moov/trak/mdia/minf/stbl/stsd/avc1/avcC); metadata
# adds udta/meta/ilst/item/data. Twice that is generous; the SDK refuses the bomb likewise.
MAX_DEPTH = 16
# Boxes in one file's structure (the sample tables are leaves, counted once each): a long
# multi-track movie has a few thousand; a crafted file with millions is refused.
MAX_BOXES = 50_000

# Boxes whose bodies are boxes. `meta` is special (FullBox in ISO, plain in QuickTime), and
# the items of an `ilst` are containers of their `data` boxes whatever their type.
CONTAINERS = frozenset(
    {"moov", "trak", "mdia", "minf", "stbl", "udta", "edts", "dinf", "mvex", "moof", "traf"}
    | {"meta", "ilst", "tref", "sinf", "schi", "gmhd"}
)
# ftyp brands of still images in the same box format (HEIF, AVIF): they are photos, not movies
IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)
# What a QuickTime movie without an `ftyp` begins with (old cameras, some phone exports).
MOVIE_FIRST_BOXES = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


class BoxError(ValueError):
    """The file's box structure is beyond the caps or broken where it matters."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # "too_deep", "too_many", "malformed"


@dataclass(frozen=True)
class Box:
    type: str  # four characters, Latin-1 (`©too` is 0xA9 "too")
    start: int  # offset of the box's first byte
    header: int  # bytes before the body (8 or 16; a FullBox's version/flags are body)
    size: int  # the whole box
    path: tuple[str, ...]  # the types of the boxes that hold it, outermost first

    @property
    def body(self) -> int:
        return self.start + self.header

    @property
    def end(self) -> int:
        return self.start + self.size

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass(frozen=True)
class Layout:
    boxes: tuple[Box, ...]
    # where a container's children could not be read (sizes past its end): what was read
    # before stays; the rest of that container is noted here
    damaged: tuple[str, ...] = ()

    def find(self, *path: str) -> list[Box]:
        """Boxes at this exact path: find("moov", "udta", "meta")."""
        *outer, last = path
        return [b for b in self.boxes if b.type == last and b.path == tuple(outer)]

    def under(self, parent: Box) -> list[Box]:
        """The direct children of `parent`."""
        inner = (*parent.path, parent.type)
        return [b for b in self.boxes if b.path == inner and parent.start < b.start < parent.end]

    def top(self) -> list[str]:
        return [b.type for b in self.boxes if not b.path]


def is_movie(data: bytes) -> bool:
    """Whether the bytes announce an ISO/QuickTime movie (not a HEIF/AVIF still image)."""
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        brands = {data[i : i + 4] for i in range(8, min(max(size, 16), 64), 4)}
        brands.discard(b"\0\0\0\0")
        return not brands & IMAGE_BRANDS
    return data[4:8] in MOVIE_FIRST_BOXES


def _fourcc(raw: bytes) -> str:
    return raw.decode("latin-1")


def _header(data: bytes, pos: int, end: int) -> tuple[int, int, str]:
    """(size, header length, type) of the box at pos; BoxError when it does not fit."""
    size, raw = struct.unpack_from(">I4s", data, pos)
    header = 8
    if size == 1:
        if pos + 16 > end:
            raise BoxError("malformed", f"box at {pos}: 64-bit size past the end")
        size = struct.unpack_from(">Q", data, pos + 8)[0]
        header = 16
    elif size == 0:  # "to the end of the file" (or of its container)
        size = end - pos
    if size < header or pos + size > end:
        raise BoxError("malformed", f"box {_fourcc(raw)!r} at {pos}: size {size} does not fit")
    return size, header, _fourcc(raw)


def _children_start(data: bytes, box: Box) -> int:
    """Where a container's first child begins. ISO `meta` is a FullBox (4 bytes of version and
    flags first); QuickTime's `meta` is not: its first child (`hdlr`) starts at once."""
    if box.type == "meta" and data[box.body + 4 : box.body + 8] != b"hdlr":
        return box.body + 4
    return box.body


def _descends(box: Box) -> bool:
    return box.type in CONTAINERS or (bool(box.path) and box.path[-1] == "ilst")


def read(data: bytes, max_depth: int = MAX_DEPTH, max_boxes: int = MAX_BOXES) -> Layout:
    """Every box of the file's structure, in file order, with an explicit stack: linear in the
    number of boxes, refused past max_depth levels or max_boxes boxes. A broken top level is
    an error; inside a container, a child that does not fit ends that container's reading
    (noted in `damaged`), as players do."""
    boxes: list[Box] = []
    damaged: list[str] = []
    # (next offset, end, path) of each container being read; the top level is the file
    stack: list[tuple[int, int, tuple[str, ...]]] = [(0, len(data), ())]
    while stack:
        pos, end, path = stack.pop()
        while pos + 8 <= end:
            try:
                size, header, kind = _header(data, pos, end)
            except BoxError:
                if not path:
                    raise
                damaged.append("/".join(path))
                break
            box = Box(kind, pos, header, size, path)
            boxes.append(box)
            if len(boxes) > max_boxes:
                raise BoxError("too_many", f"more than {max_boxes} boxes")
            pos += size
            if _descends(box):
                if box.depth + 1 > max_depth:
                    raise BoxError("too_deep", f"boxes nested deeper than {max_depth} levels")
                stack.append((pos, end, path))  # this container's next sibling, after
                stack.append((_children_start(data, box), box.end, (*path, kind)))
                break
    return Layout(tuple(boxes), tuple(damaged))


def full_box(data: bytes, box: Box) -> tuple[int, int]:
    """(version, offset of the body after version and flags) of a FullBox."""
    return data[box.body], box.body + 4
