"""/rounds: the coordinator's monthly rounds: open, solve (in the background), publish, close."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import CHANGE, LIST, READ, SIGNED_IN, responses
from exchange.http.deps import PagingDep, SolverDep, UowDep
from exchange.services import proposals, rounds
from exchange.services.schemas import Page, RoundOpen, RoundView, Versioned

router = APIRouter(prefix="/rounds", tags=["rounds"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


@router.get("", responses=LIST)
def list_rounds(uow: UowDep, actor: ActorDep, paging: PagingDep) -> Page[RoundView]:
    return rounds.list_rounds(uow, actor, paging)


@router.post("", status_code=201, responses=responses(400, 403, 409, 422))
def open_round(uow: UowDep, actor: ActorDep, body: RoundOpen) -> RoundView:
    """Open the network's round for a month (one per month)."""
    return rounds.open_round(uow, actor, body.period)


@router.get("/{round_id}", responses=READ)
def get_round(uow: UowDep, actor: ActorDep, round_id: str) -> RoundView:
    """The round, with the progress of a running solve."""
    return rounds.get_round(uow, actor, round_id)


@router.post("/{round_id}/solve", status_code=202, responses=responses(403, 404, 409, 422))
def solve(uow: UowDep, actor: ActorDep, round_id: str, solver: SolverDep) -> RoundView:
    """Snapshot the network and solve it in the background; follow `progress` with GET.
    On a published round this re-solves what remains: answered and pending proposals stay."""
    return rounds.solve_round(uow, actor, round_id, solver)


@router.post("/{round_id}/cancel", responses=responses(403, 404, 409, 422))
def cancel(uow: UowDep, actor: ActorDep, round_id: str) -> RoundView:
    """Stop the running solve; the round returns to the status it had before it."""
    return rounds.cancel_solve(uow, actor, round_id)


@router.post("/{round_id}/publish", responses=CHANGE)
def publish(uow: UowDep, actor: ActorDep, round_id: str, body: Versioned) -> RoundView:
    """Show the new proposals to the case workers and housing officers concerned."""
    return rounds.publish_round(uow, actor, round_id, body.version)


@router.post("/{round_id}/close", responses=CHANGE)
def close(uow: UowDep, actor: ActorDep, round_id: str, body: Versioned) -> RoundView:
    """Write confirmed moves to the ledger and return what was not settled to the pool."""
    return proposals.close_round(uow, actor, round_id, body.version)
