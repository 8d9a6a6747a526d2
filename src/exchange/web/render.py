"""Rendering a page: templates, the translator, security headers, and errors as pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from importlib.resources import files
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from exchange.http.deps import database_of
from exchange.services.access import record
from exchange.services.errors import ServiceError, Stale
from exchange.web.forms import label_of, value_at
from exchange.web.i18n import DEFAULT, LANGUAGES, Translator
from exchange.web.places import municipality_names
from exchange.web.session import LANG_COOKIE, CsrfRefused, SignInRequired

log = logging.getLogger(__name__)
templates = Jinja2Templates(directory=str(files("exchange.web") / "templates"))
templates.env.globals.update(value=value_at, label_of=label_of,
                             municipality_name=lambda code: municipality_names().get(code, code))

#: Nothing from elsewhere: every script, style and picture is served by the app itself.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
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
    if origins := getattr(request.app.state, "sign_out_origins", ""):
        # signing out leads on to the identity provider: the sign-out form may go there
        response.headers["Content-Security-Policy"] = HEADERS["Content-Security-Policy"] \
            .replace("form-action 'self'", f"form-action 'self' {origins}")
    return response


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
                return error_page(request, error.status,
                                  "stale" if isinstance(error, Stale) else None,
                                  str(error) if error.status in (409, 422) else None)
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
