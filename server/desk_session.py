"""Signing in to the desk: a one-time link (`refundproof desk`, the extension's 案件台 button)
is exchanged for a session cookie.

A link's code is random, kept only as its hash in `desk-links.json`, good once and for five
minutes. The cookie holds its expiry and an HMAC of it keyed with the pairing token: no
session is stored anywhere, any process of the data folder can check one, and
`refundproof token --new` ends every session at once."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path

from .files import write_atomic

COOKIE = "rp_desk"
LINK_SECONDS = 300.0
SESSION_SECONDS = 12 * 3600.0
MAX_LINKS = 20  # unused links kept; older ones end
LOGIN_PATH = "/desk/login"


def _path(home: Path) -> Path:
    return home / "desk-links.json"


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _read(home: Path) -> dict[str, float]:
    try:
        raw = json.loads(_path(home).read_bytes())
        return {str(k): float(v) for k, v in raw.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}  # a lost or damaged file only ends links not yet used


def new_link(home: Path, now: float) -> str:
    """A one-time code for the login link; the caller holds the data folder's lock."""
    code = secrets.token_urlsafe(24)
    live = {k: v for k, v in _read(home).items() if v > now}
    live[_digest(code)] = now + LINK_SECONDS
    newest = dict(sorted(live.items(), key=lambda kv: kv[1])[-MAX_LINKS:])
    write_atomic(_path(home), json.dumps(newest).encode())
    return code


def redeem(home: Path, code: str, now: float) -> bool:
    """True, once, for a code handed out less than five minutes ago (the caller holds the
    lock: the same link opened twice at once signs in once)."""
    links = _read(home)
    expires = links.pop(_digest(code), None) if code else None
    if expires is None:
        return False
    write_atomic(_path(home), json.dumps(links).encode())
    return expires > now


def _mac(token: str, expires: int) -> str:
    return hmac.new(token.encode(), f"rp-desk|{expires}".encode(), hashlib.sha256).hexdigest()


def cookie_value(token: str, now: float) -> str:
    expires = int(now + SESSION_SECONDS)
    return f"{expires}.{_mac(token, expires)}"


def valid(value: str | None, token: str, now: float) -> bool:
    if not value or "." not in value:
        return False
    raw, mac = value.split(".", 1)
    if not raw.isdigit() or int(raw) < now:
        return False
    return hmac.compare_digest(mac, _mac(token, int(raw)))
