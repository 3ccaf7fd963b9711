"""Where the data lives, the intake limits, and the local configuration (pairing token)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

from .files import write_atomic

DEFAULT_PORT = 8765


def data_home() -> Path:
    """REFUNDPROOF_HOME, or the platform's user data folder."""
    env = os.environ.get("REFUNDPROOF_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir("refundproof", appauthor=False))


@dataclass
class Config:
    token: str
    allowed_origins: list[str] = field(default_factory=list)
    # Remote C2PA manifests are tracking beacons: off unless the seller turns them on.
    remote_manifest_fetch: bool = False
    # An RFC 3161 timestamp service for report signatures; without one the local clock.
    tsa_url: str | None = None
    operator: str | None = None  # the name printed as the report's operator

    @classmethod
    def load(cls, home: Path) -> Config:
        path = home / "config.json"
        if path.exists():
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        cfg = cls(token=secrets.token_urlsafe(24))
        cfg.save(home)
        return cfg

    def save(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        path = home / "config.json"
        write_atomic(path, json.dumps(asdict(self), indent=2).encode("utf-8"))
        os.chmod(path, 0o600)
