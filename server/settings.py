"""Where the data lives, the intake limits, and the local configuration (pairing token)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs
from platformdirs.api import PlatformDirsABC

from .errors import Problem
from .files import write_atomic
from .text import Text

DEFAULT_PORT = 8765


def data_home(dirs: type[PlatformDirsABC] = platformdirs.PlatformDirs) -> Path:
    """REFUNDPROOF_HOME, or the system's user data folder: %LOCALAPPDATA%\\refundproof on
    Windows (local, not roaming: evidence must not follow the user to other computers),
    ~/Library/Application Support/refundproof on macOS, ~/.local/share/refundproof on Linux.
    `dirs` is the seam a test uses to ask for another system's folder."""
    env = os.environ.get("REFUNDPROOF_HOME")
    if env:
        return Path(env)
    return Path(dirs("refundproof", appauthor=False, roaming=False).user_data_dir)


def saved_language(home: Path) -> str | None:
    """The language `setup` saved, read without making a data folder or a token (a command
    that needs neither, such as verify-report, asks too); None when none is saved or readable."""
    try:
        language = json.loads((home / "config.json").read_bytes()).get("language")
    except (OSError, ValueError, AttributeError):
        return None
    return language if language in ("zh", "en") else None


# Public RFC 3161 services that answer without an account, asked together, the earliest
# listed that answers preferred. Each is abroad and learns that someone signed something at
# this time (the request holds only a hash of the signature). FreeTSA offers HTTPS; DigiCert
# and Sectigo only plain HTTP. Each one more is one more foreign company.
DEFAULT_TSA_URLS = (
    "https://freetsa.org/tsr",
    "http://timestamp.digicert.com",
    "http://timestamp.sectigo.com",
)
TSA_MEMORY = "time-stamp-services.json"
ANSWERED_FOR = 24 * 3600.0  # s: the service that answered is asked alone for a day
SILENT_FOR = 3600.0  # s: one that did not answer is not asked again for an hour


class _Wrong(TypeError):
    """Settings of the wrong type (their names)."""


@dataclass
class Config:
    token: str
    allowed_origins: list[str] = field(default_factory=list)
    # Remote C2PA manifests are tracking beacons: off unless the seller turns them on.
    remote_manifest_fetch: bool = False
    # RFC 3161 time-stamp services for report signatures, earliest preferred; None: the
    # public ones above; []: none. When none answers, the report says it used the local clock.
    tsa_urls: list[str] | None = None
    # Who the reports say made them: the shop (also the name in the signing certificate) and
    # the person at the keyboard. Never taken from the computer's login or host name.
    shop: str | None = None
    operator: str | None = None
    # how the police reach the seller (a phone number or an e-mail), printed in the police record
    contact: str | None = None
    # the language `setup` and the seller chose for messages and reports (zh or en)
    language: str = "zh"

    @classmethod
    def load(cls, home: Path) -> Config:
        """The configuration as it is on disk now; made (with a new token) when missing."""
        path = home / "config.json"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            cfg = cls(token=secrets.token_urlsafe(24))
            cfg.save(home)
            return cfg
        try:
            fields = json.loads(raw)
            if "tsa_url" in fields:  # one optional service, as versions before 0.2 kept it
                url = fields.pop("tsa_url")
                fields.setdefault("tsa_urls", [url] if url else None)
            return cls(**fields)._checked()
        except (ValueError, TypeError) as e:
            why = f"{type(e).__name__}: {e}" if isinstance(e, _Wrong) else type(e).__name__
            raise Problem(
                "config_corrupt",
                Text(
                    f"设置文件 {path} 已损坏（{why}）。删除它会生成新的配对令牌，"
                    "扩展需要重新配对。",
                    f"The settings file {path} is damaged ({why}). Deleting it makes "
                    "a new pairing token; the extension then pairs again.",
                ),
                503,
            ) from e

    def _checked(self) -> Config:
        """Each setting of the type it must have: a hand-edited file fails here, by name, not
        later in whichever request first uses it."""
        strings = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
        wrong = [
            name
            for name, ok in (
                ("token", isinstance(self.token, str) and bool(self.token)),
                ("allowed_origins", strings(self.allowed_origins)),
                ("remote_manifest_fetch", isinstance(self.remote_manifest_fetch, bool)),
                ("tsa_urls", self.tsa_urls is None or strings(self.tsa_urls)),
                ("shop", self.shop is None or isinstance(self.shop, str)),
                ("operator", self.operator is None or isinstance(self.operator, str)),
                ("contact", self.contact is None or isinstance(self.contact, str)),
                ("language", self.language in ("zh", "en")),
            )
            if not ok
        ]
        if wrong:
            raise _Wrong(", ".join(wrong))
        return self

    @property
    def time_stamp_services(self) -> list[str]:
        return list(DEFAULT_TSA_URLS if self.tsa_urls is None else self.tsa_urls)

    def save(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(home / "config.json", json.dumps(asdict(self), indent=2).encode("utf-8"))


@dataclass
class TsaMemory:
    """What the last reports learned of the time-stamp services, so that one that hangs is
    not asked again on every report. A small file in the data folder, not evidence: when it
    is lost or damaged, the next report asks every service again."""

    answered: str | None = None
    answered_at: float = 0.0  # seconds since the epoch
    silent: dict[str, float] = field(default_factory=dict)  # url -> when it last did not answer

    @classmethod
    def load(cls, home: Path) -> TsaMemory:
        try:
            raw = json.loads((home / TSA_MEMORY).read_bytes())
            return cls(
                answered=raw["answered"] if isinstance(raw["answered"], str) else None,
                answered_at=float(raw["answered_at"]),
                silent={str(u): float(t) for u, t in raw["silent"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def save(self, home: Path) -> None:
        # a read-only folder or a file held open on Windows: the next report asks again
        with contextlib.suppress(OSError):
            write_atomic(home / TSA_MEMORY, json.dumps(asdict(self), indent=1).encode("utf-8"))

    def plan(self, urls: list[str], now: float) -> tuple[str | None, list[str], list[str]]:
        """(asked alone first, asked together, not asked) for these configured services."""
        skipped = [u for u in urls if now - self.silent.get(u, -SILENT_FOR) < SILENT_FOR]
        first = self.answered
        if first not in urls or first in skipped or now - self.answered_at >= ANSWERED_FOR:
            first = None
        others = [u for u in urls if u not in skipped and u != first]
        return first, others, skipped

    def learn(self, answered: str | None, silent: list[str], now: float) -> None:
        """What a report found of the services it asked (those it skipped keep their time,
        so they are asked again when it has passed)."""
        self.silent = {u: t for u, t in self.silent.items() if now - t < SILENT_FOR}
        for url in silent:
            self.silent[url] = now
            if url == self.answered:
                self.answered = None
        if answered:
            self.answered, self.answered_at = answered, now
            self.silent.pop(answered, None)
