"""Pairing the browser extension: a short one-time code the seller types once.

`refundproof pair` (or `serve` at start) writes the code's hash to pairing.json; the
extension sends the code from its own origin; a match adds that origin to the allowed ones
and hands the extension the token. Five wrong tries or ten minutes end the code.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .errors import Problem
from .files import write_atomic
from .settings import Config
from .text import Text

LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5
EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://", "extension://")


def _path(home: Path) -> Path:
    return home / "pairing.json"


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def new_code(home: Path) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    state = {
        "sha256": _digest(code),
        "expires_at": (datetime.now(UTC) + LIFETIME).isoformat(),
        "tries": 0,
    }
    write_atomic(_path(home), json.dumps(state).encode())
    return code


def is_extension(origin: str | None) -> bool:
    return origin is not None and origin.startswith(EXTENSION_SCHEMES)


def redeem(home: Path, code: str, origin: str | None) -> str:
    """The token for a right code from an extension origin; the origin is remembered. The
    caller holds the data folder's lock: tries are counted and the origin saved under it."""
    if not is_extension(origin):
        raise Problem(
            "pairing", Text("只有浏览器扩展可以配对。", "Only the browser extension can pair."), 403
        )
    path = _path(home)
    if not path.exists():
        raise Problem(
            "pairing",
            Text(
                "没有待用的配对码：请在 RefundProof 文件夹里运行 make pair 获取新的配对码。",
                "No pairing code is waiting: run make pair in the RefundProof folder for a new one.",
            ),
            403,
        )
    state = json.loads(path.read_text())
    if datetime.fromisoformat(state["expires_at"]) < datetime.now(UTC):
        path.unlink(missing_ok=True)
        raise Problem(
            "pairing",
            Text(
                "配对码已过期（10 分钟）：请在 RefundProof 文件夹里运行 make pair 获取新的配对码。",
                "The pairing code expired (10 minutes): run make pair in the RefundProof folder for a new one.",
            ),
            403,
        )
    if not secrets.compare_digest(_digest(code), state["sha256"]):
        state["tries"] += 1
        if state["tries"] >= MAX_TRIES:
            path.unlink(missing_ok=True)
            raise Problem(
                "pairing",
                Text(
                    "配对码错误次数过多，已作废：请在 RefundProof 文件夹里运行 make pair 获取新的配对码。",
                    "Too many wrong codes, the code is void: run make pair in the RefundProof folder for a new one.",
                ),
                403,
            )
        write_atomic(path, json.dumps(state).encode())
        raise Problem(
            "pairing",
            Text(
                f"配对码不对（还可以再试 {MAX_TRIES - state['tries']} 次）。",
                f"Wrong pairing code ({MAX_TRIES - state['tries']} tries left).",
            ),
            403,
        )
    path.unlink(missing_ok=True)
    assert origin is not None
    config = Config.load(home)
    if origin not in config.allowed_origins:
        config.allowed_origins.append(origin)
        config.save(home)
    return config.token
