"""What routes depend on: a unit of work, the signed-in actor, settings, and a page."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from exchange.api.bodies import JsonBodyRoute
from exchange.api.throttle import client_address, retry_after
from exchange.persistence.database import UnitOfWork
from exchange.services.access import Actor, audit
from exchange.services.errors import Forbidden, NotFound, ServiceError
from exchange.services.users import authenticate
from exchange.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API token from `exchange user create`.")


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """A unit of work for the request; anything not committed by the route is rolled back.

    It ends on the event loop, never waiting for a worker thread, so a transaction begun by a
    route is always ended (see `make_engine` on SQLite's writer lock). A refusal other than a
    denial (already recorded where it was decided) is audited here, after the rollback.
    """
    with UnitOfWork(request.app.state.sessions) as uow:
        try:
            yield uow
        except ServiceError as error:
            uow.session.rollback()
            if not isinstance(error, NotFound | Forbidden):
                # in a worker thread: the event loop must stay free to end other transactions
                await run_in_threadpool(_record_refusal, uow, request, error)
            raise


def _record_refusal(uow: UnitOfWork, request: Request, error: ServiceError) -> None:
    actor = getattr(request.state, "actor", None)
    if actor is None:
        return
    route = request.scope.get("route")
    path = route.path if route else ""
    audit(uow, actor, f"{request.method} {path}"[:40], path.strip("/").split("/")[0] or "request",
          next(iter(request.path_params.values()), None), error.code)
    uow.commit()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


class EndsTransaction(JsonBodyRoute):
    """A route whose body is read strictly, as JSON (see `bodies`), and whose transaction ends
    in its own worker thread as soon as it returns.

    FastAPI serializes a sync route's answer in another worker thread, and the unit of work
    would end only after that. On SQLite a transaction holds the writer lock; with every worker
    thread waiting for that lock, the answer would wait for a thread for ever.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "uow" in inspect.signature(endpoint).parameters and \
                not inspect.iscoroutinefunction(endpoint):
            endpoint = _ending(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _ending(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:  # what the route committed stays; the rest (reads) ends here
            kwargs["uow"].session.rollback()

    return run


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_actor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                       Depends(_bearer)]) -> Actor:
    """The person behind the bearer token, or 401; looked up in a transaction of its own."""
    actor, limit, address = None, request.app.state.sign_in_limit, client_address(request)
    if credentials:
        if wait := limit.wait(address):
            raise HTTPException(429, "Too many unknown tokens from this address; wait before "
                                "trying again.", headers=retry_after(wait))
        with UnitOfWork(request.app.state.sessions) as uow:
            actor = authenticate(uow, credentials.credentials)
        if actor is None:
            limit.failed(address)
    request.state.actor = actor
    if actor is None:
        raise HTTPException(401, "Send a valid API token as 'Authorization: Bearer <token>'; "
                            "ask your administrator for one (exchange user create).",
                            headers={"WWW-Authenticate": "Bearer"})
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def get_page(settings: SettingsDep,
             limit: Annotated[int, Query(ge=1, description="Items per page.")] = 50,
             offset: Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")] = 0
             ) -> PageParams:
    return PageParams(min(limit, settings.page_size_max), offset)


PageDep = Annotated[PageParams, Depends(get_page)]
