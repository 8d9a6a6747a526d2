"""The network: who I am, the members, schools, the ledger and the audit trail."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from exchange.api.deps import ActorDep, EndsTransaction, PageDep, UowDep
from exchange.api.problems import CHANGE, LIST, READ, SIGNED_IN
from exchange.persistence.rows import SchoolRow, UserRow
from exchange.services import network
from exchange.services.schemas import (
    AuditView,
    Balance,
    LedgerEntryView,
    Me,
    MunicipalityView,
    Page,
    SchoolUpdate,
    SchoolView,
)

router = APIRouter(tags=["network"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


class Ledger(BaseModel):
    balances: list[Balance]
    entries: Page[LedgerEntryView]


@router.get("/me")
def me(uow: UowDep, actor: ActorDep) -> Me:
    user = uow.session.get_one(UserRow, actor.user_id)
    return Me(id=user.id, name=user.name, role=actor.role, municipality=actor.municipality,
              network=actor.network)


@router.get("/municipalities")
def municipalities(uow: UowDep, actor: ActorDep) -> list[MunicipalityView]:
    """The members of the caller's network."""
    return [MunicipalityView.model_validate(m) for m in network.list_members(uow, actor)]


@router.get("/schools", tags=["schools"], responses=LIST)
def list_schools(uow: UowDep, actor: ActorDep, page: PageDep,
                 municipality: str | None = None) -> Page[SchoolView]:
    rows, total = network.list_schools(uow, actor, page.limit, page.offset, municipality)
    return Page[SchoolView](items=[_school(r) for r in rows], total=total, limit=page.limit,
                            offset=page.offset)


@router.get("/schools/{school_id}", tags=["schools"], responses=READ)
def get_school(uow: UowDep, actor: ActorDep, school_id: str) -> SchoolView:
    return _school(network.get_school(uow, actor, school_id))


@router.put("/schools/{school_id}", tags=["schools"], responses=CHANGE)
def update_school(uow: UowDep, actor: ActorDep, school_id: str,
                  body: SchoolUpdate) -> SchoolView:
    """Set a school's free places per stage (the housing officer of its municipality)."""
    row = network.update_school(uow, actor, school_id, body)
    uow.commit()
    return _school(row)


@router.get("/ledger", tags=["ledger"], responses=LIST)
def ledger(uow: UowDep, actor: ActorDep, page: PageDep) -> Ledger:
    """Each member's balance and the entries behind it (the coordinator)."""
    rows, total, balances = network.ledger(uow, actor, page.limit, page.offset)
    entries = [LedgerEntryView(id=r.id, kind=r.kind, receiving=r.receiving_code,
                               sending=r.sending_code, amount=r.amount, round=r.round_id,
                               recorded_at=r.recorded_at) for r in rows]
    return Ledger(balances=balances, entries=Page[LedgerEntryView](
        items=entries, total=total, limit=page.limit, offset=page.offset))


@router.get("/audit", tags=["audit"], responses=LIST)
def audit(uow: UowDep, actor: ActorDep, page: PageDep,
          object_id: str | None = None) -> Page[AuditView]:
    """The audit trail of the network, newest first (the auditor)."""
    rows, total = network.audit_trail(uow, actor, page.limit, page.offset, object_id)
    items = [AuditView(id=r.id, at=r.at, user_id=r.user_id, role=r.role,
                       municipality=r.municipality_code, action=r.action,
                       object_type=r.object_type, object_id=r.object_id, outcome=r.outcome,
                       seq=r.seq, previous_hash=r.previous_hash, hash=r.hash)
             for r in rows]
    return Page[AuditView](items=items, total=total, limit=page.limit, offset=page.offset)


def _school(row: SchoolRow) -> SchoolView:
    return SchoolView(id=row.id, municipality=row.municipality_code, name=row.name, lat=row.lat,
                      lon=row.lon, free_places=row.free_places, version=row.version)
