"""The few things every layer may need from the outside world: the clock and atomic file
writes (replacing, or creating only). Plain functions, no state; they work the same on
Windows, macOS and Linux."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

# The name an original is kept under outside the store (report attachments, evidence packages):
# its SHA-256 and the extension its type usually has.
FILE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/tiff": "tif",
    "image/heif": "heic",
    "image/avif": "avif",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
}


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
        replace_retrying(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def replace_retrying(
    src: str | Path, dst: str | Path, replace: Callable[[str, str], None] = os.replace
) -> None:
    """os.replace, tried again for about a second while another program holds `dst` open:
    on Windows a virus scanner, a backup tool or a PDF viewer opening the file makes the
    rename fail with "access denied" for a moment (POSIX renames over an open file at once)."""
    for wait in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4):
        try:
            replace(str(src), str(dst))
            return
        except PermissionError:
            time.sleep(wait)
    replace(str(src), str(dst))  # the last try raises what the system says


# What Windows refuses in a file name (and so do zip tools and many upload forms): the nine
# characters, control characters, a name ending in a dot or a space, and the device names.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
_DEVICES |= {f"{d}{n}" for d in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]}


def portable_name(name: str, most: int = 120) -> str:
    """A file name every system accepts, for whatever RefundProof names for a seller to save
    (report downloads, exported copies, appeal images): forbidden characters become "_",
    trailing dots and spaces go, a device name (CON, COM1.pdf …) gets "_" before it; at most
    `most` characters, keeping the extension."""
    name = _FORBIDDEN.sub("_", name).rstrip(". ") or "_"
    if name.split(".", 1)[0].upper().rstrip(" ") in _DEVICES:
        name = "_" + name
    if len(name) > most:
        ext = name[name.rfind(".") :] if "." in name[-10:] else ""
        name = name[: most - len(ext)].rstrip(". ") + ext
    return name


_NOT_ASCII_PART = re.compile(r"[^A-Za-z0-9_-]+")


def ascii_part(text: str, most: int = 40, empty: str = "_") -> str:
    """One part of a file name made from a platform's text (an order number, a report id), in
    the letters, digits, "_" and "-" every system, mail program and upload form accepts: each
    run of anything else becomes one "_"; at most `most` characters; `empty` when nothing is
    left. portable_name keeps Chinese and spaces; this is for names seen by platforms' forms."""
    return _NOT_ASCII_PART.sub("_", text)[:most].strip("_") or empty


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
