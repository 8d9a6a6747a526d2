"""The network: who I am, the members, schools, the reciprocity ledger and the audit trail."""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum

from sqlalchemy import select

from exchange.domain.lifecycle import Role
from exchange.domain.model import Rules
from exchange.persistence.chain import in_chain
from exchange.persistence.rows import (
    AuditRow,
    LedgerEntryRow,
    MunicipalityRow,
    NetworkRow,
    SchoolRow,
    UserRow,
)
from exchange.services.access import Actor, audit, one, require, school_scope
from exchange.services.errors import FieldProblem, Invalid, NotFound
from exchange.services.records import Paging, as_rules, check_version, page
from exchange.services.schemas import (
    AuditView,
    Balance,
    Ledger,
    LedgerEntryView,
    Me,
    MunicipalityView,
    Page,
    SchoolUpdate,
    SchoolView,
)
from exchange.services.unit_of_work import UnitOfWork, use_case

EVERYONE = (Role.COORDINATOR, Role.HOUSING_OFFICER, Role.CASE_WORKER)


class Trail(StrEnum):
    """Which audit trail to read: the network's, or the service's own."""

    NETWORK = "network"
    SERVICE = "service"


@use_case
def me(uow: UnitOfWork, actor: Actor) -> Me:
    """Who the caller is: her name, role, municipality and network."""
    user = uow.session.get_one(UserRow, actor.user_id)
    return Me(id=user.id, name=user.name, role=actor.role, municipality=actor.municipality,
              network=actor.network)


@use_case
def list_members(uow: UnitOfWork, actor: Actor) -> list[MunicipalityView]:
    """The member municipalities of the caller's network."""
    return [MunicipalityView.model_validate(m) for m in members_of(uow, actor.network)]


@use_case
def rules(uow: UnitOfWork, actor: Actor) -> Rules:
    """The rules of the caller's network."""
    return as_rules(uow, actor.network)


def members_of(uow: UnitOfWork, network: str) -> list[MunicipalityRow]:
    """The rows of a network's members, by code (for other services)."""
    return list(uow.session.scalars(select(MunicipalityRow).where(
        MunicipalityRow.network_id == network).order_by(MunicipalityRow.code)))


@use_case
def list_schools(uow: UnitOfWork, actor: Actor, paging: Paging,
                 municipality: str | None = None) -> Page[SchoolView]:
    """The network's schools and their free places."""
    require(uow, actor, "list", "school", *EVERYONE)
    statement = select(SchoolRow).where(school_scope(actor)).order_by(SchoolRow.id)
    if municipality is not None:
        statement = statement.where(SchoolRow.municipality_code == municipality)
    rows, total = page(uow, statement, paging)
    return Page[SchoolView](items=[_school(r) for r in rows], total=total, limit=paging.limit,
                            offset=paging.offset)


@use_case
def get_school(uow: UnitOfWork, actor: Actor, school_id: str) -> SchoolView:
    """One school of the network."""
    require(uow, actor, "read", "school", *EVERYONE)
    return _school(one(uow, actor, select(SchoolRow).where(
        SchoolRow.id == school_id, school_scope(actor)), "school", school_id))


@use_case
def update_school(uow: UnitOfWork, actor: Actor, school_id: str,
                  body: SchoolUpdate) -> SchoolView:
    """A housing officer sets her municipality's school's free places per stage."""
    require(uow, actor, "update", "school", Role.HOUSING_OFFICER)
    row = one(uow, actor, select(SchoolRow).where(
        SchoolRow.id == school_id, school_scope(actor, writing=True)), "school", school_id,
        "update")
    check_version(row, body.version)
    row.free_places = {stage.value: n for stage, n in body.free_places.items()}
    audit(uow, actor, "update", "school", row.id)
    return _school(row)


def balances(uow: UnitOfWork, network: str) -> dict[str, int]:
    """Each member's balance, derived from the whole ledger: received minus sent."""
    totals: dict[str, int] = defaultdict(int)
    for entry in uow.session.scalars(select(LedgerEntryRow).where(
            LedgerEntryRow.network_id == network)):
        totals[entry.receiving_code] += entry.amount
        if entry.sending_code is not None:
            totals[entry.sending_code] -= entry.amount
    return totals


@use_case
def ledger(uow: UnitOfWork, actor: Actor, paging: Paging) -> Ledger:
    """The coordinator's view of the ledger: a page of its entries, and each member's
    balance."""
    require(uow, actor, "read", "ledger", Role.COORDINATOR)
    rows, total = page(uow, select(LedgerEntryRow).where(
        LedgerEntryRow.network_id == actor.network).order_by(LedgerEntryRow.id), paging)
    totals, rules = balances(uow, actor.network), as_rules(uow, actor.network)
    summary = [Balance(municipality=m.code, name=m.name, balance=totals[m.code],
                       floor=-rules.reciprocity_tolerance)
               for m in members_of(uow, actor.network)]
    entries = [LedgerEntryView(id=r.id, kind=r.kind, receiving=r.receiving_code,
                               sending=r.sending_code, amount=r.amount, round=r.round_id,
                               recorded_at=r.recorded_at) for r in rows]
    return Ledger(balances=summary, entries=Page[LedgerEntryView](
        items=entries, total=total, limit=paging.limit, offset=paging.offset))


@use_case
def audit_trail(uow: UnitOfWork, actor: Actor, paging: Paging, object_id: str | None = None,
                trail: Trail = Trail.NETWORK) -> Page[AuditView]:
    """The auditor's view of a trail, newest first (the chain's order): her network's, or the
    service's own (tokens that let nobody in, which name no network)."""
    require(uow, actor, "read", "audit", Role.AUDITOR)
    statement = select(AuditRow).where(in_chain(
        actor.network if trail is Trail.NETWORK else None))
    if object_id is not None:
        statement = statement.where(AuditRow.object_id == object_id)
    rows, total = page(uow, statement.order_by(AuditRow.seq.desc()), paging)
    items = [AuditView(id=r.id, at=r.at, user_id=r.user_id, role=r.role,
                       municipality=r.municipality_code, action=r.action,
                       object_type=r.object_type, object_id=r.object_id, outcome=r.outcome,
                       seq=r.seq, previous_hash=r.previous_hash, hash=r.hash)
             for r in rows]
    return Page[AuditView](items=items, total=total, limit=paging.limit, offset=paging.offset)


def _school(row: SchoolRow) -> SchoolView:
    return SchoolView.model_validate({
        "id": row.id, "municipality": row.municipality_code, "name": row.name,
        "address": row.address, "lat": row.lat, "lon": row.lon, "free_places": row.free_places,
        "version": row.version})


@use_case
def set_answer_days(uow: UnitOfWork, network: str, days: int) -> None:
    """The working days a case worker has to answer a proposal, from the next publication on
    (the operator's command; audited in the network's trail)."""
    row = uow.session.get(NetworkRow, network)
    if row is None:
        raise NotFound(f"There is no network {network}; load it first.")
    if not 1 <= days <= 60:
        raise Invalid([FieldProblem("days", "must be a whole number of working days, 1 to 60")])
    row.answer_days = days
    audit(uow, None, "answer_days", "network", network, network=network)
