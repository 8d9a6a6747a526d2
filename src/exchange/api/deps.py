"""What routes depend on: a unit of work, the signed-in actor, settings, and a page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from exchange.persistence.database import UnitOfWork
from exchange.services.access import Actor
from exchange.services.users import authenticate
from exchange.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API token from `exchange user create`.")


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work for the request; anything not committed by the route is rolled back."""
    with UnitOfWork(request.app.state.sessions) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_actor(uow: UowDep, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                  Depends(_bearer)]) -> Actor:
    """The person behind the bearer token, or 401."""
    actor = authenticate(uow, credentials.credentials) if credentials else None
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
             offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0) -> PageParams:
    return PageParams(min(limit, settings.page_size_max), offset)


PageDep = Annotated[PageParams, Depends(get_page)]
