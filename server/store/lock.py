"""One writer at a time per data folder, across threads and across processes (the CLI beside
the server, two CLIs). A cross-platform file lock (filelock: fcntl on POSIX, msvcrt on
Windows) under an in-process lock; reentrant, so a store step may call another."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock


class DataLock:
    def __init__(self, home: Path) -> None:
        self._threads = threading.RLock()
        # not thread-local: the RLock above already keeps other threads out, and the file
        # lock's own count lets the holding thread re-enter
        self._file = FileLock(str(home / ".lock"), thread_local=False)

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads, self._file:
            yield
