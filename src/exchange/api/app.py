"""The app factory: `create_app(settings)` wires the database, the solver pool and the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

import exchange
from exchange.api import problems
from exchange.api.routes import cases, health, network, proposals, rounds, units
from exchange.persistence.database import make_engine, session_factory
from exchange.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """A fresh app on the database `settings` name (the schema must be migrated already)."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.solver.shutdown(wait=True)
        engine.dispose()

    app = FastAPI(title="Housing exchange", version=exchange.__version__, lifespan=lifespan,
                  description="Safe, permanent homes in other municipalities for survivors of "
                  "domestic violence: units, cases, monthly matching rounds and proposals.")
    app.state.settings = settings
    app.state.sessions = session_factory(engine)
    app.state.solver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solve")
    problems.install(app)
    for module in (health, network, cases, units, rounds, proposals):
        app.include_router(module.router)
    return app
