"""The HTTP API: authentication by bearer token, problem details, and one router per resource."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

from exchange.api import problems
from exchange.api.routes import (
    cases,
    health,
    moves,
    network,
    network_health,
    people,
    proposals,
    rounds,
    units,
)

#: Where the pages' front-end packages are served from (see web/static/vendor/README.md).
VENDOR = "/static/vendor"


def install(app: FastAPI) -> None:
    """Add the API's routes and its problem details to the app."""
    problems.install(app)
    for module in (health, network, people, cases, units, rounds, proposals, moves,
                   network_health):
        app.include_router(module.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        """The API's documentation (Swagger UI), every asset served by the app itself."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} – API",
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> Response:
        """The API's documentation (ReDoc), without fonts or scripts from elsewhere."""
        return get_redoc_html(openapi_url=app.openapi_url or "/openapi.json",
                              title=f"{app.title} – API",
                              redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
                              redoc_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
                              with_google_fonts=False)

    @app.middleware("http")
    async def _never_cached(request: Request, call_next: Any) -> Response:
        # an answer may hold a household's data: no browser or proxy may keep a copy
        response: Response = await call_next(request)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
