"""Signing in and out, the language, and each role's start page."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from exchange.domain.lifecycle import Role
from exchange.http.deps import UowDep, database_of
from exchange.http.throttle import client_address, retry_after
from exchange.services.network import Trail, audit_trail
from exchange.services.records import Paging
from exchange.services.users import end_session, open_session
from exchange.web.i18n import LANGUAGES
from exchange.web.render import PageRoute, error_page, page, redirect
from exchange.web.session import (
    LANG_COOKIE,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    FormDep,
    OffsetDep,
    PageActorDep,
    new_sign_in_nonce,
    same,
    set_cookie,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HOME = {Role.COORDINATOR: "/app/network", Role.HOUSING_OFFICER: "/app/units",
        Role.CASE_WORKER: "/app/cases", Role.AUDITOR: "/app/audit"}


def local(url: str | None, default: str = "/app") -> str:
    """Only a path of this site is followed after signing in or switching language."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return default


@router.get("/")
def root() -> Response:
    return redirect("/app")


@router.get("/app")
def home(actor: PageActorDep) -> Response:
    return redirect(HOME[actor.role])


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    nonce = new_sign_in_nonce()
    response = page(request, "sign_in.html", nonce=nonce, next=local(next))
    set_cookie(response, SIGN_IN_COOKIE, nonce, max_age=3600)
    return response


@router.post("/sign-in")
def sign_in(request: Request, token: Annotated[str, Form(max_length=200)],
            nonce: Annotated[str, Form(max_length=100)],
            next: Annotated[str, Form(max_length=500)] = "/app") -> Response:
    """Exchange a token for a session; a wrong token is refused without saying more."""
    if not same(nonce, request.cookies.get(SIGN_IN_COOKIE)):
        return error_page(request, 403, "csrf")
    with database_of(request).unit_of_work() as uow:
        opened = open_session(uow, token.strip(), request.app.state.settings.session_hours)
    if opened is None:
        limit, address = request.app.state.sign_in_limit, client_address(request)
        if wait := limit.wait(address):
            response = page(request, "error.html", 429, title="error.429.title",
                            message="error.429.text", minutes=math.ceil(wait / 60))
            response.headers.update(retry_after(wait))
            return response
        limit.failed(address)
        fresh = new_sign_in_nonce()
        response = page(request, "sign_in.html", 401, nonce=fresh, next=local(next),
                        failed=True)
        set_cookie(response, SIGN_IN_COOKIE, fresh, max_age=3600)
        return response
    secret, _actor = opened
    _end_session(request)  # one session per browser
    response = redirect(local(next))
    set_cookie(response, SESSION_COOKIE, secret,
               max_age=int(request.app.state.settings.session_hours * 3600))
    response.delete_cookie(SIGN_IN_COOKIE, path="/", secure=True, httponly=True)
    return response


@router.post("/sign-out")
def sign_out(request: Request, actor: PageActorDep, form: FormDep) -> Response:
    _end_session(request)
    response = redirect("/sign-in?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
    return response


def _end_session(request: Request) -> None:
    """End the session this browser holds, if any."""
    if secret := request.cookies.get(SESSION_COOKIE):
        with database_of(request).unit_of_work() as uow:
            end_session(uow, secret)


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str | None = None) -> Response:
    response = redirect(local(next))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/", secure=True,
                            samesite="lax")
    return response


@router.get("/app/audit")
def audit_page(request: Request, uow: UowDep, actor: PageActorDep, offset: OffsetDep = 0,
               trail: Trail = Trail.NETWORK) -> Response:
    """The auditor's page: the network's audit trail (or the service's own), newest first."""
    read = audit_trail(uow, actor, Paging(100, offset), trail=trail)
    return page(request, "audit.html", rows=read.items, total=read.total, offset=offset,
                trail=trail.value)
