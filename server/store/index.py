"""The case index: one small row per case (identity, the facts people search by, the last
verdict, the evidence photos' hashes for the reuse check), in TinyDB.

Everything else about a case lives in its own document, so an operation costs what its case
costs. Before each write the current file is kept as the newest of three rolling last-good
copies (hard links: no copying), and the index can always be rebuilt from the case documents.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from . import jsonfile
from .jsonfile import CachedJSON, StoreCorrupt

KEEP = 3  # rolling last-good copies: index.json.1 (newest) … index.json.3


class _IndexStorage(Storage):
    def __init__(self, index: Index) -> None:
        self.index = index

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self.index.read_raw()

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.index.write_raw(data)


class Index:
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

    def read_raw(self) -> dict[str, dict[str, Any]] | None:
        try:
            data = self.file.read()
        except StoreCorrupt as e:
            raise StoreCorrupt(self.path, e.why, self.last_good()) from e
        if data is not None and not isinstance(data, dict):
            raise StoreCorrupt(self.path, "not an index", self.last_good())
        return data

    def write_raw(self, data: dict[str, dict[str, Any]]) -> None:
        self._roll()
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

    @contextmanager
    def db(self) -> Iterator[TinyDB]:
        """A TinyDB over the index, new for each use: TinyDB caches query results and the next
        document id per table, which another process's writes would make stale."""
        db = TinyDB(storage=lambda: _IndexStorage(self))
        try:
            yield db
        finally:
            db.close()
