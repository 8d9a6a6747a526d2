"""Signing in through the network's identity provider (OpenID Connect): the button on the
sign-in page starts the flow, the provider sends the browser back to the callback.

Whatever goes wrong ends on a page that says what, in the reader's language, with an audit entry
and no session: the sign-in under way is taken once, before anything is checked, so a failed or
replayed answer leaves nothing half signed in.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from exchange.http.deps import database_of
from exchange.services.identities import (
    Flow,
    begin_flow,
    open_identity_session,
    refuse_sign_in,
    take_flow,
)
from exchange.settings import IdentityProvider
from exchange.web.oidc import OpenIdClient, ProviderDown, Refused
from exchange.web.pages.common import end_browser_session, local
from exchange.web.render import PageRoute, error_page, redirect
from exchange.web.session import FLOW_COOKIE, SESSION_COOKIE, same, set_cookie

log = logging.getLogger(__name__)
router = APIRouter(route_class=PageRoute, include_in_schema=False)


def client_of(request: Request) -> OpenIdClient:
    client: OpenIdClient = request.app.state.oidc
    return client


def providers(request: Request) -> dict[str, IdentityProvider]:
    """The networks' identity providers, by network id."""
    return dict(request.app.state.settings.oidc)


def callback_url(request: Request) -> str:
    """The address the provider sends the browser back to (registered with the provider)."""
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + "/sign-in/callback"


@router.get("/sign-in/provider/{network}")
def start(request: Request, network: str, next: str = "/app") -> Response:
    """Off to the network's provider, with a fresh state, nonce and PKCE verifier."""
    provider = providers(request).get(network)
    if provider is None:
        return error_page(request, 404)
    flow = Flow(network, secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                secrets.token_urlsafe(48), local(next))
    try:
        url = client_of(request).authorization_url(provider, callback_url(request), flow)
    except ProviderDown:
        return _refused(request, network, "provider_down", 503, "sign_in_down")
    with database_of(request).unit_of_work() as uow:
        secret = begin_flow(uow, flow)
    response = redirect(url)
    set_cookie(response, FLOW_COOKIE, secret, max_age=600)
    return response


@router.get("/sign-in/callback")
async def callback(request: Request) -> Response:
    """The provider's answer: the flow it belongs to is taken (once), its state compared, the
    code traded and the ID token checked; then the person must be registered."""
    response = await run_in_threadpool(_finish, request)
    response.delete_cookie(FLOW_COOKIE, path="/", secure=True, httponly=True)
    return response


def _finish(request: Request) -> Response:
    secret = request.cookies.get(FLOW_COOKIE)
    with database_of(request).unit_of_work() as uow:
        flow = take_flow(uow, secret) if secret else None
    params = request.query_params
    if flow is None or not same(params.get("state"), flow.state):
        return _refused(request, flow.network if flow else None, "state_mismatch", 400,
                        "sign_in_state")
    provider = providers(request).get(flow.network)
    if provider is None or "code" not in params:  # the person cancelled, or the provider refused
        return _refused(request, flow.network, "provider_refused", 401, "sign_in_refused")
    try:
        identity = client_of(request).identity(provider, callback_url(request),
                                               params["code"], flow)
    except ProviderDown:
        return _refused(request, flow.network, "provider_down", 503, "sign_in_down")
    except Refused as refused:
        return _refused(request, flow.network, refused.reason, 401, "sign_in_refused")
    settings = request.app.state.settings
    with database_of(request).unit_of_work() as uow:
        opened = open_identity_session(uow, identity, provider.group_roles,
                                       settings.session_hours)
    if opened is None:
        return error_page(request, 403, "unregistered")
    end_browser_session(request)  # one session per browser
    response = redirect(flow.next)
    set_cookie(response, SESSION_COOKIE, opened[0], max_age=int(settings.session_hours * 3600))
    return response


def _refused(request: Request, network: str | None, reason: str, status: int,
             kind: str) -> Response:
    log.warning("sign-in through the identity provider refused: %s", reason)
    with database_of(request).unit_of_work() as uow:
        refuse_sign_in(uow, network, reason)
    return error_page(request, status, kind)
