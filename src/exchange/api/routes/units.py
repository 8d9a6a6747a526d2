"""/units: a housing officer's pledged units; the coordinator sees a summary."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import CHANGE, CREATE, LIST, READ, SIGNED_IN
from exchange.domain.lifecycle import UnitStatus
from exchange.http.deps import PagingDep, SearchDep, UowDep
from exchange.services import units
from exchange.services.schemas import Page, UnitCreate, UnitOut, UnitUpdate, UnitView, Versioned

router = APIRouter(prefix="/units", tags=["units"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


@router.get("", responses=LIST)
def list_units(uow: UowDep, actor: ActorDep, paging: PagingDep, search: SearchDep,
               status: UnitStatus | None = None) -> Page[UnitOut]:
    """Her municipality's units (housing officer); the network's, as summaries, for the
    coordinator. `q` finds an address, district or object number; `sort` is one of status,
    rooms, rent, available, pledge."""
    return units.list_units(uow, actor, paging, status, search)


@router.post("", status_code=201, responses=CREATE)
def pledge_unit(uow: UowDep, actor: ActorDep, body: UnitCreate, draft: bool = False) -> UnitView:
    """Pledge a unit to the network (housing officers); `draft=true` keeps it out of rounds
    until published."""
    return units.pledge_unit(uow, actor, body, publish=not draft)


@router.get("/{unit_id}", responses=READ)
def get_unit(uow: UowDep, actor: ActorDep, unit_id: str) -> UnitOut:
    return units.get_unit(uow, actor, unit_id)


@router.put("/{unit_id}", responses=CHANGE)
def update_unit(uow: UowDep, actor: ActorDep, unit_id: str, body: UnitUpdate) -> UnitView:
    return units.update_unit(uow, actor, unit_id, body)


@router.post("/{unit_id}/publish", responses=CHANGE)
def publish_unit(uow: UowDep, actor: ActorDep, unit_id: str, body: Versioned) -> UnitView:
    return units.publish_unit(uow, actor, unit_id, body.version)


@router.post("/{unit_id}/withdraw", responses=CHANGE)
def withdraw_unit(uow: UowDep, actor: ActorDep, unit_id: str, body: Versioned) -> UnitView:
    return units.withdraw_unit(uow, actor, unit_id, body.version)
