"""Signing in to the pages: a token exchanged for a session cookie, and CSRF on every form.

The cookie holds a random secret whose hash names a stored session (`web_sessions`); it is
Secure, HttpOnly and SameSite=Lax, so scripts never read it and other sites' forms never send
it. Every form carries the session's CSRF token as well, checked before anything is done. The
sign-in form itself, which has no session yet, uses a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from exchange.http.deps import database_of
from exchange.services.access import Actor
from exchange.services.users import session_actor

SESSION_COOKIE = "__Host-exchange-session"
SIGN_IN_COOKIE = "__Host-exchange-sign-in"
FLOW_COOKIE = "__Host-exchange-provider-flow"  # a sign-in through the provider under way
LANG_COOKIE = "exchange-lang"


class SignInRequired(Exception):
    """No live session: the page sends the browser to the sign-in form."""


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """Every cookie of the pages: Secure, HttpOnly, SameSite=Lax, whole site (`__Host-`)."""
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True,
                        samesite="lax")


def new_sign_in_nonce() -> str:
    return secrets.token_urlsafe(24)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets; a missing one is never equal."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _signed_in(request: Request) -> Actor:
    secret = request.cookies.get(SESSION_COOKIE)
    found = None
    if secret:
        with database_of(request).unit_of_work() as uow:
            found = session_actor(uow, secret)
    if found is None:
        request.state.actor = None
        raise SignInRequired
    request.state.actor, request.state.csrf = found
    return found[0]


async def get_page_actor(request: Request) -> Actor:
    """The person signed in to the pages; without a live session, off to the sign-in form."""
    request.state.csrf = None
    return await run_in_threadpool(_signed_in, request)


PageActorDep = Annotated[Actor, Depends(get_page_actor)]


async def get_form(request: Request, actor: PageActorDep) -> FormData:
    """The posted form, once its CSRF token has been checked against the session's."""
    form = await request.form()
    if not same(form.get("_csrf"), request.state.csrf):  # type: ignore[arg-type]
        raise CsrfRefused
    return form


FormDep = Annotated[FormData, Depends(get_form)]

#: Where a page of a list starts; anything but a sensible number is a bad request.
OffsetDep = Annotated[int, Query(ge=0, le=10**9)]
