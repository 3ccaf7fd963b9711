"""Every request body is capped before it is read, chunked ones included: a body over its
endpoint's limit is refused with 413 as soon as the limit is passed, and nothing more of it
is read, kept in memory or written to a temporary file."""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain.limits import Limits
from ..errors import Problem
from ..text import Text
from .problems import problem_response

KB, MB = 1024, 1024 * 1024
REPORT_BYTES = 256 * MB  # a signed report with its originals attached; ours stay far below


def limit_for(path: str, limits: Limits) -> int:
    """The most bytes a body to this path may have."""
    if path == "/api/pair":
        return KB  # {"code": "123456"}
    if re.fullmatch(r"/api/cases/[^/]+/photos", path):
        return limits.max_upload + MB  # the photo or video and its metadata
    if path == "/api/catalog":
        return limits.max_bytes + MB  # one picture and where it came from
    if path == "/api/reports/verify":
        return REPORT_BYTES
    return 64 * KB  # case facts, report requests


def too_large(limit: int) -> Problem:
    size = f"{limit / MB:.0f} MB" if limit >= MB else f"{limit // KB} KB"
    return Problem(
        "too_large",
        Text(f"请求内容太大（上限 {size}）。", f"The request body is too large (limit {size})."),
        413,
    )


class BodyLimit:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.limits)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await problem_response(too_large(limit))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit)  # answered by the app's Problem handler
            return message

        await self.app(scope, counted, send)
