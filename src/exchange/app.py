"""The one place the service is assembled: `create_app(settings)` opens the database, starts the
solver, and mounts the API and the pages side by side over the shared HTTP layer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import exchange
from exchange import api, web
from exchange.http.limits import BodyLimit
from exchange.http.throttle import FailureLimit, trusted_proxies
from exchange.services.database import Database, keys_of
from exchange.services.sign_in_failures import DatabaseFailures, FailureStore, RedisFailures
from exchange.services.solving import Solver
from exchange.settings import Settings
from exchange.solver import SolveParams
from exchange.web.oidc import OpenIdClient


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """A fresh app on the database `settings` name (its schema must be migrated already), or
    on `database`, with the data keys `settings` name."""
    settings = settings or Settings()
    database = database or Database(settings, keys_of(settings, notice=lambda _: None))
    solver = Solver(database, SolveParams(time_limit=settings.solve_time_limit),
                    settings.solve_stale_after)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        solver.shutdown()
        database.dispose()

    app = FastAPI(title="Housing exchange", version=exchange.__version__, lifespan=lifespan,
                  description="Safe, permanent homes in other municipalities for survivors of "
                  "domestic violence: units, cases, monthly matching rounds and proposals.")
    app.state.settings, app.state.database, app.state.solver = settings, database, solver
    app.state.sign_in_limit = FailureLimit(settings.sign_in_failures, settings.sign_in_window,
                                           _failure_store(settings, database))
    app.state.proxies = trusted_proxies(settings.forwarded_allow_ips)
    app.state.oidc = OpenIdClient(settings.oidc_timeout, settings.oidc_leeway)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    api.install(app)
    web.install(app)
    return app


def _failure_store(settings: Settings, database: Database) -> FailureStore:
    """Where every process of the deployment counts failed sign-ins."""
    if settings.redis_url is not None:
        return RedisFailures(settings.redis_url.get_secret_value())
    return DatabaseFailures(database)
