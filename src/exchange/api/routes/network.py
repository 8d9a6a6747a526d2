"""The network: who I am, the members, schools, the ledger and the audit trail."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import CHANGE, LIST, READ, SIGNED_IN
from exchange.http.deps import PagingDep, UowDep
from exchange.services import network
from exchange.services.network import Trail
from exchange.services.schemas import (
    AuditView,
    Ledger,
    Me,
    MunicipalityView,
    Page,
    SchoolUpdate,
    SchoolView,
)

router = APIRouter(tags=["network"], responses=SIGNED_IN, route_class=EndsTransaction)


@router.get("/me")
def me(uow: UowDep, actor: ActorDep) -> Me:
    return network.me(uow, actor)


@router.get("/municipalities")
def municipalities(uow: UowDep, actor: ActorDep) -> list[MunicipalityView]:
    """The members of the caller's network."""
    return network.list_members(uow, actor)


@router.get("/schools", tags=["schools"], responses=LIST)
def list_schools(uow: UowDep, actor: ActorDep, paging: PagingDep,
                 municipality: str | None = None) -> Page[SchoolView]:
    return network.list_schools(uow, actor, paging, municipality)


@router.get("/schools/{school_id}", tags=["schools"], responses=READ)
def get_school(uow: UowDep, actor: ActorDep, school_id: str) -> SchoolView:
    return network.get_school(uow, actor, school_id)


@router.put("/schools/{school_id}", tags=["schools"], responses=CHANGE)
def update_school(uow: UowDep, actor: ActorDep, school_id: str,
                  body: SchoolUpdate) -> SchoolView:
    """Set a school's free places per stage (the housing officer of its municipality)."""
    return network.update_school(uow, actor, school_id, body)


@router.get("/ledger", tags=["ledger"], responses=LIST)
def ledger(uow: UowDep, actor: ActorDep, paging: PagingDep) -> Ledger:
    """Each member's balance and the entries behind it (the coordinator)."""
    return network.ledger(uow, actor, paging)


@router.get("/audit", tags=["audit"], responses=LIST)
def audit(uow: UowDep, actor: ActorDep, paging: PagingDep, object_id: str | None = None,
          trail: Trail = Trail.NETWORK) -> Page[AuditView]:
    """The audit trail of the network, newest first (the auditor); `trail=service` gives the
    service's own: tokens that let nobody in, which name no network."""
    return network.audit_trail(uow, actor, paging, object_id, trail)
