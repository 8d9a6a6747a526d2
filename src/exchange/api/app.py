"""The app factory: `create_app(settings)` wires the database, the solver pool, the API's
routers and the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

import exchange
from exchange.api import problems
from exchange.api.routes import cases, health, network, proposals, rounds, units
from exchange.api.throttle import FailureLimit
from exchange.persistence.database import make_engine, session_factory
from exchange.persistence.keys import data_keyring
from exchange.persistence.sealing import Keyring
from exchange.settings import Settings
from exchange.web import install as install_pages


def create_app(settings: Settings | None = None, keyring: Keyring | None = None) -> FastAPI:
    """A fresh app on the database `settings` name (the schema must be migrated already),
    sealing with `keyring` (by default the data keys `settings` name)."""
    settings = settings or Settings()
    keyring = keyring or data_keyring(settings)
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
    app.state.sessions = session_factory(engine, keyring)
    app.state.solver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solve")
    app.state.sign_in_limit = FailureLimit(settings.sign_in_failures, settings.sign_in_window)
    problems.install(app)
    for module in (health, network, cases, units, rounds, proposals):
        app.include_router(module.router)
    install_pages(app)
    return app
