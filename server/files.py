"""The few things every layer may need from the outside world: the clock and atomic file
writes (replacing, or creating only). Plain functions, no state; they work the same on
Windows, macOS and Linux."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then replace `path` in one
    step (os.replace is atomic on Windows too): a crash leaves the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def write_new(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Create `path` holding `data`, flushed to disk; FileExistsError, and nothing written, when
    it exists already (open's "x" is O_CREAT | O_EXCL, on Windows too): nothing is ever
    written over a file this way. A crash mid-write leaves a short file, named by the caller's
    own check."""
    with open(path, "xb", opener=lambda p, flags: os.open(p, flags, mode)) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows it. POSIX needs the folder
    fsynced; Windows cannot open a folder this way and makes the rename durable itself."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
