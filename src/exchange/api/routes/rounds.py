"""/rounds: the coordinator's monthly rounds: open, solve (in the background), publish, close."""

from __future__ import annotations

from fastapi import APIRouter, Request

from exchange.api.deps import ActorDep, EndsTransaction, PageDep, SettingsDep, UowDep
from exchange.api.problems import CHANGE, LIST, READ, SIGNED_IN, responses
from exchange.services import proposals, rounds
from exchange.services.schemas import Page, RoundOpen, RoundView, Versioned

router = APIRouter(prefix="/rounds", tags=["rounds"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


@router.get("", responses=LIST)
def list_rounds(uow: UowDep, actor: ActorDep, page: PageDep,
                settings: SettingsDep) -> Page[RoundView]:
    rows, total = rounds.list_rounds(uow, actor, page.limit, page.offset)
    items = [rounds.round_view(uow, row, settings.solve_stale_after) for row in rows]
    return Page[RoundView](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", status_code=201, responses=responses(400, 403, 409, 422))
def open_round(uow: UowDep, actor: ActorDep, body: RoundOpen,
               settings: SettingsDep) -> RoundView:
    """Open the network's round for a month (one per month)."""
    row = rounds.open_round(uow, actor, body.period)
    uow.commit()
    return rounds.round_view(uow, row, settings.solve_stale_after)


@router.get("/{round_id}", responses=READ)
def get_round(uow: UowDep, actor: ActorDep, round_id: str, settings: SettingsDep) -> RoundView:
    """The round, with the progress of a running solve."""
    row = rounds.get_round(uow, actor, round_id)
    return rounds.round_view(uow, row, settings.solve_stale_after)


@router.post("/{round_id}/solve", status_code=202, responses=responses(403, 404, 409, 422))
def solve(uow: UowDep, actor: ActorDep, round_id: str, settings: SettingsDep,
          request: Request) -> RoundView:
    """Snapshot the network and solve it in the background; follow `progress` with GET.
    On a published round this re-solves what remains: answered and pending proposals stay."""
    job = rounds.start_solve(uow, actor, round_id, settings.solve_stale_after)
    uow.commit()
    rounds.submit_solve(request.app.state.solver, request.app.state.sessions, job,
                        settings.solve_time_limit)
    return rounds.round_view(uow, rounds.get_round(uow, actor, round_id),
                             settings.solve_stale_after)


@router.post("/{round_id}/publish", responses=CHANGE)
def publish(uow: UowDep, actor: ActorDep, round_id: str, body: Versioned,
            settings: SettingsDep) -> RoundView:
    """Show the new proposals to the case workers and housing officers concerned."""
    row = rounds.publish_round(uow, actor, round_id, body.version)
    uow.commit()
    return rounds.round_view(uow, row, settings.solve_stale_after)


@router.post("/{round_id}/close", responses=CHANGE)
def close(uow: UowDep, actor: ActorDep, round_id: str, body: Versioned,
          settings: SettingsDep) -> RoundView:
    """Write confirmed moves to the ledger and return what was not settled to the pool."""
    row = proposals.close_round(uow, actor, round_id, body.version)
    uow.commit()
    return rounds.round_view(uow, row, settings.solve_stale_after)
