"""Errors as RFC 9457 problem details: what went wrong, where, and what to do next.

Nothing the client sent is ever repeated back (FastAPI's default 422 would echo the input), and
an unexpected failure says only that it happened.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from exchange.formats import describe
from exchange.services.errors import Invalid, ServiceError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One thing wrong with the input: where, and what; never the value sent."""

    path: str = Field(description="The field, as a dotted path (`household.children[0].age`).")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong and what to do next."""

    type: str = Field(description="Always `about:blank`: the status says what kind it is.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(
        default=None, description="For invalid input, each field that is wrong.")


_MEANINGS = {
    400: "The body cannot be read as text (it is not UTF-8).",
    401: "No valid API token was sent.",
    403: "The caller's role does not include this function.",
    404: "No such object, or none the caller may reach: the two are never told apart.",
    409: "The object changed meanwhile (a stale `version`) or is not in a state that allows this.",
    413: "The request body is larger than the service takes (`EXCHANGE_MAX_BODY_BYTES`).",
    422: "The input breaks a rule; `errors` lists each field.",
    429: "Too many unknown tokens from this address; `Retry-After` says when to try again.",
}


_HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem responses a route may give, for its OpenAPI (`responses=` of a route or a
    router); `install` serves them as `application/problem+json`."""
    return {status: {"model": Problem, "description": _MEANINGS[status],
                     **({"headers": _HEADERS[status]} if status in _HEADERS else {})}
            for status in statuses}


#: What every route that needs a token may answer (given to its router).
SIGNED_IN = responses(401, 413, 429)
#: What a route may add to that: a list, a read by id, a creation, a change of an object.
LIST = responses(403, 422)
READ = responses(403, 404, 422)
CREATE = responses(400, 403, 422)
CHANGE = responses(400, 403, 404, 409, 422)


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
    """Route every kind of failure through `problem`, and say so in the OpenAPI."""
    _document_media_type(app)

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

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else "See the API documentation."
        headers = getattr(error, "headers", None)
        if error.status_code == 405 and (allowed := _allowed(request)):
            # the router names only the methods of the first route that matched the path
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return problem(request, error.status_code, _TITLES.get(error.status_code, "Error"),
                       detail, headers=headers)

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


def _document_media_type(app: FastAPI) -> None:
    """Every error answers `application/problem+json`; FastAPI documents a response model as
    `application/json`, so the generated schema is corrected once, when first built."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for operation in (o for path in build()["paths"].values() for o in path.values()):
                for status, response in operation["responses"].items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        content[MEDIA_TYPE] = content.pop("application/json")
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _allowed(request: Request) -> list[str]:
    """Every method the API documents at the request's path (none for a path it does not)."""
    for template, operations in request.app.openapi()["paths"].items():
        pattern = "/".join("[^/]+" if part.startswith("{") else re.escape(part)
                           for part in template.split("/"))
        if re.fullmatch(pattern, request.url.path):
            return sorted(method.upper() for method in operations)
    return []


_TITLES = {400: "Bad request", 401: "Not signed in", 404: "Not found", 405: "Method not allowed",
           403: "Not allowed for your role", 413: "Too large", 429: "Too many attempts"}
