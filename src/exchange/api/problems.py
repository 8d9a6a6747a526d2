"""Errors as RFC 9457 problem details: what went wrong, where, and what to do next.

Nothing the client sent is ever repeated back (FastAPI's default 422 would echo the input), and
an unexpected failure says only that it happened.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from exchange.formats import describe
from exchange.services.errors import Invalid, ServiceError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


def problem(request: Request, status: int, title: str, detail: str,
            errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}  # no "instance": the path holds what was sent
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    """Route every kind of failure through `problem`."""

    @app.exception_handler(ServiceError)
    async def _service(request: Request, error: ServiceError) -> JSONResponse:
        errors = ([{"path": p.path, "message": p.message} for p in error.problems]
                  if isinstance(error, Invalid) else None)
        detail = "Correct the fields listed and send it again." if errors else str(error)
        return problem(request, error.status, error.title, detail, errors)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = []
        for item in error.errors():
            where, *rest = item["loc"]
            found = describe({**item, "loc": tuple(rest) if where == "body" else item["loc"]},
                             echo=False)
            errors.append({"path": found.path, "message": found.message})
        return problem(request, 422, "Invalid input",
                       "Correct the fields listed and send it again.", errors)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _: StaleDataError) -> JSONResponse:
        return problem(request, 409, "Changed by someone else",
                       "Another change was saved first; read it again and redo your change.")

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, _: IntegrityError) -> JSONResponse:
        return problem(request, 409, "Conflict",
                       "This clashes with something stored meanwhile; read it again and retry.")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else "See the API documentation."
        return problem(request, error.status_code, _TITLES.get(error.status_code, "Error"),
                       detail, headers=getattr(error, "headers", None))

    @app.middleware("http")
    async def _unexpected(request: Request, call_next: Any) -> Response:
        # Caught here, not in an exception handler, so that the error is never re-raised into
        # the server's log with its message and traceback, which could hold a household's data.
        try:
            return await call_next(request)
        except Exception as error:
            route = request.scope.get("route")
            log.error("unexpected %s on %s %s", type(error).__name__, request.method,
                      route.path if route else "?")
            return problem(request, 500, "Internal error",
                           "Something failed on our side; nothing was saved. Try again, and "
                           "tell the operator if it happens again.")


_TITLES = {401: "Not signed in", 404: "Not found", 405: "Method not allowed",
           403: "Not allowed for your role"}
