"""/health for load balancers and container health checks; / points people to the docs."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text

from exchange.api.deps import UowDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(uow: UowDep) -> JSONResponse:
    """200 when the service and its database answer, 503 otherwise."""
    try:
        uow.session.execute(text("select 1"))
    except Exception:  # any database failure means: not ready
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/docs")
