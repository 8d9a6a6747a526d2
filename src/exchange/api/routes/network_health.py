"""/network-health: the coordinator's figures per member and month, the forecast, the pledge
plan and who carries the cost of idle units; the steering group's monthly report for the
coordinator and the auditor. Counts only, never a household."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import LIST, SIGNED_IN, responses
from exchange.http.deps import UowDep
from exchange.services.health import service
from exchange.services.health.figures import Figures
from exchange.services.health.forecast import Forecast
from exchange.services.health.plan import PledgePlan
from exchange.services.health.service import MONTH

router = APIRouter(prefix="/network-health", tags=["network health"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


class CostRuleUpdate(BaseModel):
    """Who carries the rent of a pledged unit standing empty."""

    model_config = ConfigDict(extra="forbid")
    idle_cost_rule: Literal["pledging_member", "shared_by_use"]


@router.get("/figures", responses=LIST)
def figures(uow: UowDep, actor: ActorDep) -> Figures:
    """Every figure per member and month of the network's history (the coordinator)."""
    return service.network_figures(uow, actor)


@router.get("/forecast", responses=responses(403, 409))
def forecast(uow: UowDep, actor: ActorDep) -> Forecast:
    """A forecast (not an outcome) of the next three months' new cases per member and
    urgency, with an interval; 409 while the history is too short, saying how long it must be."""
    return service.network_forecast(uow, actor)


@router.get("/plan", responses=responses(403, 409, 422))
def plan(uow: UowDep, actor: ActorDep,
         months: Annotated[int, Query(ge=1, le=3, description="Months of the longer target.")]
         = 3) -> PledgePlan:
    """Fair-share pledge targets per member and size for the next month and months, from the
    forecast."""
    return service.network_plan(uow, actor, months)


@router.put("/settings", responses=responses(400, 403, 422))
def settings(uow: UowDep, actor: ActorDep, body: CostRuleUpdate) -> service.CostRule:
    """Who carries the cost of idle units: the pledging member, or all by their use."""
    return service.set_cost_rule(uow, actor, body.idle_cost_rule)


@router.get("/report", responses={**responses(403, 409, 422), 200: {"content": {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in service.REPORT_KINDS.values()}, "description": "The report file."}})
def report(uow: UowDep, actor: ActorDep,
           month: Annotated[str, Query(pattern=MONTH.pattern, description="The month, as "
                                       "YYYY-MM; its round must be closed.")],
           format: Annotated[Literal["pdf", "xlsx"], Query(description="pdf or xlsx.")] = "pdf"
           ) -> Response:
    """The steering group's report of a month whose round is closed (the coordinator or the
    auditor); each read is audited. A month outside the history, or without a closed round,
    is refused with 409."""
    made = service.monthly_report(uow, actor, actor.network, month, format)
    return Response(made, media_type=service.REPORT_KINDS[format], headers={
        "Content-Disposition": f'attachment; filename="{actor.network}-{month}.{format}"'})
