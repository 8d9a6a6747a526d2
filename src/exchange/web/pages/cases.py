"""The case worker's pages: her households, posting and editing a case, and why a household
was not placed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from exchange.domain.consent import ConsentScope
from exchange.domain.lifecycle import CaseStatus, Role
from exchange.domain.model import Stage, Urgency
from exchange.geography import municipality_names
from exchange.http.deps import SearchDep, UowDep
from exchange.services import cases, network, outcomes, proposals
from exchange.services.access import Actor, require
from exchange.services.errors import Invalid
from exchange.services.records import Paging
from exchange.services.schemas import CaseCreate, CaseUpdate, ConsentRecord, DeclineReason
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms, places
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, OffsetDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)

#: How many rows a list shows at once.
PAGE = 25
#: Checkbox lists: each ticked box sends the field once more.
MULTI = frozenset({"safety.excluded_municipalities", "preferences.municipalities"})
CONSENT_MULTI = frozenset({"scope"})


def today() -> dt.date:
    """Today as the service counts days (UTC), for a form's default."""
    return dt.datetime.now(dt.UTC).date()


def _case_worker(uow: UnitOfWork, actor: Actor) -> None:
    require(uow, actor, "open_page", "case", Role.CASE_WORKER)


@router.get("/cases")
def cases_page(request: Request, uow: UowDep, actor: PageActorDep, search: SearchDep,
               offset: OffsetDep = 0, status: str = "", urgency: str = "") -> Response:
    """Her households' cases: searched, filtered, sorted and in pages."""
    _case_worker(uow, actor)
    listed = cases.list_cases(uow, actor, Paging(PAGE, offset), forms.choice(CaseStatus, status),
                              forms.choice(Urgency, urgency), search)
    return page(request, "cases.html", cases=listed.items, total=listed.total, offset=offset,
                size=PAGE, statuses=[s.value for s in CaseStatus],
                urgencies=[u.value for u in Urgency], sorts=list(cases.SORTS))


@router.get("/cases/new")
def new_case(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    _case_worker(uow, actor)
    return _form(request, uow, actor, {"urgency": Urgency.NORMAL.value,
                                       "household": {"adults": 1}})


@router.post("/cases")
def post_case(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep) -> Response:
    _case_worker(uow, actor)
    try:
        posted = cases.post_case(uow, actor, forms.parse(
            form, CaseCreate, translator(request), MULTI, _schools(uow, actor)))
    except Invalid as error:
        return _form(request, uow, actor, forms.nested(form, MULTI), error)
    return redirect(f"/app/cases/{posted.id}?done=posted")


@router.get("/cases/{case_id}")
def case_page(request: Request, uow: UowDep, actor: PageActorDep, case_id: str) -> Response:
    """The case, its consent, its proposals, and in plain words why it was not placed."""
    _case_worker(uow, actor)
    return _case_page(request, uow, actor, case_id)


def _case_page(request: Request, uow: UnitOfWork, actor: Actor, case_id: str,
               consent: dict[str, Any] | None = None, error: Invalid | None = None
               ) -> Response:
    view = cases.get_case(uow, actor, case_id)
    offers = proposals.list_proposals(uow, actor, Paging(50, 0), case_id=case_id).items
    unplaced = outcomes.why_unplaced(uow, actor, case_id)
    settings = request.app.state.settings
    typed = consent if consent is not None else {"given": today().isoformat(),
                                                  "scope": [ConsentScope.NETWORK.value]}
    return page(request, "case.html", 422 if error else 200, case=view, offers=offers,
                unplaced=unplaced, names=municipality_names(), reasons=list(DeclineReason),
                arranged={s.value for s in network.rules(uow, actor).school_reach_km},
                map_tiles=settings.map_tiles, map_attribution=settings.map_attribution,
                consent_data=typed, scopes=[s.value for s in ConsentScope],
                consent_errors=forms.problems(error, translator(request)) if error else {})


@router.post("/cases/{case_id}/consent")
def record_consent(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
                   case_id: str) -> Response:
    """Record the household's consent; a problem is shown beside its field."""
    _case_worker(uow, actor)
    cases.reach_case(uow, actor, case_id, "consent")
    typed = forms.nested(form, CONSENT_MULTI)
    try:
        body = forms.parse(form, ConsentRecord, translator(request), CONSENT_MULTI)
        cases.record_consent(uow, actor, case_id, body)
    except Invalid as error:
        return _case_page(request, uow, actor, case_id, typed, error)
    return redirect(f"/app/cases/{case_id}?done=consent#consent")


@router.post("/cases/{case_id}/consent/withdraw")
def withdraw_consent(uow: UowDep, actor: PageActorDep, form: FormDep, case_id: str
                     ) -> Response:
    cases.withdraw_consent(uow, actor, case_id, forms.version_of(form))
    return redirect(f"/app/cases/{case_id}?done=consent_withdrawn")


@router.get("/cases/{case_id}/edit")
def edit_case(request: Request, uow: UowDep, actor: PageActorDep, case_id: str) -> Response:
    _case_worker(uow, actor)
    view = cases.get_case(uow, actor, case_id)
    return _form(request, uow, actor, view.model_dump(mode="json"), case_id=case_id)


@router.post("/cases/{case_id}")
def update_case(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
                case_id: str) -> Response:
    _case_worker(uow, actor)
    cases.reach_case(uow, actor, case_id, "update")  # out of reach: 404 before the form is read
    try:
        body = forms.parse(form, CaseUpdate, translator(request), MULTI, _schools(uow, actor))
        cases.update_case(uow, actor, case_id, body)
    except Invalid as error:
        return _form(request, uow, actor, forms.nested(form, MULTI), error, case_id)
    return redirect(f"/app/cases/{case_id}?done=saved")


@router.post("/cases/{case_id}/withdraw")
def withdraw_case(uow: UowDep, actor: PageActorDep, form: FormDep, case_id: str) -> Response:
    cases.withdraw_case(uow, actor, case_id, forms.version_of(form))
    return redirect(f"/app/cases/{case_id}?done=withdrawn")


def _form(request: Request, uow: UnitOfWork, actor: Actor, data: dict[str, Any],
          error: Invalid | None = None, case_id: str | None = None) -> Response:
    """The case form with what was typed, and each problem beside its field."""
    children = forms.value_at(data, "household.children")
    zones = forms.value_at(data, "safety.danger_zones")
    settings = request.app.state.settings
    return page(request, "case_form.html", 422 if error else 200, data=data,
                errors=forms.problems(error, translator(request)) if error else {},
                case_id=case_id, urgencies=list(Urgency), stages=list(Stage),
                members=network.list_members(uow, actor),
                child_rows=_rows(children, 3), zone_rows=_rows(zones, 2),
                places=sorted(places.places()), schools=sorted(_schools(uow, actor)),
                names=municipality_names(), centre=places.centre_of(actor.municipality),
                map_tiles=settings.map_tiles, map_attribution=settings.map_attribution,
                home_excluded=not network.rules(uow, actor).allow_home_municipality)


def _schools(uow: UnitOfWork, actor: Actor) -> dict[str, tuple[float, float]]:
    """The network's schools to pick a kept school from: "Name (Municipality)" -> position."""
    names = municipality_names()
    listed = network.list_schools(uow, actor, Paging(100_000, 0)).items
    return {f"{s.name} ({names.get(s.municipality, s.municipality)})": (s.lat, s.lon)
            for s in listed}


def _rows(typed: Any, least: int) -> int:
    """Rows to show for a list: those typed, one blank, and at least `least`."""
    return max(len(typed) + 1 if isinstance(typed, list) else 0, least)
