"""The one way the API answers an error: the documented bilingual JSON of a Problem."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import Problem
from ..text import Text


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse(problem.to_json(), status_code=problem.status)


async def on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc)


async def on_bug(request: Request, exc: Exception) -> Response:
    """A bug, not bad input: the seller sees its name, never a traceback."""
    name = type(exc).__name__
    return problem_response(
        Problem(
            "internal", Text(f"服务器内部错误：{name}。", f"Internal server error: {name}."), 500
        )
    )
