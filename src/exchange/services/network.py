"""The network: members, schools, the reciprocity ledger and the audit trail."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from exchange.persistence.database import UnitOfWork
from exchange.persistence.rows import (
    AuditRow,
    LedgerEntryRow,
    MunicipalityRow,
    Role,
    SchoolRow,
)
from exchange.services.access import Actor, audit, one, require, school_scope
from exchange.services.records import as_rules, check_version, page
from exchange.services.schemas import Balance, SchoolUpdate

EVERYONE = (Role.COORDINATOR, Role.HOUSING_OFFICER, Role.CASE_WORKER)


def list_members(uow: UnitOfWork, actor: Actor) -> list[MunicipalityRow]:
    """The member municipalities of the caller's network."""
    return list(uow.session.scalars(select(MunicipalityRow).where(
        MunicipalityRow.network_id == actor.network).order_by(MunicipalityRow.code)))


def list_schools(uow: UnitOfWork, actor: Actor, limit: int, offset: int,
                 municipality: str | None = None) -> tuple[list[SchoolRow], int]:
    """The network's schools and their free places."""
    require(uow, actor, "list", "school", *EVERYONE)
    statement = select(SchoolRow).where(school_scope(actor)).order_by(SchoolRow.id)
    if municipality is not None:
        statement = statement.where(SchoolRow.municipality_code == municipality)
    return page(uow, statement, limit, offset)


def get_school(uow: UnitOfWork, actor: Actor, school_id: str) -> SchoolRow:
    """One school of the network."""
    require(uow, actor, "read", "school", *EVERYONE)
    return one(uow, actor, select(SchoolRow).where(SchoolRow.id == school_id,
                                                   school_scope(actor)), "school", school_id)


def update_school(uow: UnitOfWork, actor: Actor, school_id: str, body: SchoolUpdate) -> SchoolRow:
    """A housing officer sets her municipality's school's free places per stage."""
    require(uow, actor, "update", "school", Role.HOUSING_OFFICER)
    row = one(uow, actor, select(SchoolRow).where(
        SchoolRow.id == school_id, school_scope(actor, writing=True)), "school", school_id,
        "update")
    check_version(row, body.version)
    row.free_places = {stage.value: n for stage, n in body.free_places.items()}
    audit(uow, actor, "update", "school", row.id)
    return row


def balances(uow: UnitOfWork, network: str) -> dict[str, int]:
    """Each member's balance, derived from the whole ledger: received minus sent."""
    totals: dict[str, int] = defaultdict(int)
    for entry in uow.session.scalars(select(LedgerEntryRow).where(
            LedgerEntryRow.network_id == network)):
        totals[entry.receiving_code] += entry.amount
        if entry.sending_code is not None:
            totals[entry.sending_code] -= entry.amount
    return totals


def ledger(uow: UnitOfWork, actor: Actor, limit: int, offset: int
           ) -> tuple[list[LedgerEntryRow], int, list[Balance]]:
    """The coordinator's view of the ledger: its entries, and each member's balance."""
    require(uow, actor, "read", "ledger", Role.COORDINATOR)
    rows, total = page(uow, select(LedgerEntryRow).where(
        LedgerEntryRow.network_id == actor.network).order_by(LedgerEntryRow.id), limit, offset)
    totals, rules = balances(uow, actor.network), as_rules(uow, actor.network)
    summary = [Balance(municipality=m.code, name=m.name, balance=totals[m.code],
                       floor=-rules.reciprocity_tolerance)
               for m in list_members(uow, actor)]
    return rows, total, summary


def audit_trail(uow: UnitOfWork, actor: Actor, limit: int, offset: int,
                object_id: str | None = None) -> tuple[list[AuditRow], int]:
    """The auditor's view of the trail of her network, newest first (the chain's order)."""
    require(uow, actor, "read", "audit", Role.AUDITOR)
    statement = select(AuditRow).where(AuditRow.network_id == actor.network)
    if object_id is not None:
        statement = statement.where(AuditRow.object_id == object_id)
    return page(uow, statement.order_by(AuditRow.seq.desc()), limit, offset)
