"""Append-only audit log: each line carries the hash of the line before it.

After every write the store seals the head in `audit.checkpoint.json` (signed by the caller's
`seal`, with the byte offsets of the head's line). Before every write the log is validated
from that checkpoint on: the checkpoint's line must still be where it was, and every line
after it must follow it. Since the checkpoint is sealed after every write, that is a line or
two whatever the log's length, and a cut, rewritten or broken tail stops the write before
anything is written (StoreCorrupt). A line torn by a crash mid-append (no newline) was never
acknowledged: it is dropped."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from ..files import write_atomic
from .jsonfile import StoreCorrupt

GENESIS = "0" * 64
# an event only a checkpoint-writing version logs: a log holding one had a checkpoint
SEALED_EVENTS = ("case.verified", "report.created", "audit.checkpoint_missing")

Seal = Callable[[dict[str, Any]], dict[str, Any]]  # body -> {"body": body, …signature}


def _private(path: str, flags: int) -> int:
    """Open (creating if need be) readable and writable by the owner only."""
    return os.open(path, flags, 0o600)


def _line_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Head:
    """A line of the log and where it lies."""

    seq: int = 0  # its number, from 1 (0: before the first line)
    hash: str = GENESIS
    start: int = 0  # the byte offset of its first byte
    end: int = 0  # the byte offset after its newline: where the next line starts


class Broken(Exception):
    def __init__(self, seq: int, why: str) -> None:
        super().__init__(f"line {seq}: {why}")
        self.seq = seq


def _entry(raw: bytes, after: Head) -> dict[str, Any]:
    """The entry of the line after `after`; Broken unless it is a well-formed audit line that
    follows it and hashes to its own hash."""
    n = after.seq + 1
    try:
        entry = json.loads(raw)
    except ValueError:
        raise Broken(n, "not JSON") from None
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
        raise Broken(n, "not an audit line")
    if entry.get("seq") != n or entry.get("prev") != after.hash:
        raise Broken(n, f"does not follow line {after.seq}")
    if entry.get("hash") != _line_hash(entry):
        raise Broken(n, "changed after it was written (its hash does not match)")
    return entry


class AuditLog:
    def __init__(self, path: Path, seal: Seal | None = None) -> None:
        self.path = path
        self.checkpoint_path = path.with_name("audit.checkpoint.json")
        self._seal = seal  # None: this process writes no checkpoint (a check worker)

    # reading

    def _walk(self, f: IO[bytes], after: Head) -> Iterator[tuple[Head, dict[str, Any]]]:
        """Every complete line after `after`, each checked against the one before; Broken at
        the first that does not follow. A torn last line ends the walk."""
        f.seek(after.end)
        for raw in f:
            if not raw.endswith(b"\n"):
                return
            entry = _entry(raw, after)
            after = Head(after.seq + 1, entry["hash"], after.end, after.end + len(raw))
            yield after, entry

    def _last(self, f: IO[bytes], after: Head) -> Head:
        """The last complete line after `after`, every one checked (Broken otherwise)."""
        last = after
        for head, _ in self._walk(f, after):
            last = head
        return last

    def count(self) -> int:
        """How many complete lines the log holds, whatever they hold."""
        return self.path.read_bytes().count(b"\n") if self.path.exists() else 0

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def lines(self, end: int | None = None, containing: bytes = b"") -> Iterator[dict[str, Any]]:
        """Every complete line (up to byte `end`) that reads as an entry, chained or not: for
        looking things up; `verify` and `tail` judge the chain. `containing`: a cheap test
        before a line is parsed."""
        if not self.path.exists():
            return
        with self.path.open("rb") as f:
            pos = 0
            for raw in f:
                pos += len(raw)
                if (end is not None and pos > end) or not raw.endswith(b"\n"):
                    return
                if containing not in raw:
                    continue
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("data"), dict):
                    yield entry

    def checkpoint(self) -> dict[str, Any] | None:
        """The checkpoint as written (its signature is the caller's to verify); None if none."""
        try:
            raw = self.checkpoint_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            signed = json.loads(raw)
            body = signed["body"]
            numbers = (body["seq"], body.get("start", -1), body.get("end", -1))
            if not all(type(n) is int for n in numbers) or not isinstance(body["hash"], str):
                raise TypeError("seq, start, end or hash")
        except (ValueError, TypeError, KeyError) as e:
            raise StoreCorrupt(self.checkpoint_path, f"not a checkpoint: {type(e).__name__}") from e
        return dict(signed)

    def _mark(self, f: IO[bytes]) -> Head:
        """The checkpoint's line, found where it was; StoreCorrupt if the log no longer has it."""
        signed = self.checkpoint()
        if signed is None:
            return Head()
        body = signed["body"]
        mark = Head(body["seq"], body["hash"], body.get("start", -1), body.get("end", -1))
        if mark.start < 0:  # a checkpoint of release 0.2 has no offsets: found by walking once
            mark = next((h for h, _ in self._walk(f, Head()) if h.seq == mark.seq), mark)
        f.seek(max(mark.start, 0))
        raw = f.read(mark.end - mark.start) if mark.end > mark.start >= 0 else b""
        if not raw.endswith(b"\n"):
            raise StoreCorrupt(
                self.path, f"cut: line {mark.seq}, recorded by the signed checkpoint, is gone"
            )
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or (entry.get("seq"), entry.get("hash")) != (
            mark.seq,
            mark.hash,
        ):
            raise StoreCorrupt(
                self.path, f"line {mark.seq} is not the one the signed checkpoint recorded"
            )
        return mark

    def tail(self) -> Head:
        """The last line, the log validated from its checkpoint on (normally a line or two):
        StoreCorrupt when a line is broken, or the checkpoint's line is gone or changed."""
        try:
            with self.path.open("rb") as f:
                return self._last(f, self._mark(f))
        except FileNotFoundError:
            if (self.checkpoint() or {"body": {"seq": 0}})["body"]["seq"]:
                raise StoreCorrupt(self.path, "missing, although a checkpoint records it") from None
            return Head()
        except Broken as e:
            raise StoreCorrupt(self.path, str(e)) from e

    def head(self) -> dict[str, Any]:
        last = self.tail()
        return {"seq": last.seq, "hash": last.hash}

    # writing (the caller holds the data folder's lock)

    def ready(self, at: str) -> None:
        """Before a write: the log must be whole (StoreCorrupt otherwise, and nothing written).
        A checkpoint gone from a log that had one is recorded in the log itself, so sealing
        a new one cannot hide that lines were cut or rewritten meanwhile."""
        last = self.tail()
        if self._seal is None or not last.seq or self.checkpoint_path.exists():
            return
        if any(e.get("event") in SEALED_EVENTS for e in self.lines()):
            self.append("audit.checkpoint_missing", {"lines": last.seq}, at)

    def append(self, event: str, data: dict[str, Any], at: str) -> dict[str, Any]:
        last = self.tail()
        entry = {"seq": last.seq + 1, "at": at, "event": event, "data": data, "prev": last.hash}
        entry["hash"] = _line_hash(entry)
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        with open(self.path, "ab", opener=_private) as f:
            if f.tell() > last.end:  # a torn line from a crash: never acknowledged
                f.truncate(last.end)
            f.write(line.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        return entry

    def seal(self, at: str) -> None:
        """After a write: the head signed into the checkpoint, unless it is sealed already."""
        if self._seal is None:
            return
        last = self.tail()
        signed = self.checkpoint()
        if last.seq == 0 or (signed is not None and signed["body"]["seq"] == last.seq):
            return
        body = {**asdict(last), "at": at}
        data = json.dumps(self._seal(body), indent=1).encode("utf-8")
        write_atomic(self.checkpoint_path, data)

    # for check and reports

    def lines_about(self, case_id: str) -> list[dict[str, Any]]:
        """Every acknowledged line whose data names this case, in order."""
        needle = json.dumps(case_id).encode()
        return [e for e in self.lines(containing=needle) if e["data"].get("case") == case_id]

    def hash_at(self, seq: int) -> str | None:
        """The hash line `seq` holds (lines are numbered from 1); None when the log has no such
        line."""
        if not self.path.exists() or seq < 1:
            return None
        with self.path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if n == seq:
                    if not raw.endswith(b"\n"):
                        return None
                    try:
                        entry = json.loads(raw)
                    except ValueError:
                        return ""  # a line there, but not one that was written: rewritten
                    return str(entry.get("hash")) if isinstance(entry, dict) else ""
        return None

    def verify(self) -> tuple[bool, str]:
        """Walk the chain; (True, head hash) or (False, where it breaks)."""
        try:
            with self.path.open("rb") as f:
                return True, self._last(f, Head()).hash
        except FileNotFoundError:
            return True, GENESIS
        except Broken as e:
            return False, f"line {e.seq}"
