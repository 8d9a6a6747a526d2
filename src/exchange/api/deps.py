"""What the API's routes add to the shared HTTP layer: the person behind the bearer token, and
routes that read their body strictly and end their transaction at once."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from exchange.api.bodies import JsonBodyRoute
from exchange.http.deps import database_of
from exchange.http.throttle import client_address, retry_after
from exchange.services.access import Actor
from exchange.services.users import authenticate

_bearer = HTTPBearer(auto_error=False, description="An API token from `exchange user create`.")


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
        finally:  # what the use cases committed stays; the rest (reads) ends here
            kwargs["uow"].rollback()

    return run


def get_actor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                       Depends(_bearer)]) -> Actor:
    """The person behind the bearer token, or 401; looked up in a transaction of its own, and a
    token that lets nobody in is audited (`exchange.services.users`). A right token always
    gets in; wrong ones from an address over the sign-in limit get 429
    (`exchange.http.throttle`)."""
    actor = None
    if credentials:
        with database_of(request).unit_of_work() as uow:
            actor = authenticate(uow, credentials.credentials)
        if actor is None:
            limit, address = request.app.state.sign_in_limit, client_address(request)
            if wait := limit.wait(address):
                raise HTTPException(429, "Too many unknown tokens from this address; wait "
                                    "before trying again.", headers=retry_after(wait))
            limit.failed(address)
    request.state.actor = actor
    if actor is None:
        raise HTTPException(401, "Send a valid API token as 'Authorization: Bearer <token>'; "
                            "ask your administrator for one (exchange user create).",
                            headers={"WWW-Authenticate": "Bearer"})
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
