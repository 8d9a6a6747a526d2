"""The coordinator's pages: the network at a glance, and the monthly round from open to close."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from exchange.domain.lifecycle import RoundStatus
from exchange.http.deps import SolverDep, UowDep
from exchange.services import network, outcomes, proposals, rounds
from exchange.services.access import Actor
from exchange.services.errors import Invalid
from exchange.services.records import Paging
from exchange.services.schemas import RoundOpen, RoundView
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms
from exchange.web.pictures import flow_map, flow_matrix, ledger_bars
from exchange.web.progress import progress_text
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, OffsetDep, PageActorDep

PAGE = 50

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)


@router.get("/network")
def network_page(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    members = outcomes.overview(uow, actor)
    recent = rounds.list_rounds(uow, actor, Paging(3, 0)).items
    return page(request, "network.html", members=members, chart=ledger_bars(members),
                rounds=recent)


@router.get("/rounds")
def rounds_page(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    return _rounds(request, uow, actor)


@router.post("/rounds")
def open_round(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep) -> Response:
    data = forms.nested(form)
    try:
        body = forms.validate(RoundOpen, data, translator(request))
        opened = rounds.open_round(uow, actor, body.period)
    except Invalid as error:
        return _rounds(request, uow, actor, error, str(data.get("period", "")))
    return redirect(f"/app/rounds/{opened.id}")


def _rounds(request: Request, uow: UnitOfWork, actor: Actor, error: Invalid | None = None,
            period: str | None = None) -> Response:
    """The network's rounds, newest first, and the form to open next month's."""
    listed = rounds.list_rounds(uow, actor, Paging(24, 0))
    return page(request, "rounds.html", 422 if error else 200, rounds=listed.items,
                total=listed.total, period=period or _first_free(listed.items),
                errors=forms.problems(error, translator(request)) if error else {},
                unclosed=any(r.status != RoundStatus.CLOSED for r in listed.items))


def _first_free(rounds_: list[RoundView]) -> str:
    """The month a new round is most likely for: this month, or the first after it without a
    round."""
    taken = {r.period for r in rounds_}
    month = dt.date.today().replace(day=1)
    while month.strftime("%Y-%m") in taken:
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return month.strftime("%Y-%m")


@router.get("/rounds/{round_id}")
def round_page(request: Request, uow: UowDep, actor: PageActorDep, round_id: str,
               offset: OffsetDep = 0) -> Response:
    """The round: its state and next step, its whole result, the flows between members, what
    it booked once closed, and its proposals."""
    view = rounds.get_round(uow, actor, round_id)
    members = outcomes.overview(uow, actor)
    flows = outcomes.flows(uow, actor, round_id)
    listed = proposals.list_proposals(uow, actor, Paging(PAGE, offset), round_id)
    late = [p for p in proposals.list_overdue(uow, actor) if p.round == round_id]
    ledger = outcomes.round_ledger(uow, actor, round_id) if view.status in (
        RoundStatus.PUBLISHED, RoundStatus.CLOSED) else None
    return page(request, "round.html", round=view, map=flow_map(members, flows),
                flows=flows, matrix=flow_matrix(flows), names={m.code: m.name for m in members},
                proposals=listed.items, total=listed.total, offset=offset, size=PAGE,
                ledger=ledger, progress=progress_text(view.progress, translator(request)),
                overdue=late)


@router.get("/rounds/{round_id}/progress")
def round_progress(request: Request, uow: UowDep, actor: PageActorDep,
                   round_id: str) -> Response:
    """What the round page polls while a solve runs, in the reader's words."""
    view = rounds.get_round(uow, actor, round_id)
    return JSONResponse({"status": view.status, "stalled": view.stalled,
                         "progress": progress_text(view.progress, translator(request))},
                        headers={"Cache-Control": "no-store"})


@router.get("/rounds/{round_id}/publish")
def publish_question(request: Request, uow: UowDep, actor: PageActorDep,
                     round_id: str) -> Response:
    """Publishing asks first: who will see what."""
    view = rounds.get_round(uow, actor, round_id)
    return page(request, "round_confirm.html", round=view, step="publish")


@router.get("/rounds/{round_id}/close")
def close_question(request: Request, uow: UowDep, actor: PageActorDep,
                   round_id: str) -> Response:
    """Closing asks first, and shows what it will book: each member's balance before and
    after, and any member it takes below its floor."""
    view = rounds.get_round(uow, actor, round_id)
    return page(request, "round_confirm.html", round=view, step="close",
                ledger=outcomes.round_ledger(uow, actor, round_id),
                tolerance=-network.rules(uow, actor).reciprocity_tolerance)


@router.post("/rounds/{round_id}/solve")
def solve(uow: UowDep, actor: PageActorDep, form: FormDep, round_id: str,
          solver: SolverDep) -> Response:
    rounds.solve_round(uow, actor, round_id, solver)
    return redirect(f"/app/rounds/{round_id}")


@router.post("/rounds/{round_id}/cancel")
def cancel(uow: UowDep, actor: PageActorDep, form: FormDep, round_id: str) -> Response:
    rounds.cancel_solve(uow, actor, round_id)
    return redirect(f"/app/rounds/{round_id}?done=cancelled")


@router.post("/rounds/{round_id}/publish")
def publish(uow: UowDep, actor: PageActorDep, form: FormDep, round_id: str) -> Response:
    rounds.publish_round(uow, actor, round_id, forms.version_of(form))
    return redirect(f"/app/rounds/{round_id}?done=published")


@router.post("/rounds/{round_id}/close")
def close(uow: UowDep, actor: PageActorDep, form: FormDep, round_id: str) -> Response:
    proposals.close_round(uow, actor, round_id, forms.version_of(form))
    return redirect(f"/app/rounds/{round_id}?done=closed")
