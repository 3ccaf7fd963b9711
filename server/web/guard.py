"""Every request: a loopback Host (DNS rebinding), no foreign Origin, and the pairing token (or
the case desk's session cookie, which is bound to it)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import desk_session
from ..errors import Problem
from ..pairing import is_extension
from ..settings import Config
from ..text import Text
from .desk_routes import sign_in_page
from .problems import problem_response

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
OPEN_PATHS = {
    "/api/health",
    "/api/pair",
}  # says only that the server runs, so the extension can tell


# host[:port] and nothing else: a name or IPv4, or an IPv6 address in brackets
_HOST = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>\d{1,5}))?"
)


def _hostname(host: str) -> str:
    """The host name of a Host header, or "" when it is not strictly host[:port]
    (`127.0.0.1:8765@evil.example` is refused, not read as 127.0.0.1)."""
    m = _HOST.fullmatch(host)
    return (m.group("v6") or m.group("name")) if m else ""


def _cookie(headers: Headers) -> str | None:
    return cookie_parser(headers.get("cookie", "")).get(desk_session.COOKIE)


class LocalGuard:
    def __init__(self, app: ASGIApp, config: Callable[[], Config]) -> None:
        self.app = app
        self.config = config  # read on every request: `token --new` revokes at once

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self.refuse(headers, scope["path"])
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refuse(self, headers: Headers, path: str) -> Response | None:
        if _hostname(headers.get("host", "")).lower() not in LOOPBACK_HOSTS:
            return problem_response(
                Problem(
                    "host",
                    Text(
                        "拒绝访问：请求的 Host 不是本机地址。",
                        "Refused: the request's Host is not a loopback address.",
                    ),
                    400,
                )
            )
        try:
            config = self.config()
        except Problem as e:  # a damaged settings file: said on every route, in both languages
            return problem_response(e)
        origin = headers.get("origin")
        # An unpaired extension may ask whether the server runs and pair; a web page may not.
        unpaired_ok = path in OPEN_PATHS and is_extension(origin)
        # the desk's own page, served from here (its Host is loopback, checked above)
        own_page = origin == f"http://{headers.get('host', '')}"
        allowed = origin in config.allowed_origins or unpaired_ok or own_page
        if origin is not None and not allowed:
            return problem_response(
                Problem(
                    "origin",
                    Text(
                        "拒绝访问：请求来自未配对的网页或扩展。",
                        "Refused: the request comes from a page or extension that is not paired.",
                    ),
                    403,
                )
            )
        if path in OPEN_PATHS or path == desk_session.LOGIN_PATH:  # the login checks its code
            return None
        if desk_session.valid(_cookie(headers), config.token, time.time()):
            return None
        auth = headers.get("authorization", "")
        token = (
            auth.removeprefix("Bearer ").strip()
            if auth.startswith("Bearer ")
            else headers.get("x-refundproof-token", "")
        )
        if not token or not secrets.compare_digest(token.encode(), config.token.encode()):
            if path == "/desk":  # a person at the desk's address: how to sign in, as a page
                return sign_in_page()
            return problem_response(
                Problem(
                    "token",
                    Text(
                        "缺少或错误的配对令牌。运行 `refundproof token` 查看令牌。",
                        "Missing or wrong pairing token. Run `refundproof token` to see it.",
                    ),
                    401,
                )
            )
        return None
