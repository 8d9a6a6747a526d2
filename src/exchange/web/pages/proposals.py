"""Proposals: the case worker answers for her household (accepting asks first, and an accept can
be taken back until the contract is confirmed); the housing officer confirms the signed
contract. Each sees only her own view of a proposal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from exchange.domain.lifecycle import ProposalStatus, Role
from exchange.http.deps import SearchDep, SettingsDep, UowDep
from exchange.services import proposals
from exchange.services.access import require
from exchange.services.errors import FieldProblem, Invalid
from exchange.services.records import Paging
from exchange.services.schemas import DeclineReason
from exchange.web import forms
from exchange.web.render import PageRoute, error_page, page, redirect, translator
from exchange.web.session import FormDep, OffsetDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
PAGE = 20


@router.get("/proposals")
def proposals_page(request: Request, uow: UowDep, actor: PageActorDep, search: SearchDep,
                   settings: SettingsDep, offset: OffsetDep = 0, status: str = "") -> Response:
    """Her households' proposals (case worker) or the proposals for her units (housing
    officer), newest round first; the coordinator follows them on the round's page."""
    require(uow, actor, "open_page", "proposal", Role.CASE_WORKER, Role.HOUSING_OFFICER)
    listed = proposals.list_proposals(uow, actor, Paging(PAGE, offset),
                                      status=forms.choice(ProposalStatus, status), search=search)
    return page(request, "proposals.html", proposals=listed.items, total=listed.total,
                offset=offset, size=PAGE, reasons=list(DeclineReason),
                statuses=[s.value for s in ProposalStatus], sorts=list(proposals.SORTS),
                map_tiles=settings.map_tiles, map_attribution=settings.map_attribution)


@router.get("/proposals/{proposal_id}/accept")
def accept_question(request: Request, uow: UowDep, actor: PageActorDep,
                    proposal_id: str) -> Response:
    """Accepting asks first: what the household says yes to, and what follows."""
    require(uow, actor, "accept", "proposal", Role.CASE_WORKER)
    return page(request, "answer.html", proposal=proposals.get_proposal(uow, actor,
                                                                       proposal_id))


@router.post("/proposals/{proposal_id}/accept")
def accept(uow: UowDep, actor: PageActorDep, form: FormDep, proposal_id: str) -> Response:
    proposals.accept(uow, actor, proposal_id, forms.version_of(form))
    return redirect(f"/app/proposals?done=accepted#{proposal_id}")


@router.post("/proposals/{proposal_id}/undo-accept")
def undo_accept(uow: UowDep, actor: PageActorDep, form: FormDep, proposal_id: str) -> Response:
    proposals.undo_accept(uow, actor, proposal_id, forms.version_of(form))
    return redirect(f"/app/proposals?done=undone#{proposal_id}")


@router.post("/proposals/{proposal_id}/decline")
def decline(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
            proposal_id: str) -> Response:
    """Decline with a reason (and a few words for "other"); a missing reason comes back to the
    proposal with its message, never to a dead end."""
    t = translator(request)
    reason = str(form.get("reason", ""))
    comment = str(form.get("comment", "")).strip()[:200] or None
    try:
        if reason not in set(DeclineReason):
            raise Invalid([FieldProblem("reason", t("form.choice"), "choice")])
        proposals.decline(uow, actor, proposal_id, forms.version_of(form),
                          DeclineReason(reason), comment)
    except Invalid as error:
        view = proposals.get_proposal(uow, actor, proposal_id)
        return page(request, "answer.html", 422, proposal=view, declining=True,
                    errors=forms.problems(error, t), reasons=list(DeclineReason),
                    typed={"reason": reason, "comment": comment or ""})
    return redirect(f"/app/proposals?done=declined#{proposal_id}")


@router.get("/proposals/{proposal_id}/confirm")
def confirm_question(request: Request, uow: UowDep, actor: PageActorDep,
                     proposal_id: str) -> Response:
    """Confirming the contract asks first: it books the move when the round closes."""
    require(uow, actor, "confirm", "proposal", Role.HOUSING_OFFICER)
    view = proposals.get_proposal(uow, actor, proposal_id)
    if view.status != ProposalStatus.ACCEPTED:
        return error_page(request, 409)
    return page(request, "confirm_contract.html", proposal=view)


@router.post("/proposals/{proposal_id}/confirm")
def confirm(uow: UowDep, actor: PageActorDep, form: FormDep, proposal_id: str) -> Response:
    proposals.confirm(uow, actor, proposal_id, forms.version_of(form))
    return redirect(f"/app/proposals?done=confirmed#{proposal_id}")


@router.post("/proposals/{proposal_id}/lapse")
def lapse(uow: UowDep, actor: PageActorDep, form: FormDep, proposal_id: str) -> Response:
    """The coordinator lets an overdue proposal lapse (from the round's page)."""
    lapsed = proposals.lapse(uow, actor, proposal_id, forms.version_of(form))
    return redirect(f"/app/rounds/{lapsed.round}?done=lapsed#overdue")
