"""Units: a housing officer pledges her municipality's apartments to the network."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from exchange.domain.lifecycle import ProposalStatus, Role, UnitStatus, move
from exchange.geography import FAR_KM, municipality_names, whereabouts
from exchange.persistence.rows import ProposalRow, UnitRow, now
from exchange.services.access import Actor, audit, one, require, unit_scope
from exchange.services.errors import Conflict, FieldProblem, Invalid
from exchange.services.records import (
    Paging,
    Search,
    Sorts,
    check_version,
    end_proposal,
    listed,
    new_id,
    pseudonym,
)
from exchange.services.schemas import Page, UnitCreate, UnitOut, UnitSummary, UnitUpdate, UnitView
from exchange.services.unit_of_work import UnitOfWork, use_case

EDITABLE = (UnitStatus.DRAFT, UnitStatus.AVAILABLE)


@use_case
def pledge_unit(uow: UnitOfWork, actor: Actor, body: UnitCreate,
                publish: bool = True) -> UnitView:
    """A new unit of the housing officer's municipality, available to the next round unless
    kept as a draft."""
    require(uow, actor, "create", "unit", Role.HOUSING_OFFICER)
    _check(body, actor.municipality)
    row = UnitRow(id=new_id("unit"), municipality_code=actor.municipality,
                  status=UnitStatus.AVAILABLE if publish else UnitStatus.DRAFT,
                  published_at=now() if publish else None, **_columns(body))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "unit", row.id)
    return _whole(row)


@use_case
def list_units(uow: UnitOfWork, actor: Actor, paging: Paging,
               status: UnitStatus | None = None, search: Search | None = None) -> Page[UnitOut]:
    """The units the caller reaches: her municipality's, or the network's for the coordinator;
    of a status, holding the words searched for (for her: address, district, landlord's
    object number; for anyone: the pseudonym), in the order asked for (`SORTS`)."""
    require(uow, actor, "list", "unit", Role.HOUSING_OFFICER, Role.COORDINATOR)
    statement = select(UnitRow).where(unit_scope(actor))
    if status is not None:
        statement = statement.where(UnitRow.status == status)
    mine = actor.role is Role.HOUSING_OFFICER
    rows, total = listed(uow, statement, search or Search(), paging, sorts=SORTS,
                         default=(UnitRow.created_at, UnitRow.id),
                         words_of=lambda row: _words(row, mine))
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
    _check(body, row.municipality_code)
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


#: How a list of units can be ordered.
SORTS: Sorts = {
    "posted": (UnitRow.created_at,),
    "status": (UnitRow.status,),
    "rooms": (UnitRow.spec["rooms"].as_integer(),),
    "rent": (UnitRow.spec["rent_sek"].as_integer(),),
    "available": (func.coalesce(UnitRow.spec["available_from"].as_string(), ""),),
    "pledge": (UnitRow.pledged_until.is_(None), UnitRow.pledged_until),  # open-ended: latest
}


def _words(row: UnitRow, mine: bool) -> str:
    address = " ".join(str(v) for v in (row.address or {}).values()) if mine else ""
    return f"{row.id} {pseudonym(row.id)} {row.district or '' if mine else ''} {address}"


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
                                    "pledged_until": row.pledged_until,
                                    "address": row.address})


def _columns(body: UnitCreate) -> dict[str, Any]:
    spec = body.model_dump(mode="json", exclude={"district", "pledged_until", "version",
                                                 "address", "place_confirmed"})
    address = body.address.model_dump(mode="json") if body.address else None
    return {"spec": spec, "district": body.district, "pledged_until": body.pledged_until,
            "address": address}


def _check(body: UnitCreate, municipality: str) -> None:
    """The pledge's dates in order and not past; the position where the municipality is: one
    far from all of its places is refused, one nearer another municipality's places must be
    confirmed (a unit in Huddinge at Malmö's coordinates would be offered to the wrong
    households)."""
    problems = []
    until, free = body.pledged_until, body.available_from
    if until is not None and until < now().date():
        problems.append(FieldProblem("pledged_until", "lies in the past", "in_the_past"))
    elif until is not None and free is not None and until < free:
        problems.append(FieldProblem("pledged_until", "must not end before the unit is free",
                                     "pledge_before_free"))
    where = whereabouts(body.lat, body.lon, municipality)
    names = municipality_names()
    if where.own_km > FAR_KM:
        problems.append(FieldProblem(
            "lat", f"lies {where.own_km:.0f} km from every place of the municipality",
            "place_far", (("km", f"{where.own_km:.0f}"), ("own", names[municipality]))))
    elif where.nearest_municipality != municipality and not body.place_confirmed:
        problems.append(FieldProblem(
            "lat", "lies nearer another municipality's places; check it, or confirm it",
            "place_elsewhere", (("other", names[where.nearest_municipality]),
                                ("own", names[municipality]))))
    if problems:
        raise Invalid(problems)
