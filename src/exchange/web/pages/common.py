"""Signing in and out, the language, and each role's start page."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import JSONResponse, Response

from exchange.data import localities, municipalities
from exchange.domain.lifecycle import Role
from exchange.http.deps import UowDep, database_of
from exchange.http.throttle import client_address, retry_after
from exchange.services.identities import network_name
from exchange.services.network import Trail, audit_trail
from exchange.services.records import Paging
from exchange.services.todo import todo
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
def start(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    """Each role's start page: what waits for her, most urgent first."""
    if actor.role is Role.AUDITOR:
        return redirect(HOME[actor.role])
    return page(request, "start.html", items=todo(uow, actor))


def _sign_in_page(request: Request, next: str, status: int = 200, failed: bool = False
                  ) -> Response:
    """The sign-in page: a button per network's identity provider, and the token form unless
    `EXCHANGE_TOKEN_SIGN_IN` turned it off."""
    settings = request.app.state.settings
    with database_of(request).unit_of_work() as uow:
        buttons = [(network, provider.name or network_name(uow, network) or network)
                   for network, provider in settings.oidc.items()]
    nonce = new_sign_in_nonce()
    response = page(request, "sign_in.html", status, nonce=nonce, next=next, failed=failed,
                    providers=buttons, token_sign_in=settings.token_sign_in)
    set_cookie(response, SIGN_IN_COOKIE, nonce, max_age=3600)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return _sign_in_page(request, local(next))


@router.post("/sign-in")
def sign_in(request: Request, token: Annotated[str, Form(max_length=200)],
            nonce: Annotated[str, Form(max_length=100)],
            next: Annotated[str, Form(max_length=500)] = "/app") -> Response:
    """Exchange a token for a session; a wrong token is refused without saying more."""
    if not request.app.state.settings.token_sign_in:
        return error_page(request, 404)
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
        return _sign_in_page(request, local(next), 401, failed=True)
    secret, _actor = opened
    end_browser_session(request)  # one session per browser
    response = redirect(local(next))
    set_cookie(response, SESSION_COOKIE, secret,
               max_age=int(request.app.state.settings.session_hours * 3600))
    response.delete_cookie(SIGN_IN_COOKIE, path="/", secure=True, httponly=True)
    return response


@router.post("/sign-out")
def sign_out(request: Request, actor: PageActorDep, form: FormDep) -> Response:
    """End the session here, and at the identity provider when it signed her in."""
    network = end_browser_session(request)
    settings = request.app.state.settings
    after = (settings.public_url or str(request.base_url)).rstrip("/") + "/sign-in?signed_out=1"
    provider = settings.oidc.get(network) if network else None
    there = request.app.state.oidc.end_session_url(provider, after) if provider else None
    response = redirect(there or "/sign-in?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
    return response


def end_browser_session(request: Request) -> str | None:
    """End the session this browser holds, if any; the network whose provider signed it in."""
    if secret := request.cookies.get(SESSION_COOKIE):
        with database_of(request).unit_of_work() as uow:
            return end_session(uow, secret)
    return None


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


@router.get("/app/places.json")
def places_json(actor: PageActorDep) -> Response:
    """The shipped municipalities and localities, for the maps' plain background: public
    geography, the same for everyone."""
    return JSONResponse({
        "municipalities": [{"name": p.name, "lat": p.lat, "lon": p.lon}
                           for p in municipalities().values()],
        "localities": [{"name": p.name, "lat": p.lat, "lon": p.lon}
                       for found in localities().values() for p in found]},
        headers={"Cache-Control": "private, max-age=86400"})
