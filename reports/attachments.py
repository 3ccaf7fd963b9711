"""A report's attachments read from a PDF anyone may have made, bounded at every step.

`verify-report` runs on files from strangers. The name tree is walked without recursion and
with a cap on its nodes; a stream is inflated piece by piece into its hash, never whole into
memory, and stops at a size cap; snapshot.json is parsed with a size and a depth cap.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from pyhanko.pdf_utils import generic

from server.text import Text

# What a real report can hold: 60 photos, a figure or two per finding, and three files of its
# own. Far more is a crafted file: refused before anything is inflated.
MAX_ATTACHMENTS = 1024
MAX_TREE_NODES = 4 * MAX_ATTACHMENTS  # a looping name tree ends here too
MAX_FILE_BYTES = 64 * 1024 * 1024  # decoded, one attachment: a photo is at most 50 MB
# decoded, all attachments together: photos do not deflate, so a report within the 256 MB the
# API takes holds about that much; twice that is a bomb
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_JSON_BYTES = 16 * 1024 * 1024  # snapshot.json; ours are a few hundred KB
MAX_JSON_DEPTH = 64  # ours nest about ten deep
CHUNK = 1024 * 1024


class Unreadable(Exception):
    """An attachment or its index cannot be read within the bounds; `text` says why."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def listed(root: generic.DictionaryObject) -> list[tuple[str, generic.StreamObject | None]]:
    """(name, stream) for each file in the document's EmbeddedFiles name tree, in order; the
    name is the one a PDF reader or pdfdetach shows (/UF, else /F, else the tree's key)."""
    out: list[tuple[str, generic.StreamObject | None]] = []
    for key, spec in _name_tree(root):
        if len(out) == MAX_ATTACHMENTS:
            raise Unreadable(
                Text(
                    f"文件中的附件超过 {MAX_ATTACHMENTS} 个：不是 RefundProof 的报告，未逐个核对。",
                    f"The file has more than {MAX_ATTACHMENTS} attachments: not a RefundProof "
                    "report; they were not checked one by one.",
                )
            )
        name, stream = key, None
        if isinstance(spec, generic.DictionaryObject):
            name = str(_get(spec, "/UF") or _get(spec, "/F") or key)
            ef = _get(spec, "/EF")
            if isinstance(ef, generic.DictionaryObject):
                found = _get(ef, "/F") or _get(ef, "/UF")
                stream = found if isinstance(found, generic.StreamObject) else None
        out.append((name, stream))
    return out


def _name_tree(root: generic.DictionaryObject) -> Iterator[tuple[str, Any]]:
    names = _get(root, "/Names")
    tree = _get(names, "/EmbeddedFiles") if isinstance(names, generic.DictionaryObject) else None
    stack = [tree] if isinstance(tree, generic.DictionaryObject) else []
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > MAX_TREE_NODES:
            raise Unreadable(
                Text(
                    "附件目录异常庞大或循环引用：未逐个核对附件。",
                    "The attachment index is huge or loops back on itself: the attachments "
                    "were not checked one by one.",
                )
            )
        pairs = _get(node, "/Names")
        if isinstance(pairs, generic.ArrayObject):
            for i in range(0, len(pairs) - 1, 2):
                yield str(pairs[i]), pairs[i + 1]
        kids = _get(node, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            # reversed onto the stack: the kids are then read in document order
            stack += [
                k
                for i in reversed(range(len(kids)))
                if isinstance(k := kids[i], generic.DictionaryObject)
            ]


def _get(d: generic.DictionaryObject, key: str) -> Any:
    """The value, indirect references resolved (dict.get would not), or None."""
    try:
        return d[key]
    except KeyError:
        return None


def digest(stream: generic.StreamObject, cap: int) -> tuple[str, int]:
    """SHA-256 and size of the decoded stream, inflated a piece at a time (Unreadable when
    it passes `cap` bytes, uses a filter reports never use, or is broken)."""
    h = hashlib.sha256()
    mb = cap // (1024 * 1024)
    size = _inflate_capped(
        stream,
        cap,
        h.update,
        Text(
            f"解压后超过 {mb} MB，未核对（可能是解压炸弹）。",
            f"inflates past {mb} MB and was not checked (possibly a decompression bomb).",
        ),
    )
    return h.hexdigest(), size


def read(stream: generic.StreamObject, cap: int) -> bytes:
    """The decoded stream, when it is at most `cap` bytes (Unreadable otherwise)."""
    pieces: list[bytes] = []
    mb = cap // (1024 * 1024)
    _inflate_capped(
        stream, cap, pieces.append, Text(f"解压后超过 {mb} MB。", f"inflates past {mb} MB.")
    )
    return b"".join(pieces)


def _inflate_capped(
    stream: generic.StreamObject, cap: int, sink: Callable[[bytes], None], over: Text
) -> int:
    """Each decoded piece to `sink`, stopping with Unreadable(over) past `cap` bytes; the
    size decoded."""
    size = 0

    def take(piece: bytes) -> None:
        nonlocal size
        size += len(piece)
        if size > cap:
            raise Unreadable(over)
        sink(piece)

    _decode(stream, take)
    return size


def _decode(stream: generic.StreamObject, take: Callable[[bytes], None]) -> None:
    filters = _get(stream, "/Filter")
    names = (
        [filters[i] for i in range(len(filters))]
        if isinstance(filters, generic.ArrayObject)
        else [filters]
    )
    names = [str(n) for n in names if n is not None]
    params = _get(stream, "/DecodeParms")
    predictor = (
        _get(params, "/Predictor") or 1 if isinstance(params, generic.DictionaryObject) else 1
    )
    raw = stream.encoded_data
    if not names:
        for at in range(0, len(raw), CHUNK):
            take(raw[at : at + CHUNK])
        return
    if names != ["/FlateDecode"] or predictor != 1:  # WeasyPrint writes plain Flate
        raise Unreadable(
            Text(
                f"使用了报告从不使用的编码 {' '.join(names)}，未核对。",
                f"uses an encoding reports never use ({' '.join(names)}) and was not checked.",
            )
        )
    inflater = zlib.decompressobj()
    try:
        for at in range(0, len(raw), CHUNK):
            piece = inflater.decompress(raw[at : at + CHUNK], CHUNK)
            take(piece)
            while inflater.unconsumed_tail:  # a small input may inflate to much more
                take(inflater.decompress(inflater.unconsumed_tail, CHUNK))
        take(inflater.flush())
    except zlib.error as e:
        raise Unreadable(
            Text("的压缩数据已损坏，无法解压。", f"has broken compressed data ({e}).")
        ) from e


def parse_json(data: bytes) -> Any:
    """JSON from a stranger's file: at most MAX_JSON_BYTES (the caller reads it so) and
    MAX_JSON_DEPTH deep. Python's parser recurses, so a deeper one is refused by its own
    recursion guard first and by the walk below after."""
    try:
        value = json.loads(data)
    except RecursionError as e:
        raise Unreadable(_too_deep()) from e
    except ValueError as e:  # not JSON, or not UTF-8
        raise Unreadable(Text("不是有效的 JSON。", "is not valid JSON.")) from e
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Unreadable(_too_deep())
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack += [(c, depth + 1) for c in children if isinstance(c, dict | list)]
    return value


def _too_deep() -> Text:
    return Text(
        f"嵌套超过 {MAX_JSON_DEPTH} 层，不是 RefundProof 写的快照。",
        f"nests more than {MAX_JSON_DEPTH} levels deep: not a snapshot RefundProof wrote.",
    )
