"""Write-once, content-addressed evidence files: evidence/ab/abcdef… (SHA-256 of the bytes)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import EvidenceTampered
from ..files import write_atomic


class EvidenceFolder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes, sha256: str) -> Path:
        """Store the bytes once; an existing file is never rewritten."""
        p = self.path(sha256)
        if p.exists():
            return p
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(p, data)
        os.chmod(p, 0o400)  # evidence is never rewritten, and read by the owner only
        return p

    def get(self, sha256: str) -> bytes:
        """The stored bytes, re-hashed: raises EvidenceTampered when they changed on disk."""
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise EvidenceTampered(sha256)
        return data

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()
