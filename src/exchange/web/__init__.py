"""Server-rendered pages for coordinators, housing officers and case workers (`/app`)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from exchange.web.pages import (
    cases,
    common,
    coordinator,
    health,
    identity,
    moves,
    people,
    proposals,
    schools,
    units,
)


def install(app: FastAPI) -> None:
    """Add the pages and their assets (served by the app: nothing is fetched elsewhere)."""
    app.mount("/static", StaticFiles(directory=str(files("exchange.web") / "static")),
              name="static")
    for module in (common, identity, coordinator, people, units, schools, cases, proposals, moves,
                   health):
        app.include_router(module.router)
