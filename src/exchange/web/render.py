"""Rendering a page: templates, the translator, security headers, and errors as pages."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from importlib.resources import files
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from exchange.domain.rules import stage_of
from exchange.geography import municipality_names
from exchange.http.deps import database_of
from exchange.services.access import record
from exchange.services.errors import ServiceError, Stale
from exchange.services.records import pseudonym
from exchange.web.forms import label_of, value_at
from exchange.web.i18n import DEFAULT, LANGUAGES, Translator
from exchange.web.session import LANG_COOKIE, CsrfRefused, SignInRequired

log = logging.getLogger(__name__)
templates = Jinja2Templates(directory=str(files("exchange.web") / "templates"))
templates.env.globals.update(value=value_at, label_of=label_of, pseudonym=pseudonym,
                             municipality_name=lambda code: municipality_names().get(code, code))


def with_query(request: Request, **changes: object) -> str:
    """This page's address with some query parameters changed (None: left out)."""
    query = {**request.query_params, **{k: v for k, v in changes.items()}}
    return request.url.path + "?" + urlencode({k: v for k, v in query.items()
                                               if v not in (None, "")})


def rooms(low: int, high: int) -> str:
    """A room range as people write it: "3", or "2–3"."""
    return str(low) if low == high else f"{low}–{high}"


def zones_json(zones: list[Any]) -> str:
    """Danger zones for the case worker's map: [[lat, lon, radius km], ...]."""
    return json.dumps([[z.lat, z.lon, z.radius_km] for z in zones])


def signed(value: int) -> str:
    """A balance as people read it: "+2", "−3", and "0" without a sign."""
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"


def said(t: Translator, prefix: str, word: str) -> str:
    """A word of the audit trail in the reader's language; a request refused before it named a
    function (its method and path) stays as it was recorded."""
    key = prefix + word
    if t.has(key):
        return t(key)
    return f"{t(prefix + 'request')}: {word}" if " " in word else word


templates.env.globals.update(with_query=with_query, rooms=rooms, zones_json=zones_json,
                             signed=signed, said=said, stage_of=lambda age: (
                                 None if (s := stage_of(age)) is None else s.value))

#: Nothing from elsewhere: every script, style and picture is served by the app itself (map
#: tiles alone may come from the host an operator configured, see `policy`).
POLICY = ("default-src 'self'; img-src 'self' data:{tiles}; object-src 'none'; "
          "base-uri 'none'; frame-ancestors 'none'; form-action 'self'{forms}")
HEADERS = {
    "Content-Security-Policy": POLICY.format(tiles="", forms=""),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # pages hold personal data: never kept in a shared cache
    "Strict-Transport-Security": "max-age=31536000",  # ignored over plain http (localhost)
}


def language(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT)
    return lang if lang in LANGUAGES else DEFAULT


def translator(request: Request) -> Translator:
    return Translator(language(request))


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """The page `template`, in the reader's language, with who she is and her CSRF token."""
    t = translator(request)
    response = templates.TemplateResponse(request, template, {
        "t": t, "lang": t.lang, "actor": getattr(request.state, "actor", None),
        "csrf": getattr(request.state, "csrf", None), "here": request.url.path, **context},
        status_code=status)
    response.headers.update(HEADERS)
    response.headers["Content-Security-Policy"] = policy(
        request.app.state.settings.map_tiles, getattr(request.app.state, "sign_out_origins", ""))
    return response


def policy(tiles: str | None, sign_out: str = "") -> str:
    """The pages' content security policy: the app's own files, the tile host when one is
    configured (`EXCHANGE_MAP_TILES`), and the identity providers' hosts for the sign-out form,
    which leads on to them."""
    parts = urlsplit((tiles or "").replace("{s}", "*"))
    host = f" {parts.scheme}://{parts.netloc}" if tiles else ""
    return POLICY.format(tiles=host, forms=f" {sign_out}" if sign_out else "")


def redirect(url: str) -> Response:
    """After a form: see the result (303, so a reload never posts twice)."""
    response = RedirectResponse(url, status_code=303)
    response.headers.update(HEADERS)
    return response


def error_page(request: Request, status: int, kind: str | None = None,
               detail: str | None = None) -> Response:
    """The error page of `status` (or of a `kind` of refusal), in the reader's language. It
    never repeats the address, which may hold a probed id."""
    key = kind or str(status)
    return page(request, "error.html", status, here="/app", title=f"error.{key}.title",
                message=f"error.{key}.text", detail=detail)


class PageRoute(APIRoute):
    """A page: a refusal becomes a page in the reader's language instead of a JSON problem,
    and a missing session leads to the sign-in form and back."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                back = request.url.path if request.method == "GET" else "/app"
                return redirect(f"/sign-in?next={quote(back)}")
            except CsrfRefused:
                await run_in_threadpool(_record_forgery, request)
                return error_page(request, 403, "csrf")
            except (RequestValidationError, HTTPException) as error:  # a hand-made request
                status = getattr(error, "status_code", 400)
                return error_page(request, status if status in (403, 404, 413) else 400)
            except ServiceError as error:
                # the services explain a refusal in English: said on the English pages only
                english = language(request) == "en" and error.status in (409, 422)
                return error_page(request, error.status,
                                  "stale" if isinstance(error, Stale) else None,
                                  str(error) if english else None)
            except Exception as error:  # log the kind only: a message may hold data
                log.error("unexpected %s on page %s %s", type(error).__name__, request.method,
                          request.scope["route"].path)
                return error_page(request, 500)

        return handle


def _record_forgery(request: Request) -> None:
    """A form without its session's CSRF token: audited as a denial of what it asked for."""
    route = request.scope.get("route")
    with database_of(request).unit_of_work() as uow:
        record(uow, request.state.actor, "forged_form", "page",
               next(iter(request.path_params.values()), None), "denied")
    log.warning("form without its CSRF token on %s", route.path if route else "?")
