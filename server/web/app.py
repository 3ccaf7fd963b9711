"""The local HTTP API: the routes, the guard, and one handler for every error."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from ..errors import Problem
from ..service import Service
from . import catalog_routes
from .bodies import BodyLimit
from .desk_routes import DESK_ROUTES
from .guard import LocalGuard
from .problems import on_bug, on_problem
from .routes import ROUTES


def create_app(service: Service) -> Starlette:
    app = Starlette(
        routes=ROUTES + DESK_ROUTES + catalog_routes.ROUTES,
        # the guard first: a stranger's body is refused before a byte of it is read
        middleware=[
            Middleware(LocalGuard, config=lambda: service.config),
            Middleware(BodyLimit, limits=service.limits),
        ],
        exception_handlers={Problem: on_problem, Exception: on_bug},
    )
    app.state.service = service
    return app
