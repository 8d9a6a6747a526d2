"""What routes and pages depend on: the database, a unit of work per request, the settings and
a page of a list.

Everything a request needs is held by the app (`exchange.app.create_app`), in its state: the
`Database`, the `Settings`, the `Solver` and the sign-in limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from exchange.services.access import Actor, record
from exchange.services.database import Database
from exchange.services.errors import Forbidden, NotFound, ServiceError
from exchange.services.geocoding import Geocoder
from exchange.services.records import Paging, Search
from exchange.services.solving import Solver
from exchange.services.unit_of_work import UnitOfWork
from exchange.settings import Settings


def database_of(request: Request) -> Database:
    """The app's database."""
    database: Database = request.app.state.database
    return database


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """A unit of work for the request; the use cases it calls commit what they do, and whatever
    else was begun is rolled back.

    It ends on the event loop, never waiting for a worker thread, so a transaction begun by a
    route is always ended (see `make_engine` on SQLite's writer lock). A refusal other than a
    denial (already recorded where it was decided) is audited here, after the rollback.
    """
    with database_of(request).unit_of_work() as uow:
        try:
            yield uow
        except ServiceError as error:
            uow.rollback()
            if not isinstance(error, NotFound | Forbidden):
                # in a worker thread: the event loop must stay free to end other transactions
                await run_in_threadpool(_record_refusal, uow, request, error)
            raise


def _record_refusal(uow: UnitOfWork, request: Request, error: ServiceError) -> None:
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is None:
        return
    route = request.scope.get("route")
    path = getattr(route, "path", "")
    record(uow, actor, f"{request.method} {path}"[:40], path.strip("/").split("/")[0] or
           "request", next(iter(request.path_params.values()), None), error.code)


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_solver(request: Request) -> Solver:
    solver: Solver = request.app.state.solver
    return solver


SolverDep = Annotated[Solver, Depends(get_solver)]


def get_paging(settings: SettingsDep,
               limit: Annotated[int, Query(ge=1, description="Items per page.")] = 50,
               offset: Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")] = 0
               ) -> Paging:
    return Paging(min(limit, settings.page_size_max), offset)


PagingDep = Annotated[Paging, Depends(get_paging)]


class Order(StrEnum):
    ASCENDING = "asc"
    DESCENDING = "desc"


def get_search(q: Annotated[str, Query(max_length=100, description="Words to find.")] = "",
               sort: Annotated[str, Query(max_length=20, pattern="^[a-z_]*$",
                                          description="What to order by.")] = "",
               order: Order = Order.ASCENDING) -> Search:
    return Search(q.strip(), sort, order is Order.DESCENDING)


SearchDep = Annotated[Search, Depends(get_search)]


def get_geocoder(request: Request) -> Geocoder:
    geocoder: Geocoder = request.app.state.geocoder
    return geocoder


GeocoderDep = Annotated[Geocoder, Depends(get_geocoder)]
