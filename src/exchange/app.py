"""The one place the service is assembled: `create_app(settings)` opens the database, starts the
solver, and mounts the API and the pages side by side over the shared HTTP layer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

import exchange
from exchange import api, web
from exchange.http.limits import BodyLimit
from exchange.http.throttle import FailureLimit, trusted_proxies
from exchange.services.database import Database, keys_of
from exchange.services.geocoding import geocoder_from
from exchange.services.outbox import Mailer, mailer_of, sender_pass
from exchange.services.sign_in_failures import DatabaseFailures, FailureStore, RedisFailures
from exchange.services.solving import Solver
from exchange.settings import Settings
from exchange.solver import SolveParams
from exchange.web.oidc import OpenIdClient

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """A fresh app on the database `settings` name (its schema must be migrated already), or
    on `database`, with the data keys `settings` name."""
    settings = settings or Settings()
    database = database or Database(settings, keys_of(settings, notice=lambda _: None))
    solver = Solver(database, SolveParams(time_limit=settings.solve_time_limit),
                    settings.solve_stale_after, settings.solve_memory_mb)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        sender = asyncio.create_task(_send_notices(database, mailer_of(settings),
                                                   settings.notice_poll_seconds, stop))
        yield
        stop.set()  # a pass under way ends first: nothing runs on a closed database
        await sender
        solver.shutdown()
        database.dispose()

    app = FastAPI(title="Housing exchange", version=exchange.__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # served by `api` from the app's own assets
                  description="Safe, permanent homes in other municipalities for survivors of "
                  "domestic violence: units, cases, monthly matching rounds and proposals.")
    app.state.settings, app.state.database, app.state.solver = settings, database, solver
    app.state.geocoder = geocoder_from(settings.geocoder, settings.geocoder_user_agent)
    app.state.sign_in_limit = FailureLimit(settings.sign_in_failures, settings.sign_in_window,
                                           _failure_store(settings, database))
    app.state.proxies = trusted_proxies(settings.forwarded_allow_ips)
    app.state.oidc = OpenIdClient(settings.oidc_timeout, settings.oidc_leeway)
    app.state.sign_out_origins = " ".join(sorted({
        "{0.scheme}://{0.netloc}".format(urlsplit(p.issuer)) for p in settings.oidc.values()}))
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    api.install(app)
    web.install(app)
    return app


def _failure_store(settings: Settings, database: Database) -> FailureStore:
    """Where every process of the deployment counts failed sign-ins."""
    if settings.redis_url is not None:
        return RedisFailures(settings.redis_url.get_secret_value())
    return DatabaseFailures(database)


async def _send_notices(database: Database, mailer: Mailer | None, poll: float,
                        stop: asyncio.Event) -> None:
    """The notice sender, until `stop`: every `poll` seconds one pass (in a worker thread); a
    failure is logged by its kind and the next pass tries again."""
    while not stop.is_set():
        try:
            await run_in_threadpool(sender_pass, database, mailer)
        except Exception as error:  # the kind only: a message may hold an address
            log.error("notice sender: %s", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll)
