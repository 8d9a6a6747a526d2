"""Units: a housing officer pledges her municipality's apartments to the network."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import (
    ProposalRow,
    ProposalStatus,
    Role,
    UnitRow,
    UnitStatus,
)
from exchange.services.access import Actor, audit, one, require, unit_scope
from exchange.services.errors import Conflict
from exchange.services.records import check_version, end_proposal, new_id, page
from exchange.services.schemas import UnitSummary, UnitView

EDITABLE = (UnitStatus.DRAFT, UnitStatus.AVAILABLE)


def pledge_unit(uow: UnitOfWork, actor: Actor, body: BaseModel, publish: bool = True) -> UnitRow:
    """A new unit of the housing officer's municipality, available to the next round unless
    kept as a draft."""
    require(uow, actor, "create", "unit", Role.HOUSING_OFFICER)
    row = UnitRow(id=new_id("unit"), municipality_code=actor.municipality,
                  status=UnitStatus.AVAILABLE if publish else UnitStatus.DRAFT, **_columns(body))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "unit", row.id)
    return row


def list_units(uow: UnitOfWork, actor: Actor, limit: int, offset: int,
               status: UnitStatus | None = None) -> tuple[list[UnitRow], int]:
    """The units the caller reaches: her municipality's, or the network's for the coordinator."""
    require(uow, actor, "list", "unit", Role.HOUSING_OFFICER, Role.COORDINATOR)
    statement = select(UnitRow).where(unit_scope(actor)).order_by(UnitRow.created_at, UnitRow.id)
    if status is not None:
        statement = statement.where(UnitRow.status == status)
    return page(uow, statement, limit, offset)


def get_unit(uow: UnitOfWork, actor: Actor, unit_id: str, action: str = "read") -> UnitRow:
    """One unit the caller reaches, or a 404."""
    require(uow, actor, action, "unit", Role.HOUSING_OFFICER, Role.COORDINATOR)
    return one(uow, actor, select(UnitRow).where(UnitRow.id == unit_id, unit_scope(actor)),
               "unit", unit_id, action)


def update_unit(uow: UnitOfWork, actor: Actor, unit_id: str, body: Any) -> UnitRow:
    """Replace a draft or available unit's details."""
    require(uow, actor, "update", "unit", Role.HOUSING_OFFICER)
    row = get_unit(uow, actor, unit_id, "update")
    check_version(row, body.version)
    if row.status not in EDITABLE:
        raise Conflict(f"The unit is {row.status}; only a draft or available unit can be "
                       "changed. Withdraw it and pledge it anew if it must change.")
    for key, value in _columns(body).items():
        setattr(row, key, value)
    audit(uow, actor, "update", "unit", row.id)
    return row


def publish_unit(uow: UnitOfWork, actor: Actor, unit_id: str, version: int) -> UnitRow:
    """Make a draft unit available to the network's next round."""
    require(uow, actor, "publish", "unit", Role.HOUSING_OFFICER)
    row = get_unit(uow, actor, unit_id, "publish")
    check_version(row, version)
    if row.status != UnitStatus.DRAFT:
        raise Conflict(f"The unit is {row.status}, not a draft.")
    row.status = UnitStatus.AVAILABLE
    audit(uow, actor, "publish", "unit", row.id)
    return row


def withdraw_unit(uow: UnitOfWork, actor: Actor, unit_id: str, version: int) -> UnitRow:
    """Take a unit back; a proposal still awaiting an answer ends, and its case is reopened."""
    require(uow, actor, "withdraw", "unit", Role.HOUSING_OFFICER)
    row = get_unit(uow, actor, unit_id, "withdraw")
    check_version(row, version)
    if row.status not in (*EDITABLE, UnitStatus.PROPOSED):
        raise Conflict(f"The unit is {row.status}, so it cannot be withdrawn: a household has "
                       "accepted it or lives there. Closing the round returns a unit whose "
                       "contract was not signed.")
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.unit_id == row.id, ProposalRow.status == ProposalStatus.PROPOSED)):
        end_proposal(uow, proposal)
        audit(uow, actor, "expire", "proposal", proposal.id)
    row.status = UnitStatus.WITHDRAWN
    audit(uow, actor, "withdraw", "unit", row.id)
    return row


def unit_view(actor: Actor, row: UnitRow) -> BaseModel:
    """The unit as this caller may see it: whole for its housing officer, a summary otherwise."""
    if actor.role is Role.HOUSING_OFFICER:
        return UnitView.model_validate({**row.spec, "id": row.id, "status": row.status,
                                        "municipality": row.municipality_code,
                                        "district": row.district, "version": row.version,
                                        "pledged_until": row.pledged_until})
    return UnitSummary.model_validate({**row.spec, "id": row.id, "status": row.status,
                                       "municipality": row.municipality_code,
                                       "pledged_until": row.pledged_until})


def _columns(body: Any) -> dict[str, Any]:
    spec = body.model_dump(mode="json", exclude={"district", "pledged_until", "version"})
    return {"spec": spec, "district": body.district, "pledged_until": body.pledged_until}
