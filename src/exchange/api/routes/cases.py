"""/cases: a case worker's households; the coordinator sees them anonymised."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction, PageDep, UowDep
from exchange.api.problems import CHANGE, CREATE, LIST, READ, SIGNED_IN
from exchange.persistence.rows import CaseStatus
from exchange.services import cases
from exchange.services.schemas import (
    CaseCreate,
    CaseSummary,
    CaseUpdate,
    CaseView,
    Page,
    Versioned,
)

router = APIRouter(prefix="/cases", tags=["cases"], responses=SIGNED_IN,
                   route_class=EndsTransaction)
CaseOut = CaseView | CaseSummary


@router.get("", responses=LIST)
def list_cases(uow: UowDep, actor: ActorDep, page: PageDep,
               status: CaseStatus | None = None) -> Page[CaseOut]:
    """Her municipality's cases for a case worker; the network's, anonymised, for the
    coordinator."""
    rows, total = cases.list_cases(uow, actor, page.limit, page.offset, status)
    items = [cases.case_view(actor, row) for row in rows]
    uow.commit()
    return Page[CaseOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", status_code=201, responses=CREATE)
def post_case(uow: UowDep, actor: ActorDep, body: CaseCreate) -> CaseView:
    """Post a household's relocation need (case workers)."""
    row = cases.post_case(uow, actor, body)
    uow.commit()
    return cases.case_view(actor, row)


@router.get("/{case_id}", responses=READ)
def get_case(uow: UowDep, actor: ActorDep, case_id: str) -> CaseOut:
    row = cases.get_case(uow, actor, case_id)
    view = cases.case_view(actor, row)
    uow.commit()
    return view


@router.put("/{case_id}", responses=CHANGE)
def update_case(uow: UowDep, actor: ActorDep, case_id: str, body: CaseUpdate) -> CaseView:
    """Replace a case's details; `version` must be the one read. A live proposal that no longer
    passes every rule for the changed case is withdrawn."""
    row = cases.update_case(uow, actor, case_id, body)
    uow.commit()
    return cases.case_view(actor, row)


@router.post("/{case_id}/withdraw", responses=CHANGE)
def withdraw_case(uow: UowDep, actor: ActorDep, case_id: str, body: Versioned) -> CaseView:
    row = cases.withdraw_case(uow, actor, case_id, body.version)
    uow.commit()
    return cases.case_view(actor, row)
