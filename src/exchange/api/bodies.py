"""Request bodies read as the JSON they are, by the rules the OpenAPI schema states.

FastAPI validates a body in pydantic's lax Python mode, which takes `"true"` for true, `0` for
1970-01-01 and `"8"` for 8, none of which the schema allows; the domain's strict models, on the
other hand, refuse `8.0`, which JSON (and JSON Schema's `integer`) holds equal to `8`. Each route
therefore reads its body strictly, in pydantic's JSON mode, as a round file is read, with every
whole number a whole number; FastAPI then receives the checked model and passes it through.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

_EXACT = 2**53  # beyond this a float no longer holds every whole number exactly


class JsonBodyRoute(APIRoute):
    """A route whose body is validated strictly, as JSON, before FastAPI sees it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if self.body_field is None:
            return handle
        adapter: TypeAdapter[Any] = TypeAdapter(self.body_field.field_info.annotation)  # type: ignore[arg-type]

        async def read_then_handle(request: Request) -> Response:
            body = await request.body()
            data = _json(body) if body and _is_json(request) else None
            if data is None:  # not JSON at all: FastAPI's own refusal applies
                return await handle(request)
            try:
                checked = adapter.validate_json(json.dumps(data), strict=True)
            except ValidationError as error:
                raise RequestValidationError(
                    [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None
            return await handle(_Checked(request, body, checked))

        return read_then_handle


class _Checked(Request):
    """The request, with its body already read and checked."""

    def __init__(self, request: Request, body: bytes, checked: Any) -> None:
        super().__init__(request.scope, request.receive)
        self._body, self._checked = body, checked

    async def json(self) -> Any:
        return self._checked


def _is_json(request: Request) -> bool:
    """Whether FastAPI reads the body as JSON: it says it is (FastAPI's strict content type)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind.startswith("application/") and (kind == "application/json" or
                                                 kind.endswith("+json"))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_float=_number)
    except ValueError:  # not UTF-8, or not JSON
        return None
    except RecursionError:  # no body of ours nests deeper than a few levels
        raise RequestValidationError([{"loc": ("body",), "type": "json_too_deep",
                                       "msg": "is JSON nested too deeply to be read"}]) from None


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= _EXACT else value
