"""The HTTP API: authentication by bearer token, problem details, and one router per resource."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response

from exchange.api import problems
from exchange.api.routes import cases, health, network, people, proposals, rounds, units


def install(app: FastAPI) -> None:
    """Add the API's routes and its problem details to the app."""
    problems.install(app)
    for module in (health, network, people, cases, units, rounds, proposals):
        app.include_router(module.router)

    @app.middleware("http")
    async def _never_cached(request: Request, call_next: Any) -> Response:
        # an answer may hold a household's data: no browser or proxy may keep a copy
        response: Response = await call_next(request)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
