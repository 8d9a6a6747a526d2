"""Proposals: the case worker answers for her household; the housing officer confirms the
signed contract. Each sees only her own view of a proposal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from exchange.domain.lifecycle import Role
from exchange.http.deps import UowDep
from exchange.services import proposals
from exchange.services.access import require
from exchange.services.errors import FieldProblem, Invalid
from exchange.services.records import Paging
from exchange.services.schemas import DeclineReason
from exchange.web import forms
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, OffsetDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)


@router.get("/proposals")
def proposals_page(request: Request, uow: UowDep, actor: PageActorDep,
                   offset: OffsetDep = 0) -> Response:
    """Her households' proposals (case worker) or the proposals for her units (housing
    officer), newest round first; the coordinator follows them on the round's page."""
    require(uow, actor, "open_page", "proposal", Role.CASE_WORKER, Role.HOUSING_OFFICER)
    listed = proposals.list_proposals(uow, actor, Paging(50, offset))
    return page(request, "proposals.html", proposals=listed.items, total=listed.total,
                offset=offset, reasons=list(DeclineReason))


@router.post("/proposals/{proposal_id}/accept")
def accept(uow: UowDep, actor: PageActorDep, form: FormDep, proposal_id: str) -> Response:
    proposals.accept(uow, actor, proposal_id, forms.version_of(form))
    return redirect(f"/app/proposals?done=accepted#{proposal_id}")


@router.post("/proposals/{proposal_id}/decline")
def decline(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
            proposal_id: str) -> Response:
    reason = str(form.get("reason", ""))
    if reason not in set(DeclineReason):
        raise Invalid([FieldProblem("reason", translator(request)("form.choice"))])
    proposals.decline(uow, actor, proposal_id, forms.version_of(form), DeclineReason(reason))
    return redirect(f"/app/proposals?done=declined#{proposal_id}")


@router.post("/proposals/{proposal_id}/confirm")
def confirm(uow: UowDep, actor: PageActorDep, form: FormDep, proposal_id: str) -> Response:
    proposals.confirm(uow, actor, proposal_id, forms.version_of(form))
    return redirect(f"/app/proposals?done=confirmed#{proposal_id}")


@router.post("/proposals/{proposal_id}/lapse")
def lapse(uow: UowDep, actor: PageActorDep, form: FormDep, proposal_id: str) -> Response:
    """The coordinator lets an overdue proposal lapse (from the round's page)."""
    lapsed = proposals.lapse(uow, actor, proposal_id, forms.version_of(form))
    return redirect(f"/app/rounds/{lapsed.round}?done=lapsed#overdue")
