"""The coordinator's pages: the network at a glance, and the monthly round from open to close."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from exchange.domain.lifecycle import RoundStatus
from exchange.http.deps import SolverDep, UowDep
from exchange.services import outcomes, proposals, rounds
from exchange.services.access import Actor
from exchange.services.errors import Invalid
from exchange.services.records import Paging
from exchange.services.schemas import RoundOpen
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms
from exchange.web.pictures import flow_map, ledger_bars
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, PageActorDep

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
    upcoming = (dt.date.today().replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m")
    return page(request, "rounds.html", 422 if error else 200, rounds=listed.items,
                total=listed.total, period=period or upcoming,
                errors=forms.problems(error, translator(request)) if error else {},
                unclosed=any(r.status != RoundStatus.CLOSED for r in listed.items))


@router.get("/rounds/{round_id}")
def round_page(request: Request, uow: UowDep, actor: PageActorDep, round_id: str) -> Response:
    view = rounds.get_round(uow, actor, round_id)
    members = outcomes.overview(uow, actor)
    flows = outcomes.flows(uow, actor, round_id)
    listed = proposals.list_proposals(uow, actor, Paging(200, 0), round_id)
    late = [p for p in proposals.list_overdue(uow, actor) if p.round == round_id]
    return page(request, "round.html", round=view, map=flow_map(members, flows),
                flows=flows, names={m.code: m.name for m in members}, proposals=listed.items,
                total=listed.total, overdue=late)


@router.get("/rounds/{round_id}/progress")
def round_progress(uow: UowDep, actor: PageActorDep, round_id: str) -> Response:
    """What the round page polls while a solve runs."""
    view = rounds.get_round(uow, actor, round_id)
    return JSONResponse({"status": view.status, "progress": view.progress,
                         "stalled": view.stalled}, headers={"Cache-Control": "no-store"})


@router.post("/rounds/{round_id}/solve")
def solve(uow: UowDep, actor: PageActorDep, form: FormDep, round_id: str,
          solver: SolverDep) -> Response:
    rounds.solve_round(uow, actor, round_id, solver)
    return redirect(f"/app/rounds/{round_id}")


@router.post("/rounds/{round_id}/publish")
def publish(uow: UowDep, actor: PageActorDep, form: FormDep, round_id: str) -> Response:
    rounds.publish_round(uow, actor, round_id, forms.version_of(form))
    return redirect(f"/app/rounds/{round_id}?done=published")


@router.post("/rounds/{round_id}/close")
def close(uow: UowDep, actor: PageActorDep, form: FormDep, round_id: str) -> Response:
    proposals.close_round(uow, actor, round_id, forms.version_of(form))
    return redirect(f"/app/rounds/{round_id}?done=closed")
