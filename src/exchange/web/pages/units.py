"""The housing officer's pages: her pledged units, and pledging a new one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from exchange.domain.lifecycle import Role
from exchange.domain.model import Contract
from exchange.http.deps import UowDep
from exchange.services import units
from exchange.services.access import Actor, require
from exchange.services.errors import Invalid
from exchange.services.records import Paging
from exchange.services.schemas import UnitCreate
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, OffsetDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)


def _housing_officer(uow: UnitOfWork, actor: Actor) -> None:
    require(uow, actor, "open_page", "unit", Role.HOUSING_OFFICER)


@router.get("/units")
def units_page(request: Request, uow: UowDep, actor: PageActorDep,
               offset: OffsetDep = 0) -> Response:
    _housing_officer(uow, actor)
    listed = units.list_units(uow, actor, Paging(100, offset), newest_first=True)
    return page(request, "units.html", units=listed.items, total=listed.total, offset=offset)


@router.get("/units/new")
def new_unit(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    _housing_officer(uow, actor)
    return _form(request, {"contract": Contract.FIRST_HAND.value})


@router.post("/units")
def pledge(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep) -> Response:
    """Pledge a unit; a draft stays out of rounds until published."""
    _housing_officer(uow, actor)
    draft = form.get("_draft") == "true"
    try:
        body = forms.parse(form, UnitCreate, translator(request))
        pledged = units.pledge_unit(uow, actor, body, publish=not draft)
    except Invalid as error:
        return _form(request, forms.nested(form), error, draft)
    return redirect(f"/app/units?done=pledged#{pledged.id}")


def _form(request: Request, data: dict[str, Any], error: Invalid | None = None,
          draft: bool = False) -> Response:
    """The unit form with what was typed (the draft choice too), each problem beside its
    field."""
    return page(request, "unit_form.html", 422 if error else 200, data=data, draft=draft,
                errors=forms.problems(error, translator(request)) if error else {},
                contracts=list(Contract))


@router.post("/units/{unit_id}/publish")
def publish(uow: UowDep, actor: PageActorDep, form: FormDep, unit_id: str) -> Response:
    units.publish_unit(uow, actor, unit_id, forms.version_of(form))
    return redirect(f"/app/units?done=published#{unit_id}")


@router.post("/units/{unit_id}/withdraw")
def withdraw(uow: UowDep, actor: PageActorDep, form: FormDep, unit_id: str) -> Response:
    units.withdraw_unit(uow, actor, unit_id, forms.version_of(form))
    return redirect(f"/app/units?done=withdrawn#{unit_id}")
