"""The move after a yes: the checklist both sides share (the case worker and the receiving
housing officer), and for the coordinator the members' moves in counts and the network's
template."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from exchange.domain.lifecycle import Role
from exchange.domain.move import FallThrough, Side, TaskStatus, When
from exchange.http.deps import UowDep
from exchange.services import moves
from exchange.services.access import Actor, require
from exchange.services.errors import Invalid
from exchange.services.schemas import ChecklistTemplate, FallThroughBody, MovedIn, TaskUpdate
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
#: Blank rows the template's form offers for new tasks.
BLANK_ROWS = 2


@router.get("/moves")
def moves_page(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    """Her side's moves (case worker, housing officer); the members' moves in counts and the
    template (coordinator)."""
    if actor.role is Role.COORDINATOR:
        return page(request, "moves_overview.html", members=moves.overview(uow, actor),
                    tasks=moves.get_template(uow, actor))
    return page(request, "moves.html", moves=moves.list_moves(uow, actor))


@router.get("/moves/template")
def template_page(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    """The network's checklist template, to edit (the coordinator)."""
    require(uow, actor, "open_page", "checklist", Role.COORDINATOR)
    tasks = [task.model_dump(mode="json") for task in moves.get_template(uow, actor)]
    return _template(request, {"tasks": tasks})


@router.post("/moves/template")
def set_template(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep
                 ) -> Response:
    require(uow, actor, "update", "checklist", Role.COORDINATOR)
    try:
        kept = _without_keyless(form)
        moves.set_template(uow, actor, forms.parse(kept, ChecklistTemplate, translator(request)))
    except Invalid as error:
        return _template(request, forms.nested(kept), error)
    return redirect("/app/moves?done=template")


def _without_keyless(form: FormData) -> FormData:
    """The form less the rows whose key was cleared: those tasks are removed."""
    rows = {name.split(".")[1] for name, value in form.multi_items()
            if name.startswith("tasks.") and name.endswith(".key") and name.count(".") == 2
            and isinstance(value, str) and not value.strip()}
    return FormData([(name, value) for name, value in form.multi_items()
                     if not (name.startswith("tasks.") and name.split(".")[1] in rows)])


def _template(request: Request, data: dict[str, Any], error: Invalid | None = None
              ) -> Response:
    """The template's form: a row per task, and two blank rows to add one (a row left blank,
    or whose key is cleared, is no task)."""
    rows = len(data.get("tasks") or []) + BLANK_ROWS
    return page(request, "moves_template.html", 422 if error else 200, data=data, rows=rows,
                errors=forms.problems(error, translator(request)) if error else {},
                sides=[s.value for s in Side], whens=[w.value for w in When])


@router.get("/moves/{proposal_id}")
def move_page(request: Request, uow: UowDep, actor: PageActorDep, proposal_id: str) -> Response:
    return _move(request, uow, actor, proposal_id)


def _move(request: Request, uow: UnitOfWork, actor: Actor, proposal_id: str,
          error: Invalid | None = None, typed: dict[str, str] | None = None) -> Response:
    view = moves.get_move(uow, actor, proposal_id)
    return page(request, "move.html", 422 if error else 200, move=view,
                side="sending" if actor.role is Role.CASE_WORKER else "receiving",
                statuses=[s.value for s in TaskStatus], reasons=[r.value for r in FallThrough],
                errors=forms.problems(error, translator(request)) if error else {},
                data=typed or {"day": dt.datetime.now(dt.UTC).date().isoformat()})


@router.post("/moves/{proposal_id}/tasks/{task_id}")
def update_task(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
                proposal_id: str, task_id: str) -> Response:
    require(uow, actor, "update", "move", Role.CASE_WORKER, Role.HOUSING_OFFICER)
    try:
        body = forms.parse(form, TaskUpdate, translator(request))
        moves.update_task(uow, actor, proposal_id, task_id, body)
    except Invalid as error:
        return _move(request, uow, actor, proposal_id, error)
    return redirect(f"/app/moves/{proposal_id}?done=task#{task_id}")


@router.post("/moves/{proposal_id}/moved-in")
def moved_in(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
             proposal_id: str) -> Response:
    require(uow, actor, "moved_in", "move", Role.CASE_WORKER, Role.HOUSING_OFFICER)
    try:
        moves.record_moved_in(uow, actor, proposal_id,
                              forms.parse(form, MovedIn, translator(request)))
    except Invalid as error:
        return _move(request, uow, actor, proposal_id, error, {"day": str(form.get("day"))})
    return redirect(f"/app/moves/{proposal_id}?done=moved_in")


@router.post("/moves/{proposal_id}/fall-through")
def fall_through(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
                 proposal_id: str) -> Response:
    require(uow, actor, "fall_through", "move", Role.CASE_WORKER, Role.HOUSING_OFFICER)
    try:
        moves.fall_through(uow, actor, proposal_id,
                           forms.parse(form, FallThroughBody, translator(request)))
    except Invalid as error:
        return _move(request, uow, actor, proposal_id, error)
    return redirect(f"/app/moves/{proposal_id}?done=fell_through")
