"""The HTTP API: authentication by bearer token, problem details, and one router per resource."""

from __future__ import annotations

from fastapi import FastAPI

from exchange.api import problems
from exchange.api.routes import cases, health, network, proposals, rounds, units


def install(app: FastAPI) -> None:
    """Add the API's routes and its problem details to the app."""
    problems.install(app)
    for module in (health, network, cases, units, rounds, proposals):
        app.include_router(module.router)
