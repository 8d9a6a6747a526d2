"""Authorisation in one place: who may call which function, and which rows each person reaches.

Every lookup by id goes through a scope below, so an object outside the caller's reach is
indistinguishable from one that does not exist (404). A role that lacks a function altogether
gets 403. Both are audited as denials.

A refused id is filed in the caller's network's trail by its id only when the object belongs to
that network; otherwise, whether it exists elsewhere or nowhere, as `REFUSED_ID`, so that no
auditor learns which ids another network holds. A denial of another network's object is filed in
that network's trail as well, with its id, for the auditor who answers for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, Select, false, select

from exchange.domain.lifecycle import Role
from exchange.persistence import chain
from exchange.persistence.rows import (
    CaseRow,
    MoveTaskRow,
    MunicipalityRow,
    ProposalRow,
    RoundRow,
    SchoolRow,
    UnitRow,
    now,
)
from exchange.services.errors import Forbidden, NotFound
from exchange.services.unit_of_work import UnitOfWork, use_case

_ID = re.compile(r"[A-Za-z0-9_.:-]{1,120}")
#: How the trail names an id that was refused and is not the caller's network's to know.
REFUSED_ID = "(refused id)"
_OWNED_BY_MEMBERS: dict[str, type[CaseRow] | type[UnitRow] | type[SchoolRow]] = {
    "case": CaseRow, "unit": UnitRow, "school": SchoolRow}


@dataclass(frozen=True)
class Actor:
    """The person behind a request: her role, municipality and network."""

    user_id: int
    role: Role
    municipality: str
    network: str


def audit(uow: UnitOfWork, actor: Actor | None, action: str, kind: str,
          object_id: str | None = None, outcome: str = "ok", network: str | None = None) -> None:
    """Add an audit entry to the unit of work: ids and words only, never content. It is filed
    in `network`'s trail when given, otherwise in the actor's network's (a command run by the
    operator, without an actor, names the network)."""
    audit_each(uow, actor, action, kind, [object_id], outcome, network)


def audit_each(uow: UnitOfWork, actor: Actor | None, action: str, kind: str,
               object_ids: Sequence[str | None], outcome: str = "ok",
               network: str | None = None) -> None:
    """One audit entry per object (a page of reads). They are chained to the network's trail
    and inserted in a single statement when the unit of work commits."""
    who = {"user_id": actor.user_id if actor else None, "role": actor.role if actor else None,
           "municipality_code": actor.municipality if actor else None,
           "network_id": network or (actor.network if actor else None), "at": now()}
    chain.record(uow.session, [
        {**who, "action": action, "object_type": kind, "outcome": outcome,
         # whatever a caller typed into a URL stays out of the trail
         "object_id": i if i in (None, REFUSED_ID) or _ID.fullmatch(i) else "(not an id)"}
        for i in object_ids])


def audit_reads(uow: UnitOfWork, actor: Actor, kind: str, object_ids: Sequence[str]) -> None:
    """Audit reads of cases, or of what belongs to one (a proposal, a move checklist, by the
    proposal's id): a read of a household with protected personal data is flagged as
    `read_protected`, for the auditor to find."""
    flagged = set(uow.session.scalars(_protected(kind, object_ids))) if object_ids else set()
    plain = [i for i in object_ids if i not in flagged]
    if plain:
        audit_each(uow, actor, "read", kind, plain)
    if flagged:
        audit_each(uow, actor, "read_protected", kind, [i for i in object_ids if i in flagged])


def _protected(kind: str, object_ids: Sequence[str]) -> Select[Any]:
    if kind == "case":
        return select(CaseRow.id).where(CaseRow.id.in_(object_ids), CaseRow.protected)
    return (select(ProposalRow.id).join(CaseRow, ProposalRow.case_id == CaseRow.id)
            .where(ProposalRow.id.in_(object_ids), CaseRow.protected))


@use_case
def record(uow: UnitOfWork, actor: Actor | None, action: str, kind: str,
           object_id: str | None = None, outcome: str = "ok") -> None:
    """Audit at once something refused outside the services (an invalid request, a forged
    form), in the actor's network's trail."""
    audit(uow, actor, action, kind, object_id, outcome)


def deny(uow: UnitOfWork, actor: Actor, action: str, kind: str, object_id: str | None,
         error: Forbidden | NotFound) -> NoReturn:
    """Record the denial for good (nothing else is pending at a lookup), then refuse."""
    uow.session.rollback()
    audit(uow, actor, action, kind, object_id, "denied")
    uow.commit()
    raise error


def require(uow: UnitOfWork, actor: Actor, action: str, kind: str, *roles: Role) -> None:
    """Refuse (403) a caller whose role does not include this function."""
    if actor.role not in roles:
        deny(uow, actor, action, kind, None, Forbidden(
            f"{action} {kind} is not part of the {actor.role.value} role"))


def members(actor: Actor):  # type: ignore[no-untyped-def]
    """The codes of the caller's network's members, as a subquery."""
    return select(MunicipalityRow.code).where(MunicipalityRow.network_id == actor.network)


def case_scope(actor: Actor) -> ColumnElement[bool]:
    """Cases: her own municipality's for a case worker, the network's for the coordinator."""
    if actor.role is Role.CASE_WORKER:
        return CaseRow.municipality_code == actor.municipality
    if actor.role is Role.COORDINATOR:
        return CaseRow.municipality_code.in_(members(actor))
    return false()


def unit_scope(actor: Actor) -> ColumnElement[bool]:
    """Units: her own municipality's for a housing officer, the network's for the coordinator."""
    if actor.role is Role.HOUSING_OFFICER:
        return UnitRow.municipality_code == actor.municipality
    if actor.role is Role.COORDINATOR:
        return UnitRow.municipality_code.in_(members(actor))
    return false()


def proposal_scope(actor: Actor) -> ColumnElement[bool]:
    """Proposals: published ones for her cases or units; every one of the network's rounds for
    the coordinator. Use with the proposal's case and unit joined."""
    if actor.role is Role.CASE_WORKER:  # not once the case is erased: it would say where she lives
        return (ProposalRow.published & (CaseRow.municipality_code == actor.municipality)
                & CaseRow.erased_at.is_(None))
    if actor.role is Role.HOUSING_OFFICER:
        return ProposalRow.published & (UnitRow.municipality_code == actor.municipality)
    if actor.role is Role.COORDINATOR:
        return RoundRow.network_id == actor.network
    return false()


def round_scope(actor: Actor) -> ColumnElement[bool]:
    """Rounds: the coordinator's network's."""
    return RoundRow.network_id == actor.network if actor.role is Role.COORDINATOR else false()


def school_scope(actor: Actor, writing: bool = False) -> ColumnElement[bool]:
    """Schools: everyone in the network reads them; a housing officer updates her own."""
    if writing:
        if actor.role is not Role.HOUSING_OFFICER:
            return false()
        return SchoolRow.municipality_code == actor.municipality
    return SchoolRow.municipality_code.in_(members(actor))


def proposals(actor: Actor) -> Select[ProposalRow]:
    """The proposals the caller reaches, with their case, unit and round joined."""
    return (select(ProposalRow).join(CaseRow, ProposalRow.case_id == CaseRow.id)
            .join(UnitRow, ProposalRow.unit_id == UnitRow.id)
            .join(RoundRow, ProposalRow.round_id == RoundRow.id)
            .where(proposal_scope(actor)))


def one(uow: UnitOfWork, actor: Actor, statement: Select[Any], kind: str, object_id: str,
        action: str = "read") -> Any:
    """The single row a scoped statement finds, or a denial recorded as such and a 404."""
    row = uow.session.scalars(statement).first()
    if row is None:
        refused = NotFound(f"There is no such {kind}, or it is not one you can reach; check the "
                           f"id in the list of {kind}s you can see.")
        owner = owner_network(uow, kind, object_id)
        uow.session.rollback()
        audit(uow, actor, action, kind, object_id if owner == actor.network else REFUSED_ID,
              "denied")
        if owner is not None and owner != actor.network:
            audit(uow, actor, action, kind, object_id, "denied", network=owner)
        uow.commit()
        raise refused
    return row


def owner_network(uow: UnitOfWork, kind: str, object_id: str) -> str | None:
    """The network an object of `kind` belongs to, or None when there is no such object."""
    if kind == "round":
        return uow.session.scalar(select(RoundRow.network_id).where(RoundRow.id == object_id))
    if kind == "proposal":
        return uow.session.scalar(select(RoundRow.network_id).join(
            ProposalRow, ProposalRow.round_id == RoundRow.id).where(ProposalRow.id == object_id))
    if kind == "task":
        return uow.session.scalar(select(RoundRow.network_id).join(
            ProposalRow, ProposalRow.round_id == RoundRow.id).join(
            MoveTaskRow, MoveTaskRow.proposal_id == ProposalRow.id)
            .where(MoveTaskRow.id == object_id))
    row = _OWNED_BY_MEMBERS[kind]
    return uow.session.scalar(select(MunicipalityRow.network_id).join(
        row, row.municipality_code == MunicipalityRow.code).where(row.id == object_id))
