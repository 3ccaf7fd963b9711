"""The case index: one small row per case (identity, the facts people search by, the last
verdict, the evidence photos' hashes for the reuse check), in TinyDB files, one per month
the cases were opened in (`index/2026-11.json`).

Everything else about a case lives in its own document, and a write rewrites only its
month's file, so an operation costs what its case and its month cost, not what years of
refunds add up to. Before each write the month's file is kept as the newest of three rolling
last-good copies (hard links: no copying), and the index can always be rebuilt from the case
documents.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from . import jsonfile
from .jsonfile import CachedJSON, StoreCorrupt

KEEP = 3  # rolling last-good copies: 2026-11.json.1 (newest) … .3
MONTH = re.compile(r"\d{4}-\d{2}")


class _ShardStorage(Storage):
    def __init__(self, shard: Shard) -> None:
        self.shard = shard

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self.shard.read()

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.shard.write(data)


class Shard:
    """One month's index file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = CachedJSON(path)

    def copies(self) -> list[Path]:
        return [self.path.with_name(f"{self.path.name}.{n}") for n in range(1, KEEP + 1)]

    def last_good(self) -> Path | None:
        for copy in self.copies():
            try:
                if jsonfile.read(copy) is not None:
                    return copy
            except StoreCorrupt:
                continue
        return None

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            data = self.file.read()
        except StoreCorrupt as e:
            raise StoreCorrupt(self.path, e.why, self.last_good()) from e
        if data is not None and not isinstance(data, dict):
            raise StoreCorrupt(self.path, "not an index", self.last_good())
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.file.forget()  # `data` is the cached copy, changed in place: if a step below
        self._roll()  # fails, the next read must see the file, not the change
        self.file.write(data)

    def _roll(self) -> None:
        """Keep the file about to be replaced as the newest last-good copy."""
        if not self.path.exists():
            return
        copies = self.copies()
        for older, newer in zip(reversed(copies[1:]), reversed(copies[:-1]), strict=True):
            if newer.exists():
                os.replace(newer, older)
        try:
            os.link(self.path, copies[0])
        except OSError:  # a file system without hard links
            shutil.copy2(self.path, copies[0])


class Index:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._shards: dict[str, Shard] = {}

    def shard(self, month: str) -> Shard:
        if not MONTH.fullmatch(month):
            raise ValueError(month)
        if month not in self._shards:
            self._shards[month] = Shard(self.folder / f"{month}.json")
        return self._shards[month]

    def months(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json") if MONTH.fullmatch(p.stem))

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row, straight from the parsed files: read them, never change them."""
        for month in self.months():
            data = self.shard(month).read() or {}
            yield from data.get("cases", {}).values()

    @contextmanager
    def db(self, month: str) -> Iterator[TinyDB]:
        """A TinyDB over one month, new for each use: TinyDB caches query results and the
        next document id per table, which another process's writes would make stale."""
        shard = self.shard(month)
        self.folder.mkdir(exist_ok=True, mode=0o700)
        db = TinyDB(storage=lambda: _ShardStorage(shard))
        try:
            yield db
        finally:
            db.close()

    def replace_all(self, rows: list[dict[str, Any]]) -> None:
        """Write the whole index anew from these rows (a rebuild, a migration)."""
        by_month: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_month.setdefault(row["created_at"][:7], []).append(row)
        self.folder.mkdir(exist_ok=True, mode=0o700)
        for month, own in by_month.items():
            shard = self.shard(month)
            shard.file.write({"cases": {str(n): r for n, r in enumerate(own, 1)}})
        for month in set(self.months()) - set(by_month):
            self.shard(month).path.unlink()
