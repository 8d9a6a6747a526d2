"""/moves: the checklist from an accepted proposal to the keys, shared by the sending case
worker and the receiving housing officer; the coordinator sees counts and overdue tasks."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import CHANGE, LIST, READ, SIGNED_IN
from exchange.domain.move import TaskTemplate
from exchange.http.deps import UowDep
from exchange.services import moves
from exchange.services.schemas import (
    ChecklistTemplate,
    FallThroughBody,
    MemberMoves,
    MovedIn,
    MoveView,
    TaskUpdate,
)

router = APIRouter(prefix="/moves", tags=["moves"], responses=SIGNED_IN,
                   route_class=EndsTransaction)


@router.get("", responses=LIST)
def list_moves(uow: UowDep, actor: ActorDep) -> list[MoveView]:
    """The checklists of her households' moves (case worker) or of the moves into her units
    (housing officer); tasks only, never the household for the receiving side."""
    return moves.list_moves(uow, actor)


@router.get("/overview", responses=LIST)
def overview(uow: UowDep, actor: ActorDep) -> list[MemberMoves]:
    """Per member: moves under way, open tasks and overdue tasks (coordinator)."""
    return moves.overview(uow, actor)


@router.get("/template", responses=LIST)
def get_template(uow: UowDep, actor: ActorDep) -> list[TaskTemplate]:
    """The network's checklist template (the Swedish default until the coordinator edits it)."""
    return moves.get_template(uow, actor)


@router.put("/template", responses=CHANGE)
def set_template(uow: UowDep, actor: ActorDep, body: ChecklistTemplate) -> list[TaskTemplate]:
    """Replace the network's template (coordinator); open checklists keep their tasks."""
    return moves.set_template(uow, actor, body)


@router.get("/{proposal_id}", responses=READ)
def get_move(uow: UowDep, actor: ActorDep, proposal_id: str) -> MoveView:
    return moves.get_move(uow, actor, proposal_id)


@router.put("/{proposal_id}/tasks/{task_id}", responses=CHANGE)
def update_task(uow: UowDep, actor: ActorDep, proposal_id: str, task_id: str,
                body: TaskUpdate) -> MoveView:
    """Set a task's status and note (its owner side only); `version` is the task's."""
    return moves.update_task(uow, actor, proposal_id, task_id, body)


@router.post("/{proposal_id}/moved-in", responses=CHANGE)
def moved_in(uow: UowDep, actor: ActorDep, proposal_id: str, body: MovedIn) -> MoveView:
    """Record the day the household got the keys (after the contract); `version` is the
    proposal's."""
    return moves.record_moved_in(uow, actor, proposal_id, body)


@router.post("/{proposal_id}/fall-through", responses=CHANGE)
def fall_through(uow: UowDep, actor: ActorDep, proposal_id: str,
                 body: FallThroughBody) -> MoveView:
    """The move did not happen (before the contract): the unit and the case return to the
    pool, with the reason; `version` is the proposal's."""
    return moves.fall_through(uow, actor, proposal_id, body)
