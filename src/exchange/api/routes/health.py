"""/health for load balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from exchange.api.deps import EndsTransaction, UowDep

router = APIRouter(tags=["health"], route_class=EndsTransaction)


@router.get("/health")
def health(uow: UowDep) -> JSONResponse:
    """200 when the service and its database answer, 503 otherwise."""
    try:
        uow.session.execute(text("select 1"))
    except Exception:  # any database failure means: not ready
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})

