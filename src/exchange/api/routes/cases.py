"""/cases: a case worker's households; the coordinator sees them anonymised."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import CHANGE, CREATE, LIST, READ, SIGNED_IN
from exchange.domain.lifecycle import CaseStatus
from exchange.domain.model import Urgency
from exchange.http.deps import PagingDep, SearchDep, UowDep
from exchange.services import cases
from exchange.services.schemas import (
    CaseCreate,
    CaseOut,
    CaseUpdate,
    CaseView,
    ConsentRecord,
    Page,
    Versioned,
)

router = APIRouter(prefix="/cases", tags=["cases"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


@router.get("", responses=LIST)
def list_cases(uow: UowDep, actor: ActorDep, paging: PagingDep, search: SearchDep,
               status: CaseStatus | None = None,
               urgency: Urgency | None = None) -> Page[CaseOut]:
    """Her municipality's cases for a case worker; the network's, anonymised, for the
    coordinator. `q` finds her own reference or the pseudonym; `sort` is one of urgency,
    waiting, status, posted."""
    return cases.list_cases(uow, actor, paging, status, urgency, search)


@router.post("", status_code=201, responses=CREATE)
def post_case(uow: UowDep, actor: ActorDep, body: CaseCreate) -> CaseView:
    """Post a household's relocation need (case workers)."""
    return cases.post_case(uow, actor, body)


@router.get("/{case_id}", responses=READ)
def get_case(uow: UowDep, actor: ActorDep, case_id: str) -> CaseOut:
    return cases.get_case(uow, actor, case_id)


@router.put("/{case_id}", responses=CHANGE)
def update_case(uow: UowDep, actor: ActorDep, case_id: str, body: CaseUpdate) -> CaseView:
    """Replace a case's details; `version` must be the one read. A live proposal that no longer
    passes every rule for the changed case is withdrawn."""
    return cases.update_case(uow, actor, case_id, body)


@router.post("/{case_id}/withdraw", responses=CHANGE)
def withdraw_case(uow: UowDep, actor: ActorDep, case_id: str, body: Versioned) -> CaseView:
    return cases.withdraw_case(uow, actor, case_id, body.version)


@router.post("/{case_id}/consent", responses=CHANGE)
def record_consent(uow: UowDep, actor: ActorDep, case_id: str, body: ConsentRecord) -> CaseView:
    """Record or renew the household's consent (case workers): without a valid one covering
    the network's members the case enters no round. A consent that starts in the future, ends
    before it starts or has already ended is refused at its field."""
    return cases.record_consent(uow, actor, case_id, body)


@router.post("/{case_id}/consent/withdraw", responses=CHANGE)
def withdraw_consent(uow: UowDep, actor: ActorDep, case_id: str, body: Versioned) -> CaseView:
    """The household withdrew its consent: the case's live proposals end, the case leaves the
    pool for good, and the retention clock starts."""
    return cases.withdraw_consent(uow, actor, case_id, body.version)
