"""JSON files the store keeps: read through a cache that is checked against the file's
identity on every read (another process may have replaced it), written atomically.

An empty or unparsable file is corruption, never "nothing stored": reading it raises
StoreCorrupt naming the file, so nothing is ever written over the data it held."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..files import write_atomic, write_new
from ..text import Text


class StoreCorrupt(Problem):
    status = 503

    def __init__(self, path: Path, why: str, last_good: Path | None = None) -> None:
        if last_good is not None:
            hint = Text(
                f"最近一份完好的副本：{last_good}。把它复制为 {path.name} 即可恢复，或运行 "
                "`refundproof check --rebuild-index` 从案件文件重建。",
                f"The last good copy is {last_good}: copy it over {path.name} to recover, or "
                "run `refundproof check --rebuild-index` to rebuild it from the case files.",
            )
        elif path.parent.name == "index":
            hint = Text(
                "运行 `refundproof check --rebuild-index` 可从案件文件重建索引。",
                "Run `refundproof check --rebuild-index` to rebuild the index from the case files.",
            )
        else:
            hint = Text(
                "请从备份恢复这个文件；`refundproof check` 会列出所有损坏的文件，其他案件不受影响。",
                "Restore this file from a backup; `refundproof check` lists every damaged file, "
                "and the other cases are not affected.",
            )
        super().__init__(
            "store_corrupt",
            Text(
                f"数据文件 {path} 已损坏（{why}），为免丢失数据，RefundProof 拒绝读写它。",
                f"The data file {path} is damaged ({why}); RefundProof refuses to read or write "
                "it, so nothing more is lost.",
            )
            + Text.same(" ")
            + hint,
        )
        self.path = path
        self.why = why
        self.last_good = last_good


def parse(path: Path, raw: bytes) -> Any:
    if not raw.strip():
        raise StoreCorrupt(path, "empty file" if not raw else "blank file")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise StoreCorrupt(
            path, f"not JSON: {type(e).__name__} at byte {getattr(e, 'pos', '?')}"
        ) from e


def read(path: Path) -> Any:
    """The file's JSON; None if it does not exist; StoreCorrupt if it is damaged."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    return parse(path, raw)


def _encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def write(path: Path, data: Any) -> None:
    write_atomic(path, _encode(data))


def create(path: Path, data: Any) -> None:
    """A new file; FileExistsError, and nothing written, when `path` exists."""
    write_new(path, _encode(data))


class CachedJSON:
    """One JSON file, parsed again only when the file on disk changed since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[tuple[int, int, int], Any] | None = None

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def read(self) -> Any:
        identity = self._identity()
        if identity is None:
            self._seen = None
            return None
        if self._seen is not None and self._seen[0] == identity:
            return self._seen[1]
        data = read(self.path)
        self._seen = (identity, data)
        return data

    def forget(self) -> None:
        """Drop the parsed copy: a caller changed it in place (TinyDB does) before writing."""
        self._seen = None

    def write(self, data: Any) -> None:
        self.forget()
        write(self.path, data)
        identity = self._identity()
        if identity is not None:
            self._seen = (identity, data)
