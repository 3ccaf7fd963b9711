"""Append-only audit log: each line carries the hash of the line before it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _private(path: str, flags: int) -> int:
    """Open (creating if need be) readable and writable by the owner only."""
    return os.open(path, flags, 0o600)


def _line_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _last(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        last = None
        with self.path.open("rb") as f:
            for raw in f:
                # A line torn by a crash mid-append has no newline: it was never acknowledged.
                if raw.endswith(b"\n"):
                    last = raw
        return json.loads(last) if last else None

    def head(self) -> dict[str, Any]:
        last = self._last()
        return {"seq": last["seq"], "hash": last["hash"]} if last else {"seq": 0, "hash": GENESIS}

    def append(self, event: str, data: dict[str, Any], at: str) -> dict[str, Any]:
        head = self.head()
        entry = {
            "seq": head["seq"] + 1,
            "at": at,
            "event": event,
            "data": data,
            "prev": head["hash"],
        }
        entry["hash"] = _line_hash(entry)
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        self._drop_torn_tail()
        with open(self.path, "ab", opener=_private) as f:
            f.write(line.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        return entry

    def _drop_torn_tail(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) == b"\n":
                return
            data = self.path.read_bytes()
            f.truncate(data.rfind(b"\n") + 1)

    def lines_about(self, case_id: str) -> list[dict[str, Any]]:
        """Every acknowledged line whose data names this case, in order."""
        if not self.path.exists():
            return []
        needle = json.dumps(case_id).encode()  # a cheap test before parsing the line
        out = []
        with self.path.open("rb") as f:
            for raw in f:
                if raw.endswith(b"\n") and needle in raw:
                    entry = json.loads(raw)
                    if entry.get("data", {}).get("case") == case_id:
                        out.append(entry)
        return out

    def hash_at(self, seq: int) -> str | None:
        """The hash of line `seq` (lines are numbered from 1 and each holds one entry)."""
        if not self.path.exists() or seq < 1:
            return None
        with self.path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if n == seq:
                    return str(json.loads(raw)["hash"]) if raw.endswith(b"\n") else None
        return None

    def verify(self) -> tuple[bool, str]:
        """Walk the chain; (True, head hash) or (False, where it breaks)."""
        prev, seq = GENESIS, 0
        if not self.path.exists():
            return True, prev
        with self.path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if not raw.endswith(b"\n"):
                    break
                try:
                    entry = json.loads(raw)
                except ValueError:
                    return False, f"line {n}"
                if (
                    entry["prev"] != prev
                    or entry["seq"] != seq + 1
                    or _line_hash(entry) != entry["hash"]
                ):
                    return False, f"line {n}"
                prev, seq = entry["hash"], entry["seq"]
        return True, prev
