"""/proposals: answered by case workers, confirmed by housing officers."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction, PageDep, UowDep
from exchange.api.problems import CHANGE, LIST, READ, SIGNED_IN
from exchange.persistence.rows import ProposalStatus
from exchange.services import proposals
from exchange.services.schemas import (
    Decline,
    Page,
    ProposalForCaseWorker,
    ProposalForCoordinator,
    ProposalForHousingOfficer,
    Versioned,
)

router = APIRouter(prefix="/proposals", tags=["proposals"], responses=SIGNED_IN,
                   route_class=EndsTransaction)
ProposalOut = ProposalForCaseWorker | ProposalForHousingOfficer | ProposalForCoordinator


@router.get("", responses=LIST)
def list_proposals(uow: UowDep, actor: ActorDep, page: PageDep, round: str | None = None,
                   status: ProposalStatus | None = None) -> Page[ProposalOut]:
    """Published proposals for her cases (case worker) or units (housing officer); every
    proposal of the network's rounds for the coordinator."""
    rows, total = proposals.list_proposals(uow, actor, page.limit, page.offset, round, status)
    items = [proposals.proposal_view(uow, actor, row) for row in rows]
    uow.commit()
    return Page[ProposalOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{proposal_id}", responses=READ)
def get_proposal(uow: UowDep, actor: ActorDep, proposal_id: str) -> ProposalOut:
    row = proposals.get_proposal(uow, actor, proposal_id)
    view = proposals.proposal_view(uow, actor, row)
    uow.commit()
    return view


@router.post("/{proposal_id}/accept", responses=CHANGE)
def accept(uow: UowDep, actor: ActorDep, proposal_id: str, body: Versioned) -> ProposalOut:
    """The household accepts (case workers)."""
    row = proposals.accept(uow, actor, proposal_id, body.version)
    uow.commit()
    return proposals.proposal_view(uow, actor, row)


@router.post("/{proposal_id}/decline", responses=CHANGE)
def decline(uow: UowDep, actor: ActorDep, proposal_id: str, body: Decline) -> ProposalOut:
    """The household declines, with a reason; it is never held against it (case workers)."""
    row = proposals.decline(uow, actor, proposal_id, body.version, body.reason)
    uow.commit()
    return proposals.proposal_view(uow, actor, row)


@router.post("/{proposal_id}/confirm", responses=CHANGE)
def confirm(uow: UowDep, actor: ActorDep, proposal_id: str, body: Versioned) -> ProposalOut:
    """The contract is signed (housing officers)."""
    row = proposals.confirm(uow, actor, proposal_id, body.version)
    uow.commit()
    return proposals.proposal_view(uow, actor, row)
