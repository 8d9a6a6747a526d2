"""Units: a housing officer pledges her municipality's apartments to the network."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange.domain.lifecycle import ProposalStatus, Role, UnitStatus, move
from exchange.persistence.rows import ProposalRow, UnitRow, now
from exchange.services.access import Actor, audit, one, require, unit_scope
from exchange.services.errors import Conflict
from exchange.services.records import Paging, check_version, end_proposal, new_id, page
from exchange.services.schemas import Page, UnitCreate, UnitOut, UnitSummary, UnitUpdate, UnitView
from exchange.services.unit_of_work import UnitOfWork, use_case

EDITABLE = (UnitStatus.DRAFT, UnitStatus.AVAILABLE)


@use_case
def pledge_unit(uow: UnitOfWork, actor: Actor, body: UnitCreate,
                publish: bool = True) -> UnitView:
    """A new unit of the housing officer's municipality, available to the next round unless
    kept as a draft."""
    require(uow, actor, "create", "unit", Role.HOUSING_OFFICER)
    row = UnitRow(id=new_id("unit"), municipality_code=actor.municipality,
                  status=UnitStatus.AVAILABLE if publish else UnitStatus.DRAFT,
                  published_at=now() if publish else None, **_columns(body))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "unit", row.id)
    return _whole(row)


@use_case
def list_units(uow: UnitOfWork, actor: Actor, paging: Paging,
               status: UnitStatus | None = None, newest_first: bool = False) -> Page[UnitOut]:
    """The units the caller reaches: her municipality's, or the network's for the coordinator;
    oldest first, or newest first (a list that has grown for years)."""
    require(uow, actor, "list", "unit", Role.HOUSING_OFFICER, Role.COORDINATOR)
    order = (UnitRow.created_at.desc(), UnitRow.id.desc()) if newest_first else (
        UnitRow.created_at, UnitRow.id)
    statement = select(UnitRow).where(unit_scope(actor)).order_by(*order)
    if status is not None:
        statement = statement.where(UnitRow.status == status)
    rows, total = page(uow, statement, paging)
    return Page[UnitOut](items=[unit_view(actor, row) for row in rows], total=total,
                         limit=paging.limit, offset=paging.offset)


@use_case
def get_unit(uow: UnitOfWork, actor: Actor, unit_id: str) -> UnitOut:
    """One unit the caller reaches, as she may see it, or a 404."""
    return unit_view(actor, _find(uow, actor, unit_id))


@use_case
def update_unit(uow: UnitOfWork, actor: Actor, unit_id: str, body: UnitUpdate) -> UnitView:
    """Replace a draft or available unit's details."""
    require(uow, actor, "update", "unit", Role.HOUSING_OFFICER)
    row = _find(uow, actor, unit_id, "update")
    check_version(row, body.version)
    if row.status not in EDITABLE:
        raise Conflict(f"The unit is {row.status}; only a draft or available unit can be "
                       "changed. Withdraw it and pledge it anew if it must change.")
    for key, value in _columns(body).items():
        setattr(row, key, value)
    audit(uow, actor, "update", "unit", row.id)
    return _whole(row)


@use_case
def publish_unit(uow: UnitOfWork, actor: Actor, unit_id: str, version: int) -> UnitView:
    """Make a draft unit available to the network's next round."""
    require(uow, actor, "publish", "unit", Role.HOUSING_OFFICER)
    row = _find(uow, actor, unit_id, "publish")
    check_version(row, version)
    if row.status != UnitStatus.DRAFT:
        raise Conflict(f"The unit is {row.status}, not a draft.")
    row.status, row.published_at = move(row.status, UnitStatus.AVAILABLE, "unit"), now()
    audit(uow, actor, "publish", "unit", row.id)
    return _whole(row)


@use_case
def withdraw_unit(uow: UnitOfWork, actor: Actor, unit_id: str, version: int) -> UnitView:
    """Take a unit back; a proposal still awaiting an answer ends, and its case is reopened."""
    require(uow, actor, "withdraw", "unit", Role.HOUSING_OFFICER)
    row = _find(uow, actor, unit_id, "withdraw")
    check_version(row, version)
    if row.status in (UnitStatus.RESERVED, UnitStatus.LET):
        raise Conflict(f"The unit is {row.status}, so it cannot be withdrawn: a household has "
                       "accepted it or lives there. Closing the round returns a unit whose "
                       "contract was not signed.")
    row.status, row.withdrawn_at = move(row.status, UnitStatus.WITHDRAWN, "unit"), now()
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.unit_id == row.id, ProposalRow.status == ProposalStatus.PROPOSED)):
        end_proposal(uow, proposal)
        audit(uow, actor, "expire", "proposal", proposal.id)
    audit(uow, actor, "withdraw", "unit", row.id)
    return _whole(row)


def unit_view(actor: Actor, row: UnitRow) -> UnitOut:
    """The unit as this caller may see it: whole for its housing officer, a summary otherwise."""
    if actor.role is Role.HOUSING_OFFICER:
        return _whole(row)
    return UnitSummary.model_validate({**row.spec, "id": row.id, "status": row.status,
                                       "municipality": row.municipality_code,
                                       "pledged_until": row.pledged_until})


def _find(uow: UnitOfWork, actor: Actor, unit_id: str, action: str = "read") -> UnitRow:
    require(uow, actor, action, "unit", Role.HOUSING_OFFICER, Role.COORDINATOR)
    row: UnitRow = one(uow, actor, select(UnitRow).where(UnitRow.id == unit_id,
                                                         unit_scope(actor)),
                       "unit", unit_id, action)
    return row


def _whole(row: UnitRow) -> UnitView:
    return UnitView.model_validate({**row.spec, "id": row.id, "status": row.status,
                                    "municipality": row.municipality_code,
                                    "district": row.district, "version": row.version,
                                    "pledged_until": row.pledged_until})


def _columns(body: UnitCreate) -> dict[str, Any]:
    spec = body.model_dump(mode="json", exclude={"district", "pledged_until", "version"})
    return {"spec": spec, "district": body.district, "pledged_until": body.pledged_until}
