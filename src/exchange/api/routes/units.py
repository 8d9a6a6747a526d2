"""/units: a housing officer's pledged units; the coordinator sees a summary."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction, PageDep, UowDep
from exchange.api.problems import CHANGE, CREATE, LIST, READ, SIGNED_IN
from exchange.persistence.rows import UnitStatus
from exchange.services import units
from exchange.services.schemas import Page, UnitCreate, UnitSummary, UnitUpdate, UnitView, Versioned

router = APIRouter(prefix="/units", tags=["units"], responses=SIGNED_IN,
                   route_class=EndsTransaction)
UnitOut = UnitView | UnitSummary


@router.get("", responses=LIST)
def list_units(uow: UowDep, actor: ActorDep, page: PageDep,
               status: UnitStatus | None = None) -> Page[UnitOut]:
    rows, total = units.list_units(uow, actor, page.limit, page.offset, status)
    items = [units.unit_view(actor, row) for row in rows]
    uow.commit()
    return Page[UnitOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", status_code=201, responses=CREATE)
def pledge_unit(uow: UowDep, actor: ActorDep, body: UnitCreate, draft: bool = False) -> UnitView:
    """Pledge a unit to the network (housing officers); `draft=true` keeps it out of rounds
    until published."""
    row = units.pledge_unit(uow, actor, body, publish=not draft)
    uow.commit()
    return units.unit_view(actor, row)


@router.get("/{unit_id}", responses=READ)
def get_unit(uow: UowDep, actor: ActorDep, unit_id: str) -> UnitOut:
    row = units.get_unit(uow, actor, unit_id)
    uow.commit()
    return units.unit_view(actor, row)


@router.put("/{unit_id}", responses=CHANGE)
def update_unit(uow: UowDep, actor: ActorDep, unit_id: str, body: UnitUpdate) -> UnitView:
    row = units.update_unit(uow, actor, unit_id, body)
    uow.commit()
    return units.unit_view(actor, row)


@router.post("/{unit_id}/publish", responses=CHANGE)
def publish_unit(uow: UowDep, actor: ActorDep, unit_id: str, body: Versioned) -> UnitView:
    row = units.publish_unit(uow, actor, unit_id, body.version)
    uow.commit()
    return units.unit_view(actor, row)


@router.post("/{unit_id}/withdraw", responses=CHANGE)
def withdraw_unit(uow: UowDep, actor: ActorDep, unit_id: str, body: Versioned) -> UnitView:
    row = units.withdraw_unit(uow, actor, unit_id, body.version)
    uow.commit()
    return units.unit_view(actor, row)
