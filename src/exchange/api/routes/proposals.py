"""/proposals: answered by case workers, confirmed by housing officers."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import CHANGE, LIST, READ, SIGNED_IN
from exchange.domain.lifecycle import ProposalStatus
from exchange.http.deps import PagingDep, SearchDep, UowDep
from exchange.services import proposals
from exchange.services.schemas import Decline, Page, ProposalOut, Versioned

router = APIRouter(prefix="/proposals", tags=["proposals"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


@router.get("", responses=LIST)
def list_proposals(uow: UowDep, actor: ActorDep, paging: PagingDep, search: SearchDep,
                   round: str | None = None,
                   status: ProposalStatus | None = None) -> Page[ProposalOut]:
    """Published proposals for her cases (case worker) or units (housing officer); every
    proposal of the network's rounds for the coordinator. `sort` is round or status."""
    return proposals.list_proposals(uow, actor, paging, round, status, search=search)


@router.get("/overdue", responses=LIST)
def list_overdue(uow: UowDep, actor: ActorDep) -> list[ProposalOut]:
    """Published proposals still unanswered after their last day to answer (the
    coordinator)."""
    return proposals.list_overdue(uow, actor)


@router.get("/{proposal_id}", responses=READ)
def get_proposal(uow: UowDep, actor: ActorDep, proposal_id: str) -> ProposalOut:
    return proposals.get_proposal(uow, actor, proposal_id)


@router.post("/{proposal_id}/accept", responses=CHANGE)
def accept(uow: UowDep, actor: ActorDep, proposal_id: str, body: Versioned) -> ProposalOut:
    """The household accepts (case workers)."""
    return proposals.accept(uow, actor, proposal_id, body.version)


@router.post("/{proposal_id}/undo-accept", responses=CHANGE)
def undo_accept(uow: UowDep, actor: ActorDep, proposal_id: str, body: Versioned) -> ProposalOut:
    """Take back an accept until the contract is confirmed (case workers)."""
    return proposals.undo_accept(uow, actor, proposal_id, body.version)


@router.post("/{proposal_id}/decline", responses=CHANGE)
def decline(uow: UowDep, actor: ActorDep, proposal_id: str, body: Decline) -> ProposalOut:
    """The household declines, with a reason; it is never held against it (case workers)."""
    return proposals.decline(uow, actor, proposal_id, body.version, body.reason, body.comment)


@router.post("/{proposal_id}/confirm", responses=CHANGE)
def confirm(uow: UowDep, actor: ActorDep, proposal_id: str, body: Versioned) -> ProposalOut:
    """The contract is signed (housing officers)."""
    return proposals.confirm(uow, actor, proposal_id, body.version)


@router.post("/{proposal_id}/lapse", responses=CHANGE)
def lapse(uow: UowDep, actor: ActorDep, proposal_id: str, body: Versioned) -> ProposalOut:
    """Let an overdue proposal lapse: its case and unit return to the pool, and it does not
    count as the household's decline (the coordinator)."""
    return proposals.lapse(uow, actor, proposal_id, body.version)
